//! The node's error type. Operator errors say how to fix them.

use std::path::PathBuf;

/// Convenience alias.
pub type Result<T, E = NodeError> = std::result::Result<T, E>;

/// What can stop the node or one of its requests.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The store could not be opened or written.
    #[error("store at {path}: {reason}")]
    Store {
        /// Where.
        path: PathBuf,
        /// RocksDB's message.
        reason: String,
    },
    /// The data dir was written by a newer build, in a store format this one cannot read.
    #[error("store at {path} has format {found}, newer than this build reads ({supported}): upgrade weft, or start with another --data-dir")]
    StoreFormat {
        /// Where.
        path: PathBuf,
        /// The format found.
        found: u64,
        /// The newest format this build reads.
        supported: u64,
    },
    /// Stored bytes do not decode: the data dir is damaged or from another version.
    #[error("corrupt store entry ({what}): {reason}")]
    Corrupt {
        /// Which record.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A key file is unreadable or malformed.
    #[error("key file {path}: {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A listen address is taken or invalid.
    #[error("cannot listen on {addr}: {reason} (pick another with {flag})")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
        /// The flag that sets it.
        flag: &'static str,
    },
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The network could not start (the message names the flag for a taken port).
    #[error(transparent)]
    Network(#[from] weft_p2p::Error),
    /// A block's square does not match its header's blob index: the producer signed a bad
    /// block (a peer fault when the block came from the network).
    #[error("block {height} does not match its header's blob index ({blobs} blobs laid out, {claimed} claimed, or the root differs)")]
    LayoutMismatch {
        /// The height.
        height: u64,
        /// Blobs found in the square's layout.
        blobs: usize,
        /// Blobs the header claims.
        claimed: u32,
    },
    /// No full peer is connected to fetch a block's data from.
    #[error("no full peers to fetch block {height} from")]
    NoPeers {
        /// The height being synced.
        height: u64,
    },
    /// Not enough verified cells could be fetched to rebuild the block.
    #[error("block {height}: {rows} of {wanted} rows fetched; reconstruction failed: {source}")]
    Incomplete {
        /// The height.
        height: u64,
        /// Rows fetched whole.
        rows: usize,
        /// Rows of the extended square (2k).
        wanted: usize,
        /// Why reconstruction failed (usually too few cells).
        source: weft_encoding::Error,
    },
    /// Encoding failed (a bug or an impossible input).
    #[error(transparent)]
    Encoding(#[from] weft_encoding::Error),
    /// A header is invalid.
    #[error(transparent)]
    Header(#[from] weft_types::Error),
    /// The node is shutting down.
    #[error("the node is shutting down")]
    ShuttingDown,
    /// File-system error.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl NodeError {
    pub(crate) fn corrupt(what: &'static str, reason: impl ToString) -> Self {
        Self::Corrupt {
            what,
            reason: reason.to_string(),
        }
    }
}
