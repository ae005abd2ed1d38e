//! Helpers: real nodes in-process (RocksDB in temp dirs, libp2p on loopback) and a light client
//! watching them.
#![allow(dead_code)]

use std::{collections::BTreeMap, time::Duration};

use base64::{engine::general_purpose::STANDARD, Engine};
use futures::{channel::mpsc::UnboundedReceiver, StreamExt};
use tempfile::TempDir;
use weft_light::{HeightRecord, LightClient, LightConfig, LightEvent};
use weft_node::{faults::Faults, Node, NodeConfig};
use weft_types::api::{BlobReceipt, SubmitBlob};

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

pub async fn producer(block_time: Duration, faults: Faults) -> TestNode {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let config = NodeConfig {
        data_dir: dir.path().into(),
        http: "127.0.0.1:0".parse().unwrap(),
        block_time,
        max_k: 8,
        max_blob_size: 512 * 1024,
        ..NodeConfig::default()
    };
    TestNode {
        node: Node::start_with_faults(config, faults).await.unwrap(),
        dir,
    }
}

pub async fn full_node(bootstrap: &[&Node], producer: &Node, faults: Faults) -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let config = NodeConfig {
        data_dir: dir.path().into(),
        http: "127.0.0.1:0".parse().unwrap(),
        bootstrap: bootstrap.iter().map(|n| n.tcp_addr().to_string()).collect(),
        producer_key: Some(producer.producer_key()),
        max_k: 8,
        max_blob_size: 512 * 1024,
        ..NodeConfig::default()
    };
    TestNode {
        node: Node::start_with_faults(config, faults).await.unwrap(),
        dir,
    }
}

pub async fn light(
    bootstrap: &[&Node],
    producer: &Node,
    tweak: impl FnOnce(&mut LightConfig),
) -> (LightClient, UnboundedReceiver<LightEvent>) {
    let mut config = LightConfig::new(
        bootstrap.iter().map(|n| n.tcp_addr()).collect(),
        producer.producer_key(),
    );
    config.from = Some(1);
    tweak(&mut config);
    let mut client = LightClient::start(config).await.unwrap();
    let events = client.events().unwrap();
    (client, events)
}

pub async fn submit(node: &Node, namespace: u8, data: &[u8]) -> BlobReceipt {
    let body = SubmitBlob {
        namespace: format!("{namespace:032x}"),
        data: STANDARD.encode(data),
    };
    let response = reqwest::Client::new()
        .post(format!("{}/v1/blobs", node.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (seed as usize * 131 + i * 7 + (i >> 8)) as u8)
        .collect()
}

/// Collects final records until every height in `heights` has one (or the time runs out).
pub async fn final_records(
    events: &mut UnboundedReceiver<LightEvent>,
    heights: &[u64],
    limit: Duration,
) -> BTreeMap<u64, HeightRecord> {
    let mut out = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + limit;
    while !heights.iter().all(|h| out.contains_key(h)) {
        let next = tokio::time::timeout_at(deadline, events.next()).await;
        let Ok(Some(LightEvent::Height(record))) = next else {
            panic!(
                "only {:?} of {heights:?} finished within {limit:?}",
                out.keys().collect::<Vec<_>>()
            );
        };
        if record.verdict.is_final() {
            out.insert(record.height, record);
        }
    }
    out
}
