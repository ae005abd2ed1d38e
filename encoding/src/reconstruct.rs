//! Reconstruction of a whole extended square from a subset of its cells: iterative decoding by
//! rows (any 64 of 128 cells) and columns (any k of 2k), then a fresh encoding whose
//! commitments must equal the header's.

use ekzg_bls12_381::{traits::*, Scalar};

use crate::{
    column::ColumnCode,
    constants::{BYTES_PER_CELL, CELLS_NEEDED_PER_ROW, CELLS_PER_ROW, FIELD_ELEMENTS_PER_CELL},
    error::{Error, Result},
    field::scalars_from_bytes,
    row::RowProver,
    square::{check_k, ExtendedSquare, SquareEncoder},
    types::{Commitment, Position},
};

/// The cells known so far of one extended square, as field elements.
#[derive(Debug, Clone)]
pub struct CellGrid {
    k: usize,
    cells: Vec<Option<Vec<Scalar>>>,
}

impl CellGrid {
    /// An empty grid for a square of k original rows.
    pub fn new(k: usize) -> Result<Self> {
        check_k(k)?;
        Ok(Self {
            k,
            cells: vec![None; 2 * k * CELLS_PER_ROW],
        })
    }

    /// Adds a cell given as bytes. A position already known is left as it is.
    pub fn insert(&mut self, item: usize, position: Position, cell: &[u8]) -> Result<()> {
        let (row, col) = (usize::from(position.row), usize::from(position.col));
        if row >= 2 * self.k {
            return Err(Error::RowOutOfRange {
                item,
                row,
                rows: 2 * self.k,
            });
        }
        if col >= CELLS_PER_ROW {
            return Err(Error::ColumnOutOfRange {
                item,
                col,
                cols: CELLS_PER_ROW,
            });
        }
        if cell.len() != BYTES_PER_CELL {
            return Err(Error::cell_length(cell.len()));
        }
        let slot = &mut self.cells[row * CELLS_PER_ROW + col];
        if slot.is_none() {
            *slot = Some(scalars_from_bytes(cell, item)?);
        }
        Ok(())
    }

    fn get(&self, row: usize, col: usize) -> Option<&Vec<Scalar>> {
        self.cells[row * CELLS_PER_ROW + col].as_ref()
    }

    fn row_count(&self, row: usize) -> usize {
        (0..CELLS_PER_ROW)
            .filter(|&c| self.get(row, c).is_some())
            .count()
    }

    fn col_count(&self, col: usize) -> usize {
        (0..2 * self.k)
            .filter(|&r| self.get(r, col).is_some())
            .count()
    }

    /// The cell at `position` as bytes, if known (decoded or given).
    pub fn cell(&self, position: Position) -> Option<crate::types::Cell> {
        self.get(usize::from(position.row), usize::from(position.col))
            .map(|v| {
                let mut out = [0u8; BYTES_PER_CELL];
                crate::field::scalars_to_bytes(v, &mut out);
                out
            })
    }

    /// Cells still unknown.
    pub fn missing(&self) -> usize {
        self.cells.iter().filter(|c| c.is_none()).count()
    }

    fn originals_complete(&self) -> bool {
        (0..self.k).all(|r| self.row_count(r) == CELLS_PER_ROW)
    }

    /// Decodes row `row` from its known cells (needs 64) and fills the rest.
    fn decode_row(&mut self, prover: &RowProver, row: usize) -> Result<()> {
        let known: Vec<(usize, Vec<Scalar>)> = (0..CELLS_PER_ROW)
            .filter_map(|c| self.get(row, c).map(|v| (c, v.clone())))
            .collect();
        let poly = prover.recover(row, known)?;
        for (c, cell) in prover.cells(poly).into_iter().enumerate() {
            let slot = &mut self.cells[row * CELLS_PER_ROW + c];
            if slot.is_none() {
                *slot = Some(cell);
            }
        }
        Ok(())
    }

    /// Decodes column `col` from any k of its 2k cells and fills the rest.
    #[allow(clippy::needless_range_loop)] // lanes index two arrays at once
    fn decode_column(&mut self, code: &ColumnCode, col: usize) -> Result<()> {
        let (known, missing): (Vec<usize>, Vec<usize>) =
            (0..2 * self.k).partition(|&r| self.get(r, col).is_some());
        let plan = code.recovery_plan(&known, &missing)?;
        let mut filled = vec![vec![Scalar::ZERO; FIELD_ELEMENTS_PER_CELL]; missing.len()];
        for lane in 0..FIELD_ELEMENTS_PER_CELL {
            let values = plan.apply(|r| self.get(r, col).expect("basis rows are known")[lane]);
            for (m, v) in values.into_iter().enumerate() {
                filled[m][lane] = v;
            }
        }
        for (row, cell) in missing.into_iter().zip(filled) {
            self.cells[row * CELLS_PER_ROW + col] = Some(cell);
        }
        Ok(())
    }

