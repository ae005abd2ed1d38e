//! The square encoders side by side: Weft's CPU encoder on 1, 2 … N threads, Weft's CUDA
//! encoder, and the naive 2D baseline (c-kzg's commitment and `compute_cells_and_kzg_proofs` on
//! every one of the 2k rows, on the same threads); and reconstruction from half the cells.
//! Each figure is the median of `reps` runs after one warm-up, in milliseconds.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use rand::{seq::index::sample, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use weft_encoding::{
    constants::{BYTES_PER_ROW, CELLS_PER_ROW},
    reconstruct, reconstruct_with, ExtendedSquare, Position, RowProver, SquareEncoder,
};
use weft_encoding_cuda::{GpuEncoder, StageTimes, STAGES};

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// `square` or `reconstruct_half`.
    pub what: &'static str,
    /// `weft_cpu`, `weft_cuda` or `ckzg_all_rows`.
    pub backend: &'static str,
    /// Original rows.
    pub k: usize,
    /// CPU threads (0 for the GPU).
    pub threads: usize,
    /// Median time, ms.
    pub median_ms: f64,
    /// Fastest run, ms.
    pub min_ms: f64,
    /// Runs timed.
    pub reps: usize,
    /// Blob data per second at the median, MiB/s (k × 128 KiB per square).
    pub mib_per_s: f64,
    /// Per-stage device time (median over runs), GPU only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages_ms: Vec<(&'static str, f64)>,
}

/// k random canonical rows, seeded (the integration tests' generator).
pub use weft_testkit::random_rows;

fn median(mut v: Vec<f64>) -> f64 {
    crate::report::percentile(&mut v, 50.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Times `f` once to warm up, then `reps` times.
fn time(reps: usize, mut f: impl FnMut()) -> Vec<f64> {
    f();
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            ms(t.elapsed())
        })
        .collect()
}

fn figure(
    what: &'static str,
    backend: &'static str,
    k: usize,
    threads: usize,
    runs: Vec<f64>,
) -> Figure {
    let median_ms = median(runs.clone());
    Figure {
        what,
        backend,
        k,
        threads,
        median_ms,
        min_ms: runs.iter().copied().fold(f64::INFINITY, f64::min),
        reps: runs.len(),
        mib_per_s: (k * BYTES_PER_ROW) as f64 / (1 << 20) as f64 / (median_ms / 1e3),
        stages_ms: Vec::new(),
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

/// Weft's CPU encoder on `threads` threads.
pub fn cpu_square(encoder: &SquareEncoder, k: usize, threads: usize, reps: usize) -> Figure {
    let rows = random_rows(k as u64, k);
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let pool = pool(threads);
    let runs = time(reps, || {
        pool.install(|| encoder.encode_bytes(&refs).expect("encodes"));
    });
    figure("square", "weft_cpu", k, threads, runs)
}

/// Weft's GPU encoder, with the median of each stage's device time.
pub fn gpu_square(encoder: &GpuEncoder, k: usize, reps: usize) -> Figure {
    let rows = random_rows(k as u64, k);
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let scalars = weft_encoding::square::rows_from_bytes(&refs).expect("canonical");
    let mut stages: Vec<StageTimes> = Vec::new();
    let runs = time(reps, || {
        let (_, t) = encoder.encode_timed(scalars.clone()).expect("encodes");
        stages.push(t);
    });
    let mut f = figure("square", "weft_cuda", k, 0, runs);
    stages.remove(0); // the warm-up
    f.stages_ms = (0..STAGES.len())
        .map(|s| (STAGES[s], median(stages.iter().map(|t| t.0[s]).collect())))
        .collect();
    f
}

/// The naive 2D baseline: c-kzg's commitment and cells with proofs on each of the 2k rows (the
/// rows are given ready-made: the column extension of the data is not timed for it).
pub fn ckzg_square(square: &ExtendedSquare, threads: usize, reps: usize) -> Figure {
    let k = square.k();
    let settings = c_kzg::ethereum_kzg_settings(8);
    let blobs: Vec<c_kzg::Blob> = (0..2 * k)
        .map(|r| c_kzg::Blob::from_bytes(&square.row_blob(r)).expect("a blob"))
        .collect();
    let pool = pool(threads);
    let runs = time(reps, || {
        pool.install(|| {
            blobs.par_iter().for_each(|b| {
                settings.blob_to_kzg_commitment(b).expect("commits");
                settings.compute_cells_and_kzg_proofs(b).expect("proves");
            })
        })
    });
    figure("square", "ckzg_all_rows", k, threads, runs)
}

/// Half of each row's cells (a random half per row), as reconstruction's input.
fn half_cells(square: &ExtendedSquare) -> Vec<(Position, Vec<u8>)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(square.k() as u64);
    (0..square.rows())
        .flat_map(|r| {
            sample(&mut rng, CELLS_PER_ROW, CELLS_PER_ROW / 2)
                .into_iter()
                .map(move |c| (r, c))
                .collect::<Vec<_>>()
        })
        .map(|(r, c)| {
            (
                Position::new(r as u16, c as u16),
                square.cell(r, c).to_vec(),
            )
        })
        .collect()
}

/// Reconstruction from half of every row's cells, re-encoded on the CPU (`gpu` None) or the GPU.
pub fn reconstruct_half(
    encoder: &SquareEncoder,
    gpu: Option<&GpuEncoder>,
    square: &ExtendedSquare,
    threads: usize,
    reps: usize,
) -> Figure {
    let kept = half_cells(square);
    let pool = pool(threads);
    let commitments = square.original_commitments();
    let cells = || kept.iter().map(|(p, c)| (*p, c.as_slice()));
    let runs = time(reps, || {
        pool.install(|| {
            let rebuilt = match gpu {
                None => reconstruct(encoder, commitments, cells()),
                Some(gpu) => reconstruct_with(encoder.prover(), commitments, cells(), |rows| {
                    gpu.encode(rows).map_err(|e| match e {
                        weft_encoding_cuda::GpuError::Encoding(e) => e,
                        other => panic!("GPU failed: {other}"),
                    })
                }),
            };
            assert!(rebuilt.expect("reconstructs") == *square);
        })
    });
    let backend = if gpu.is_some() {
        "weft_cuda"
    } else {
        "weft_cpu"
    };
    figure("reconstruct_half", backend, square.k(), threads, runs)
}

/// The CPU encoder with the ceremony's prover (built once per process).
pub fn cpu_encoder() -> SquareEncoder {
    SquareEncoder::new(Arc::new(RowProver::new()))
}
