//! Chain endpoints: headers, cells, node info, metrics and health.

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::IntoResponse,
    Json,
};
use weft_types::api::{CellView, HeaderView, HealthStatus, NodeInfo};

use super::{parse, stored_header, ApiError, AppState};

/// `GET /v1/headers/head`.
pub(super) async fn head(State(state): State<AppState>) -> Result<Json<HeaderView>, ApiError> {
    state
        .read(|state| {
            let head = state.store.head()?;
            let header = state
                .store
                .header(head)?
                .ok_or_else(|| ApiError::not_found("no blocks yet"))?;
            Ok(header.into())
        })
        .await
        .map(Json)
}

/// `GET /v1/headers/{height}`.
pub(super) async fn header(
    State(state): State<AppState>,
    Path(height): Path<String>,
) -> Result<Json<HeaderView>, ApiError> {
    let height: u64 = parse("height", &height)?;
    state
        .read(move |state| Ok(stored_header(state, height)?.into()))
        .await
        .map(Json)
}

/// `GET /v1/cells/{height}/{row}/{col}`.
pub(super) async fn cell(
    State(state): State<AppState>,
    Path((height, row, col)): Path<(String, String, String)>,
) -> Result<Json<CellView>, ApiError> {
    let height: u64 = parse("height", &height)?;
    let row: u16 = parse("row", &row)?;
    let col: u16 = parse("col", &col)?;
    state
        .read(move |state| cell_blocking(state, height, row, col))
        .await
        .map(Json)
}

fn cell_blocking(state: &AppState, height: u64, row: u16, col: u16) -> Result<CellView, ApiError> {
    let served = state.data.cell(height, row, col)?;
    state.metrics.cells_served_http.inc();
    Ok(CellView {
        row,
        col,
        commitment: served.commitment,
        cell: format!("0x{}", hex::encode(&served.cell[..])),
        proof: served.proof,
    })
}

/// `GET /v1/node/info`.
pub(super) async fn info(State(state): State<AppState>) -> Result<Json<NodeInfo>, ApiError> {
    let net = state.network.info();
    Ok(Json(NodeInfo {
        peer_id: net.peer_id.map(|p| p.to_string()).unwrap_or_default(),
        listen_addrs: net.listen_addrs.iter().map(ToString::to_string).collect(),
        producer_key: state.producer,
        role: state.role,
        head: state.store.head()?,
        ws_addr: net.ws_addr.map(|a| a.to_string()),
        peers: net.peers.len(),
        availability_window: state.data.window(),
        oldest_available: state.store.pruned_below()?.max(1),
        max_blob_size: Some(state.config.max_blob_size),
        encoder: Some(state.encoder.kind().to_string()),
        encoder_device: Some(state.encoder.device().to_string()),
        chain_id: state.trust.validators().map(|s| s.chain_id().to_owned()),
        validators: state.trust.validators().map(weft_types::ValidatorSet::len),
    }))
}

/// `GET /metrics`.
pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Some(m) = &state.mempool {
        let (n, bytes) = m.len_and_bytes();
        state.metrics.pending_blobs.set(n as u64);
        state.metrics.pending_bytes.set(bytes as u64);
    }
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.render(),
    )
}

/// `GET /v1/genesis`: the genesis of the validator chain this node runs or follows, as JSON
/// (the fields of `genesis.toml`, validators in canonical order; PROTOCOL §12) — what the page
/// this node serves gives its light client, as it gives the producer key on a single
/// producer's chain. 404 on a single producer's chain.
pub(super) async fn genesis(
    State(state): State<AppState>,
) -> Result<Json<weft_types::Genesis>, ApiError> {
    let set = state.trust.validators().ok_or_else(|| {
        ApiError::not_found(
            "this node's chain is a single producer's and has no genesis: trust its producer key",
        )
    })?;
    Ok(Json(weft_types::Genesis {
        chain_id: set.chain_id().to_owned(),
        validators: set.validators().to_vec(),
    }))
}

/// `GET /health`: 200 when blocks are being stored and every task runs; 503 with the
/// problems named when the producer or sync has stalled or a task died for good.
pub(super) async fn health(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let listener = state.network.info().listener_errors;
    let mut report = state.health.report(
        state.store.head()?,
        std::time::Instant::now(),
        listener.as_ref(),
    );
    if report.role == Some(weft_types::api::NodeRole::Validator) {
        report.validator_faults = Some(state.store.evidence_count()?);
    }
    let status = if report.status == HealthStatus::Ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((status, Json(report)))
}
