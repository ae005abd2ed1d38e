//! The HTTP API (docs/openapi.yaml): blobs in and out, headers, cells, node info, metrics and
//! health. Every bad input gets a 4xx with `{"error": "..."}`; nothing a client sends can cause a
//! 500 or a panic.

mod blobs;
mod chain;
mod inclusion;
mod linger;
mod page;
mod server;
mod stream;

pub(crate) use page::embedded as page_embedded;
pub(crate) use server::{serve, Serving};

use std::{sync::Arc, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    http::{Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use tower_http::services::ServeDir;
use weft_types::{
    api::{ErrorBody, ErrorCode},
    ProducerKey,
};

use weft_p2p::NetworkHandle;

use crate::{
    config::NodeConfig,
    mempool::Mempool,
    metrics::Metrics,
    serve::{CellRefusal, DataServer},
    store::Store,
};

/// Time allowed for any request but a waiting blob submission.
pub(crate) const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(30);
/// Extra room in a submission body beyond the base64 of the largest blob.
const BODY_SLACK: usize = 1024;

/// Shared state of the handlers.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub(crate) store: Store,
    /// The producer's pool: `Some` exactly on a producer (`Role::Producer`), the one role that
    /// takes blobs.
    pub(crate) mempool: Option<Arc<Mempool>>,
    /// The role reported by `/v1/node/info` (`/health` and `/metrics` report the same value).
    pub(crate) role: weft_types::api::NodeRole,
    pub(crate) network: NetworkHandle,
    pub(crate) config: Arc<NodeConfig>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) producer: ProducerKey,
    /// What the chain's headers are checked against (`chain_id` and `validators` in
    /// `/v1/node/info` on a validator chain).
    pub(crate) trust: weft_types::Trust,
    /// Cell lookups, shared with the p2p server.
    pub(crate) data: DataServer,
    /// Bounds the store reads running at once (they run on blocking threads).
    pub(crate) reads: Arc<tokio::sync::Semaphore>,
    /// Liveness of the producer or sync task.
    pub(crate) health: Arc<crate::health::Health>,
    /// The square encoder (reported by `GET /v1/node/info`).
    pub(crate) encoder: crate::Encoder,
}

/// Store reads served at once; further requests wait their turn.
pub(crate) const MAX_CONCURRENT_READS: usize = 16;

impl AppState {
    /// Runs a store read on a blocking thread, at most [`MAX_CONCURRENT_READS`] at a time.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .reads
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(ApiError::internal)?
    }
}

/// An error answer: a status and a message naming what was wrong.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    /// Seconds to send in `Retry-After`, for refusals that pass.
    retry_after: Option<u64>,
}

impl ApiError {
    /// An answer with `status`, its code the status's usual one ([`code_of`]).
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code_of(status),
            message: message.into(),
            retry_after: None,
        }
    }
    /// Sets the code, for a status several codes share (503).
    pub(crate) const fn code(mut self, code: ErrorCode) -> Self {
        self.code = code;
        self
    }
    /// Adds `Retry-After: secs`.
    pub(crate) const fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub(crate) fn gone(height: u64) -> Self {
        Self::new(
            StatusCode::GONE,
            format!("the square of block {height} was pruned (--prune-after); its header remains"),
        )
    }
    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}"),
        )
    }
}

impl std::fmt::Display for ApiError {
    /// `"<status>: <message>"`, as the node logs an answer it could not finish.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                error: self.message,
                code: Some(self.code),
            }),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<CellRefusal> for ApiError {
    fn from(e: CellRefusal) -> Self {
        match e {
            CellRefusal::NoBlock { .. }
            | CellRefusal::NoData { .. }
            | CellRefusal::NotStored { .. } => Self::not_found(e.to_string()),
            CellRefusal::RowOutOfRange { .. } | CellRefusal::ColOutOfRange { .. } => {
                Self::bad_request(e.to_string())
            }
            CellRefusal::Pruned { height } => Self::gone(height),
            CellRefusal::Store(e) => Self::internal(e),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::internal(e)
    }
}

impl From<crate::error::NodeError> for ApiError {
    fn from(e: crate::error::NodeError) -> Self {
        Self::internal(e)
    }
}

/// The code of an answer with `status`, unless the handler names another.
const fn code_of(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        400 => ErrorCode::InvalidRequest,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        408 => ErrorCode::Timeout,
        410 => ErrorCode::Pruned,
        413 => ErrorCode::TooLarge,
        429 => ErrorCode::PoolFull,
        503 => ErrorCode::Overloaded,
        504 => ErrorCode::NotIncludedYet,
        _ => ErrorCode::Internal,
    }
}

