//! Checking an inclusion bundle with the no_std verifier (`weft-inclusion`), opened at z, for a
//! blob of 1, 4 and 16 rows on a chain of 4 validators (certificate, index path, commitments,
//! the KZG openings in one pairing product), and the bundle's size; beside it the openings alone,
//! one pairing check per row against the batch. `cargo bench -p weft-types --bench inclusion`;
//! figures in docs/BENCHMARKS.md.

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use weft_encoding::layout::{Blob, Namespace, ROW_DATA_BYTES};
use weft_inclusion::{kzg, InclusionBundle};
use weft_types::{inclusion::verify_bundle, testing::inclusion::Block};

fn bundle(rows: usize) -> (Block, InclusionBundle) {
    let blob = Blob::new(Namespace([1; 16]), vec![0x5a; rows * ROW_DATA_BYTES - 1000]);
    let block = Block::validators(4, vec![blob]);
    let bundle = block.bundle(0, Some([0x11; 32]));
    (block, bundle)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify inclusion bundle (4 validators, opened at z)");
    group.sample_size(10);
    for rows in [1usize, 4, 16] {
        let (block, bundle) = bundle(rows);
        let trust = block.trust.inclusion_root();
        println!("{rows} rows: bundle {} bytes", bundle.to_bytes().len());
        group.bench_with_input(BenchmarkId::from_parameter(rows), &bundle, |b, bundle| {
            b.iter(|| verify_bundle(bundle, &trust).expect("verifies"));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("KZG openings at one z");
    group.sample_size(10);
    for rows in [1usize, 4, 16] {
        let (_, bundle) = bundle(rows);
        let z = bundle.z.expect("opened");
        let openings = bundle.row_openings();
        group.bench_with_input(
            BenchmarkId::new("one by one", rows),
            &openings,
            |b, rows| {
                b.iter(|| {
                    assert!(rows
                        .iter()
                        .all(|(c, y, p)| kzg::verify_opening(c, &z, y, p)))
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("batched", rows), &openings, |b, rows| {
            b.iter(|| assert!(kzg::verify_openings(&z, rows)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
