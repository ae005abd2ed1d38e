//! Fetching one block's data: all 2k rows, spread across full peers and verified against the
//! header in one batch (about half the cost of a batch per row: `verify_all_rows` in
//! docs/BENCHMARKS.md); when that batch fails, row by row, to find whose rows are bad. Rows
//! nobody serves are then asked for cell by cell, and the square is reconstructed from whatever
//! verified cells there are. A peer whose data fails verification is penalised by the error's
//! fault (and banned), and the data is fetched from another peer.

use std::{collections::BTreeMap, sync::Arc};

use futures::{stream, StreamExt};
use weft_encoding::{
    constants::CELLS_PER_ROW, reconstruct_with, Cell, Position, Proof, Sample, SquareCommitments,
    VerifyKey,
};
use weft_p2p::{Misbehaviour, NetworkHandle, PeerId};
use weft_types::{
    check_served,
    wire::{CellsRequest, CellsResponse, RowRequest, RowResponse},
    Header,
};

use super::{
    assemble::{assemble_block, block_of_square, empty_block},
    SyncError,
};
use crate::{metrics::Metrics, store::StoredBlock};

/// Rows requested at once.
const ROWS_IN_FLIGHT: usize = 8;

type Row = (Vec<Cell>, Vec<Proof>);

/// Fetches and verifies blocks.
pub(super) struct Fetcher {
    /// Rows already verified for a block not yet complete (kept across retries).
    partial: Option<(u64, BTreeMap<usize, Row>)>,
    network: NetworkHandle,
    metrics: Arc<Metrics>,
    verify_key: Arc<VerifyKey>,
    encoder: crate::Encoder,
}

impl Fetcher {
    pub(super) fn new(
        network: NetworkHandle,
        metrics: Arc<Metrics>,
        encoder: crate::Encoder,
    ) -> Self {
        Self {
            partial: None,
            network,
            metrics,
            verify_key: Arc::new(VerifyKey::new()),
            encoder,
        }
    }

    /// The verified data of the block of `header`.
    pub(super) async fn block(&mut self, header: &Header) -> Result<StoredBlock, SyncError> {
        if header.k() == 0 {
            return Ok(empty_block(header.clone()));
        }
        let commitments = Arc::new(SquareCommitments::new(&header.unsigned.row_commitments)?);
        let peers = self.network.full_peers();
        if peers.is_empty() {
            return Err(SyncError::NoPeers {
                height: header.height(),
            });
        }
        let rows = 2 * header.k();
        let mut fetched = match self.partial.take() {
            Some((height, rows)) if height == header.height() => rows,
            _ => BTreeMap::new(),
        };
        let missing: Vec<usize> = (0..rows).filter(|r| !fetched.contains_key(r)).collect();
        let served: Vec<Served> = stream::iter(missing)
            .map(|row| self.served_row(header.height(), row, &peers))
            .buffer_unordered(ROWS_IN_FLIGHT)
            .filter_map(|r| async move { r })
            .collect()
            .await;
        let (vk, c) = (self.verify_key.clone(), commitments.clone());
        let peers_served: Vec<(usize, PeerId)> = served.iter().map(|s| (s.row, s.peer)).collect();
        let checked =
            match off_thread(header.height(), move || verify_served(&vk, &c, served)).await {
                Ok(checked) => checked,
                Err(e) => {
                    // Something in those rows breaks the verifier: each row again, from the peers
                    // in turn, checked on its own (a row whose check panics blames its peer).
                    tracing::warn!("{e}; checking each row on its own");
                    for (row, _) in peers_served {
                        if let Some((row, data)) = self
                            .row(header.height(), row, &peers, commitments.clone())
                            .await
                        {
                            fetched.insert(row, data);
                        }
                    }
                    Vec::new()
                }
            };
        for (served, verdict) in checked {
            match verdict {
                Ok(()) => {
                    self.metrics.rows_fetched.inc();
                    fetched.insert(served.row, (served.cells, served.proofs));
                }
                Err(e) => {
                    tracing::warn!(
                        "peer {} served row {} of block {} that fails verification: {e}",
                        served.peer,
                        served.row,
                        header.height()
                    );
                    self.blame(served.peer, &e, 1).await;
                    // From the other peers, each row checked on its own.
                    if let Some((row, data)) = self
                        .row(header.height(), served.row, &peers, commitments.clone())
                        .await
                    {
                        fetched.insert(row, data);
                    }
                }
            }
        }
        if fetched.len() == rows {
            let header = header.clone();
            let height = header.height();
            return off_thread(height, move || {
                assemble_block(header, fetched.into_values().collect())
            })
            .await?;
        }
        let result = self
            .reconstruct(header, fetched.clone(), &peers, commitments)
            .await;
        if result.is_err() {
            self.partial = Some((header.height(), fetched));
        }
        result
    }

