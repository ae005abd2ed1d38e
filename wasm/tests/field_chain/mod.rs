//! A chain of blst base-field multiplications (`blst_fp::Fp`), timed in Chromium
//! (tests/web_verify.rs) and natively (benches/verify_fixture.rs): the single operation the
//! browser's verification gap comes down to (docs/BENCHMARKS.md); and the same chain in
//! `limb30`, the multiply shaped for wasm32.
#![allow(dead_code)]

pub(crate) mod blst_fp;
pub(crate) mod limb30;

use blst_fp::Fp;

/// A field element below p, from fixed bytes.
fn element(fill: u8) -> Fp {
    let mut bytes = [fill; 48];
    bytes[0] = 0x0f;
    Fp::from_bytes_be(&bytes).expect("below p")
}

/// Multiplies `n` times in a dependent chain, so each product waits for the last.
pub(crate) fn multiply_chain(n: usize) -> Fp {
    let (mut x, y) = (element(0x5a), element(0xc3));
    for _ in 0..n {
        x *= &y;
    }
    x
}
