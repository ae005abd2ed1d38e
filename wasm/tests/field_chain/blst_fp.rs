//! blst's base-field element (mod the BLS12-381 prime p) behind a small safe type: the chain
//! timed and the reference `limb30` is checked against are blst's own multiply, called
//! directly rather than through blstrs' private `Fp` (its `__private_bench` feature).
#![allow(unsafe_code)]

use std::ops::{Add, Mul, MulAssign, Neg};

/// p, big-endian.
const P: [u8; 48] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
    0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
    0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];

/// An element of the base field, in blst's (Montgomery) form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fp(blst::blst_fp);

impl Fp {
    /// The element of the 48 big-endian bytes, if they are below p.
    pub(crate) fn from_bytes_be(bytes: &[u8; 48]) -> Option<Self> {
        if *bytes >= P {
            return None;
        }
        let mut out = blst::blst_fp::default();
        // SAFETY: `out` is a valid blst_fp and `bytes` holds the 48 bytes blst reads.
        unsafe { blst::blst_fp_from_bendian(&mut out, bytes.as_ptr()) };
        Some(Self(out))
    }

    /// The 48 big-endian bytes of the element.
    pub(crate) fn to_bytes_be(self) -> [u8; 48] {
        let mut out = [0u8; 48];
        // SAFETY: `out` has the 48 bytes blst writes; `self.0` is a valid blst_fp.
        unsafe { blst::blst_bendian_from_fp(out.as_mut_ptr(), &self.0) };
        out
    }
}

impl Mul for Fp {
    type Output = Self;

    fn mul(self, other: Self) -> Self {
        let mut out = blst::blst_fp::default();
        // SAFETY: all three are valid blst_fp values (blst allows no aliasing constraints).
        unsafe { blst::blst_fp_mul(&mut out, &self.0, &other.0) };
        Self(out)
    }
}

impl MulAssign<&Fp> for Fp {
    fn mul_assign(&mut self, other: &Self) {
        *self = *self * *other;
    }
}

impl Add for Fp {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        let mut out = blst::blst_fp::default();
        // SAFETY: all three are valid blst_fp values.
        unsafe { blst::blst_fp_add(&mut out, &self.0, &other.0) };
        Self(out)
    }
}

impl Neg for Fp {
    type Output = Self;

    fn neg(self) -> Self {
        let mut out = blst::blst_fp::default();
        // SAFETY: both are valid blst_fp values.
        unsafe { blst::blst_fp_cneg(&mut out, &self.0, true) };
        Self(out)
    }
}
