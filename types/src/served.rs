//! Checking a peer's answer to a cells request against the header, once for every consumer
//! (the node's sync and the light client's sampler): which served cells verify, which fail their
//! KZG proof (provable fraud), and which were never asked for or are malformed.

use std::collections::HashSet;

use weft_encoding::{Position, Sample, SquareCommitments, VerifyKey};

use crate::wire::CellWithProof;

/// What a peer's answer to a cells request turned out to hold.
#[derive(Debug, Default)]
pub struct ServedCells {
    /// Cells that verify against the header's commitments, in the order served.
    pub good: Vec<CellWithProof>,
    /// Positions whose served cell fails its KZG proof: the peer lied.
    pub failed: Vec<Position>,
    /// Served cells that were not asked for, duplicated, or outside the square: the peer broke
    /// the protocol.
    pub stray: usize,
    /// Positions asked for that the peer did not serve (it may not have them).
    pub missing: Vec<Position>,
}

impl ServedCells {
    /// True if the peer is at fault (a failed proof or a stray cell): penalise it.
    pub fn peer_at_fault(&self) -> bool {
        !self.failed.is_empty() || self.stray > 0
    }
}

/// Verifies `served` (the answer to a request for `asked`) against `commitments` in one batch;
/// when the batch fails, each cell is checked alone to name the bad ones.
pub fn check_served(
    key: &VerifyKey,
    commitments: &SquareCommitments,
    asked: &[Position],
    served: Vec<CellWithProof>,
) -> ServedCells {
    let mut wanted: HashSet<Position> = asked.iter().copied().collect();
    let mut out = ServedCells::default();
    let mut usable = Vec::with_capacity(served.len());
    for cell in served {
        if usize::from(cell.id.row) < commitments.rows() && wanted.remove(&cell.id) {
            usable.push(cell);
        } else {
            out.stray += 1;
        }
    }
    out.missing = asked
        .iter()
        .copied()
        .filter(|p| wanted.contains(p))
        .collect();
    let samples: Vec<Sample<'_>> = usable.iter().map(CellWithProof::sample).collect();
    let verdicts = key.verify_locating(commitments, &samples);
    for (cell, ok) in usable.into_iter().zip(verdicts) {
        if ok {
            out.good.push(cell);
        } else {
            out.failed.push(cell.id);
        }
    }
    out
}
