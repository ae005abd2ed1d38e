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

/// The stage dump (what a device is compared on) holds, where the CPU encoder computes the same
/// values, exactly those: coefficients, commitments, original cells, original proofs, and after
/// the column code the whole square.
#[test]
fn stage_outputs_are_the_cpu_encoders_values_where_it_has_them() {
    let k = 4;
    let rows = square(k, 44, &[3]);
    let expected = cpu().encode(rows.clone()).expect("cpu encodes");
    let stages = emulator().encode_stages(rows.clone()).expect("stages");
    assert_eq!(stages.len(), 8);
    let stage = |prefix: &str| {
        &stages
            .iter()
            .find(|(name, _)| name.starts_with(prefix))
            .expect("stage named")
            .1
    };
    let coefficients: Vec<u8> = rows
        .iter()
        .flat_map(|r| {
            let poly = cpu().prover().interpolate(r.clone());
            let mut bytes = vec![0u8; 4096 * 32];
            weft_encoding::field::scalars_to_bytes(&poly, &mut bytes);
            bytes
        })
        .collect();
    assert_eq!(stage("interpolate"), &coefficients);
    let point = |bytes: &[u8], row: usize, i: usize| -> [u8; 48] {
        bytes[(row * 129 + i) * 48..(row * 129 + i + 1) * 48]
            .try_into()
            .unwrap()
    };
    let cells_of =
        |bytes: &[u8], row: usize| bytes[row * 8192 * 32..(row + 1) * 8192 * 32].to_vec();
    let cpu_cells = |row: usize| expected.row_cells(row).concat();
    for row in 0..k {
        assert_eq!(
            point(stage("commitments"), row, 0),
            expected.commitments()[row].0
        );
        assert_eq!(cells_of(stage("cells"), row), cpu_cells(row));
        assert_eq!(
            point(stage("fk20_g1_fft"), row, 0),
            expected.commitments()[row].0
        );
        for c in 0..128 {
            assert_eq!(
                point(stage("fk20_g1_fft"), row, 1 + c),
                expected.proof(row, c).0
            );
        }
    }
    for row in 0..2 * k {
        assert_eq!(
            cells_of(stage("column_fr"), row),
            cpu_cells(row),
            "row {row}"
        );
        assert_eq!(
            point(stage("column_g1"), row, 0),
            expected.commitments()[row].0
        );
        for c in 0..128 {
            assert_eq!(
                point(stage("column_g1"), row, 1 + c),
                expected.proof(row, c).0
            );
        }
    }
    assert_eq!(stage("fk20_toeplitz").len(), k * 64 * 128 * 32);
    assert_eq!(stage("fk20_msm").len(), k * 128 * 48);
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
