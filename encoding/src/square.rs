//! The extended data square: k original rows, k more from the column code, every row with its
//! commitment, 128 cells and 128 proofs. The encoder runs FK20 on the original rows only and
//! derives everything else by the column code, in the field for data and in G1 for the rest.

use std::sync::Arc;

use ekzg_bls12_381::{G1Projective, Scalar};

use crate::{
    column::ColumnCode,
    constants::{
        BYTES_PER_CELL, BYTES_PER_ROW, CELLS_PER_ROW, FIELD_ELEMENTS_PER_CELL,
        FIELD_ELEMENTS_PER_ROW, MAX_K,
    },
    error::{Error, Result},
    field::{compress_g1, scalars_from_bytes, scalars_to_bytes},
    parallel::par_map,
    row::{EncodedRow, RowCells, RowProver},
    types::{Cell, Commitment, Position, Proof},
};

/// A fully extended square with all commitments, cells and proofs.
#[derive(Clone, PartialEq, Eq)]
pub struct ExtendedSquare {
    k: usize,
    commitments: Vec<Commitment>,
    /// `2k × 128` cells, row-major.
    cells: Vec<Cell>,
    /// `2k × 128` proofs, row-major.
    proofs: Vec<Proof>,
}

impl std::fmt::Debug for ExtendedSquare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtendedSquare")
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

impl ExtendedSquare {
    /// Assembles a square from its parts; checks only the shapes.
    pub fn from_parts(
        k: usize,
        commitments: Vec<Commitment>,
        cells: Vec<Cell>,
        proofs: Vec<Proof>,
    ) -> Result<Self> {
        check_k(k)?;
        let n = 2 * k * CELLS_PER_ROW;
        if commitments.len() != 2 * k {
            return Err(Error::CountMismatch {
                a: commitments.len(),
                b: 2 * k,
            });
        }
        if cells.len() != n || proofs.len() != n {
            return Err(Error::CountMismatch {
                a: cells.len().min(proofs.len()),
                b: n,
            });
        }
        Ok(Self {
            k,
            commitments,
            cells,
            proofs,
        })
    }

    /// Original rows.
    pub const fn k(&self) -> usize {
        self.k
    }

    /// Rows of the extended square (2k).
    pub const fn rows(&self) -> usize {
        2 * self.k
    }

    /// Commitments of all 2k rows.
    pub fn commitments(&self) -> &[Commitment] {
        &self.commitments
    }

    /// Commitments of the k original rows: what a header carries.
    pub fn original_commitments(&self) -> &[Commitment] {
        &self.commitments[..self.k]
    }

    /// One cell. Panics if out of range (callers check against [`Self::rows`]).
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        &self.cells[row * CELLS_PER_ROW + col]
    }

    /// One proof. Panics if out of range.
    pub fn proof(&self, row: usize, col: usize) -> &Proof {
        &self.proofs[row * CELLS_PER_ROW + col]
    }

    /// The 128 cells of a row.
    pub fn row_cells(&self, row: usize) -> &[Cell] {
        &self.cells[row * CELLS_PER_ROW..(row + 1) * CELLS_PER_ROW]
    }

    /// The 128 proofs of a row.
    pub fn row_proofs(&self, row: usize) -> &[Proof] {
        &self.proofs[row * CELLS_PER_ROW..(row + 1) * CELLS_PER_ROW]
    }

    /// Every position of the square, row-major.
    pub fn positions(&self) -> impl Iterator<Item = Position> + '_ {
        (0..self.rows())
            .flat_map(|r| (0..CELLS_PER_ROW).map(move |c| Position::new(r as u16, c as u16)))
    }

    /// The blob of a row (original or extended): its first 64 cells. For `row < k` this is
    /// the original data.
    pub fn row_blob(&self, row: usize) -> Vec<u8> {
        self.row_cells(row)[..CELLS_PER_ROW / 2]
            .iter()
            .flatten()
            .copied()
            .collect()
    }
}

pub(crate) fn check_k(k: usize) -> Result<()> {
    if k.is_power_of_two() && k <= MAX_K {
        Ok(())
    } else {
        Err(Error::InvalidK { k })
    }
}

/// Builds extended squares. Cheap to clone; holds the shared row prover.
#[derive(Debug, Clone)]
pub struct SquareEncoder {
    prover: Arc<RowProver>,
}

impl SquareEncoder {
    /// An encoder around a row prover.
    pub const fn new(prover: Arc<RowProver>) -> Self {
        Self { prover }
    }

    /// The row prover.
    pub fn prover(&self) -> &RowProver {
        &self.prover
    }

    /// Encodes k rows given as blob bytes (4096 canonical 32-byte big-endian elements each).
    pub fn encode_bytes(&self, rows: &[&[u8]]) -> Result<ExtendedSquare> {
        self.encode(rows_from_bytes(rows)?)
    }

    /// The KZG commitments of k rows given as blob bytes (4096 canonical 32-byte big-endian
    /// elements each), 48 bytes each, in row order: what a header carries, without the cells,
    /// the proofs or the extension (one 4096-point IFFT and one 4096-point MSM per row, rows in
    /// parallel; at k = 32 about a fifth of [`Self::encode_bytes`]'s time, docs/BENCHMARKS.md).
    /// Equal to
    /// `encode_bytes(rows)?.original_commitments()` (EIP-4844 `blob_to_kzg_commitment` per row).
    ///
    /// # Errors
    /// As [`Self::encode_bytes`]: a bad k, row length or element.
    pub fn commit_bytes(&self, rows: &[&[u8]]) -> Result<Vec<Commitment>> {
        let rows = rows_from_bytes(rows)?;
        check_rows(&rows)?;
        let prover = &self.prover;
        let points = par_map(rows, |data| prover.commit(&prover.interpolate(data)));
        Ok(compress_g1(&points).into_iter().map(Commitment).collect())
    }

