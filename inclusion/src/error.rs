//! Why a bundle is refused: one variant per check, in the order [`crate::verify`] makes them.

/// A refused inclusion bundle. Every variant is the prover's fault (or a tampered bundle):
/// nothing in it may be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InclusionError {
    /// The bundle's bytes are not a bundle (`what` names the part, `reason` what is wrong).
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// The part: "bundle", "header", "certificate", "entry".
        what: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The bundle is longer than [`crate::MAX_BUNDLE_BYTES`].
    #[error("bundle of {got} bytes exceeds {limit}")]
    TooLarge {
        /// Its length.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// A header signed by another key than the trusted producer's.
    #[error("header {height} is signed by another key than the trusted producer")]
    WrongProducer {
        /// The header's height.
        height: u64,
    },
    /// A header signed by a key that is not one of the validators'.
    #[error("header {height} is signed by a key that is not a validator's")]
    NotAValidator {
        /// The header's height.
        height: u64,
    },
    /// A header's Ed25519 signature does not verify.
    #[error("header {height}'s signature does not verify")]
    BadHeaderSignature {
        /// The header's height.
        height: u64,
    },
    /// On a validator chain: no certificate for the header, nor a certified descendant.
    #[error("header {height} has no finality certificate and no certified descendant")]
    Uncertified {
        /// The header's height.
        height: u64,
    },
    /// A descendant that does not follow the header before it (height, parent hash, time).
    #[error("descendant at height {height} does not follow the header before it")]
    BrokenLink {
        /// The descendant's height.
        height: u64,
    },
    /// Descendants given on a single-producer chain, or after one that is final by itself.
    #[error("{count} descendants given where none belong")]
    StrayDescendants {
        /// How many.
        count: usize,
    },
    /// A certificate of another chain.
    #[error("certificate of another chain")]
    WrongChain,
    /// A certificate for another header than the one it travels with.
    #[error("certificate at height {height} is for another header")]
    WrongHeader {
        /// The height of the header it travels with.
        height: u64,
    },
    /// Signer indices not strictly increasing.
    #[error("signer {index} follows signer {previous}: signers must be strictly increasing")]
    UnorderedSigners {
        /// The index out of order.
        index: u16,
        /// The one before it.
        previous: u16,
    },
    /// A signer index past the validator set.
    #[error("signer {index} is not among {validators} validators")]
    UnknownSigner {
        /// The index.
        index: u16,
        /// Validators in the set.
        validators: usize,
    },
    /// Fewer signers than a quorum (more than two thirds).
    #[error("{signers} signers; {needed} of {validators} validators needed")]
    TooFewSigners {
        /// Signers in the certificate.
        signers: usize,
        /// The quorum, n − ⌊(n − 1)/3⌋.
        needed: usize,
        /// Validators in the set.
        validators: usize,
    },
    /// The certificate's aggregate signature does not verify.
    #[error("the certificate's aggregate signature does not verify")]
    BadCertificateSignature,
    /// The blob's index position is not below the header's blob count.
    #[error("blob {blob_index} of a block with {blob_count} blobs")]
    NoSuchBlob {
        /// The index position claimed.
        blob_index: u32,
        /// The header's blob count.
        blob_count: u32,
    },
    /// The index entry and its Merkle path do not give the header's index root.
    #[error("the index entry and its path do not give the header's index root")]
    WrongIndexPath,
    /// The rows given are not the blob's rows, or lie outside the square.
    #[error("rows {first}..+{count} are not the blob's rows {expected_first}..+{expected_count} of a square of k = {k}")]
    WrongRows {
        /// First row given.
        first: u16,
        /// Rows given.
        count: usize,
        /// The blob's first row (from its index entry).
        expected_first: usize,
        /// The blob's row count.
        expected_count: usize,
        /// The square's original rows.
        k: usize,
    },
    /// A row commitment that is not the header's for that row.
    #[error("row {row}'s commitment is not the header's")]
    WrongRowCommitment {
        /// The row.
        row: usize,
    },
    /// A versioned hash that is not `0x01 ‖ SHA-256(commitment)[1..]`.
    #[error("row {row}'s versioned hash does not match its commitment")]
    WrongVersionedHash {
        /// The row.
        row: usize,
    },
    /// A G1 point (commitment or proof) that does not decompress or is not in the subgroup.
    #[error("row {row}'s {what} is not a point of the G1 subgroup")]
    BadPoint {
        /// The row.
        row: usize,
        /// "commitment" or "proof".
        what: &'static str,
    },
    /// z or y is not a canonical scalar (below the BLS12-381 group order).
    #[error("{what} is not below the BLS12-381 group order")]
    NonCanonical {
        /// "z" or "y".
        what: &'static str,
    },
    /// z given without openings for every row, or openings without z.
    #[error("{openings} openings for {rows} rows (z given: {z})")]
    OpeningCount {
        /// Openings given.
        openings: usize,
        /// Rows.
        rows: usize,
        /// Whether z is given.
        z: bool,
    },
    /// A KZG opening that does not verify: the row's polynomial does not take y at z.
    #[error("row {row}'s opening at z does not verify")]
    BadOpening {
        /// The row.
        row: usize,
    },
    /// The bundle proves something else than what was asked (`what`: "height", "namespace",
    /// "commitment" or "z").
    #[error("the bundle is for another {what}")]
    OtherClaim {
        /// What differs.
        what: &'static str,
    },
    /// The data given does not match the blob commitment of the index entry.
    #[error("the data does not match the blob's commitment")]
    WrongData,
}
