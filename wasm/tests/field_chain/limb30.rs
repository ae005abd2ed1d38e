//! Montgomery multiplication mod the BLS12-381 base prime p in 13 limbs of 30 bits, carries
//! left in 64-bit accumulators: the shape that suits WebAssembly (a 30 × 30-bit product fits
//! an `i64.mul`, and no carry flag is needed). Not used by Weft; it bounds how close any
//! portable wasm32 field code can come to native blst (docs/BENCHMARKS.md). blst is its
//! reference: `matches_blst` checks products against blst's (`super::blst_fp::Fp`).

use super::blst_fp::Fp;

const LIMBS: usize = 13;
const BITS: u32 = 30;
const MASK: u64 = (1 << BITS) - 1;
/// The iteration after which accumulators are carried once, so none passes 2^64.
const MID_CARRY: usize = 6;

/// An element in Montgomery form (R = 2^390), limbs little-endian.
pub(crate) type Limbs = [u64; LIMBS];

/// p and the constants of the reduction.
pub(crate) struct Field {
    p: Limbs,
    /// −p⁻¹ mod 2^30.
    mu: u64,
    /// R² mod p, to enter Montgomery form.
    r2: Limbs,
}

fn one() -> Fp {
    let mut bytes = [0u8; 48];
    bytes[47] = 1;
    Fp::from_bytes_be(&bytes).expect("1 < p")
}

fn from_be(bytes: &[u8; 48]) -> Limbs {
    let mut out = [0u64; LIMBS];
    for bit in 0..384 {
        if (bytes[47 - bit / 8] >> (bit % 8)) & 1 == 1 {
            out[bit / BITS as usize] |= 1 << (bit % BITS as usize);
        }
    }
    out
}

fn to_be(a: &Limbs) -> [u8; 48] {
    let mut out = [0u8; 48];
    for bit in 0..384 {
        if (a[bit / BITS as usize] >> (bit % BITS as usize)) & 1 == 1 {
            out[47 - bit / 8] |= 1 << (bit % 8);
        }
    }
    out
}

fn at_least(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..LIMBS).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn subtract(a: &mut Limbs, b: &Limbs) {
    let mut borrow = 0i64;
    for (x, y) in a.iter_mut().zip(b) {
        let d = *x as i64 - *y as i64 + borrow;
        *x = d as u64 & MASK;
        borrow = d >> BITS;
    }
}

fn carry(t: &mut Limbs) {
    let mut c = 0;
    for x in t.iter_mut() {
        let v = *x + c;
        *x = v & MASK;
        c = v >> BITS;
    }
    t[LIMBS - 1] += c << BITS;
}

impl Field {
    /// Derives the constants from p (blst's modulus, read through `blstrs`).
    pub(crate) fn new() -> Self {
        // p − 1 is the largest element; p = (p − 1) + 1.
        let mut p = from_be(&(-one()).to_bytes_be());
        p[0] += 1;
        let mut inv: u64 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(p[0].wrapping_mul(inv)));
        }
        let mut r2 = [0u64; LIMBS];
        r2[0] = 1;
        for _ in 0..2 * LIMBS * BITS as usize {
            r2.iter_mut().for_each(|x| *x <<= 1);
            carry(&mut r2);
            if at_least(&r2, &p) {
                subtract(&mut r2, &p);
            }
        }
        Self {
            p,
            mu: inv.wrapping_neg() & MASK,
            r2,
        }
    }

    /// a·b·R⁻¹ mod p, for a, b < p. Sums stay below 2^64 (at most 14 products of 2^60 between
    /// carries), so the arithmetic wraps without checks, as it would in a release build.
    #[inline]
    pub(crate) fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let p = &self.p;
        let mut t = [0u64; LIMBS];
        for (i, &bi) in b.iter().enumerate() {
            for (tj, aj) in t.iter_mut().zip(a) {
                *tj = tj.wrapping_add(aj.wrapping_mul(bi));
            }
            let m = ((t[0] & MASK).wrapping_mul(self.mu)) & MASK;
            let low = t[0].wrapping_add(m.wrapping_mul(p[0])) >> BITS;
            for j in 1..LIMBS {
                t[j - 1] = t[j].wrapping_add(m.wrapping_mul(p[j]));
            }
            t[0] = t[0].wrapping_add(low);
            t[LIMBS - 1] = 0;
            if i == MID_CARRY {
                carry(&mut t);
            }
        }
        carry(&mut t);
        if at_least(&t, p) {
            subtract(&mut t, p);
        }
        t
    }

    /// Into Montgomery form.
    pub(crate) fn enter(&self, x: &Fp) -> Limbs {
        self.mul(&from_be(&x.to_bytes_be()), &self.r2)
    }

    /// Multiplies `n` times in a dependent chain, like the blst `multiply_chain`.
    pub(crate) fn multiply_chain(&self, n: usize) -> Limbs {
        let (mut x, y) = (
            self.enter(&super::element(0x5a)),
            self.enter(&super::element(0xc3)),
        );
        for _ in 0..n {
            x = self.mul(&x, &y);
        }
        x
    }

    /// Out of Montgomery form.
    pub(crate) fn leave(&self, a: &Limbs) -> Fp {
        let mut one = [0u64; LIMBS];
        one[0] = 1;
        Fp::from_bytes_be(&to_be(&self.mul(a, &one))).expect("below p")
    }
}

/// Checks `n` products, and the square of the largest element, against blst; panics on the
/// first mismatch.
pub(crate) fn matches_blst(n: u8) {
    let field = Field::new();
    for s in 0..n {
        let mut bytes = [s.wrapping_mul(37) ^ 0xa5; 48];
        bytes[0] = 0x0f;
        bytes[47] = s;
        let x = Fp::from_bytes_be(&bytes).expect("below p");
        let y = x * x + one();
        let product = field.leave(&field.mul(&field.enter(&x), &field.enter(&y)));
        assert_eq!(product, x * y, "product {s}");
    }
    let top = -one();
    let square = field.leave(&field.mul(&field.enter(&top), &field.enter(&top)));
    assert_eq!(square, top * top, "(p − 1)²");
}
