//! The harness's error.

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SwarmError {
    /// The network or the clients could not be set up.
    #[error("setup: {0}")]
    Setup(String),
}
