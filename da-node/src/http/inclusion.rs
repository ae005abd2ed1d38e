//! `GET /v1/blobs/{height}/{namespace}/{commitment}/inclusion[?z=<32-byte hex>]`: a blob's
//! inclusion bundle (docs/PROTOCOL.md §14) — header (and, on a validator chain, the descendants
//! up to a certified one), index entry with its Merkle path, the blob's rows' commitments and
//! versioned hashes, and with `z` each row's KZG opening at z (EIP-4844 `compute_kzg_proof`).

use axum::{
    extract::{Path, Query, State},
    Json,
};
use rayon::prelude::*;
use serde::Deserialize;
use weft_encoding::{
    constants::{BYTES_PER_CELL, CELLS_NEEDED_PER_ROW},
    layout::{blob_rows, BlobCommitment, IndexEntry},
};
use weft_types::{
    api::InclusionView,
    inclusion::{inclusion_bundle, Opening, MAX_DESCENDANTS},
    Header,
};

use super::{blobs::parse_namespace, parse, stored_header, ApiError, AppState};
use crate::store::Lookup;

/// One request computes openings at a time (see [`inclusion`]).
static OPENINGS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();

/// `?z=` — the evaluation point, 64 hex characters (an optional `0x` before them), below the
/// BLS12-381 group order.
#[derive(Debug, Deserialize)]
pub(super) struct InclusionQuery {
    z: Option<String>,
}

fn parse_z(raw: &str) -> Result<[u8; 32], ApiError> {
    let hex = raw.strip_prefix("0x").unwrap_or(raw);
    let bad = |why: &str| ApiError::bad_request(format!("z {raw:?}: {why}"));
    let z: [u8; 32] = hex::decode(hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("expected 64 hex characters (32 bytes, big-endian)"))?;
    if !weft_types::inclusion::is_canonical(&z) {
        return Err(bad("not below the BLS12-381 group order"));
    }
    Ok(z)
}

/// The handler.
pub(super) async fn inclusion(
    State(state): State<AppState>,
    Path((height, namespace, commitment)): Path<(String, String, String)>,
    query: Result<Query<InclusionQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<InclusionView>, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::bad_request(format!("query: {}", e.body_text())))?;
    let height: u64 = parse("height", &height)?;
    let namespace = parse_namespace(&namespace)?;
    let commitment: BlobCommitment = commitment.parse().map_err(|e| {
        ApiError::bad_request(format!(
            "commitment {commitment:?}: expected 64 hex characters: {e}"
        ))
    })?;
    let z = query.z.as_deref().map(parse_z).transpose()?;
    // Openings (up to 128 EIP-4844 proofs) are computed for one request at a time, so that
    // requests with z cannot take every core from block encoding or every read permit; others
    // wait their turn within the request time limit (then 408).
    let _turn = match z {
        Some(_) => Some(
            OPENINGS
                .get_or_init(|| tokio::sync::Semaphore::new(1))
                .acquire()
                .await
                .map_err(ApiError::internal)?,
        ),
        None => None,
    };
    state
        .read(move |state| {
            let header = stored_header(state, height)?;
            let index = state.store.index(height)?.unwrap_or_default();
            let blob_index = index
                .iter()
                .position(|e| e.namespace == namespace && e.commitment == commitment)
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "no blob {commitment} of namespace {namespace} at height {height}"
                    ))
                })?;
            let entry = index[blob_index];
            let descendants = descendants(state, &header)?;
            let openings = z
                .map(|z| Ok::<_, ApiError>((z, openings(state, height, &entry, &z)?)))
                .transpose()?;
            let bundle = inclusion_bundle(&header, &descendants, &index, blob_index, openings)
                .map_err(ApiError::internal)?;
            Ok(InclusionView::new(height, &entry, &bundle))
        })
        .await
        .map(Json)
}

/// On a validator chain, for a header stored with a descendant's certificate: the stored
/// headers above it up to the first with its own (at most [`MAX_DESCENDANTS`]).
fn descendants(state: &AppState, header: &Header) -> Result<Vec<Header>, ApiError> {
    if state.trust.validators().is_none() || header.has_own_certificate() {
        return Ok(Vec::new());
    }
    let above = state
        .store
        .headers(header.height() + 1, MAX_DESCENDANTS as u64)?;
    let end = above
        .iter()
        .position(Header::has_own_certificate)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "block {} is final through a descendant not stored here yet",
                header.height()
            ))
        })?;
    Ok(above[..=end].to_vec())
}

/// Each of the blob's rows opened at z: the row's 4,096 elements are its cells 0–63
/// (PROTOCOL §1), read from the store.
fn openings(
    state: &AppState,
    height: u64,
    entry: &IndexEntry,
    z: &[u8; 32],
) -> Result<Vec<Opening>, ApiError> {
    let square = match state.store.square(height)? {
        Lookup::Found(square) => square,
        Lookup::Pruned => return Err(ApiError::gone(height)),
        Lookup::Missing => {
            return Err(ApiError::not_found(format!(
                "the data of block {height} is not stored here"
            )))
        }
    };
    let rows = blob_rows(entry)
        .map(|row| {
            let mut bytes = Vec::with_capacity(CELLS_NEEDED_PER_ROW * BYTES_PER_CELL);
            for col in 0..CELLS_NEEDED_PER_ROW as u16 {
                match square.cell(row as u16, col)? {
                    Lookup::Found((cell, _)) => bytes.extend_from_slice(&cell[..]),
                    _ => {
                        return Err(ApiError::not_found(format!(
                            "row {row} of block {height} is not stored here"
                        )))
                    }
                }
            }
            Ok(bytes)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let kzg = crate::encoder::shared_kzg();
    rows.par_iter()
        .map(|row| {
            let (proof, y) = kzg.compute_kzg_proof(row, z).map_err(ApiError::internal)?;
            Ok(Opening { y, proof: proof.0 })
        })
        .collect()
}
