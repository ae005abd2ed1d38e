//! The column code: k values down a column are evaluations of a polynomial of degree < k at
//! the first k of the 2k-th roots of unity in bit-reversed order; the extension is its values
//! at the other k. Because the map is linear, it applies alike to field elements (cell data)
//! and to G1 points (commitments and proofs).

use ekzg_bls12_381::{batch_inversion::batch_inverse, traits::*, G1Projective, Scalar};
use ekzg_polynomial::domain::Domain;

use crate::{
    constants::MAX_K,
    error::{Error, Result},
    field::{bit_reverse_permute, reverse_bits},
};

/// Evaluation points and FFT domain for columns of one square size k.
#[derive(Debug, Clone)]
pub struct ColumnCode {
    k: usize,
    /// `y_i = ω_{2k}^{brp(i)}` for `i in 0..2k`: row i of the extended square holds the column
    /// polynomials' values at `y_i`.
    points: Vec<Scalar>,
    /// Domain of the k-th roots of unity (natural order), for the FFTs.
    domain: Domain,
    /// `ω_{2k}^t` for `t in 0..k`: moves the evaluation domain onto the odd coset.
    coset_powers: Vec<Scalar>,
    /// `ω_{2k}^t / k`: the same, with the inverse FFT's scaling folded in (used for G1).
    coset_powers_over_k: Vec<Scalar>,
}

impl ColumnCode {
    /// The code for squares of k original rows.
    pub fn new(k: usize) -> Result<Self> {
        if !k.is_power_of_two() || k > MAX_K {
            return Err(Error::InvalidK { k });
        }
        let wide = Domain::new(2 * k);
        let bits = (2 * k).trailing_zeros();
        let points = (0..2 * k)
            .map(|i| wide.roots[reverse_bits(i, bits)])
            .collect();
        let coset_powers: Vec<Scalar> = wide.roots[..k].to_vec();
        let k_inv = Scalar::from(k as u64).invert().expect("k is non-zero");
        let coset_powers_over_k = coset_powers.iter().map(|w| w * k_inv).collect();
        // k = 1 never runs an FFT (a degree-0 column is copied), so its domain is a placeholder.
        Ok(Self {
            k,
            points,
            domain: Domain::new(k.max(2)),
            coset_powers,
            coset_powers_over_k,
        })
    }

    /// Original rows in the square.
    pub const fn k(&self) -> usize {
        self.k
    }

    /// The evaluation point of row `i` (`i < 2k`).
    pub fn point(&self, i: usize) -> Scalar {
        self.points[i]
    }

    /// Extends one column of field elements: `column[0..k]` in row order gives rows `k..2k`.
    pub fn extend_scalars(&self, column: &[Scalar]) -> Vec<Scalar> {
        assert_eq!(column.len(), self.k);
        if self.k == 1 {
            return column.to_vec();
        }
        let mut values = column.to_vec();
        bit_reverse_permute(&mut values);
        let mut coeffs = self.domain.ifft_scalars(values).0;
        for (c, w) in coeffs.iter_mut().zip(&self.coset_powers) {
            *c *= w;
        }
        let mut out = self.domain.fft_scalars(coeffs.into());
        bit_reverse_permute(&mut out);
        out
    }

    /// Extends one column of G1 points (commitments, or the proofs of one cell index).
    pub fn extend_g1(&self, column: &[G1Projective]) -> Vec<G1Projective> {
        assert_eq!(column.len(), self.k);
        if self.k == 1 {
            return column.to_vec();
        }
        let mut values = column.to_vec();
        bit_reverse_permute(&mut values);
        // An unscaled inverse FFT is a forward FFT with outputs 1..k reversed; the 1/k goes into
        // the coset twist, saving k scalar multiplications per column.
        let mut coeffs = self.domain.fft_g1(values);
        coeffs[1..].reverse();
        for (c, w) in coeffs.iter_mut().zip(&self.coset_powers_over_k) {
            *c *= w;
        }
        let mut out = self.domain.fft_g1(coeffs);
        bit_reverse_permute(&mut out);
        out
    }

    /// Weights `w_j` with `row = Σ_j w_j · row_j` over the original rows `j < k`: the Lagrange
    /// basis at the row's point. For an original row this is a unit vector.
    pub fn row_weights(&self, row: usize) -> Vec<Scalar> {
        assert!(row < 2 * self.k);
        if row < self.k {
            let mut w = vec![Scalar::ZERO; self.k];
            w[row] = Scalar::ONE;
            return w;
        }
        // L_j(y) = (y^k − 1)·x_j / (k·(y − x_j)), and y^k = −1 on the odd coset.
        let y = self.points[row];
        let mut denominators: Vec<Scalar> = self.points[..self.k]
            .iter()
            .map(|x| (y - x) * Scalar::from(self.k as u64))
            .collect();
        batch_inverse(&mut denominators);
        let minus_two = -Scalar::from(2u64);
        self.points[..self.k]
            .iter()
            .zip(denominators)
            .map(|(x, d)| minus_two * x * d)
            .collect()
    }

    /// Plans the recovery of a column from any k known rows: returns the rows used and, for each
    /// missing row, its weights over them. `known` lists rows in `0..2k` (at least k).
    pub fn recovery_plan(&self, known: &[usize], missing: &[usize]) -> Result<RecoveryPlan> {
        if known.len() < self.k {
            return Err(Error::NotEnoughCells {
                got: known.len(),
                needed: self.k,
                cells: 2 * self.k,
            });
        }
        let basis: Vec<usize> = known[..self.k].to_vec();
        let xs: Vec<Scalar> = basis.iter().map(|&r| self.points[r]).collect();
        // Barycentric weights b_j = 1 / Π_{l≠j} (x_j − x_l).
        let mut bary: Vec<Scalar> = xs
            .iter()
            .enumerate()
            .map(|(j, xj)| {
                xs.iter()
                    .enumerate()
                    .filter(|&(l, _)| l != j)
                    .fold(Scalar::ONE, |acc, (_, xl)| acc * (xj - xl))
            })
            .collect();
        batch_inverse(&mut bary);
        let weights = missing
            .iter()
            .map(|&m| {
                let y = self.points[m];
                let mut diffs: Vec<Scalar> = xs.iter().map(|x| y - x).collect();
                let ell = diffs.iter().fold(Scalar::ONE, |acc, d| acc * d);
                batch_inverse(&mut diffs);
                diffs.iter().zip(&bary).map(|(d, b)| ell * b * d).collect()
            })
            .collect();
        Ok(RecoveryPlan {
            basis,
            missing: missing.to_vec(),
            weights,
        })
    }
}

/// How to fill the missing rows of a column from k known ones.
#[derive(Debug, Clone)]
pub struct RecoveryPlan {
    /// The k known rows the values are taken from.
    pub basis: Vec<usize>,
    /// The rows to fill.
    pub missing: Vec<usize>,
    /// `weights[m][j]`: contribution of `basis[j]` to `missing[m]`.
    pub weights: Vec<Vec<Scalar>>,
}

impl RecoveryPlan {
    /// Applies the plan to one lane: `value_of(row)` reads a known row's value.
    pub fn apply(&self, value_of: impl Fn(usize) -> Scalar) -> Vec<Scalar> {
        let basis: Vec<Scalar> = self.basis.iter().map(|&r| value_of(r)).collect();
        self.weights
            .iter()
            .map(|w| {
                w.iter()
                    .zip(&basis)
                    .fold(Scalar::ZERO, |acc, (w, v)| acc + w * v)
            })
            .collect()
    }
}
