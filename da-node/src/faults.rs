//! Fault injection for tests: a node that withholds a (k+1) × 65 block of cells from samplers
//! (cell requests over libp2p and HTTP; whole rows are still served, so full nodes can sync: a
//! selective withholder), or serves corrupted cells. Only compiled with the `faults` feature;
//! without it every hook is a no-op.

use std::collections::BTreeSet;

/// Which faults this node injects into what it serves (HTTP and p2p alike).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Withhold cells rows `0..=k`, columns `0..65` (the smallest unrecoverable block) at these
    /// heights; `None`: at none.
    pub withhold: Option<WithholdAt>,
    /// Flip a bit in every cell served.
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

/// Columns withheld in each withheld row: one more than half, so rows cannot be decoded.
pub const WITHHELD_COLUMNS: u16 = 65;

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// True if the cell is withheld.
    #[cfg(feature = "faults")]
    pub fn withholds(&self, height: u64, k: usize, row: u16, col: u16) -> bool {
        let at = match &self.withhold {
            None => return false,
            Some(WithholdAt::All) => true,
            Some(WithholdAt::Heights(h)) => h.contains(&height),
        };
        at && usize::from(row) <= k && col < WITHHELD_COLUMNS
    }

    /// True if the cell is withheld (never, without the `faults` feature).
    #[cfg(not(feature = "faults"))]
    pub const fn withholds(&self, _height: u64, _k: usize, _row: u16, _col: u16) -> bool {
        false
    }

    /// Corrupts a cell about to be served, if so configured.
    #[cfg(feature = "faults")]
    pub fn corrupt(&self, cell: &mut [u8]) {
        if self.corrupt_cells {
            // Byte 100 lies inside a field element; the result stays canonical but is wrong.
            cell[100] ^= 0x01;
        }
    }

    /// Corrupts a cell about to be served (never, without the `faults` feature).
    #[cfg(not(feature = "faults"))]
    pub const fn corrupt(&self, _cell: &mut [u8]) {}
}
