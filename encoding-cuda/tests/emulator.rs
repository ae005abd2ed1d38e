//! The GPU pipeline's logic, run by the host emulator, against the CPU encoder: byte-identical
//! squares (commitments, cells, proofs) for k = 1, 2, 4, 8, random data and padding rows.

use std::sync::{Arc, OnceLock};

use ekzg_bls12_381::{ff::Field, Scalar};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use weft_encoding::{RowProver, SquareEncoder};
use weft_encoding_cuda::{Backend, GpuEncoder, GpuError};

fn emulator() -> &'static GpuEncoder {
    static ENCODER: OnceLock<GpuEncoder> = OnceLock::new();
    ENCODER.get_or_init(|| GpuEncoder::emulator().expect("the emulator is compiled in"))
}

fn cpu() -> &'static SquareEncoder {
    static ENCODER: OnceLock<SquareEncoder> = OnceLock::new();
    ENCODER.get_or_init(|| SquareEncoder::new(Arc::new(RowProver::new())))
}

/// k rows of random field elements; rows listed in `padding` are all zero (a padded square's
/// empty rows).
fn square(k: usize, seed: u64, padding: &[usize]) -> Vec<Vec<Scalar>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..k)
        .map(|r| {
            (0..4096)
                .map(|_| {
                    if padding.contains(&r) {
                        Scalar::ZERO
                    } else {
                        Scalar::random(&mut rng)
                    }
                })
                .collect()
        })
        .collect()
}

fn assert_same(k: usize, seed: u64, padding: &[usize]) {
    let rows = square(k, seed, padding);
    let expected = cpu().encode(rows.clone()).expect("cpu encodes");
    let (got, times) = emulator().encode_timed(rows).expect("emulator encodes");
    assert_eq!(
        got.commitments(),
        expected.commitments(),
        "k = {k}: commitments"
    );
    for row in 0..2 * k {
        assert_eq!(
            got.row_cells(row),
            expected.row_cells(row),
            "k = {k}: cells of row {row}"
        );
        assert_eq!(
            got.row_proofs(row),
            expected.row_proofs(row),
            "k = {k}: proofs of row {row}"
        );
    }
    assert!(got == expected);
    assert!(times.total() > 0.0);
}

#[test]
fn one_row() {
    assert_same(1, 1, &[]);
}

#[test]
fn two_rows_one_padding() {
    assert_same(2, 2, &[1]);
}

#[test]
fn four_rows() {
    assert_same(4, 4, &[]);
}

#[test]
fn eight_rows_with_padding() {
    assert_same(8, 8, &[5, 6, 7]);
}

#[test]
fn bad_shapes_are_refused_like_the_cpu_encoder() {
    let enc = emulator();
    assert_eq!(enc.backend(), Backend::Emulator);
    assert_eq!(enc.device_name(), "host emulator");
    let three = square(3, 0, &[0, 1, 2]);
    assert!(matches!(
        enc.encode(three),
        Err(GpuError::Encoding(weft_encoding::Error::InvalidK { k: 3 }))
    ));
    let short = vec![vec![Scalar::ZERO; 4095]];
    assert!(matches!(
        enc.encode(short),
        Err(GpuError::Encoding(weft_encoding::Error::Length {
            got: 4095,
            ..
        }))
    ));
    let non_canonical = vec![0xffu8; 4096 * 32];
    assert!(matches!(
        enc.encode_bytes(&[&non_canonical]),
        Err(GpuError::Encoding(_))
    ));
}
