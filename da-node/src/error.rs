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

impl From<weft_types::config::ConfigError> for NodeError {
    fn from(e: weft_types::config::ConfigError) -> Self {
        Self::Config(e.0)
    }
}
