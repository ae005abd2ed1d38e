//! What a validity rollup's circuit computes of its batch (EIP-4844's proof of equivalence):
//! the batch cut into rows of 126,976 bytes, each row's 4,096 field elements (31 bytes behind a
//! zero byte, as Weft and EIP-4844 pack them), the challenge z, and each row's polynomial at z
//! in barycentric form — `p(z) = (z^4096 − 1)/4096 · Σ dᵢ·ωᵢ/(z − ωᵢ)` with `ωᵢ =
//! ω^brp(i)`, `ω = 7^((r−1)/4096)` (EIP-4844 `evaluate_polynomial_in_evaluation_form`): a sum
//! of 4,096 terms, no FFT, as a circuit evaluates it.

use ekzg_bls12_381::{
    ff::{Field, PrimeField},
    Scalar,
};
use sha2::{Digest, Sha256};

/// Elements per row (an EIP-4844 blob).
pub(crate) const N: usize = 4096;
/// Data bytes per row.
pub(crate) const ROW_DATA_BYTES: usize = N * 31;

/// The 4,096 field elements of one row of `chunk` (at most 126,976 bytes), zero-padded.
pub(crate) fn row_elements(chunk: &[u8]) -> Vec<Scalar> {
    assert!(chunk.len() <= ROW_DATA_BYTES);
    (0..N)
        .map(|i| {
            let mut element = [0u8; 32];
            let data = chunk
                .get(31 * i..(31 * (i + 1)).min(chunk.len()))
                .unwrap_or(&[]);
            element[1..1 + data.len()].copy_from_slice(data);
            Scalar::from_bytes_be(&element).expect("a zero lead byte keeps it below r")
        })
        .collect()
}

/// A 32-byte hash as a field element: the big-endian integer mod r.
pub(crate) fn hash_to_field(hash: &[u8; 32]) -> Scalar {
    hash.iter().fold(Scalar::ZERO, |acc, &b| {
        acc * Scalar::from(256u64) + Scalar::from(u64::from(b))
    })
}

/// The challenge: `SHA-256(versioned hash of each row ‖ SHA-256(batch))` as a field element.
pub(crate) fn challenge(versioned_hashes: &[[u8; 32]], batch: &[u8]) -> Scalar {
    let mut h = Sha256::new();
    versioned_hashes.iter().for_each(|v| h.update(v));
    h.update(Sha256::digest(batch));
    hash_to_field(&h.finalize().into())
}

/// `ω^brp(i)` for i < 4096, ω the primitive 4096th root of unity from the generator 7.
fn roots() -> Vec<Scalar> {
    // ROOT_OF_UNITY = 7^((r−1)/2^32); squaring it 20 times gives 7^((r−1)/4096).
    let omega = (0..32 - 12).fold(Scalar::ROOT_OF_UNITY, |w, _| w.square());
    let mut natural = Vec::with_capacity(N);
    let mut w = Scalar::ONE;
    for _ in 0..N {
        natural.push(w);
        w *= omega;
    }
    (0..N)
        .map(|i| natural[(i as u32).reverse_bits() as usize >> (32 - 12)])
        .collect()
}

/// The row polynomial at z, from its evaluations (barycentric form; z off the domain).
pub(crate) fn evaluate(elements: &[Scalar], z: &Scalar) -> Scalar {
    assert_eq!(elements.len(), N);
    let roots = roots();
    if let Some(i) = roots.iter().position(|w| w == z) {
        return elements[i];
    }
    let sum = elements
        .iter()
        .zip(&roots)
        .fold(Scalar::ZERO, |acc, (d, w)| {
            acc + *d * w * (*z - w).invert().expect("z is off the domain")
        });
    let n_inv = Scalar::from(N as u64).invert().expect("4096 is invertible");
    (z.pow_vartime([N as u64]) - Scalar::ONE) * n_inv * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The barycentric evaluation equals y of EIP-4844 `compute_kzg_proof` (rust-eth-kzg).
    #[test]
    fn the_circuits_evaluation_is_eip_4844s() {
        let kzg = weft_encoding::Kzg::new(std::sync::Arc::new(weft_encoding::RowProver::new()));
        let chunk: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 3) as u8).collect();
        let elements = row_elements(&chunk);
        let row: Vec<u8> = elements.iter().flat_map(Scalar::to_bytes_be).collect();
        for z in [challenge(&[[1; 32]], &chunk), Scalar::from(5u64)] {
            let (_, y) = kzg.compute_kzg_proof(&row, &z.to_bytes_be()).unwrap();
            assert_eq!(evaluate(&elements, &z).to_bytes_be(), y);
        }
    }
}
