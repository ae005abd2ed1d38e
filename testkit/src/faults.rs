//! Faulty nodes without test code in the node: [`Faults`] describes a node that withholds a
//! (k+1) × 65 block of cells from samplers (cell requests over libp2p and HTTP; whole rows are
//! still served, so full nodes can sync: a selective withholder) or serves corrupted cells, and
//! [`FaultySource`] is the [`CellSource`] wrapper around the store that does it.

use std::{collections::BTreeSet, sync::Arc};

use weft_encoding::{Cell, Proof};
use weft_node::{
    store::{Lookup, Result, Store, StoredRow},
    CellSource,
};

/// Columns withheld in each withheld row: one more than half, so those rows cannot be decoded.
pub const WITHHELD_COLUMNS: u16 = 65;

/// Which faults a test node injects into what it serves (HTTP and p2p alike).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Withhold cells of rows `0..=k`, columns `0..65` (the smallest unrecoverable block) at
    /// these heights; `None`: at none.
    pub withhold: Option<WithholdAt>,
    /// Flip a bit in every cell served (cells and rows).
    pub corrupt_cells: bool,
}

/// Heights at which to withhold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WithholdAt {
    /// Every height.
    All,
    /// Only these.
    Heights(BTreeSet<u64>),
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// A liar: every cell served has a bit flipped.
    pub fn corrupt() -> Self {
        Self {
            corrupt_cells: true,
            ..Self::none()
        }
    }

    fn withholds(&self, height: u64, k: usize, row: u16, col: u16) -> bool {
        let at = match &self.withhold {
            None => return false,
            Some(WithholdAt::All) => true,
            Some(WithholdAt::Heights(h)) => h.contains(&height),
        };
        at && usize::from(row) <= k && col < WITHHELD_COLUMNS
    }

    /// The node's cell source: the store itself, or the store wrapped to inject these faults.
    pub fn source(self, store: Store) -> Arc<dyn CellSource> {
        if self == Self::none() {
            Arc::new(store)
        } else {
            Arc::new(FaultySource {
                store,
                faults: self,
            })
        }
    }
}

/// The store, serving with faults.
#[derive(Debug)]
pub struct FaultySource {
    store: Store,
    faults: Faults,
}

/// Flips a bit inside a field element (byte 100): the cell stays canonical but is wrong.
fn corrupt(cell: &mut Cell) {
    cell[100] ^= 0x01;
}

impl CellSource for FaultySource {
    fn cell(
        &self,
        height: u64,
        k: usize,
        row: u16,
        col: u16,
    ) -> Result<Lookup<(Box<Cell>, Proof)>> {
        if self.faults.withholds(height, k, row, col) {
            return Ok(Lookup::Missing);
        }
        let mut found = self.store.cell(height, row, col)?;
        if let Lookup::Found((cell, _)) = &mut found {
            if self.faults.corrupt_cells {
                corrupt(cell);
            }
        }
        Ok(found)
    }

    fn row(&self, height: u64, _k: usize, row: u16) -> Result<Lookup<StoredRow>> {
        let mut found = self.store.row(height, row)?;
        if let Lookup::Found((cells, _)) = &mut found {
            if self.faults.corrupt_cells {
                cells.iter_mut().for_each(|c| corrupt(c));
            }
        }
        Ok(found)
    }
}