    /// Runs iterative decoding until the k original rows are complete, or reports where it is
    /// stuck.
    pub fn decode(&mut self, prover: &RowProver) -> Result<()> {
        let code = ColumnCode::new(self.k)?;
        loop {
            // Original rows first: often that is all that is needed.
            let mut progress = false;
            for row in 0..self.k {
                let have = self.row_count(row);
                if (CELLS_NEEDED_PER_ROW..CELLS_PER_ROW).contains(&have) {
                    self.decode_row(prover, row)?;
                    progress = true;
                }
            }
            if self.originals_complete() {
                return Ok(());
            }
            for row in self.k..2 * self.k {
                let have = self.row_count(row);
                if (CELLS_NEEDED_PER_ROW..CELLS_PER_ROW).contains(&have) {
                    self.decode_row(prover, row)?;
                    progress = true;
                }
            }
            for col in 0..CELLS_PER_ROW {
                let have = self.col_count(col);
                if (self.k..2 * self.k).contains(&have) {
                    self.decode_column(&code, col)?;
                    progress = true;
                }
            }
            if !progress {
                return Err(self.stuck());
            }
        }
    }

    fn stuck(&self) -> Error {
        let rows = 2 * self.k;
        let incomplete_rows: Vec<(usize, usize)> = (0..rows)
            .map(|r| (r, self.row_count(r)))
            .filter(|&(_, n)| n < CELLS_PER_ROW)
            .collect();
        let stuck_cols = (0..CELLS_PER_ROW)
            .filter(|&c| self.col_count(c) < self.k)
            .count();
        let (worst_row, worst_row_cells) = incomplete_rows
            .iter()
            .copied()
            .max_by_key(|&(_, n)| n)
            .unwrap_or((0, 0));
        Error::Unrecoverable {
            missing: self.missing(),
            total: rows * CELLS_PER_ROW,
            stuck_rows: incomplete_rows.len(),
            stuck_cols,
            k: self.k,
            rows,
            worst_row,
            worst_row_cells,
        }
    }

    /// The k original rows as 4096 field elements each (blob order), once decoded.
    fn original_rows(&self) -> Vec<Vec<Scalar>> {
        (0..self.k)
            .map(|r| {
                (0..CELLS_NEEDED_PER_ROW)
                    .flat_map(|c| self.get(r, c).expect("decoded").iter().copied())
                    .collect()
            })
            .collect()
    }
}

/// Rebuilds the whole extended square (cells, proofs, commitments) from some of its cells, and
/// checks the result against the header's k commitments.
pub fn reconstruct<'a>(
    encoder: &SquareEncoder,
    commitments: &[Commitment],
    cells: impl IntoIterator<Item = (Position, &'a [u8])>,
) -> Result<ExtendedSquare> {
    reconstruct_with(encoder.prover(), commitments, cells, |rows| {
        encoder.encode(rows)
    })
}

/// As [`reconstruct`], with the re-encoding of the recovered original rows done by `encode`
/// (k rows of 4096 field elements in blob order → the extended square), e.g. on a GPU. The rows
/// are recovered with `prover`; the result is checked against `commitments` whatever encoded
/// it.
pub fn reconstruct_with<'a>(
    prover: &crate::RowProver,
    commitments: &[Commitment],
    cells: impl IntoIterator<Item = (Position, &'a [u8])>,
    encode: impl FnOnce(Vec<Vec<Scalar>>) -> Result<ExtendedSquare>,
) -> Result<ExtendedSquare> {
    let mut grid = CellGrid::new(commitments.len())?;
    for (item, (position, cell)) in cells.into_iter().enumerate() {
        grid.insert(item, position, cell)?;
    }
    grid.decode(prover)?;
    let square = encode(grid.original_rows())?;
    if let Some(row) = (0..commitments.len()).find(|&r| square.commitments()[r] != commitments[r]) {
        return Err(Error::CommitmentMismatch { row });
    }
    Ok(square)
}