/// Largest `POST /v1/blobs` body: base64 of the largest blob plus JSON framing.
pub(crate) fn body_limit(max_blob_size: usize) -> usize {
    max_blob_size.div_ceil(3) * 4 + BODY_SLACK
}

/// The router.
pub(crate) fn router(state: AppState) -> Router {
    let limit = body_limit(state.config.max_blob_size);
    let submit = Router::new()
        .route("/v1/blobs", post(blobs::submit))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            read_whole_body,
        ));
    let reads = Router::new()
        .route("/v1/blobs/status/{id}", get(blobs::status))
        .route(
            "/v1/blobs/by-commitment/{commitment}",
            get(blobs::by_commitment),
        )
        .route("/v1/blobs/{height}/{namespace}", get(blobs::by_namespace))
        .route(
            "/v1/blobs/{height}/{namespace}/{commitment}/inclusion",
            get(inclusion::inclusion),
        )
        .route("/v1/headers/head", get(chain::head))
        .route("/v1/headers/{height}", get(chain::header))
        .route("/v1/cells/{height}/{row}/{col}", get(chain::cell))
        .route("/v1/node/info", get(chain::info))
        .route("/v1/genesis", get(chain::genesis))
        .route("/metrics", get(chain::metrics))
        .route("/health", get(chain::health))
        .layer(axum::middleware::from_fn(answer_in_time))
        // Reads are public: a dapp on any origin (the `weft-light` npm package) may read them.
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD]),
        );
    let router = submit
        .merge(reads)
        .method_not_allowed_fallback(method_not_allowed);
    let router = match &state.config.page_dir {
        // The light-client page: static files, with the API's JSON 404 for anything missing.
        Some(dir) => router
            .fallback_service(ServeDir::new(dir).not_found_service(axum::routing::any(not_found))),
        // The page embedded at build time (or one saying how to build it).
        None => router.fallback(page::serve),
    };
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

/// Answers a read within [`REQUEST_TIME_LIMIT`], else 408 with the error body (its `code`
/// `timeout`), like every other error.
async fn answer_in_time(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::time::timeout(REQUEST_TIME_LIMIT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("not answered within {}s", REQUEST_TIME_LIMIT.as_secs()),
        )
        .into_response(),
    }
}

async fn count_requests(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    state.metrics.http_requests.inc();
    next.run(request).await
}

/// Reads a submission's whole body before the handler runs: 413 at once when the declared
/// `Content-Length` is over the limit (nothing is read), 413 when a chunked body grows over
/// it, 408 when the body has not all arrived within `http_limits.body_timeout` however it
/// trickles in (a per-chunk timeout would let 1 byte/s go on for ever).
async fn read_whole_body(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let limit = body_limit(state.config.max_blob_size);
    let too_large = || {
        state.metrics.blobs_rejected.inc();
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body exceeds {limit} bytes (the base64 of --max-blob-size {} bytes)",
                state.config.max_blob_size
            ),
        )
        .into_response()
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let deadline = state.config.http_limits.body_timeout;
    let read = http_body_util::BodyExt::collect(http_body_util::Limited::new(body, limit));
    match tokio::time::timeout(deadline, read).await {
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "request body not received within {}s",
                deadline.as_secs_f64()
            ),
        )
        .into_response(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => too_large(),
        Ok(Err(e)) => ApiError::bad_request(format!("request body: {e}")).into_response(),
        Ok(Ok(collected)) => {
            let body = axum::body::Body::from(collected.to_bytes());
            next.run(axum::extract::Request::from_parts(parts, body))
                .await
        }
    }
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// The stored header at `height`, or a 404 naming the head.
pub(crate) fn stored_header(state: &AppState, height: u64) -> Result<weft_types::Header, ApiError> {
    state.store.header(height)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no block at height {height} (head is {})",
            state.store.head().unwrap_or(0)
        ))
    })
}

/// Parses a path segment, naming it in the error.
pub(crate) fn parse<T: std::str::FromStr>(what: &str, raw: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    raw.parse()
        .map_err(|e| ApiError::bad_request(format!("{what} {raw:?}: {e}")))
}
