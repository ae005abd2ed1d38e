//! Blob endpoints: submission, status, and retrieval by namespace or commitment.

use axum::{
    extract::{rejection::JsonRejection, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Deserialize;
use weft_encoding::layout::{prove_namespace, Blob, BlobCommitment, IndexEntry, Namespace};
use weft_types::api::{
    BlobReceipt, BlobState as ApiBlobState, BlobStatus, ErrorCode, SubmitAccepted, SubmitBlob,
};

use super::{parse, ApiError, AppState};
use crate::{
    mempool::{blob_state, BlobState, SubmitError},
    store::Lookup,
};

/// `?wait=false` returns 202 at once instead of waiting for the block.
#[derive(Debug, Deserialize)]
pub(super) struct SubmitQuery {
    #[serde(default = "yes")]
    wait: bool,
}

const fn yes() -> bool {
    true
}

pub(super) fn parse_namespace(raw: &str) -> Result<Namespace, ApiError> {
    raw.parse().map_err(|e| {
        ApiError::bad_request(format!(
            "namespace {raw:?}: expected 32 hex characters (16 bytes): {e}"
        ))
    })
}

/// `POST /v1/blobs`.
pub(super) async fn submit(
    State(state): State<AppState>,
    query: Result<Query<SubmitQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Json<SubmitBlob>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::bad_request(format!("query: {}", e.body_text())))?;
    let Json(body) = body.map_err(|e| {
        let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            e.status()
        } else {
            StatusCode::BAD_REQUEST
        };
        let what = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "request body exceeds {} bytes (the base64 of --max-blob-size {} bytes)",
                super::body_limit(state.config.max_blob_size),
                state.config.max_blob_size
            )
        } else {
            format!("request body: {}", e.body_text())
        };
        state.metrics.blobs_rejected.inc();
        ApiError::new(status, what)
    })?;
    let Some(mempool) = state.mempool.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            if state.role == weft_types::api::NodeRole::Producer {
                "this node signs squares encoded elsewhere (a publisher) and does not take blobs"
                    .to_string()
            } else {
                format!(
                    "this node follows {} and does not take blobs; submit to the producer or a \
                     validator",
                    state.trust
                )
            },
        )
        .code(ErrorCode::NotProducer));
    };
    let namespace = body.namespace;
    let data = STANDARD
        .decode(body.data.as_bytes())
        .map_err(|e| ApiError::bad_request(format!("data: not valid base64: {e}")))?;
    let size = data.len();
    let blob = Blob::new(namespace, data);
    let commitment = blob.commitment();
    let limit = wait_limit(&state);
    // Admitted only if the measured pace includes it well within the limit (a fifth to spare).
    let wait = query.wait.then_some(limit * 4 / 5);
    let submitted = tokio::task::spawn_blocking(move || mempool.submit(blob, wait))
        .await
        .map_err(ApiError::internal)?;
    let (id, receiver) = submitted.map_err(|e| {
        state.metrics.blobs_rejected.inc();
        match e {
            SubmitError::TooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
            }
            SubmitError::Empty => ApiError::bad_request(format!("data: {e}")),
            SubmitError::Full { retry_after, .. } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, e.to_string()).retry_after(retry_after)
            }
            SubmitError::TooSlow { retry_after, .. } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                    .code(ErrorCode::TooSlow)
                    .retry_after(retry_after)
            }
            SubmitError::Store(e) => ApiError::internal(e),
        }
    })?;
    state.metrics.blobs_submitted.inc();
    state.metrics.blob_bytes_submitted.inc_by(size as u64);
    let Some(receiver) = receiver else {
        return Ok((
            StatusCode::ACCEPTED,
            Json(SubmitAccepted {
                id: id.to_string(),
                commitment,
            }),
        )
            .into_response());
    };
    match tokio::time::timeout(limit, receiver).await {
        Ok(Ok(inclusion)) => Ok(Json(BlobReceipt::from(inclusion)).into_response()),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is shutting down; the blob stays pending",
        )
        .code(ErrorCode::ShuttingDown)),
        Err(_) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("blob {id} is not in a block after {}s; it stays pending: poll /v1/blobs/status/{id}", limit.as_secs()),
        )),
    }
}

