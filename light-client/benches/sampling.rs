//! Light-client benchmarks: verification cost per sample (batches of 32, header commitments
//! decoded once as a light client does) and the time from a header's arrival to the target
//! confidence over loopback (producer + two full nodes + light client, in-process).
//!
//! `cargo bench -p weft-light --bench sampling`; results in docs/BENCHMARKS.md.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::{sync::Arc, time::Duration};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::StreamExt;
use rand::{seq::index::sample, SeedableRng};
use rand_chacha::ChaCha20Rng;
use weft_encoding::{RowProver, Sample, SquareCommitments, SquareEncoder, VerifyKey};
use weft_light::{LightClient, LightConfig, LightEvent};
use weft_node::Node;

fn verify_per_sample(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify_batch_of_32");
    g.throughput(Throughput::Elements(32));
    let encoder = SquareEncoder::new(Arc::new(RowProver::new()));
    let vk = VerifyKey::new();
    for k in [1usize, 8, 64] {
        let mut rng = ChaCha20Rng::seed_from_u64(k as u64);
        let rows = weft_testkit::random_rows(k as u64, k);
        let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        let square = encoder.encode_bytes(&refs).unwrap();
        let header = SquareCommitments::new(square.original_commitments()).unwrap();
        let picks: Vec<(usize, usize)> = sample(&mut rng, 2 * k * 128, 32)
            .into_iter()
            .map(|i| (i / 128, i % 128))
            .collect();
        let samples: Vec<Sample<'_>> = picks
            .iter()
            .map(|&(row, col)| square.sample(row, col))
            .collect();
        g.bench_with_input(BenchmarkId::from_parameter(k), &k, |b, _| {
            b.iter(|| vk.verify_samples(&header, &samples).unwrap())
        });
    }
    g.finish();
}

fn header_to_confidence(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (producer, nodes, client, mut events) = rt.block_on(async {
        let producer = Node::start(weft_testkit::producer_config(
            &dirs[0],
            Duration::from_millis(500),
        ))
        .await
        .unwrap();
        let mut nodes = Vec::new();
        for dir in &dirs[1..] {
            nodes.push(
                Node::start(weft_testkit::follower_config(dir, &[&producer], &producer))
                    .await
                    .unwrap(),
            );
        }
        let mut light = LightConfig::new(
            nodes
                .iter()
                .map(Node::tcp_addr)
                .chain([producer.tcp_addr()])
                .collect(),
            producer.producer_key(),
        );
        light.from = Some(1);
        let mut client = LightClient::start(light).await.unwrap();
        let events = client.events().unwrap();
        (producer, nodes, client, events)
    });
    let mut g = c.benchmark_group("header_to_target_confidence");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for size in [4096usize, 400_000] {
        g.bench_with_input(
            BenchmarkId::new("loopback_3_full_nodes", size),
            &size,
            |b, &size| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut total = Duration::ZERO;
                        for i in 0..iters {
                            let height = weft_testkit::submit(
                                &producer,
                                (i % 7 + 1) as u8,
                                &vec![i as u8; size],
                            )
                            .await
                            .height;
                            loop {
                                let Some(LightEvent::Height(r)) = events.next().await else {
                                    panic!("light client stopped")
                                };
                                if r.height == height && r.verdict.is_final() {
                                    assert_eq!(r.verdict, weft_light::Availability::Available);
                                    total += Duration::from_millis(r.ms);
                                    break;
                                }
                            }
                        }
                        total
                    })
                });
            },
        );
    }
    g.finish();
    rt.block_on(async move {
        client.stop().await;
        for n in nodes {
            n.stop().await;
        }
        producer.stop().await;
    });
}

criterion_group!(benches, verify_per_sample, header_to_confidence);
criterion_main!(benches);
