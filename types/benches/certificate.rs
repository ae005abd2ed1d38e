//! Checking a finality certificate (one aggregate BLS12-381 signature of a quorum, two
#![allow(missing_docs)]
//! pairings) against checking one Ed25519 signature per signer (the Tendermint/Malachite way),
//! at 4 and 100 validators. `cargo bench -p weft-types --bench certificate`; figures in
//! docs/BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use weft_types::testing as fixture;
use weft_types::{encoding::layout::Digest32, ValidatorSet};

fn bench(c: &mut Criterion) {
    let header = Digest32([0xab; 32]);
    let mut group = c.benchmark_group("certificate");
    for n in [4usize, 100] {
        let keys = fixture::keys(n, "weft-bench");
        let set = ValidatorSet::from_genesis(&keys.genesis).unwrap();
        let signers: Vec<u16> = (0..set.quorum() as u16).collect();
        let cert = fixture::certificate(&keys, &signers, header);
        set.verify(&header, &cert).unwrap();
        group.bench_with_input(BenchmarkId::new("bls12381_multisig", n), &n, |b, _| {
            b.iter(|| set.verify(&header, &cert).unwrap())
        });

        let ed: Vec<SigningKey> = (0..set.quorum())
            .map(|i| SigningKey::from_bytes(&[i as u8 ^ 0x5a; 32]))
            .collect();
        let message = cert.signed_message();
        let votes: Vec<_> = ed
            .iter()
            .map(|k| (k.verifying_key(), k.sign(&message)))
            .collect();
        group.bench_with_input(BenchmarkId::new("ed25519_each", n), &n, |b, _| {
            b.iter(|| {
                for (key, sig) in &votes {
                    key.verify(&message, sig).unwrap();
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
