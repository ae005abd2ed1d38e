//! Encoder benchmarks, side by side with c-kzg and a byte-level Reed–Solomon codec.
//!
//! `cargo bench -p weft-encoding --bench square` (all groups) or with a filter, e.g.
//! `cargo bench -p weft-encoding --bench square -- square/`. Results: docs/BENCHMARKS.md.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{hint::black_box, sync::Arc, time::Duration};

use c_kzg::{Blob, Bytes48, Cell as CCell, KzgSettings};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{seq::index::sample, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use weft_encoding::{
    column::ColumnCode,
    constants::CELLS_PER_ROW,
    field::scalars_from_bytes,
    reconstruct,
    row::EncodedRow,
    square::{extend_cells, extend_points},
    ExtendedSquare, Position, RowProver, Sample, SquareCommitments, SquareEncoder, VerifyKey,
};

/// c-kzg with its recommended prover precomputation.
fn ckzg() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(8)
}

/// k random canonical rows from a seed (the integration tests' generator).
fn random_rows(seed: u64, k: usize) -> Vec<Vec<u8>> {
    common::random_rows(&mut common::rng(seed), k)
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
}

/// The naive 2D baseline: c-kzg's commitment and cells-with-proofs on every one of 2k rows.
fn ckzg_row(blob: &Blob) {
    black_box(ckzg().blob_to_kzg_commitment(blob).unwrap());
    black_box(ckzg().compute_cells_and_kzg_proofs(blob).unwrap());
}

fn bench_row(c: &mut Criterion, encoder: &SquareEncoder) {
    let mut g = c.benchmark_group("row");
    g.sample_size(20).measurement_time(Duration::from_secs(15));
    let row = random_rows(1, 1).remove(0);
    let scalars = scalars_from_bytes(&row, 0).unwrap();
    let pool = one_thread();
    g.bench_function("weft_1_thread", |b| {
        b.iter(|| pool.install(|| black_box(encoder.prover().encode(scalars.clone()))))
    });
    let blob = Blob::from_bytes(&row).unwrap();
    g.bench_function("ckzg_1_thread", |b| b.iter(|| ckzg_row(&blob)));
    let plain = c_kzg::ethereum_kzg_settings(0);
    g.bench_function("ckzg_no_precomp_1_thread", |b| {
        b.iter(|| {
            black_box(plain.blob_to_kzg_commitment(&blob).unwrap());
            black_box(plain.compute_cells_and_kzg_proofs(&blob).unwrap());
        })
    });
    g.finish();
}

fn bench_square(c: &mut Criterion, encoder: &SquareEncoder) {
    let mut g = c.benchmark_group("square");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for k in [1usize, 8, 32, 64] {
        let rows = random_rows(k as u64, k);
        let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        g.bench_with_input(BenchmarkId::new("weft_2_threads", k), &k, |b, _| {
            b.iter(|| pool.install(|| black_box(encoder.encode_bytes(&refs).unwrap())))
        });
        // What a validator recomputes to vote: the k original rows' commitments only.
        g.bench_with_input(BenchmarkId::new("commit_only_2_threads", k), &k, |b, _| {
            b.iter(|| pool.install(|| black_box(encoder.commit_bytes(&refs).unwrap())))
        });
        // The baseline gets all 2k blobs ready-made (the column extension of the data is not
        // timed for it), then runs c-kzg on each.
        let square = encoder.encode_bytes(&refs).unwrap();
        let blobs: Vec<Blob> = (0..2 * k)
            .map(|r| Blob::from_bytes(&square.row_blob(r)).unwrap())
            .collect();
        g.bench_with_input(BenchmarkId::new("ckzg_all_rows_1_thread", k), &k, |b, _| {
            b.iter(|| blobs.iter().for_each(ckzg_row))
        });
        if k == 32 {
            g.bench_with_input(
                BenchmarkId::new("ckzg_all_rows_2_threads", k),
                &k,
                |b, _| b.iter(|| pool.install(|| blobs.par_iter().for_each(ckzg_row))),
            );
        }
    }
    g.finish();
}

