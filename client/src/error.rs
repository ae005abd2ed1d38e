//! What can go wrong talking to a node, named by whose fault it is.

use std::time::Duration;

/// Why a request to a node failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The caller's input was refused (HTTP 400 / 413, or refused before sending).
    #[error("bad input: {0}")]
    Input(String),
    /// The node answered something that does not verify: a header not signed by the trusted
    /// key or not linking, a blob that does not match its commitment, a proof that leaves a blob
    /// out. Do not trust this node.
    #[error("the node at {node} misbehaved: {what}")]
    Misbehaving {
        /// The node's URL.
        node: String,
        /// What did not verify.
        what: String,
    },
    /// The node does not have it (HTTP 404, or 410 for pruned data).
    #[error("not found: {0}")]
    NotFound(String),
    /// The node cannot serve now (HTTP 429 / 503 / 504); retry after `retry_after` if given.
    #[error("unavailable: {message}")]
    Unavailable {
        /// The node's message.
        message: String,
        /// When to retry, from `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// The node could not be reached or its answer could not be read.
    #[error("transport: {0}")]
    Transport(String),
}

impl ClientError {
    /// True when the node, not the caller or the network, is at fault.
    pub const fn is_node_fault(&self) -> bool {
        matches!(self, Self::Misbehaving { .. })
    }
}
