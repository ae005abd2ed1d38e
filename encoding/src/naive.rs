//! Slow, obviously-correct references for the fast routines, used by tests and property tests:
//! the column extension as a dense matrix product, sample verification with explicitly
//! extended commitments through rust-eth-kzg, and column recovery by Lagrange interpolation.

use ekzg_bls12_381::{traits::*, G1Projective, Scalar};

use crate::{column::ColumnCode, types::Commitment, verify::Sample};

/// Extended rows `k..2k` of one column of scalars, by evaluating the Lagrange basis directly.
pub fn extend_scalars(code: &ColumnCode, column: &[Scalar]) -> Vec<Scalar> {
    let k = code.k();
    let points: Vec<(Scalar, Scalar)> = (0..k).map(|j| (code.point(j), column[j])).collect();
    (k..2 * k)
        .map(|row| lagrange_eval(&points, code.point(row)))
        .collect()
}

/// `Σ_j v_j · Π_{l≠j} (y − x_l) / (x_j − x_l)`: the textbook Lagrange formula.
pub fn lagrange_eval(points: &[(Scalar, Scalar)], y: Scalar) -> Scalar {
    points
        .iter()
        .enumerate()
        .fold(Scalar::ZERO, |acc, (j, &(xj, vj))| {
            let (num, den) = points
                .iter()
                .enumerate()
                .filter(|&(l, _)| l != j)
                .fold((Scalar::ONE, Scalar::ONE), |(n, d), (_, &(xl, _))| {
                    (n * (y - xl), d * (xj - xl))
                });
            acc + vj * num * den.invert().expect("distinct points")
        })
}

/// Extended rows `k..2k` of one column of G1 points, as dense sums `Σ_j w_j·P_j`.
pub fn extend_g1(code: &ColumnCode, column: &[G1Projective]) -> Vec<G1Projective> {
    let k = code.k();
    (k..2 * k)
        .map(|row| {
            code.row_weights(row)
                .iter()
                .zip(column)
                .fold(G1Projective::identity(), |acc, (w, p)| acc + p * w)
        })
        .collect()
}

/// Verifies samples by extending all commitments explicitly and calling rust-eth-kzg's
/// `verify_cell_kzg_proof_batch`. `Ok(false)` when the proofs fail.
pub fn verify_samples(
    context: &rust_eth_kzg::DASContext,
    commitments: &[Commitment],
    samples: &[Sample<'_>],
) -> Result<bool, rust_eth_kzg::Error> {
    let k = commitments.len();
    let code = ColumnCode::new(k).expect("k is a power of two");
    let points: Vec<G1Projective> = commitments
        .iter()
        .map(|c| {
            G1Projective::from(
                Option::<ekzg_bls12_381::G1Point>::from(ekzg_bls12_381::G1Point::from_compressed(
                    &c.0,
                ))
                .expect("valid commitment"),
            )
        })
        .collect();
    let all: Vec<[u8; 48]> = commitments
        .iter()
        .map(|c| c.0)
        .chain(
            extend_g1(&code, &points)
                .iter()
                .map(|p| ekzg_bls12_381::G1Point::from(p).to_compressed()),
        )
        .collect();
    let cells: Vec<&[u8; 2048]> = samples
        .iter()
        .map(|s| s.cell.try_into().expect("2048 bytes"))
        .collect();
    let proofs: Vec<&[u8; 48]> = samples
        .iter()
        .map(|s| s.proof.try_into().expect("48 bytes"))
        .collect();
    let commitment_refs: Vec<&[u8; 48]> = samples.iter().map(|s| &all[s.row]).collect();
    let cols: Vec<u64> = samples.iter().map(|s| s.col as u64).collect();
    match context.verify_cell_kzg_proof_batch(commitment_refs, &cols, cells, proofs) {
        Ok(()) => Ok(true),
        Err(e) if e.is_proof_invalid() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The values of a column at `missing` rows from its values at `known` rows, by Lagrange
/// interpolation through the first k known points.
pub fn recover_column(
    code: &ColumnCode,
    known: &[(usize, Scalar)],
    missing: &[usize],
) -> Vec<Scalar> {
    let pts: Vec<(Scalar, Scalar)> = known[..code.k()]
        .iter()
        .map(|&(r, v)| (code.point(r), v))
        .collect();
    missing
        .iter()
        .map(|&r| lagrange_eval(&pts, code.point(r)))
        .collect()
}
