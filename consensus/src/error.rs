//! The consensus component's error: key folders, genesis files and the engine's start.

use std::path::Path;

/// What can go wrong setting up a validator or reading a validator set.
#[derive(Debug, thiserror::Error)]
pub enum ConsensusError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file holds no valid key.
    #[error("invalid validator key: {0}")]
    Key(String),
    /// A genesis cannot be made or is not a valid validator set.
    #[error("genesis: {0}")]
    Genesis(String),
    /// The key folder's key is not one of the genesis validators.
    #[error("the validator key {peer_key} is not in the genesis of chain {chain_id:?}")]
    NotAValidator {
        /// The key's p2p public key.
        peer_key: String,
        /// The chain.
        chain_id: String,
    },
}

impl ConsensusError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
