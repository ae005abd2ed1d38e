//! The CUDA backend. On a machine without a GPU (or a build without the `cuda` feature) the
//! encoder must refuse cleanly, so that a node falls back to the CPU; the byte-identity check
//! against the CPU encoder needs a device and is `#[ignore]`d here: on the GPU machine run
//! `<test binary> --ignored --nocapture` (scripts/gpu-check does).

use std::sync::Arc;

use ekzg_bls12_381::{ff::Field, Scalar};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use weft_encoding::{RowProver, SquareEncoder};
use weft_encoding_cuda::{cuda_device_count, Backend, GpuEncoder, GpuError};

#[test]
fn opening_the_gpu_encoder_matches_what_the_machine_has() {
    let built_with_cuda = cfg!(feature = "cuda");
    match GpuEncoder::cuda() {
        Ok(encoder) => {
            assert!(built_with_cuda && cuda_device_count() > 0);
            assert_eq!(encoder.backend(), Backend::Cuda);
            assert!(!encoder.device_name().is_empty());
        }
        Err(GpuError::NotCompiled { backend }) => {
            assert!(!built_with_cuda);
            assert_eq!(backend, "cuda");
        }
        Err(GpuError::NoDevice { reason }) => {
            assert!(!reason.is_empty());
            assert!(built_with_cuda);
            assert_eq!(cuda_device_count(), 0);
        }
        Err(e) => panic!("unexpected error opening the GPU encoder: {e}"),
    }
}

/// k rows of random data; the last `padding` rows are zero (a padded square).
fn square(k: usize, seed: u64, padding: usize) -> Vec<Vec<Scalar>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..k)
        .map(|r| {
            (0..4096)
                .map(|_| {
                    if r >= k - padding {
                        Scalar::ZERO
                    } else {
                        Scalar::random(&mut rng)
                    }
                })
                .collect()
        })
        .collect()
}

/// Run first on the device: names the first stage at which the GPU and the host emulator (the
/// same code, on blst's arithmetic) part, so that one run on the GPU machine says which kernel
/// to look at.
#[test]
#[ignore = "needs a CUDA device: run with --ignored on the GPU machine"]
fn every_stage_on_the_gpu_equals_the_emulator() {
    let gpu = GpuEncoder::cuda().expect("a CUDA device");
    let emulator = GpuEncoder::emulator().expect("the emulator is in test builds");
    for (k, padding) in [(1, 0), (8, 2)] {
        let rows = square(k, 100 + k as u64, padding);
        let on_gpu = gpu.encode_stages(rows.clone()).expect("gpu stages");
        let on_host = emulator.encode_stages(rows).expect("emulator stages");
        let mut first_bad = None;
        for ((name, got), (_, want)) in on_gpu.iter().zip(&on_host) {
            let differing = got.iter().zip(want).filter(|(a, b)| a != b).count()
                + got.len().abs_diff(want.len());
            println!("k = {k}: stage {name}: {differing} bytes differ");
            if differing > 0 && first_bad.is_none() {
                first_bad = Some(*name);
            }
        }
        assert!(
            first_bad.is_none(),
            "k = {k}: first differing stage: {first_bad:?}"
        );
    }
}

#[test]
#[ignore = "needs a CUDA device: run with --ignored on the GPU machine"]
fn the_gpu_square_equals_the_cpu_square_byte_for_byte() {
    let gpu = GpuEncoder::cuda().expect("a CUDA device");
    let cpu = SquareEncoder::new(Arc::new(RowProver::new()));
    println!("device: {}", gpu.device_name());
    for (k, padding) in [(1, 0), (2, 1), (4, 0), (8, 3), (32, 5), (128, 17)] {
        let rows = square(k, k as u64, padding);
        let expected = cpu.encode(rows.clone()).expect("cpu encodes");
        let (got, times) = gpu.encode_timed(rows).expect("gpu encodes");
        let same_commitments = got.commitments() == expected.commitments();
        let bad_rows: Vec<usize> = (0..2 * k)
            .filter(|&r| {
                got.row_cells(r) != expected.row_cells(r)
                    || got.row_proofs(r) != expected.row_proofs(r)
            })
            .collect();
        println!(
            "k = {k:3} ({padding} padding rows): commitments equal: {same_commitments}, rows \
             differing: {bad_rows:?}, device {:.1} ms",
            times.total()
        );
        for (stage, ms) in times.iter() {
            println!("    {stage:14} {ms:8.2} ms");
        }
        assert!(
            same_commitments && bad_rows.is_empty(),
            "k = {k}: GPU square differs"
        );
        assert!(got == expected);
    }
}