    /// Encodes k rows of 4096 field elements each (blob order).
    pub fn encode(&self, rows: Vec<Vec<Scalar>>) -> Result<ExtendedSquare> {
        check_rows(&rows)?;
        let prover = &self.prover;
        let encoded = par_map(rows, |data| prover.encode(data));
        Ok(extend_square(encoded))
    }
}

/// Parses k rows of blob bytes (4096 canonical 32-byte big-endian elements each) into field
/// elements, row by row in parallel (at k = 128 this is half a million elements: serial, it
/// would cap the speed-up on many cores). Every encoder takes its input through this.
///
/// # Errors
/// [`Error::Length`] for a row of the wrong size; the element errors of
/// [`scalars_from_bytes`] (item = row index).
pub fn rows_from_bytes(rows: &[&[u8]]) -> Result<Vec<Vec<Scalar>>> {
    par_map(rows.iter().enumerate().collect(), |(i, r)| {
        if r.len() != BYTES_PER_ROW {
            return Err(Error::Length {
                what: "row",
                expected: BYTES_PER_ROW,
                got: r.len(),
            });
        }
        scalars_from_bytes(r, i)
    })
    .into_iter()
    .collect()
}

/// Checks a square's shape before encoding: k a power of two up to [`MAX_K`], every row 4096
/// elements. Every encoder (CPU or GPU) checks its input through this.
///
/// # Errors
/// [`Error::InvalidK`]; [`Error::Length`] for a row of another length.
pub fn check_rows(rows: &[Vec<Scalar>]) -> Result<()> {
    check_k(rows.len())?;
    if let Some(r) = rows.iter().find(|r| r.len() != FIELD_ELEMENTS_PER_ROW) {
        return Err(Error::Length {
            what: "row (elements)",
            expected: FIELD_ELEMENTS_PER_ROW,
            got: r.len(),
        });
    }
    Ok(())
}

/// The column extension of the cell data: `result[c][e]` is cell c of extended row `k + e`.
/// Public so the benchmarks can time it alone.
#[allow(clippy::needless_range_loop)] // lanes index two arrays at once
pub fn extend_cells(code: &ColumnCode, originals: &[EncodedRow]) -> Vec<Vec<Vec<Scalar>>> {
    let k = originals.len();
    par_map((0..CELLS_PER_ROW).collect(), |c| {
        let mut out = vec![vec![Scalar::from(0u64); FIELD_ELEMENTS_PER_CELL]; k];
        for j in 0..FIELD_ELEMENTS_PER_CELL {
            let column: Vec<Scalar> = originals.iter().map(|r| r.cells[c][j]).collect();
            for (e, v) in code.extend_scalars(&column).into_iter().enumerate() {
                out[e][j] = v;
            }
        }
        out
    })
}

/// The column extension in G1: column 0 holds the commitments, column `1 + c` the proofs of
/// cell c; each comes back with the k extended rows' points. Public for the benchmarks.
pub fn extend_points(code: &ColumnCode, originals: &[EncodedRow]) -> Vec<Vec<G1Projective>> {
    par_map((0..=CELLS_PER_ROW).collect(), |col| {
        let column: Vec<G1Projective> = originals
            .iter()
            .map(|r| {
                if col == 0 {
                    r.commitment
                } else {
                    G1Projective::from(r.proofs[col - 1])
                }
            })
            .collect();
        code.extend_g1(&column)
    })
}

/// Extends k encoded rows down the columns: cell data in the field, commitments and proofs in
/// G1, then serialises everything.
fn extend_square(originals: Vec<EncodedRow>) -> ExtendedSquare {
    let k = originals.len();
    let code = ColumnCode::new(k).expect("k checked by the caller");
    let extended_cells = extend_cells(&code, &originals);
    let extended_g1 = extend_points(&code, &originals);

    // Serialise: originals first, then the extension.
    let original_g1: Vec<G1Projective> = originals
        .iter()
        .flat_map(|r| std::iter::once(r.commitment).chain(r.proofs.iter().map(G1Projective::from)))
        .collect();
    let extended_g1_row_major: Vec<G1Projective> = (0..k)
        .flat_map(|e| extended_g1.iter().map(move |column| column[e]))
        .collect();
    // Compressed in parallel batches (one inversion per batch): serial, this and the cell
    // bytes below were the encoder's main serial part on many cores.
    let all_g1 = [original_g1, extended_g1_row_major].concat();
    let compressed: Vec<[u8; 48]> =
        par_map(all_g1.chunks(CELLS_PER_ROW + 1).collect(), compress_g1).concat();

    let rows = 2 * k;
    let mut commitments = Vec::with_capacity(rows);
    let mut proofs = Vec::with_capacity(rows * CELLS_PER_ROW);
    for row in compressed.chunks_exact(CELLS_PER_ROW + 1) {
        commitments.push(Commitment(row[0]));
        proofs.extend(row[1..].iter().map(|p| Proof(*p)));
    }

    let cells: Vec<Cell> = par_map((0..rows).collect(), |r| {
        let mut out = vec![[0u8; BYTES_PER_CELL]; CELLS_PER_ROW];
        if r < k {
            write_row(&mut out, &originals[r].cells);
        } else {
            let row: RowCells = (0..CELLS_PER_ROW)
                .map(|c| extended_cells[c][r - k].clone())
                .collect();
            write_row(&mut out, &row);
        }
        out
    })
    .concat();
    ExtendedSquare {
        k,
        commitments,
        cells,
        proofs,
    }
}

fn write_row(out: &mut [Cell], cells: &RowCells) {
    for (dst, src) in out.iter_mut().zip(cells) {
        scalars_to_bytes(src, dst);
    }
}