fn encoded_rows(encoder: &SquareEncoder, k: usize) -> Vec<EncodedRow> {
    random_rows(100 + k as u64, k)
        .into_iter()
        .map(|r| encoder.prover().encode(scalars_from_bytes(&r, 0).unwrap()))
        .collect()
}

fn bench_extension(c: &mut Criterion, encoder: &SquareEncoder) {
    let mut g = c.benchmark_group("column_extension");
    g.sample_size(10);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for k in [8usize, 32] {
        let originals = encoded_rows(encoder, k);
        let code = ColumnCode::new(k).unwrap();
        g.bench_with_input(BenchmarkId::new("data_field", k), &k, |b, _| {
            b.iter(|| pool.install(|| black_box(extend_cells(&code, &originals))))
        });
        g.bench_with_input(
            BenchmarkId::new("commitments_and_proofs_g1", k),
            &k,
            |b, _| b.iter(|| pool.install(|| black_box(extend_points(&code, &originals)))),
        );
    }
    g.finish();
}

fn square_for(encoder: &SquareEncoder, k: usize) -> ExtendedSquare {
    let rows = random_rows(200 + k as u64, k);
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    encoder.encode_bytes(&refs).unwrap()
}

fn bench_verify(c: &mut Criterion, encoder: &SquareEncoder) {
    let mut g = c.benchmark_group("verify_32_samples");
    let vk = VerifyKey::new();
    let pool = one_thread();
    for k in [8usize, 64] {
        let square = square_for(encoder, k);
        let mut rng = ChaCha20Rng::seed_from_u64(k as u64);
        let picks: Vec<(usize, usize)> = sample(&mut rng, 2 * k * CELLS_PER_ROW, 32)
            .into_iter()
            .map(|i| (i / CELLS_PER_ROW, i % CELLS_PER_ROW))
            .collect();
        let samples: Vec<Sample<'_>> = picks
            .iter()
            .map(|&(row, col)| square.sample(row, col))
            .collect();
        g.bench_with_input(BenchmarkId::new("weft_1_thread", k), &k, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    let header = SquareCommitments::new(square.original_commitments()).unwrap();
                    vk.verify_samples(&header, &samples).unwrap()
                })
            })
        });
        // c-kzg given the 2k commitments explicitly (it cannot derive extended ones).
        let commitments: Vec<Bytes48> = picks
            .iter()
            .map(|&(r, _)| Bytes48::from_bytes(&square.commitments()[r].0).unwrap())
            .collect();
        let cols: Vec<u64> = picks.iter().map(|&(_, c)| c as u64).collect();
        let cells: Vec<CCell> = picks
            .iter()
            .map(|&(r, col)| CCell::from_bytes(square.cell(r, col)).unwrap())
            .collect();
        let proofs: Vec<Bytes48> = picks
            .iter()
            .map(|&(r, col)| Bytes48::from_bytes(&square.proof(r, col).0).unwrap())
            .collect();
        g.bench_with_input(
            BenchmarkId::new("ckzg_explicit_commitments", k),
            &k,
            |b, _| {
                b.iter(|| {
                    assert!(ckzg()
                        .verify_cell_kzg_proof_batch(&commitments, &cols, &cells, &proofs)
                        .unwrap())
                })
            },
        );
    }
    g.bench_function("verify_key_load", |b| {
        b.iter(|| black_box(VerifyKey::new()))
    });
    g.finish();
}

/// What a syncing full node checks per block: all 2k rows of 128 cells, one batch per row (as
/// `da-node` sync does) against all of them in one batch.
fn bench_verify_block(c: &mut Criterion, encoder: &SquareEncoder) {
    let mut g = c.benchmark_group("verify_all_rows");
    g.sample_size(10);
    let vk = VerifyKey::new();
    let k = 8;
    let square = square_for(encoder, k);
    let header = SquareCommitments::new(square.original_commitments()).unwrap();
    let rows: Vec<Vec<Sample<'_>>> = (0..2 * k)
        .map(|r| {
            (0..CELLS_PER_ROW)
                .map(|col| square.sample(r, col))
                .collect()
        })
        .collect();
    g.bench_with_input(BenchmarkId::new("one_batch_per_row", k), &k, |b, _| {
        b.iter(|| {
            for row in &rows {
                vk.verify_samples(&header, row).unwrap();
            }
        })
    });
    let all: Vec<Sample<'_>> = rows.concat();
    g.bench_with_input(BenchmarkId::new("one_batch_for_all", k), &k, |b, _| {
        b.iter(|| vk.verify_samples(&header, &all).unwrap())
    });
    g.finish();
}

