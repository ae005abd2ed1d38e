//! The types crate's errors: malformed headers and wire messages ([`Error`]); refused
//! validator sets and finality certificates ([`CertificateError`]).

use weft_encoding::layout::Digest32;

/// Convenience alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can be wrong with a header or a wire message. All of these are the fault
/// of whoever sent the bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The encoding is cut short or has trailing bytes.
    #[error("{what}: expected {expected} bytes, got {got}")]
    Length {
        /// What was decoded.
        what: &'static str,
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        got: usize,
    },
    /// The header's version is not one we know.
    #[error("unknown header version {0}")]
    Version(u16),
    /// k is neither 0 nor a power of two ≤ 128.
    #[error("k = {0} is neither 0 nor a power of two up to 128")]
    InvalidK(u16),
    /// An empty block (k = 0) claims blobs or a non-empty index.
    #[error("empty block with {blob_count} blobs or a non-empty index root")]
    EmptyBlockWithData {
        /// Blob count claimed.
        blob_count: u32,
    },
    /// The header was signed by someone other than the expected producer.
    #[error("header is from producer {got}, expected {expected}")]
    WrongProducer {
        /// Key expected.
        expected: String,
        /// Key found.
        got: String,
    },
    /// On a chain run by validators: the header is signed by a key that is not a validator's.
    #[error("header is signed by {signer}, not a validator of chain {chain_id:?}")]
    NotAValidator {
        /// The signer's key.
        signer: String,
        /// The chain.
        chain_id: String,
    },
    /// On a chain run by validators: the header carries no finality certificate.
    #[error("header {height} carries no finality certificate")]
    Uncertified {
        /// Its height.
        height: u64,
    },
    /// On a chain run by validators: its certificate is refused.
    #[error("header {height}: {source}")]
    Certificate {
        /// Its height.
        height: u64,
        /// Why.
        source: CertificateError,
    },
    /// In a run of headers, this one does not follow the one before (height, parent hash or
    /// timestamp).
    #[error("header {height} does not follow the header before it")]
    BrokenLink {
        /// Its height.
        height: u64,
    },
    /// The signature does not verify.
    #[error("bad header signature at height {height}")]
    BadSignature {
        /// Height of the header.
        height: u64,
    },
    /// A row commitment is not a valid G1 point.
    #[error("row commitment {index} is invalid: {reason}")]
    BadCommitment {
        /// Which commitment.
        index: usize,
        /// Why.
        reason: weft_encoding::PointError,
    },
    /// A public key is not 32 bytes of hex or not a valid Ed25519 point.
    #[error("invalid producer key: {0}")]
    BadKey(String),
    /// A wire message exceeds its protocol's limit.
    #[error("{what}: {got} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// A header is stamped too far ahead of the local clock (see `MAX_CLOCK_SKEW_MS`).
    #[error("header {height} is stamped {timestamp_ms} ms, more than the allowed skew after now ({now_ms} ms)")]
    FromTheFuture {
        /// Its height.
        height: u64,
        /// Its timestamp (ms since the Unix epoch).
        timestamp_ms: u64,
        /// The local clock.
        now_ms: u64,
    },
    /// A wire message does not decode.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// Decoder's message.
        reason: String,
    },
}

/// Why a validator set or a certificate is refused. Each variant names what a light client,
/// the SDK or a node reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The genesis file is not a usable validator set.
    #[error("genesis: {0}")]
    Genesis(String),
    /// The certificate is for another chain.
    #[error("certificate is for chain {got:?}, the genesis is for chain {expected:?}")]
    WrongChain {
        /// Chain id of the genesis.
        expected: String,
        /// Chain id in the certificate.
        got: String,
    },
    /// The certificate finalizes another header.
    #[error("certificate finalizes header {certified}, not header {header}")]
    WrongHeader {
        /// Hash the certificate carries.
        certified: Digest32,
        /// Hash of the header it came with.
        header: Digest32,
    },
    /// Not more than two thirds of the validators signed.
    #[error("certificate has {signers} signers of {validators} validators; {needed} (more than two thirds) are needed")]
    TooFewSigners {
        /// Signers listed.
        signers: usize,
        /// Signers needed.
        needed: usize,
        /// Validators in the set.
        validators: usize,
    },
    /// A signer index is outside the set.
    #[error("signer {index} is not in the validator set ({validators} validators)")]
    UnknownSigner {
        /// The index.
        index: u16,
        /// Validators in the set.
        validators: usize,
    },
    /// Signer indices repeat or are out of order.
    #[error("signer indices must be strictly increasing (index {index} follows {previous})")]
    UnorderedSigners {
        /// The index out of place.
        index: u16,
        /// The one before it.
        previous: u16,
    },
    /// The signature bytes are not a G2 point.
    #[error("certificate signature is not a BLS12-381 G2 point")]
    MalformedSignature,
    /// The aggregate signature does not verify for these signers and this header.
    #[error("certificate signature does not verify for header {payload} at view {view}")]
    BadSignature {
        /// The header hash.
        payload: Digest32,
        /// The view.
        view: u64,
    },
}
