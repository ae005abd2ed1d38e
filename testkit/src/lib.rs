//! Helpers shared by Weft's integration tests and benchmarks: real nodes in-process (RocksDB in
//! temp dirs, libp2p and HTTP on loopback; a validator chain), blob submission, waiting for
//! heights, and random canonical rows.

use std::time::Duration;

pub use faults::{Faults, FaultySource, WithholdAt, WITHHELD_COLUMNS};
pub use lying_proxy::{lying_proxy, Lie};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use tempfile::TempDir;
use weft_encoding::constants::BYTES_PER_ROW;
use weft_node::{Node, NodeConfig};

mod faults;
mod lying_proxy;
mod validators;
pub use validators::{consensus_ports, start_validators, start_validators_with};
use weft_types::api::BlobReceipt;

/// Largest k of the test networks.
pub const TEST_MAX_K: usize = 8;
/// Largest blob of the test networks (fits a k = 8 square).
pub const TEST_MAX_BLOB: usize = 512 * 1024;

/// A node with its data dir, kept alive as long as the node.
#[derive(Debug)]
pub struct TestNode {
    /// The node.
    pub node: Node,
    /// Its data dir.
    pub dir: TempDir,
}

/// Logs to the test output at `WEFT_LOG` level (warn by default).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WEFT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// A producer's configuration: ephemeral HTTP port, small squares.
pub fn producer_config(dir: &TempDir, block_time: Duration) -> NodeConfig {
    NodeConfig {
        data_dir: dir.path().to_path_buf(),
        http: "127.0.0.1:0".parse().expect("valid address"),
        block_time,
        max_k: TEST_MAX_K,
        max_blob_size: TEST_MAX_BLOB,
        ..NodeConfig::default()
    }
}

/// A follower's configuration, bootstrapped to `bootstrap` and following `producer`.
pub fn follower_config(dir: &TempDir, bootstrap: &[&Node], producer: &Node) -> NodeConfig {
    NodeConfig {
        bootstrap: bootstrap.iter().map(|n| n.tcp_addr().to_string()).collect(),
        producer_key: Some(producer.producer_key()),
        ..producer_config(dir, Duration::from_secs(2))
    }
}

/// Starts a producer.
pub async fn producer(block_time: Duration, faults: Faults) -> TestNode {
    init_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let node = Node::start_with(producer_config(&dir, block_time), |s| faults.source(s))
        .await
        .expect("producer starts");
    TestNode { node, dir }
}

/// Starts a full node following `producer`, bootstrapped to `bootstrap`.
pub async fn full_node(bootstrap: &[&Node], producer: &Node, faults: Faults) -> TestNode {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = Node::start_with(follower_config(&dir, bootstrap, producer), |s| {
        faults.source(s)
    })
    .await
    .expect("full node starts");
    TestNode { node, dir }
}

/// A TCP port free on loopback now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("bound")
        .port()
}

/// A second producer signing with `first`'s key on a store of its own (a data dir restored
/// from a backup): it produces a different chain under the same key.
pub async fn twin_producer(first: &TestNode, block_time: Duration) -> TestNode {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        first.dir.path().join("producer.key"),
        dir.path().join("producer.key"),
    )
    .expect("the producer key copied");
    let node = Node::start(producer_config(&dir, block_time))
        .await
        .expect("twin starts");
    assert_eq!(node.producer_key(), first.node.producer_key());
    TestNode { node, dir }
}

/// An HTTP client with a generous timeout (submissions wait for blocks).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// The node's `/metrics` text (Prometheus exposition format).
pub async fn metrics(node: &Node) -> String {
    http()
        .get(format!("{}/metrics", node.url()))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text")
}

/// Submits through `weft-client` and waits for the block (retrying after `Retry-After` as a
/// client must); panics if it is not included.
pub async fn submit(node: &Node, namespace: u8, data: &[u8]) -> BlobReceipt {
    let client = weft_client::Client::new(&node.url()).expect("a node URL");
    let namespace = ns(namespace).parse().expect("a namespace");
    weft_client::submit_with_retry(&client, namespace, data, weft_client::Retry::default())
        .await
        .expect("the blob is included")
}

/// Submits through `weft-client` with `wait = false`; panics unless queued (202).
pub async fn submit_queued(url: &str, namespace: u8, data: &[u8]) {
    let client = weft_client::Client::new(url).expect("a node URL");
    let namespace = ns(namespace).parse().expect("a namespace");
    match client.submit(namespace, data, false).await {
        Ok(weft_client::Submitted::Queued(_)) => {}
        other => panic!("expected the blob queued, got {other:?}"),
    }
}

/// `GET url` as JSON; panics unless 2xx.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let response = http().get(url).send().await.expect("node reachable");
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response.json().await.expect("JSON")
}

/// Waits until `node` has stored `height`.
pub async fn wait_for_height(node: &Node, height: u64, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while node.store().head().expect("store") < height {
        assert!(
            tokio::time::Instant::now() < deadline,
            "node at {} did not reach {height} in {limit:?}",
            node.store().head().unwrap_or(0)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `node` sees `n` full peers.
pub async fn wait_for_full_peers(node: &Node, n: usize, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while node.net_info().full_peers.len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} full peers after {limit:?}",
            node.net_info().full_peers.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deterministic pseudo-random bytes.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut out = vec![0u8; len];
    rng.fill(&mut out[..]);
    out
}

/// A namespace as 32 hex characters.
pub fn ns(b: u8) -> String {
    format!("{b:032x}")
}

/// k random rows, each 4096 canonical field elements (top byte of each zero).
pub fn random_rows(seed: u64, k: usize) -> Vec<Vec<u8>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..k)
        .map(|_| {
            let mut row = vec![0u8; BYTES_PER_ROW];
            rng.fill(&mut row[..]);
            row.chunks_exact_mut(32).for_each(|e| e[0] = 0);
            row
        })
        .collect()
}
