//! What the device needs from the host: the roots of unity, inverse powers of two and the
//! ceremony's monomial points (once), and each square's rows as Montgomery-form bytes.

use std::sync::OnceLock;

use ekzg_bls12_381::{ff::Field, Scalar};
use ekzg_polynomial::domain::Domain;
use rust_eth_kzg::TrustedSetup;
use weft_encoding::constants::FIELD_ELEMENTS_PER_ROW;

/// Size of the largest domain (the extended row): the device's twiddle table.
const TWIDDLES: usize = 8192;
/// Inverse powers of two passed: 1/2^i for i ≤ 13.
const INVERSE_POWERS: usize = 14;

/// The constant inputs, as the C++ side reads them.
pub(crate) struct Setup {
    /// ω^i for i < 8192, ω the EIP-7594 domain's primitive 8192-th root (Montgomery, LE limbs).
    pub(crate) twiddles: Vec<u8>,
    /// 1/2^i for i ≤ 13.
    pub(crate) inverse_powers: Vec<u8>,
    /// [s^i]·G1 for i < 4096 as blst_p1_affine (Montgomery x and y, 96 bytes each).
    pub(crate) srs: Vec<u8>,
}

impl Setup {
    /// Computed once per process.
    pub(crate) fn get() -> &'static Setup {
        static SETUP: OnceLock<Setup> = OnceLock::new();
        SETUP.get_or_init(|| {
            let domain = Domain::new(TWIDDLES);
            let twiddles = domain.roots[..TWIDDLES]
                .iter()
                .flat_map(montgomery)
                .collect();
            let inverse_powers = (0..INVERSE_POWERS)
                .flat_map(|i| {
                    montgomery(
                        &Scalar::from(1u64 << i)
                            .invert()
                            .expect("powers of two are invertible"),
                    )
                })
                .collect();
            let setup = TrustedSetup::default();
            let srs = setup.g1_monomial[..FIELD_ELEMENTS_PER_ROW]
                .iter()
                .flat_map(|p| {
                    let affine: &blst::blst_p1_affine = p.as_ref();
                    affine
                        .x
                        .l
                        .iter()
                        .chain(affine.y.l.iter())
                        .flat_map(|l| l.to_le_bytes())
                        .collect::<Vec<u8>>()
                })
                .collect();
            Setup {
                twiddles,
                inverse_powers,
                srs,
            }
        })
    }
}

/// A scalar's Montgomery form as 32 little-endian bytes (blst_fr's memory).
fn montgomery(s: &Scalar) -> [u8; 32] {
    let fr = blst::blst_fr::from(*s);
    let mut out = [0u8; 32];
    for (dst, limb) in out.chunks_exact_mut(8).zip(fr.l) {
        dst.copy_from_slice(&limb.to_le_bytes());
    }
    out
}

/// The rows as the device reads them: k × 4096 × 32 bytes (rows converted in parallel).
pub(crate) fn montgomery_bytes(rows: &[Vec<Scalar>]) -> Vec<u8> {
    use rayon::prelude::*;
    rows.par_iter()
        .map(|r| r.iter().flat_map(montgomery).collect::<Vec<u8>>())
        .collect::<Vec<_>>()
        .concat()
}
