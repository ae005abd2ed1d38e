//! Conversions between bytes and BLS12-381 values, and the bit-reversal permutation.

use ekzg_bls12_381::{G1Point, G1Projective, Scalar};

use crate::{
    constants::{BYTES_PER_FIELD_ELEMENT, BYTES_PER_G1},
    error::{Error, PointError, Result},
};

/// Reverses the low `bits` bits of `i`.
pub const fn reverse_bits(i: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Permutes `v` (length a power of two) into bit-reversed order. Its own inverse.
pub fn bit_reverse_permute<T>(v: &mut [T]) {
    let n = v.len();
    assert!(n.is_power_of_two(), "length {n} is not a power of two");
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = reverse_bits(i, bits);
        if i < j {
            v.swap(i, j);
        }
    }
}

/// Parses one canonical big-endian scalar. `item`/`element` locate it for the error.
pub fn scalar_from_bytes(
    bytes: &[u8; BYTES_PER_FIELD_ELEMENT],
    item: usize,
    element: usize,
) -> Result<Scalar> {
    Option::from(Scalar::from_bytes_be(bytes))
        .ok_or(Error::NonCanonicalFieldElement { item, element })
}

/// Parses a run of 32-byte canonical scalars.
pub fn scalars_from_bytes(bytes: &[u8], item: usize) -> Result<Vec<Scalar>> {
    debug_assert_eq!(bytes.len() % BYTES_PER_FIELD_ELEMENT, 0);
    bytes
        .chunks_exact(BYTES_PER_FIELD_ELEMENT)
        .enumerate()
        .map(|(element, chunk)| {
            let chunk: &[u8; BYTES_PER_FIELD_ELEMENT] = chunk.try_into().expect("chunks_exact(32)");
            scalar_from_bytes(chunk, item, element)
        })
        .collect()
}

/// Writes scalars as consecutive 32-byte big-endian values into `out`.
pub fn scalars_to_bytes(scalars: &[Scalar], out: &mut [u8]) {
    debug_assert_eq!(out.len(), scalars.len() * BYTES_PER_FIELD_ELEMENT);
    for (s, chunk) in scalars
        .iter()
        .zip(out.chunks_exact_mut(BYTES_PER_FIELD_ELEMENT))
    {
        chunk.copy_from_slice(&s.to_bytes_be());
    }
}

/// Serialises the 128 cells of a row.
pub fn serialize_row_cells(cells: &[Vec<Scalar>]) -> Vec<crate::types::Cell> {
    cells
        .iter()
        .map(|cell| {
            let mut out = [0u8; crate::constants::BYTES_PER_CELL];
            scalars_to_bytes(cell, &mut out);
            out
        })
        .collect()
}

/// Decodes a compressed G1 point, telling apart bad encodings, off-curve points and points
/// outside the prime-order subgroup.
pub fn g1_from_bytes(bytes: &[u8; BYTES_PER_G1]) -> std::result::Result<G1Point, PointError> {
    // The compression flag must be set; infinity must be all zeros after the flags.
    if bytes[0] & 0x80 == 0 {
        return Err(PointError::Encoding);
    }
    let point: Option<G1Point> = G1Point::from_compressed_unchecked(bytes).into();
    let point = point.ok_or_else(|| {
        // Distinguish "x is not a field element / flags wrong" from "no y for this x": blst
        // reports both as failure, so re-check the x coordinate against the base-field modulus.
        if x_is_canonical(bytes) && bytes[0] & 0x40 == 0 {
            PointError::NotOnCurve
        } else {
            PointError::Encoding
        }
    })?;
    if bool::from(point.is_torsion_free()) {
        Ok(point)
    } else {
        Err(PointError::NotInSubgroup)
    }
}

/// The BLS12-381 base-field modulus, big-endian.
const FP_MODULUS: [u8; 48] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
    0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
    0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];

fn x_is_canonical(bytes: &[u8; BYTES_PER_G1]) -> bool {
    let mut x = *bytes;
    x[0] &= 0x1f;
    x < FP_MODULUS
}

/// Compresses projective points, normalising them in one batch.
pub fn compress_g1(points: &[G1Projective]) -> Vec<[u8; BYTES_PER_G1]> {
    ekzg_bls12_381::g1_batch_normalize(points)
        .iter()
        .map(G1Point::to_compressed)
        .collect()
}

#[cfg(test)]
mod tests {
    use ekzg_bls12_381::traits::*;

    use super::*;

    #[test]
    fn bit_reversal_is_an_involution() {
        let mut v: Vec<usize> = (0..16).collect();
        bit_reverse_permute(&mut v);
        assert_eq!(v[1], 8);
        assert_eq!(v[3], 12);
        bit_reverse_permute(&mut v);
        assert_eq!(v, (0..16).collect::<Vec<_>>());
        assert_eq!(reverse_bits(0, 0), 0);
    }

    #[test]
    fn g1_errors_are_told_apart() {
        let g = G1Point::generator().to_compressed();
        assert_eq!(g1_from_bytes(&g), Ok(G1Point::generator()));
        let mut no_flag = g;
        no_flag[0] &= 0x7f;
        assert_eq!(g1_from_bytes(&no_flag), Err(PointError::Encoding));
        let mut big_x = [0xffu8; 48];
        big_x[0] = 0x9f;
        assert_eq!(g1_from_bytes(&big_x), Err(PointError::Encoding));
        // x = 4 has no point on y² = x³ + 4 (8 is a non-residue? search until we find one).
        let off_curve = (1u8..=255)
            .map(|x| {
                let mut b = [0u8; 48];
                b[0] = 0x80;
                b[47] = x;
                b
            })
            .find(|b| Option::<G1Point>::from(G1Point::from_compressed_unchecked(b)).is_none())
            .expect("some small x is off the curve");
        assert_eq!(g1_from_bytes(&off_curve), Err(PointError::NotOnCurve));
        // Points with small x on the curve are almost never in the subgroup.
        let off_group = (1u8..=255)
            .map(|x| {
                let mut b = [0u8; 48];
                b[0] = 0x80;
                b[47] = x;
                b
            })
            .find(|b| Option::<G1Point>::from(G1Point::from_compressed_unchecked(b)).is_some())
            .expect("some small x is on the curve");
        assert_eq!(g1_from_bytes(&off_group), Err(PointError::NotInSubgroup));
    }
}
