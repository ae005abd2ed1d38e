//! Node benchmarks over loopback with a real RocksDB store:
//! - sustained ingest: batches of blobs (4 KiB, 128 KiB, 2 MiB) submitted concurrently over HTTP
//!   until every one is acknowledged in a stored block (criterion reports bytes per second);
//! - cells served per second over HTTP (`GET /v1/cells/…`, 32 in flight) and over libp2p
//!   (`/weft/cells/1`, 128 cells per request, 8 client peers through `weft-p2p`'s handle, which
//!   paces each to the node's advertised rate: after the burst this measures the rate policy,
//!   not the serving path).
//!
//! `cargo bench -p weft-node --bench ingest`; results in docs/BENCHMARKS.md.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::{stream, StreamExt};
use weft_client::{submit_with_retry, Client, Retry};
use weft_encoding::layout::Namespace;
use weft_node::{config::HttpLimits, Node, NodeConfig};
use weft_p2p::{
    Keypair, Multiaddr, NetworkConfig, NetworkHandle, NetworkMetrics, NetworkTask, Role,
};
use weft_types::wire::{CellsRequest, CellsResponse, Position};

/// Bytes of blobs per ingest iteration: fills a k = 32 square (the largest below 4 MiB).
const BATCH_BYTES: usize = 3 * 1024 * 1024;
/// Concurrent HTTP submissions.
const SUBMIT_CONCURRENCY: usize = 128;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn start(dir: &tempfile::TempDir) -> Node {
    Node::start(NodeConfig {
        data_dir: dir.path().into(),
        http: "127.0.0.1:0".parse().unwrap(),
        block_time: Duration::from_millis(500),
        max_pending_bytes: 256 * 1024 * 1024,
        // 128 submissions at once from this one address.
        http_limits: HttpLimits {
            max_connections_per_ip: 2 * SUBMIT_CONCURRENCY,
            ..HttpLimits::default()
        },
        ..NodeConfig::default()
    })
    .await
    .unwrap()
}

/// Submits `count` blobs of `size` bytes, `SUBMIT_CONCURRENCY` at a time, each through
/// `weft-client` (waiting for its block, retrying after `Retry-After`).
async fn submit_all(client: &Client, size: usize, count: usize, salt: u64) {
    stream::iter(0..count)
        .map(|i| async move {
            let namespace = Namespace([(i % 16 + 1) as u8; 16]);
            let data = vec![(i as u64 ^ salt) as u8; size];
            let retry = Retry {
                attempts: 20,
                ..Retry::default()
            };
            submit_with_retry(client, namespace, &data, retry)
                .await
                .expect("included");
        })
        .buffer_unordered(SUBMIT_CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
}

fn ingest(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let node = rt.block_on(start(&dir));
    let client = Client::with_timeout(&node.url(), Duration::from_secs(300)).unwrap();
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(60));
    for size in [4 * 1024, 128 * 1024, 2 * 1024 * 1024] {
        let count = BATCH_BYTES / size;
        g.throughput(Throughput::Bytes((count * size) as u64));
        let mut salt = 0;
        g.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = tokio::time::Instant::now();
                    for _ in 0..iters {
                        salt += 1;
                        submit_all(&client, size, count, salt).await;
                    }
                    start.elapsed()
                })
            });
        });
    }
    g.finish();
    rt.block_on(node.stop());
}

/// A light-role network asking a node for cells (paced to its advertised rate).
struct P2pClient {
    net: NetworkHandle,
    _task: NetworkTask,
}

impl P2pClient {
    async fn connect(addr: Multiaddr, node: &Node) -> Self {
        let (net, _headers, task) = weft_p2p::start(NetworkConfig {
            key: Keypair::generate_ed25519(),
            role: Role::Light,
            agent: "bench".into(),
            listen: Vec::new(),
            bootstrap: vec![addr],
            trust: node.producer_key().into(),
            server: None,
            idle_timeout: Duration::from_secs(120),
            discovery_interval: Duration::from_secs(60),
            metrics: NetworkMetrics::default(),
            accept_light: true,
            connections: weft_p2p::ConnectionCaps::default(),
            blobs: weft_p2p::BlobGossip::Off,
        })
        .await
        .unwrap();
        while net.full_peers().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self { net, _task: task }
    }

    async fn cells(&self, req: CellsRequest) -> CellsResponse {
        let peer = self.net.full_peers()[0];
        self.net.cells(peer, req).await.unwrap()
    }
}

fn serving(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let node = rt.block_on(start(&dir));
    let client = Client::new(&node.url()).unwrap();
    // One block of k = 8 to serve.
    rt.block_on(submit_all(&client, 900_000, 1, 7));
    let height = node.store().head().unwrap();
    let k = node.store().header(height).unwrap().unwrap().k() as u64;
    let mut g = c.benchmark_group("cells_served");
    g.sample_size(10);

    const HTTP_REQUESTS: u64 = 512;
    g.throughput(Throughput::Elements(HTTP_REQUESTS));
    g.bench_function("http_32_in_flight", |b| {
        b.to_async(&rt).iter(|| {
            let client = &client;
            stream::iter(0..HTTP_REQUESTS)
                .map(move |i| async move {
                    let (row, col) = ((i % (2 * k)) as u16, ((i * 37) % 128) as u16);
                    client.cell(height, row, col).await.expect("a cell");
                })
                .buffer_unordered(32)
                .collect::<Vec<()>>()
        });
    });

    const PEERS: usize = 8;
    const REQUESTS_PER_PEER: u64 = 4;
    let clients: Vec<P2pClient> = rt.block_on(async {
        let mut clients = Vec::new();
        for _ in 0..PEERS {
            clients.push(P2pClient::connect(node.tcp_addr(), &node).await);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        clients
    });
    g.throughput(Throughput::Elements(PEERS as u64 * REQUESTS_PER_PEER * 128));
    g.bench_function("libp2p_8_peers_128_cells_per_request", |b| {
        b.to_async(&rt).iter(|| {
            let clients = &clients;
            async move {
                futures::future::join_all(clients.iter().enumerate().map(
                    |(p, client)| async move {
                        for r in 0..REQUESTS_PER_PEER {
                            let row = ((p as u64 + r) % (2 * k)) as u16;
                            let req = CellsRequest {
                                height,
                                cells: (0..128).map(|col| Position { row, col }).collect(),
                            };
                            match client.cells(req).await {
                                CellsResponse::Cells(cells) => assert_eq!(cells.len(), 128),
                                CellsResponse::Refused(why) => panic!("refused: {why:?}"),
                            }
                        }
                    },
                ))
                .await
            }
        });
    });
    g.finish();
    rt.block_on(node.stop());
}

criterion_group!(benches, ingest, serving);
criterion_main!(benches);
