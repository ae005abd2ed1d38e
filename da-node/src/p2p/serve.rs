//! Answers to inbound requests, read from the store (run on a blocking thread).

use weft_encoding::constants::{CELLS_PER_ROW, MAX_K};
use weft_types::wire::{
    CellWithProof, CellsRequest, CellsResponse, HeadersRequest, HeadersResponse, Refusal,
    RowRequest, RowResponse, MAX_CELLS_PER_REQUEST, MAX_HEADERS_PER_REQUEST,
};

use crate::{
    faults::Faults,
    store::{Lookup, Store},
};

/// Answers a header-range request.
pub fn headers(store: &Store, req: &HeadersRequest) -> HeadersResponse {
    if req.count == 0 || req.count > MAX_HEADERS_PER_REQUEST {
        return HeadersResponse::Refused(Refusal::BadRequest);
    }
    match store.headers(req.from, u64::from(req.count)) {
        Ok(headers) => {
            HeadersResponse::Headers(headers.iter().map(weft_types::Header::to_bytes).collect())
        }
        Err(e) => {
            tracing::error!("serving headers: {e}");
            HeadersResponse::Refused(Refusal::NotFound)
        }
    }
}

/// Answers a cells request: the cells the node has (withheld ones are left out).
pub fn cells(store: &Store, faults: &Faults, req: &CellsRequest) -> CellsResponse {
    if req.cells.is_empty() || req.cells.len() > MAX_CELLS_PER_REQUEST {
        return CellsResponse::Refused(Refusal::BadRequest);
    }
    let k = match store.header(req.height) {
        Ok(Some(h)) if h.k() > 0 => h.k(),
        Ok(_) => return CellsResponse::Refused(Refusal::NotFound),
        Err(e) => {
            tracing::error!("serving cells: {e}");
            return CellsResponse::Refused(Refusal::NotFound);
        }
    };
    let mut out = Vec::with_capacity(req.cells.len());
    for id in &req.cells {
        if usize::from(id.row) >= 2 * k.min(MAX_K) || usize::from(id.col) >= CELLS_PER_ROW {
            return CellsResponse::Refused(Refusal::BadRequest);
        }
        if faults.withholds(req.height, k, id.row, id.col) {
            continue;
        }
        match store.cell(req.height, id.row, id.col) {
            Ok(Lookup::Found((cell, proof))) => {
                let mut cell = cell.to_vec();
                faults.corrupt(&mut cell);
                out.push(CellWithProof {
                    id: *id,
                    cell,
                    proof: proof.0.to_vec(),
                });
            }
            Ok(Lookup::Pruned) => return CellsResponse::Refused(Refusal::Pruned),
            Ok(Lookup::Missing) => {}
            Err(e) => tracing::error!("serving cells: {e}"),
        }
    }
    CellsResponse::Cells(out)
}

/// Answers a whole-row request. Withholding (a test fault) targets samplers, so rows are
/// still served to full nodes.
pub fn row(store: &Store, faults: &Faults, req: &RowRequest) -> RowResponse {
    let k = match store.header(req.height) {
        Ok(Some(h)) if h.k() > 0 => h.k(),
        _ => return RowResponse::Refused(Refusal::NotFound),
    };
    if usize::from(req.row) >= 2 * k {
        return RowResponse::Refused(Refusal::BadRequest);
    }
    match store.row(req.height, req.row) {
        Ok(Lookup::Found((cells, proofs))) => RowResponse::Row {
            cells: cells
                .into_iter()
                .map(|c| {
                    let mut c = c.to_vec();
                    faults.corrupt(&mut c);
                    c
                })
                .collect(),
            proofs: proofs.into_iter().map(|p| p.0.to_vec()).collect(),
        },
        Ok(Lookup::Pruned) => RowResponse::Refused(Refusal::Pruned),
        Ok(Lookup::Missing) => RowResponse::Refused(Refusal::NotFound),
        Err(e) => {
            tracing::error!("serving row: {e}");
            RowResponse::Refused(Refusal::NotFound)
        }
    }
}
