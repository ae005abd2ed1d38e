//! Verify-only KZG for cells: EIP-7594's batched check, and Weft's sample check against the k
//! commitments of a header. Loads 64 G1 points and 2 G2 points (not the whole ceremony, not
//! the FK20 tables), so it starts in milliseconds, in a browser too.
//!
//! Samples from extended rows are checked without ever taking an extended commitment from
//! anyone: the batch's random weights are pushed through the column code's Lagrange weights
//! onto the k original commitments, so the multi-scalar multiplication runs over those alone.

use std::collections::BTreeMap;

use ekzg_bls12_381::{
    g1_batch_normalize, lincomb::g1_lincomb, multi_pairings, reduce_bytes_to_scalar_bias,
    traits::*, G1Point, G1Projective, G2Point, G2Prepared, Scalar,
};
use ekzg_polynomial::domain::Domain;
use sha2::{Digest, Sha256};

use crate::{
    column::ColumnCode,
    constants::{
        BYTES_PER_CELL, BYTES_PER_G1, CELLS_PER_ROW, FIELD_ELEMENTS_PER_CELL,
        FIELD_ELEMENTS_PER_ROW,
    },
    error::{Error, Result},
    field::{bit_reverse_permute, g1_from_bytes, reverse_bits, scalars_from_bytes},
    square::check_k,
    types::Commitment,
};

/// The ceremony slice written by `build.rs` from rust-eth-kzg's embedded setup.
const VERIFY_KEY_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/verify_key.bin"));

/// Domain separator of EIP-7594's batch challenge.
const SPEC_DOMAIN: &[u8; 16] = b"RCKZGCBATCH__V1_";
/// Domain separator of Weft's sample-batch challenge.
const SAMPLE_DOMAIN: &[u8; 16] = b"WEFT_SAMPLES_V1_";

/// What the verifier needs from the ceremony, plus the cell cosets.
pub struct VerifyKey {
    /// `[τ^i]₁` for `i < 64`: commits to interpolation polynomials.
    g1_monomial: Vec<G1Point>,
    /// `[τ^64]₂`.
    tau_pow_cell: G2Prepared,
    /// `−[1]₂`.
    neg_g2: G2Prepared,
    /// `h_c^64` for each cell c, where cell c is the coset `h_c · H_64`.
    coset_pow_cell: Vec<Scalar>,
    /// `h_c^{-1}`.
    coset_inv: Vec<Scalar>,
    /// The 64-point domain for interpolation.
    cell_domain: Domain,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey").finish_non_exhaustive()
    }
}

impl Default for VerifyKey {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifyKey {
    /// Loads the embedded ceremony slice (subgroup-checked; a few milliseconds).
    pub fn new() -> Self {
        let (g1_bytes, g2_bytes) =
            VERIFY_KEY_BYTES.split_at(FIELD_ELEMENTS_PER_CELL * BYTES_PER_G1);
        let g1_monomial = g1_bytes
            .chunks_exact(BYTES_PER_G1)
            .map(|b| {
                g1_from_bytes(b.try_into().expect("48-byte chunk"))
                    .expect("embedded setup is valid")
            })
            .collect();
        let g2 = |i: usize| -> G2Point {
            let bytes: &[u8; 96] = g2_bytes[96 * i..96 * (i + 1)].try_into().expect("96 bytes");
            Option::from(G2Point::from_compressed(bytes)).expect("embedded setup is valid")
        };
        let (g2_one, g2_tau_pow_cell) = (g2(0), g2(1));

        // Cell c holds the evaluations on the coset h_c·H_64 with h_c = ω_8192^{brp_7(c)}.
        let omega = Scalar::ROOT_OF_UNITY
            .pow_vartime([1u64 << (32 - (2 * FIELD_ELEMENTS_PER_ROW).trailing_zeros())]);
        let bits = CELLS_PER_ROW.trailing_zeros();
        let cosets: Vec<Scalar> = (0..CELLS_PER_ROW)
            .map(|c| omega.pow_vartime([reverse_bits(c, bits) as u64]))
            .collect();
        Self {
            g1_monomial,
            tau_pow_cell: G2Prepared::from(g2_tau_pow_cell),
            neg_g2: G2Prepared::from(-g2_one),
            coset_pow_cell: cosets
                .iter()
                .map(|h| h.pow_vartime([FIELD_ELEMENTS_PER_CELL as u64]))
                .collect(),
            coset_inv: cosets
                .iter()
                .map(|h| h.invert().expect("roots of unity are non-zero"))
                .collect(),
            cell_domain: Domain::new(FIELD_ELEMENTS_PER_CELL),
        }
    }

