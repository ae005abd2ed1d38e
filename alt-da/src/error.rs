//! What the DA server answers when it cannot: one enum, each variant with its HTTP status and
//! whose fault it is. The OP batcher retries every non-200 put; op-node treats a 404 get as
//! "not on the DA layer" and anything else as a reason to retry.

use std::time::Duration;

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use weft_client::ClientError;

use crate::commitment::CommitmentError;

/// Why a request to the DA server failed.
#[derive(Debug, thiserror::Error)]
pub enum AltDaError {
    /// A malformed commitment, an unknown type or DA-layer byte (caller's fault, 400).
    #[error(transparent)]
    Commitment(#[from] CommitmentError),
    /// An empty body (caller's fault, 400): Weft stores blobs of at least one byte.
    #[error("empty body: a blob has at least one byte")]
    Empty,
    /// A body over the node's largest blob (caller's fault, 413).
    #[error("body of {len} bytes; the node takes blobs of at most {max}")]
    TooLarge {
        /// Bytes sent (or announced by Content-Length).
        len: usize,
        /// The node's `max_blob_size`.
        max: usize,
    },
    /// A body that could not be read (the client went away mid-upload, bad chunking): 400.
    #[error("the body could not be read: {0}")]
    BadBody(String),
    /// A body that took longer than allowed to arrive (408).
    #[error("the body did not arrive within {0:?}")]
    SlowBody(Duration),
    /// `POST /put/0x00<hash>` whose body does not hash to `<hash>` (caller's fault, 400).
    #[error("keccak256 of the body is 0x{body}, not the 0x{path} in the path")]
    HashMismatch {
        /// The hash in the path, hex.
        path: String,
        /// keccak256 of the body, hex.
        body: String,
    },
    /// A put to `/put/<commitment>` of a type this server cannot pre-compute (caller's fault, 400).
    #[error("POST /put/<commitment> takes keccak256 (type 0) commitments only; use POST /put")]
    PutWithDaService,
    /// Weft does not hold it, or the signed index proves it absent (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// More puts or gets at once than allowed (503, retry after a second).
    #[error("{max} {what} are in flight; retry")]
    Busy {
        /// `puts` or `gets`.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// The keccak index has not reached the head yet (503, retry).
    #[error("still indexing the namespace: through height {through} of {head}; retry")]
    Indexing {
        /// Heights indexed so far.
        through: u64,
        /// The node's head.
        head: u64,
    },
    /// The request took longer than allowed (504).
    #[error("not done within {0:?}")]
    Timeout(Duration),
    /// The Weft node refused, failed, could not be reached, or answered something that does not
    /// verify against the trusted producer key (`Misbehaving`: 502; unreachable or busy: 503;
    /// refused input: 400; not found: 404).
    #[error("weft node: {0}")]
    Node(#[from] ClientError),
    /// The server could not start (bad listen address, node unreachable).
    #[error("{0}")]
    Start(String),
}

impl AltDaError {
    /// The HTTP status this error is answered with.
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Commitment(_)
            | Self::Empty
            | Self::BadBody(_)
            | Self::HashMismatch { .. }
            | Self::PutWithDaService => StatusCode::BAD_REQUEST,
            Self::SlowBody(_) => StatusCode::REQUEST_TIMEOUT,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound(_) | Self::Node(ClientError::NotFound(_)) => StatusCode::NOT_FOUND,
            Self::Node(ClientError::Input(_)) => StatusCode::BAD_REQUEST,
            Self::Node(ClientError::Misbehaving { .. } | ClientError::Status { .. }) => {
                StatusCode::BAD_GATEWAY
            }
            Self::Busy { .. }
            | Self::Indexing { .. }
            | Self::Node(ClientError::Unavailable { .. } | ClientError::Transport(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Start(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AltDaError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), "{self}");
        }
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return (status, [(header::RETRY_AFTER, "1")], body).into_response();
        }
        (status, body).into_response()
    }
}
