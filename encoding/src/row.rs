//! One row: an EIP-7594 blob. Commitment, 128 cells with FK20 proofs, and recovery of a row
//! from half of its cells. The arithmetic is rust-eth-kzg's; this module only arranges it.

use blst::{blst_p1, blst_p1_affine, MultiPoint};
use ekzg_bls12_381::{fixed_base_msm::UsePrecomp, traits::*, G1Point, G1Projective, Scalar};
use ekzg_erasure_codes::{BlockErasureIndices, ReedSolomon};
use ekzg_multi_open::{
    commit_key::CommitKey, recover_evaluations_in_domain_order, Prover, ProverInput,
};
use ekzg_polynomial::domain::Domain;
use rust_eth_kzg::TrustedSetup;

use crate::{
    constants::{
        CELLS_NEEDED_PER_ROW, CELLS_PER_ROW, FIELD_ELEMENTS_PER_CELL, FIELD_ELEMENTS_PER_EXT_ROW,
        FIELD_ELEMENTS_PER_ROW,
    },
    error::{Error, Result},
    field::{bit_reverse_permute, reverse_bits},
};

/// A row in coefficient form: the polynomial whose evaluations are the row's data.
pub type RowPoly = Vec<Scalar>;

/// The cells of one extended row: 128 × 64 field elements.
pub type RowCells = Vec<Vec<Scalar>>;

/// Everything the square needs about one original row.
#[derive(Debug, Clone)]
pub struct EncodedRow {
    /// The row's KZG commitment.
    pub commitment: G1Projective,
    /// The 128 cells of the extended row.
    pub cells: RowCells,
    /// The 128 cell proofs.
    pub proofs: Vec<G1Point>,
}

/// The prover for single rows. Heavy to build (FK20 tables): build once, share.
pub struct RowProver {
    fk20: Prover,
    /// The monomial G1 points, in blst's layout, for the commitment MSM.
    commit_points: Vec<blst_p1_affine>,
    /// Domain of the 4096 original evaluations.
    row_domain: Domain,
    /// Rate-1/2 Reed–Solomon over the 8192 extended evaluations, erasures per cell.
    rs: ReedSolomon,
}

impl std::fmt::Debug for RowProver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowProver").finish_non_exhaustive()
    }
}

/// Fixed-base precomputation width for FK20. Memory doubles with each step: width 8 takes about
/// 100 MB, width 9 about 200 MB and is about 7% faster on the 2-core benchmark machine
/// (docs/BENCHMARKS.md), which makes one row cheaper than c-kzg's at its precompute 8.
pub const FK20_PRECOMP_WIDTH: usize = 9;

impl RowProver {
    /// Builds the prover from the ceremony that rust-eth-kzg embeds (about two seconds).
    pub fn new() -> Self {
        Self::with_setup(
            &TrustedSetup::default(),
            UsePrecomp::Yes {
                width: FK20_PRECOMP_WIDTH,
            },
        )
    }

    /// Builds the prover from a given setup and precomputation choice.
    pub fn with_setup(setup: &TrustedSetup, precomp: UsePrecomp) -> Self {
        let commit_points = setup.g1_monomial[..FIELD_ELEMENTS_PER_ROW]
            .iter()
            .map(|p| *p.as_ref())
            .collect();
        let fk20 = Prover::new(
            CommitKey::new(setup.g1_monomial.clone()),
            FIELD_ELEMENTS_PER_ROW,
            FIELD_ELEMENTS_PER_CELL,
            FIELD_ELEMENTS_PER_EXT_ROW,
            precomp,
        );
        Self {
            fk20,
            commit_points,
            row_domain: Domain::new(FIELD_ELEMENTS_PER_ROW),
            rs: ReedSolomon::new(FIELD_ELEMENTS_PER_ROW, 2, CELLS_PER_ROW),
        }
    }

    /// Interpolates a row given as 4096 evaluations in blob (bit-reversed) order.
    pub fn interpolate(&self, mut data: Vec<Scalar>) -> RowPoly {
        assert_eq!(data.len(), FIELD_ELEMENTS_PER_ROW);
        bit_reverse_permute(&mut data);
        self.row_domain.ifft_scalars(data).0
    }

    /// KZG commitment to a row polynomial: one pippenger MSM on the monomial points.
    pub fn commit(&self, poly: &[Scalar]) -> G1Projective {
        let scalars: Vec<u8> = poly.iter().flat_map(Scalar::to_bytes_le).collect();
        let raw: blst_p1 = self.commit_points[..poly.len()].mult(&scalars, 255);
        let mut out = G1Projective::identity();
        *out.as_mut() = raw;
        out
    }

    /// The 128 cells of a row, without proofs (EIP-7594 `compute_cells`).
    pub fn cells(&self, poly: RowPoly) -> RowCells {
        self.fk20
            .extend_polynomial(ProverInput::PolyCoeff(poly.into()))
    }

    /// Commitment, cells and FK20 proofs of one row given in coefficient form.
    pub fn encode_poly(&self, poly: RowPoly) -> EncodedRow {
        let commitment = self.commit(&poly);
        let (proofs, cells) = self
            .fk20
            .compute_multi_opening_proofs(ProverInput::PolyCoeff(poly.into()));
        EncodedRow {
            commitment,
            cells,
            proofs,
        }
    }

    /// Commitment, cells and proofs of one row given as 4096 evaluations.
    pub fn encode(&self, data: Vec<Scalar>) -> EncodedRow {
        self.encode_poly(self.interpolate(data))
    }

    /// Recovers a row polynomial from at least 64 distinct cells, given as (cell index, 64
    /// scalars) in ascending order of index. `row` only labels errors.
    pub fn recover(&self, row: usize, cells: Vec<(usize, Vec<Scalar>)>) -> Result<RowPoly> {
        if cells.len() < CELLS_NEEDED_PER_ROW {
            return Err(Error::NotEnoughCells {
                got: cells.len(),
                needed: CELLS_NEEDED_PER_ROW,
                cells: CELLS_PER_ROW,
            });
        }
        for (item, pair) in cells.windows(2).enumerate() {
            if pair[0].0 >= pair[1].0 {
                return Err(Error::CellOrder { item: item + 1 });
            }
        }
        if let Some((item, (col, _))) = cells
            .iter()
            .enumerate()
            .find(|(_, (c, _))| *c >= CELLS_PER_ROW)
        {
            return Err(Error::ColumnOutOfRange {
                item,
                col: *col,
                cols: CELLS_PER_ROW,
            });
        }
        let (indices, evals): (Vec<usize>, Vec<Vec<Scalar>>) = cells.into_iter().unzip();
        let present: Vec<bool> = {
            let mut p = vec![false; CELLS_PER_ROW];
            indices.iter().for_each(|&i| p[i] = true);
            p
        };
        let (_, codeword) =
            recover_evaluations_in_domain_order(FIELD_ELEMENTS_PER_EXT_ROW, indices, evals)
                .expect("indices checked in range and every cell has 64 elements");
        // In domain order, cell c is erased at position reverse_bits(c) of every block of 128.
        let bits = CELLS_PER_ROW.trailing_zeros();
        let missing = (0..CELLS_PER_ROW)
            .filter(|&c| !present[c])
            .map(|c| reverse_bits(c, bits))
            .collect();
        self.rs
            .recover_polynomial_coefficient(codeword, BlockErasureIndices(missing))
            .map(|poly| poly.0)
            .map_err(|_| Error::InconsistentCells { row })
    }
}

impl Default for RowProver {
    fn default() -> Self {
        Self::new()
    }
}
