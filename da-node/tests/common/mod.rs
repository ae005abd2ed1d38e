//! Helpers for the node's integration tests: real nodes in-process, real RocksDB in temp dirs,
//! real libp2p sockets on loopback, real HTTP.
#![allow(dead_code)]

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::de::DeserializeOwned;
use tempfile::TempDir;
use weft_node::{faults::Faults, Node, NodeConfig};
use weft_types::api::{BlobReceipt, SubmitBlob};

/// A node with its data dir (kept alive as long as the node).
pub struct TestNode {
    pub node: Node,
    pub dir: TempDir,
}

pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WEFT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

pub fn producer_config(dir: &TempDir, block_time: Duration) -> NodeConfig {
    NodeConfig {
        data_dir: dir.path().to_path_buf(),
        http: "127.0.0.1:0".parse().unwrap(),
        block_time,
        max_k: 8,
        max_blob_size: 512 * 1024,
        ..NodeConfig::default()
    }
}

pub async fn producer(block_time: Duration) -> TestNode {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(producer_config(&dir, block_time))
        .await
        .unwrap();
    TestNode { node, dir }
}

pub fn follower_config(dir: &TempDir, bootstrap: &[&Node]) -> NodeConfig {
    NodeConfig {
        data_dir: dir.path().to_path_buf(),
        http: "127.0.0.1:0".parse().unwrap(),
        bootstrap: bootstrap.iter().map(|n| n.tcp_addr().to_string()).collect(),
        producer_key: Some(bootstrap[0].producer_key()),
        max_k: 8,
        max_blob_size: 512 * 1024,
        ..NodeConfig::default()
    }
}

pub async fn follower(bootstrap: &[&Node], faults: Faults) -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start_with_faults(follower_config(&dir, bootstrap), faults)
        .await
        .unwrap();
    TestNode { node, dir }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

pub async fn get_json<T: DeserializeOwned>(url: &str) -> T {
    let response = http().get(url).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

pub async fn submit(node: &Node, namespace: &str, data: &[u8]) -> BlobReceipt {
    let body = SubmitBlob {
        namespace: namespace.into(),
        data: STANDARD.encode(data),
    };
    let response = http()
        .post(format!("{}/v1/blobs", node.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.json().await.unwrap()
}

/// Waits until `node` has stored `height`.
pub async fn wait_for_height(node: &Node, height: u64, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while node.store().head().unwrap() < height {
        assert!(
            tokio::time::Instant::now() < deadline,
            "node at {} did not reach {height} in {limit:?}",
            node.store().head().unwrap()
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
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

pub fn ns(b: u8) -> String {
    format!("{:032x}", b)
}
