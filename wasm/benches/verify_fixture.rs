//! Native verification of the browser tests' fixture (16 cells of a k = 2 square, header decoded
//! once), to compare with the time `tests/web_verify.rs` prints in Chromium on the same cells.
//!
//! `cargo bench -p weft-wasm --bench verify_fixture`; browser side:
//! `wasm-bindgen-test` with `-- --nocapture time_per_sample_in_the_browser`.

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