    /// Penalises `peer` for data that failed with `error`, by the error's fault.
    async fn blame(&self, peer: PeerId, error: &weft_encoding::Error, what: usize) {
        if let Some(penalty) = Misbehaviour::for_served(error) {
            self.metrics.invalid_data.inc_by(what as u64);
            self.network.penalise(peer, penalty).await;
        }
    }

    /// Penalises `peer` for data that broke the verifier (a panic while checking it): bytes
    /// that cannot even be checked.
    async fn blame_breakage(&self, peer: PeerId, what: usize) {
        self.metrics.invalid_data.inc_by(what as u64);
        self.network
            .penalise(peer, Misbehaviour::MalformedMessage)
            .await;
    }

    /// One row as the first peer that answers serves it (128 cells and proofs), unverified.
    async fn served_row(&self, height: u64, row: usize, peers: &[PeerId]) -> Option<Served> {
        for i in 0..peers.len() {
            let peer = peers[(row + i) % peers.len()];
            let req = RowRequest {
                height,
                row: row as u16,
            };
            if let Ok(RowResponse::Row { cells, proofs }) = self.network.row(peer, req).await {
                return Some(Served {
                    row,
                    peer,
                    cells,
                    proofs,
                });
            }
        }
        None
    }

    /// One row from the first peer that serves it correctly.
    async fn row(
        &self,
        height: u64,
        row: usize,
        peers: &[PeerId],
        commitments: Arc<SquareCommitments>,
    ) -> Option<(usize, Row)> {
        for i in 0..peers.len() {
            let peer = peers[(row + i) % peers.len()];
            let req = RowRequest {
                height,
                row: row as u16,
            };
            let Ok(RowResponse::Row { cells, proofs }) = self.network.row(peer, req).await else {
                continue;
            };
            let (vk, c) = (self.verify_key.clone(), commitments.clone());
            let verified =
                off_thread(height, move || verify_row(&vk, &c, row, cells, proofs)).await;
            match verified {
                Ok(Ok(data)) => {
                    self.metrics.rows_fetched.inc();
                    return Some((row, data));
                }
                Ok(Err(e)) => {
                    tracing::warn!("peer {peer} served row {row} of block {height} that fails verification: {e}");
                    self.blame(peer, &e, 1).await;
                }
                Err(e) => {
                    tracing::warn!("peer {peer} served row {row} of block {height}: {e}");
                    self.blame_breakage(peer, 1).await;
                }
            }
        }
        None
    }

    /// Fills the missing rows cell by cell, then reconstructs.
    async fn reconstruct(
        &mut self,
        header: &Header,
        rows: BTreeMap<usize, Row>,
        peers: &[PeerId],
        commitments: Arc<SquareCommitments>,
    ) -> Result<StoredBlock, SyncError> {
        let whole_rows = rows.len();
        let mut cells: BTreeMap<Position, Cell> = BTreeMap::new();
        for (row, (row_cells, _)) in &rows {
            for (col, cell) in row_cells.iter().enumerate() {
                cells.insert(Position::new(*row as u16, col as u16), *cell);
            }
        }
        let missing: Vec<usize> = (0..2 * header.k())
            .filter(|r| !rows.contains_key(r))
            .collect();
        for row in missing {
            for &peer in peers {
                let wanted: Vec<Position> = (0..CELLS_PER_ROW as u16)
                    .map(|col| Position::new(row as u16, col))
                    .filter(|p| !cells.contains_key(p))
                    .collect();
                if wanted.is_empty() {
                    break;
                }
                let req = CellsRequest {
                    height: header.height(),
                    cells: wanted.clone(),
                };
                let Ok(CellsResponse::Cells(got)) = self.network.cells(peer, req).await else {
                    continue;
                };
                let (vk, c) = (self.verify_key.clone(), commitments.clone());
                let checked =
                    match off_thread(header.height(), move || check_served(&vk, &c, &wanted, got))
                        .await
                    {
                        Ok(checked) => checked,
                        Err(e) => {
                            tracing::warn!("peer {peer} served cells: {e}");
                            self.blame_breakage(peer, 1).await;
                            continue;
                        }
                    };
                if let Some(penalty) = Misbehaviour::for_answer(&checked) {
                    self.metrics
                        .invalid_data
                        .inc_by((checked.failed.len() + checked.stray) as u64);
                    self.network.penalise(peer, penalty).await;
                }
                self.metrics.cells_fetched.inc_by(checked.good.len() as u64);
                for c in checked.good {
                    cells.insert(c.id, c.cell);
                }
            }
        }
        let encoder = self.encoder.clone();
        let header = header.clone();
        let block = off_thread(
            header.height(),
            move || -> Result<StoredBlock, SyncError> {
                let square = reconstruct_with(
                    encoder.prover(),
                    &header.unsigned.row_commitments,
                    cells.iter().map(|(p, c)| (*p, c.as_slice())),
                    |rows| encoder.encode(rows),
                )
                .map_err(|source| SyncError::Incomplete {
                    height: header.height(),
                    rows: whole_rows,
                    wanted: 2 * header.k(),
                    source,
                })?;
                block_of_square(header, square)
            },
        )
        .await??;
        self.metrics.reconstructions.inc();
        Ok(block)
    }
}