    /// The raw points, for tests that compare them with the ceremony file.
    #[cfg(any(test, feature = "test-utils"))]
    pub fn points(&self) -> (&[G1Point], G2Point) {
        let g2: &[u8; 96] = VERIFY_KEY_BYTES[FIELD_ELEMENTS_PER_CELL * BYTES_PER_G1 + 96..]
            .try_into()
            .expect("96");
        (
            &self.g1_monomial,
            Option::from(G2Point::from_compressed(g2)).expect("valid"),
        )
    }

    /// EIP-7594 `verify_cell_kzg_proof_batch`: `Ok(true)` if every cell opens its commitment,
    /// `Ok(false)` if the pairing check fails, `Err` for malformed input.
    pub fn verify_cell_kzg_proof_batch(
        &self,
        commitments: &[&[u8]],
        cell_indices: &[u64],
        cells: &[&[u8]],
        proofs: &[&[u8]],
    ) -> Result<bool> {
        let n = cells.len();
        for len in [commitments.len(), cell_indices.len(), proofs.len()] {
            if len != n {
                return Err(Error::CountMismatch { a: len, b: n });
            }
        }
        // Deduplicate commitments; the transcript hashes the unique ones in first-seen order.
        let mut unique: Vec<[u8; BYTES_PER_G1]> = Vec::new();
        let mut rows = Vec::with_capacity(n);
        for (i, c) in commitments.iter().enumerate() {
            let c: [u8; BYTES_PER_G1] = (*c).try_into().map_err(|_| Error::Length {
                what: "commitment",
                expected: BYTES_PER_G1,
                got: c.len(),
            })?;
            let idx = unique.iter().position(|u| *u == c).unwrap_or_else(|| {
                unique.push(c);
                unique.len() - 1
            });
            rows.push(idx);
            let _ = i;
        }
        let openings = parse_openings(
            cell_indices
                .iter()
                .map(|&c| usize::try_from(c).unwrap_or(usize::MAX)),
            cells,
            proofs,
        )?;
        let points = decode_commitments(&unique)?;
        if n == 0 {
            return Ok(true);
        }
        let r = {
            let mut h = Sha256::new();
            h.update(SPEC_DOMAIN);
            h.update((FIELD_ELEMENTS_PER_ROW as u64).to_be_bytes());
            h.update((FIELD_ELEMENTS_PER_CELL as u64).to_be_bytes());
            h.update((unique.len() as u64).to_be_bytes());
            h.update((n as u64).to_be_bytes());
            unique.iter().for_each(|c| h.update(c));
            for (i, o) in openings.iter().enumerate() {
                h.update((rows[i] as u64).to_be_bytes());
                h.update((o.col as u64).to_be_bytes());
                h.update(cells[i]);
                h.update(proofs[i]);
            }
            reduce_bytes_to_scalar_bias(h.finalize().into())
        };
        let powers = powers_of(r, n);
        let mut weights = vec![Scalar::ZERO; unique.len()];
        for (row, p) in rows.iter().zip(&powers) {
            weights[*row] += p;
        }
        Ok(self.check(&points, &weights, &openings, &powers))
    }