fn bench_reconstruct(c: &mut Criterion, encoder: &SquareEncoder) {
    let mut g = c.benchmark_group("reconstruct_half");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for k in [8usize, 32] {
        let square = square_for(encoder, k);
        let mut rng = ChaCha20Rng::seed_from_u64(k as u64);
        let kept: Vec<(Position, &[u8])> = (0..2 * k)
            .flat_map(|r| {
                sample(&mut rng, CELLS_PER_ROW, CELLS_PER_ROW / 2)
                    .into_iter()
                    .map(move |c| (r, c))
                    .collect::<Vec<_>>()
            })
            .map(|(r, c)| {
                (
                    Position::new(r as u16, c as u16),
                    square.cell(r, c).as_slice(),
                )
            })
            .collect();
        g.bench_with_input(BenchmarkId::new("weft_2_threads", k), &k, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    black_box(
                        reconstruct(encoder, square.original_commitments(), kept.clone()).unwrap(),
                    )
                })
            })
        });
        // Baseline: c-kzg recovers every one of the 2k rows from its half.
        let per_row: Vec<(Vec<u64>, Vec<CCell>)> = (0..2 * k)
            .map(|r| {
                let mut cols: Vec<u64> = kept
                    .iter()
                    .filter(|(p, _)| p.row as usize == r)
                    .map(|(p, _)| u64::from(p.col))
                    .collect();
                cols.sort_unstable();
                let cells = cols
                    .iter()
                    .map(|&c| CCell::from_bytes(square.cell(r, c as usize)).unwrap())
                    .collect();
                (cols, cells)
            })
            .collect();
        g.bench_with_input(BenchmarkId::new("ckzg_all_rows_1_thread", k), &k, |b, _| {
            b.iter(|| {
                per_row.iter().for_each(|(cols, cells)| {
                    drop(black_box(
                        ckzg().recover_cells_and_kzg_proofs(cols, cells).unwrap(),
                    ))
                })
            })
        });
    }
    g.finish();
}

/// A byte-level 2D Reed–Solomon on the same bytes and geometry: k rows of 64 shards of 2048
/// bytes, each row extended to 128 shards, then each of the 128 columns from k to 2k shards.
fn bench_byte_rs(c: &mut Criterion) {
    let mut g = c.benchmark_group("byte_rs_2d");
    g.sample_size(10);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for k in [8usize, 32] {
        let rows = random_rows(300 + k as u64, k);
        g.bench_with_input(
            BenchmarkId::new("reed_solomon_simd_2_threads", k),
            &k,
            |b, _| {
                b.iter(|| {
                    pool.install(|| {
                        let extended: Vec<Vec<Vec<u8>>> = rows
                            .par_iter()
                            .map(|row| {
                                let shards: Vec<&[u8]> = row.chunks_exact(2048).collect();
                                let recovery = reed_solomon_simd::encode(64, 64, &shards).unwrap();
                                shards.iter().map(|s| s.to_vec()).chain(recovery).collect()
                            })
                            .collect();
                        (0..CELLS_PER_ROW).into_par_iter().for_each(|col| {
                            let column: Vec<&[u8]> =
                                extended.iter().map(|r| r[col].as_slice()).collect();
                            black_box(reed_solomon_simd::encode(k, k, &column).unwrap());
                        });
                    })
                })
            },
        );
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let encoder = SquareEncoder::new(Arc::new(RowProver::new()));
    bench_row(c, &encoder);
    bench_square(c, &encoder);
    bench_extension(c, &encoder);
    bench_verify(c, &encoder);
    bench_verify_block(c, &encoder);
    bench_reconstruct(c, &encoder);
    bench_byte_rs(c);
}

criterion_group!(square_benches, benches);
criterion_main!(square_benches);