/// Runs `check` — work on data peers served — on a blocking thread. A panic in it (data the
/// verifier cannot handle) becomes [`SyncError::Panicked`], never a panic of the sync task:
/// the caller blames the peer whose data it was, and the block is retried.
async fn off_thread<T: Send + 'static>(
    height: u64,
    check: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SyncError> {
    tokio::task::spawn_blocking(check)
        .await
        .map_err(|e| SyncError::Panicked {
            height,
            reason: if e.is_panic() {
                crate::health::panic_message(e.into_panic())
            } else {
                e.to_string()
            },
        })
}

/// A row as a peer served it.
struct Served {
    row: usize,
    peer: PeerId,
    cells: Vec<Cell>,
    proofs: Vec<Proof>,
}

/// Checks served rows against the header: all in one batch, and only when that fails, row by
/// row, so that each bad row (and its peer) is named.
fn verify_served(
    vk: &VerifyKey,
    commitments: &SquareCommitments,
    served: Vec<Served>,
) -> Vec<(Served, weft_encoding::Result<()>)> {
    let whole = served
        .iter()
        .all(|s| s.cells.len() == CELLS_PER_ROW && s.proofs.len() == CELLS_PER_ROW);
    if whole {
        let samples: Vec<Sample<'_>> = served
            .iter()
            .flat_map(|s| {
                (0..CELLS_PER_ROW).map(move |col| Sample {
                    row: s.row,
                    col,
                    cell: &s.cells[col],
                    proof: &s.proofs[col].0,
                })
            })
            .collect();
        if samples.is_empty() || vk.verify_samples(commitments, &samples).is_ok() {
            return served.into_iter().map(|s| (s, Ok(()))).collect();
        }
    }
    served
        .into_iter()
        .map(|s| {
            let verdict = check_row(vk, commitments, s.row, &s.cells, &s.proofs);
            (s, verdict)
        })
        .collect()
}

/// Checks one served row (128 cells and proofs) against the header in one batch.
fn check_row(
    vk: &VerifyKey,
    commitments: &SquareCommitments,
    row: usize,
    cells: &[Cell],
    proofs: &[Proof],
) -> weft_encoding::Result<()> {
    if cells.len() != CELLS_PER_ROW || proofs.len() != CELLS_PER_ROW {
        return Err(weft_encoding::Error::CountMismatch {
            a: cells.len(),
            b: proofs.len(),
        });
    }
    let samples: Vec<Sample<'_>> = (0..CELLS_PER_ROW)
        .map(|col| Sample {
            row,
            col,
            cell: &cells[col],
            proof: &proofs[col].0,
        })
        .collect();
    vk.verify_samples(commitments, &samples)
}

/// Checks a served row (128 cells and proofs) against the header in one batch.
fn verify_row(
    vk: &VerifyKey,
    commitments: &SquareCommitments,
    row: usize,
    cells: Vec<Cell>,
    proofs: Vec<Proof>,
) -> weft_encoding::Result<Row> {
    check_row(vk, commitments, row, &cells, &proofs)?;
    Ok((cells, proofs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_that_panics_on_a_peers_data_is_an_error_not_a_panic() {
        let err = off_thread(7, || -> usize { panic!("a cell the verifier chokes on") })
            .await
            .unwrap_err();
        match &err {
            SyncError::Panicked { height, reason } => {
                assert_eq!(*height, 7);
                assert_eq!(reason, "a cell the verifier chokes on");
            }
            other => panic!("expected Panicked, got {other:?}"),
        }
        assert!(err.to_string().contains("block 7"), "{err}");
        assert_eq!(off_thread(7, || 5).await.unwrap(), 5);
    }
}