    /// Verifies a batch of sampled cells of one square against its header commitments. Rows may
    /// be original (`< k`) or extended (`k..2k`); extended commitments are derived, never given.
    pub fn verify_samples(&self, square: &SquareCommitments, samples: &[Sample<'_>]) -> Result<()> {
        let rows = square.rows();
        for (item, s) in samples.iter().enumerate() {
            if s.row >= rows {
                return Err(Error::RowOutOfRange {
                    item,
                    row: s.row,
                    rows,
                });
            }
        }
        let cells: Vec<&[u8]> = samples.iter().map(|s| s.cell).collect();
        let proofs: Vec<&[u8]> = samples.iter().map(|s| s.proof).collect();
        let openings = parse_openings(samples.iter().map(|s| s.col), &cells, &proofs)?;
        if samples.is_empty() {
            return Ok(());
        }
        let r = {
            let mut h = Sha256::new();
            h.update(SAMPLE_DOMAIN);
            h.update((square.k() as u64).to_be_bytes());
            h.update((samples.len() as u64).to_be_bytes());
            square.bytes.iter().for_each(|c| h.update(c.as_bytes()));
            for s in samples {
                h.update((s.row as u64).to_be_bytes());
                h.update((s.col as u64).to_be_bytes());
                h.update(s.cell);
                h.update(s.proof);
            }
            reduce_bytes_to_scalar_bias(h.finalize().into())
        };
        let powers = powers_of(r, samples.len());
        // Σ_i r_i·C_{row_i} = Σ_j (Σ_i r_i·w_{row_i, j})·C_j over the k original commitments.
        let mut weights = vec![Scalar::ZERO; square.k()];
        let mut extended_weights: BTreeMap<usize, Vec<Scalar>> = BTreeMap::new();
        for (s, p) in samples.iter().zip(&powers) {
            if s.row < square.k() {
                weights[s.row] += p;
            } else {
                let w = extended_weights
                    .entry(s.row)
                    .or_insert_with(|| square.code.row_weights(s.row));
                for (acc, wj) in weights.iter_mut().zip(w.iter()) {
                    *acc += *p * wj;
                }
            }
        }
        if self.check(&square.points, &weights, &openings, &powers) {
            Ok(())
        } else {
            Err(Error::InvalidProof {
                samples: samples.len(),
            })
        }
    }

    /// Verifies a batch; when it fails, verifies each sample on its own to find the bad ones.
    /// Returns one verdict per sample (all `true` when the batch passed).
    pub fn verify_locating(&self, square: &SquareCommitments, samples: &[Sample<'_>]) -> Vec<bool> {
        if self.verify_samples(square, samples).is_ok() {
            vec![true; samples.len()]
        } else {
            self.verify_each(square, samples)
                .iter()
                .map(Result::is_ok)
                .collect()
        }
    }

    /// Verifies each sample on its own, to find the bad ones after a batch failed.
    pub fn verify_each(
        &self,
        square: &SquareCommitments,
        samples: &[Sample<'_>],
    ) -> Vec<Result<()>> {
        samples
            .iter()
            .map(|s| self.verify_samples(square, std::slice::from_ref(s)))
            .collect()
    }

    /// The batched pairing check: with `I` the r-weighted sum of interpolation polynomials,
    /// `e(Σ rᵢπᵢ, [τ^64]) = e(Σ wⱼCⱼ − [I(τ)] + Σ rᵢhᵢ^64πᵢ, [1])`.
    fn check(
        &self,
        commitments: &[G1Point],
        weights: &[Scalar],
        openings: &[Opening],
        powers: &[Scalar],
    ) -> bool {
        let proofs: Vec<G1Point> = openings.iter().map(|o| o.proof).collect();
        let proof_sum = g1_lincomb(&proofs, powers).expect("one power per proof");

        // Interpolation: sum the r-weighted evaluations per coset, then one IFFT per coset.
        let mut per_coset: BTreeMap<usize, Vec<Scalar>> = BTreeMap::new();
        for (o, p) in openings.iter().zip(powers) {
            let acc = per_coset
                .entry(o.col)
                .or_insert_with(|| vec![Scalar::ZERO; FIELD_ELEMENTS_PER_CELL]);
            for (a, v) in acc.iter_mut().zip(&o.evals) {
                *a += *p * v;
            }
        }
        let mut interpolation = vec![Scalar::ZERO; FIELD_ELEMENTS_PER_CELL];
        for (col, mut evals) in per_coset {
            bit_reverse_permute(&mut evals);
            let coeffs = self.cell_domain.ifft_scalars(evals).0;
            // I(X) = Σ_t a_t (X / h)^t.
            let mut scale = Scalar::ONE;
            for (acc, a) in interpolation.iter_mut().zip(coeffs) {
                *acc += a * scale;
                scale *= self.coset_inv[col];
            }
        }

        // One MSM for the right-hand G1 argument: commitments, −interpolation, weighted proofs.
        let weighted: Vec<Scalar> = openings
            .iter()
            .zip(powers)
            .map(|(o, p)| *p * self.coset_pow_cell[o.col])
            .collect();
        let points: Vec<G1Point> = commitments
            .iter()
            .chain(&self.g1_monomial)
            .chain(&proofs)
            .copied()
            .collect();
        let scalars: Vec<Scalar> = weights
            .iter()
            .copied()
            .chain(interpolation.iter().map(|s| -*s))
            .chain(weighted)
            .collect();
        let rhs = g1_lincomb(&points, &scalars).expect("one scalar per point");

        let affine = g1_batch_normalize(&[proof_sum, rhs]);
        multi_pairings(&[(&affine[0], &self.tau_pow_cell), (&affine[1], &self.neg_g2)])
    }
}

/// One sampled cell as received: position, cell bytes, proof bytes (lengths checked here).
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    /// Row in `0..2k`.
    pub row: usize,
    /// Column in `0..128`.
    pub col: usize,
    /// 2048 bytes.
    pub cell: &'a [u8],
    /// 48 bytes.
    pub proof: &'a [u8],
}

#[cfg(any(test, feature = "test-utils"))]
impl crate::square::ExtendedSquare {
    /// One cell with its proof, as a sample to verify. Panics if out of range.
    pub fn sample(&self, row: usize, col: usize) -> Sample<'_> {
        Sample {
            row,
            col,
            cell: self.cell(row, col),
            proof: &self.proof(row, col).0,
        }
    }
}

/// The k commitments of a header, decoded and checked once, with the column code of that k.
#[derive(Debug, Clone)]
pub struct SquareCommitments {
    code: ColumnCode,
    points: Vec<G1Point>,
    bytes: Vec<Commitment>,
}

impl SquareCommitments {
    /// Decodes a header's k commitments (k a power of two ≤ 128); rejects invalid points.
    pub fn new(commitments: &[Commitment]) -> Result<Self> {
        check_k(commitments.len())?;
        let raw: Vec<[u8; BYTES_PER_G1]> = commitments.iter().map(|c| c.0).collect();
        Ok(Self {
            code: ColumnCode::new(commitments.len())?,
            points: decode_commitments(&raw)?,
            bytes: commitments.to_vec(),
        })
    }