/// How long a waiting submission may wait for its block: `submit_timeout` in the config, by
/// default 30 block times and at least 60 s.
fn wait_limit(state: &AppState) -> std::time::Duration {
    state
        .config
        .submit_timeout
        .unwrap_or_else(|| (state.config.block_time * 30).max(std::time::Duration::from_secs(60)))
}

/// `GET /v1/blobs/status/{id}`.
pub(super) async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<BlobStatus>, ApiError> {
    state
        .read(move |state| status_blocking(state, id))
        .await
        .map(Json)
}

fn status_blocking(state: &AppState, id: String) -> Result<BlobStatus, ApiError> {
    let n: u64 = parse("id", &id)?;
    let found = match &state.mempool {
        Some(mempool) => mempool.status(n)?,
        None => blob_state(&state.store, n)?,
    };
    match found {
        Some(BlobState::Included(inclusion)) => Ok(BlobStatus {
            id,
            status: ApiBlobState::Included,
            receipt: Some(inclusion.into()),
        }),
        Some(BlobState::Pending) => Ok(BlobStatus {
            id,
            status: ApiBlobState::Pending,
            receipt: None,
        }),
        None => Err(ApiError::not_found(format!("no blob with id {n}"))),
    }
}

/// Fails with the answer for a block whose square is not here (410 pruned, 404 missing).
fn square_here(state: &AppState, height: u64) -> Result<(), ApiError> {
    match state.store.square(height)? {
        Lookup::Found(_) => Ok(()),
        Lookup::Pruned => Err(ApiError::gone(height)),
        Lookup::Missing => Err(ApiError::not_found(format!(
            "the data of block {height} is not stored here"
        ))),
    }
}

/// `GET /v1/blobs/{height}/{namespace}`: streamed from the store (`super::stream`).
pub(super) async fn by_namespace(
    State(state): State<AppState>,
    Path((height, namespace)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let height: u64 = parse("height", &height)?;
    let namespace = parse_namespace(&namespace)?;
    let (blobs, proof) = state
        .read(move |state| {
            super::stored_header(state, height)?;
            let index = state.store.index(height)?.unwrap_or_default();
            let proof = prove_namespace(&index, &namespace);
            let blobs: Vec<(u32, IndexEntry)> = index
                .iter()
                .enumerate()
                .filter(|(_, e)| e.namespace == namespace)
                .map(|(i, e)| (i as u32, *e))
                .collect();
            if !blobs.is_empty() {
                square_here(state, height)?;
            }
            Ok((blobs, proof))
        })
        .await?;
    super::stream::namespace_blobs(state, height, &namespace, blobs, &proof)
}

/// `GET /v1/blobs/by-commitment/{commitment}`: the most recent blob with this commitment,
/// streamed from the store (`super::stream`).
pub(super) async fn by_commitment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let commitment: BlobCommitment = raw.parse().map_err(|e| {
        ApiError::bad_request(format!(
            "commitment {raw:?}: expected 64 hex characters: {e}"
        ))
    })?;
    let (height, index, entry) = state
        .read(move |state| {
            let (height, index) = state.store.blob_location(&commitment)?.ok_or_else(|| {
                ApiError::not_found(format!("no blob with commitment {commitment}"))
            })?;
            let entries = state.store.index(height)?.unwrap_or_default();
            let entry = *entries
                .get(index as usize)
                .ok_or_else(|| ApiError::internal("index entry missing"))?;
            square_here(state, height)?;
            Ok((height, index, entry))
        })
        .await?;
    Ok(super::stream::blob(state, height, index, entry))
}
