//! Native verification of the browser tests' fixture (16 cells of a k = 2 square, header decoded
//! once), to compare with the time `tests/web_verify.rs` prints in Chromium on the same cells.
//!
//! `cargo bench -p weft-wasm --bench verify_fixture`; browser side:
//! `wasm-bindgen-test` with `-- --nocapture time_per_sample_in_the_browser`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::Deserialize;
use weft_encoding::{Commitment, Sample, SquareCommitments, VerifyKey};

#[derive(Deserialize)]
struct FixtureSample {
    row: usize,
    col: usize,
    cell: String,
    proof: String,
}

#[derive(Deserialize)]
struct Fixture {
    commitments: Vec<Commitment>,
    samples: Vec<FixtureSample>,
}

fn bench(c: &mut Criterion) {
    let f: Fixture =
        serde_json::from_str(include_str!("../tests/fixtures/square_k2.json")).unwrap();
    let bytes = |s: &str| hex::decode(s.trim_start_matches("0x")).unwrap();
    let owned: Vec<_> = f
        .samples
        .iter()
        .map(|s| (s.row, s.col, bytes(&s.cell), bytes(&s.proof)))
        .collect();
    let samples: Vec<Sample<'_>> = owned
        .iter()
        .map(|(r, c, cell, proof)| Sample {
            row: *r,
            col: *c,
            cell,
            proof,
        })
        .collect();
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