    /// Original rows.
    pub fn k(&self) -> usize {
        self.code.k()
    }

    /// Rows of the extended square.
    pub fn rows(&self) -> usize {
        2 * self.code.k()
    }

    /// All 2k row commitments, the extension computed by the G1 FFT.
    pub fn extended(&self) -> Vec<Commitment> {
        let projective: Vec<G1Projective> = self.points.iter().map(G1Projective::from).collect();
        let extension = self.code.extend_g1(&projective);
        let mut out = self.bytes.clone();
        out.extend(
            g1_batch_normalize(&extension)
                .iter()
                .map(|p| Commitment(p.to_compressed())),
        );
        out
    }
}

/// A cell ready for the pairing check.
struct Opening {
    col: usize,
    evals: Vec<Scalar>,
    proof: G1Point,
}

fn parse_openings(
    cols: impl Iterator<Item = usize>,
    cells: &[&[u8]],
    proofs: &[&[u8]],
) -> Result<Vec<Opening>> {
    // Each proof's decompression and G1 subgroup check (~30 µs) dominates a synced block's
    // check (8,192 proofs at k = 32): parsed on every core; the first error in item order is
    // returned, as a sequential parse would.
    let items: Vec<(usize, usize, &[u8], &[u8])> = cols
        .zip(cells.iter().zip(proofs))
        .enumerate()
        .map(|(item, (col, (cell, proof)))| (item, col, *cell, *proof))
        .collect();
    crate::parallel::par_map(items, |(item, col, cell, proof)| {
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
        let proof: &[u8; BYTES_PER_G1] = proof.try_into().map_err(|_| Error::Length {
            what: "proof",
            expected: BYTES_PER_G1,
            got: proof.len(),
        })?;
        let evals = scalars_from_bytes(cell, item)?;
        let proof =
            g1_from_bytes(proof).map_err(|reason| Error::InvalidProofPoint { item, reason })?;
        Ok(Opening { col, evals, proof })
    })
    .into_iter()
    .collect()
}

fn decode_commitments(raw: &[[u8; BYTES_PER_G1]]) -> Result<Vec<G1Point>> {
    raw.iter()
        .enumerate()
        .map(|(index, c)| {
            g1_from_bytes(c).map_err(|reason| Error::InvalidCommitmentPoint { index, reason })
        })
        .collect()
}

fn powers_of(r: Scalar, n: usize) -> Vec<Scalar> {
    std::iter::successors(Some(Scalar::ONE), |p| Some(p * r))
        .take(n)
        .collect()
}
