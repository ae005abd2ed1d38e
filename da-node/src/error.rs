//! The node's error type. Operator errors say how to fix them.

use std::path::PathBuf;

/// Convenience alias.
pub type Result<T, E = NodeError> = std::result::Result<T, E>;

/// What can stop the node or one of its requests.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
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
    /// The data dir holds another producer's chain, or was kept in the other role: a follower
    /// restarted without `--producer-key` would otherwise produce on top of the chain it
    /// followed.
    #[error("{flag}: {data_dir} holds {held}; {fix}")]
    WrongChain {
        /// The flag to change (`--producer-key` or `--data-dir`).
        flag: &'static str,
        /// The data dir.
        data_dir: PathBuf,
        /// What the data dir holds.
        held: crate::store::ChainRecord,
        /// How to start the node instead.
        fix: String,
    },
    /// The data dir's chain is signed by two keys (a follower of one producer was restarted
    /// as a producer before data dirs recorded their role): neither following nor producing
    /// on it is safe.
    #[error("--data-dir {data_dir}: its chain is signed by two keys ({first} from height 1, {last} at height {head}): a second producer extended it; start with a new --data-dir")]
    MixedChain {
        /// The data dir.
        data_dir: PathBuf,
        /// The key of height 1.
        first: weft_types::ProducerKey,
        /// The key of the newest header.
        last: weft_types::ProducerKey,
        /// The newest height.
        head: u64,
    },
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The network could not start (the message names the flag for a taken port).
    #[error(transparent)]
    Network(#[from] weft_p2p::Error),
    /// The encoder asked for cannot run here.
    #[error("--encoder {choice}: {reason} (use --encoder auto or cpu, or `encoder` in weft.toml)")]
    Encoder {
        /// The choice (`cuda`).
        choice: &'static str,
        /// Why it cannot run.
        reason: String,
    },
    /// A block could not be built (blobs that do not encode, or a parent signed by another
    /// key).
    #[error(transparent)]
    Block(#[from] crate::block::BlockError),
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

impl From<weft_config::ConfigError> for NodeError {
    fn from(e: weft_config::ConfigError) -> Self {
        Self::Config(e.0)
    }
}

impl From<crate::encoder::EncoderUnavailable> for NodeError {
    fn from(e: crate::encoder::EncoderUnavailable) -> Self {
        Self::Encoder {
            choice: e.choice,
            reason: e.reason,
        }
    }
}
