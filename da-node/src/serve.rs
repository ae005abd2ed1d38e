//! Serving stored data: one cell lookup with its range checks for HTTP and libp2p alike, the
//! p2p [`RequestServer`], and the [`CellSource`] seam through which served cells and rows are
//! read (the store; in tests, a wrapper that withholds or corrupts).

use std::{sync::Arc, time::Instant};

use weft_encoding::{
    constants::{CELLS_PER_ROW, MAX_K},
    Cell, Commitment, Proof,
};
use weft_p2p::RequestServer;
use weft_types::wire::{
    CellWithProof, CellsRequest, CellsResponse, HeadersRequest, HeadersResponse, Refusal,
    RowRequest, RowResponse, StatusResponse, MAX_CELLS_PER_REQUEST, MAX_HEADERS_PER_REQUEST,
    PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST,
};

use crate::{
    metrics::Metrics,
    store::{Lookup, Result, Store, StoreError, StoredRow},
};

/// Where served cells and rows are read from. The store implements it; tests wrap the store to
/// build a withholding or lying node without any test code in the node.
pub trait CellSource: Send + Sync + std::fmt::Debug + 'static {
    /// One cell with its proof; `k` is the block's k (from its header), `row < 2k`,
    /// `col < 128` (checked by the caller).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    fn cell(&self, height: u64, k: usize, row: u16, col: u16)
        -> Result<Lookup<(Box<Cell>, Proof)>>;

    /// A whole row: 128 cells and their proofs.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    fn row(&self, height: u64, k: usize, row: u16) -> Result<Lookup<StoredRow>>;
}

impl CellSource for Store {
    fn cell(
        &self,
        height: u64,
        _k: usize,
        row: u16,
        col: u16,
    ) -> Result<Lookup<(Box<Cell>, Proof)>> {
        Store::cell(self, height, row, col)
    }

    fn row(&self, height: u64, _k: usize, row: u16) -> Result<Lookup<StoredRow>> {
        Store::row(self, height, row)
    }
}

/// Why a cell cannot be served. HTTP maps each to a status, p2p to a [`Refusal`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum CellRefusal {
    /// No block at that height.
    #[error("no block at height {height} (head is {head})")]
    NoBlock {
        /// The height asked for.
        height: u64,
        /// The stored head.
        head: u64,
    },
    /// The block is empty (k = 0).
    #[error("block {height} has no data (k = 0)")]
    NoData {
        /// The height.
        height: u64,
    },
    /// The row is outside `0..2k`.
    #[error("row {row} is outside 0..{rows} (block {height} has k = {k})")]
    RowOutOfRange {
        /// The height.
        height: u64,
        /// The row asked for.
        row: u16,
        /// 2k.
        rows: usize,
        /// The block's k.
        k: usize,
    },
    /// The column is outside `0..128`.
    #[error("col {col} is outside 0..{CELLS_PER_ROW}")]
    ColOutOfRange {
        /// The column asked for.
        col: u16,
    },
    /// This node does not hold the cell.
    #[error("cell ({row}, {col}) of block {height} is not stored here")]
    NotStored {
        /// The height.
        height: u64,
        /// Row.
        row: u16,
        /// Column.
        col: u16,
    },
    /// The block's square was pruned.
    #[error("block {height} was pruned")]
    Pruned {
        /// The height.
        height: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CellRefusal {
    /// The refusal a peer gets on the wire.
    pub(crate) const fn wire(&self) -> Refusal {
        match self {
            Self::RowOutOfRange { .. } | Self::ColOutOfRange { .. } => Refusal::BadRequest,
            Self::Pruned { .. } => Refusal::Pruned,
            Self::NoBlock { .. }
            | Self::NoData { .. }
            | Self::NotStored { .. }
            | Self::Store(_) => Refusal::NotFound,
        }
    }
}

/// A cell as served: the cell, its proof and its row's commitment.
#[derive(Debug)]
pub(crate) struct ServedCell {
    /// 2048 bytes.
    pub cell: Box<Cell>,
    /// The cell's KZG proof.
    pub proof: Proof,
    /// The commitment of its row (of all 2k).
    pub commitment: Commitment,
}

/// Reads what peers and HTTP clients ask for. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct DataServer {
    store: Store,
    source: Arc<dyn CellSource>,
    metrics: Arc<Metrics>,
    window: Option<u64>,
}

impl DataServer {
    /// Serves from `store` (headers) and `source` (cells and rows).
    pub(crate) fn new(
        store: Store,
        source: Arc<dyn CellSource>,
        metrics: Arc<Metrics>,
        window: Option<u64>,
    ) -> Self {
        Self {
            store,
            source,
            metrics,
            window,
        }
    }

    /// The availability window: cells are kept for the newest this many blocks (`--prune-after`),
    /// or all when `None`.
    pub(crate) const fn window(&self) -> Option<u64> {
        self.window
    }

