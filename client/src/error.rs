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
    /// The node could not be reached, or the connection failed before its answer was whole:
    /// the cause, from the HTTP stack down (e.g. `"… tcp connect error: Connection refused (os
    /// error 111)"`).
    #[error("transport: {0}")]
    Transport(String),
    /// The node answered with a status no other variant stands for (a 5xx but 503/504, 401,
    /// 403, …): `status` and the node's message.
    #[error("HTTP {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The node's message (its error body's `error`, or the body as text).
        message: String,
    },
}

impl ClientError {
    /// True when the node, not the caller or the network, is at fault.
    pub const fn is_node_fault(&self) -> bool {
        matches!(self, Self::Misbehaving { .. })
    }
}
