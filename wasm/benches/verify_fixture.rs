//! Native verification of the browser tests' fixture (16 cells of a k = 2 square, header decoded
//! once) and a chain of blst field multiplications, to compare with the times
//! `tests/web_verify.rs` prints in Chromium for the same work.
//!
//! `cargo bench -p weft-wasm --bench verify_fixture`; browser side:
//! `wasm-bindgen-test` with `-- --nocapture time_` (the batch and one field multiplication).
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

#[path = "../tests/field_chain/mod.rs"]
mod field_chain;
#[path = "../tests/fixture_file/mod.rs"]
mod fixture_file;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fixture_file::{fixture, samples};
use weft_encoding::{SquareCommitments, VerifyKey};

fn bench(c: &mut Criterion) {
    let f = fixture();
    let cells = f.cells();
    let samples = samples(&cells);
    let header = SquareCommitments::new(&f.commitments).unwrap();
    let key = VerifyKey::new();
    let mut g = c.benchmark_group("fixture_verify_native");
    g.throughput(Throughput::Elements(samples.len() as u64));
    g.bench_function("batch_of_16", |b| {
        b.iter(|| key.verify_samples(&header, &samples).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("field_multiply_native");
    let n = 10_000;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("blst_fp_mul_chain", |b| {
        b.iter(|| field_chain::multiply_chain(n))
    });
    field_chain::limb30::matches_blst(64);
    let field = field_chain::limb30::Field::new();
    g.bench_function("limb30_mul_chain", |b| b.iter(|| field.multiply_chain(n)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