    /// The k of the stored block at `height`.
    fn k(&self, height: u64) -> Result<usize, CellRefusal> {
        match self.store.header(height)? {
            Some(h) if h.k() > 0 => Ok(h.k().min(MAX_K)),
            Some(_) => Err(CellRefusal::NoData { height }),
            None => Err(CellRefusal::NoBlock {
                height,
                head: self.store.head().unwrap_or(0),
            }),
        }
    }

    fn cell_of(
        &self,
        height: u64,
        k: usize,
        row: u16,
        col: u16,
    ) -> Result<(Box<Cell>, Proof), CellRefusal> {
        if usize::from(row) >= 2 * k {
            return Err(CellRefusal::RowOutOfRange {
                height,
                row,
                rows: 2 * k,
                k,
            });
        }
        if usize::from(col) >= CELLS_PER_ROW {
            return Err(CellRefusal::ColOutOfRange { col });
        }
        let started = Instant::now();
        let found = self.source.cell(height, k, row, col)?;
        self.metrics
            .cell_serve_seconds
            .observe(started.elapsed().as_secs_f64());
        match found {
            Lookup::Found(found) => Ok(found),
            Lookup::Missing => Err(CellRefusal::NotStored { height, row, col }),
            Lookup::Pruned => Err(CellRefusal::Pruned { height }),
        }
    }

    /// One cell with its proof and row commitment (`GET /v1/cells/{height}/{row}/{col}`).
    ///
    /// # Errors
    /// A [`CellRefusal`] naming what is wrong or missing.
    pub(crate) fn cell(&self, height: u64, row: u16, col: u16) -> Result<ServedCell, CellRefusal> {
        let k = self.k(height)?;
        let (cell, proof) = self.cell_of(height, k, row, col)?;
        let commitment = self
            .store
            .commitments(height)?
            .and_then(|c| c.get(usize::from(row)).copied())
            .ok_or(CellRefusal::NotStored { height, row, col })?;
        Ok(ServedCell {
            cell,
            proof,
            commitment,
        })
    }
}

impl RequestServer for DataServer {
    fn status(&self) -> StatusResponse {
        StatusResponse {
            head: self.store.head().unwrap_or(0),
            window: self.window,
            requests_per_second: PEER_REQUESTS_PER_SECOND,
            burst: PEER_REQUEST_BURST,
        }
    }

    fn headers(&self, req: &HeadersRequest) -> HeadersResponse {
        if req.count == 0 || req.count > MAX_HEADERS_PER_REQUEST {
            return HeadersResponse::Refused(Refusal::BadRequest);
        }
        match self.store.headers(req.from, u64::from(req.count)) {
            Ok(headers) => {
                HeadersResponse::Headers(headers.iter().map(weft_types::Header::to_bytes).collect())
            }
            Err(e) => {
                tracing::error!("serving headers: {e}");
                HeadersResponse::Refused(Refusal::NotFound)
            }
        }
    }

    /// The cells the node has; cells it lacks are left out, a bad position refuses the batch.
    fn cells(&self, req: &CellsRequest) -> CellsResponse {
        if req.cells.is_empty() || req.cells.len() > MAX_CELLS_PER_REQUEST {
            return CellsResponse::Refused(Refusal::BadRequest);
        }
        let k = match self.k(req.height) {
            Ok(k) => k,
            Err(e) => return CellsResponse::Refused(e.wire()),
        };
        let mut out = Vec::with_capacity(req.cells.len());
        for id in &req.cells {
            match self.cell_of(req.height, k, id.row, id.col) {
                Ok((cell, proof)) => out.push(CellWithProof {
                    id: *id,
                    cell: *cell,
                    proof,
                }),
                Err(CellRefusal::NotStored { .. }) => {}
                Err(CellRefusal::Store(e)) => tracing::error!("serving cells: {e}"),
                Err(e) => return CellsResponse::Refused(e.wire()),
            }
        }
        CellsResponse::Cells(out)
    }

    fn row(&self, req: &RowRequest) -> RowResponse {
        let k = match self.k(req.height) {
            Ok(k) => k,
            Err(e) => return RowResponse::Refused(e.wire()),
        };
        if usize::from(req.row) >= 2 * k {
            return RowResponse::Refused(Refusal::BadRequest);
        }
        match self.source.row(req.height, k, req.row) {
            Ok(Lookup::Found((cells, proofs))) => RowResponse::Row {
                cells: cells.into_iter().map(|c| *c).collect(),
                proofs,
            },
            Ok(Lookup::Pruned) => RowResponse::Refused(Refusal::Pruned),
            Ok(Lookup::Missing) => RowResponse::Refused(Refusal::NotFound),
            Err(e) => {
                tracing::error!("serving row: {e}");
                RowResponse::Refused(Refusal::NotFound)
            }
        }
    }
}
