//! Shared helpers for the encoding crate's integration tests.
#![allow(dead_code)]

use std::{
    path::PathBuf,
    sync::{Arc, OnceLock},
};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use weft_encoding::{constants::BYTES_PER_ROW, Kzg, RowProver, SquareEncoder};

/// One row prover per test binary (building it takes a couple of seconds).
pub(crate) fn prover() -> Arc<RowProver> {
    static PROVER: OnceLock<Arc<RowProver>> = OnceLock::new();
    PROVER.get_or_init(|| Arc::new(RowProver::new())).clone()
}

pub(crate) fn kzg() -> &'static Kzg {
    static KZG: OnceLock<Kzg> = OnceLock::new();
    KZG.get_or_init(|| Kzg::new(prover()))
}

pub(crate) fn encoder() -> SquareEncoder {
    SquareEncoder::new(prover())
}

/// `../shared/test-vectors` beside the repository, or `$WEFT_TEST_VECTORS`.
pub(crate) fn vectors_dir() -> PathBuf {
    std::env::var_os("WEFT_TEST_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/test-vectors")
        })
}

/// A random canonical blob: each element's top byte is zero.
pub(crate) fn random_blob(rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut blob = vec![0u8; BYTES_PER_ROW];
    rng.fill(&mut blob[..]);
    for element in blob.chunks_exact_mut(32) {
        element[0] = 0;
    }
    blob
}

pub(crate) fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// k random rows.
pub(crate) fn random_rows(rng: &mut ChaCha20Rng, k: usize) -> Vec<Vec<u8>> {
    (0..k).map(|_| random_blob(rng)).collect()
}
