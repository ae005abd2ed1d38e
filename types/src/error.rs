//! The types crate's error: malformed headers and wire messages.

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
