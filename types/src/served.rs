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
    /// Positions whose served cell fails verification, with why (`Error::fault` says whose
    /// fault: a failed proof or a non-canonical cell is the peer's).
    pub failed: Vec<(Position, weft_encoding::Error)>,
    /// Served cells that were not asked for, duplicated, or outside the square: the peer broke
    /// the protocol.
    pub stray: usize,
    /// Positions asked for that the peer did not serve (it may not have them).
    pub missing: Vec<Position>,
}

/// Verifies `served` (the answer to a request for `asked`) against `commitments` in one batch;
/// when the batch fails, each cell is checked alone to name the bad ones and why.
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
    let verdicts = match key.verify_samples(commitments, &samples) {
        Ok(()) => vec![Ok(()); samples.len()],
        Err(_) => key.verify_each(commitments, &samples),
    };
    for (cell, verdict) in usable.into_iter().zip(verdicts) {
        match verdict {
            Ok(()) => out.good.push(cell),
            Err(e) => out.failed.push((cell.id, e)),
        }
    }
    out
}
