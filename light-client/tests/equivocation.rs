//! Issue 11, fault 6: two producers signing different blocks at the same heights with one key
//! (a data dir restored from a backup). A follower and a light client that see both detect it,
//! keep the proof, stop following and raise the alarm (`/health` 503 `equivocation`, the
//! `weft_equivocations` metric, the light client's status); the producers themselves stop; the
//! proof survives a restart and reaches, by gossip, a light client that never saw the second
//! chain. Fails on 66b4232, where the follower silently followed one fork and retried
//! non-linking headers with no backoff, and light clients raised nothing.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use weft_light::LightClient;
use weft_node::{Node, NodeConfig};

const BLOCK: Duration = Duration::from_millis(300);
const WAIT: Duration = Duration::from_secs(60);

/// Two producers with the same key and their own stores.
async fn twins() -> (TestNode, TestNode) {
    init_logs();
    let a = producer(BLOCK, Faults::none()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        a.dir.path().join("producer.key"),
        dir.path().join("producer.key"),
    )
    .unwrap();
    let node = Node::start(producer_config(&dir, BLOCK)).await.unwrap();
    assert_eq!(node.producer_key(), a.node.producer_key());
    (a, TestNode { node, dir })
}

async fn health(node: &Node) -> (u16, Value) {
    let answer = http()
        .get(format!("{}/health", node.url()))
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

async fn wait_equivocation(node: &Node) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, body) = health(node).await;
        if body["status"] == "equivocation" {
            assert_eq!(status, 503);
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no equivocation seen: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_light(client: &LightClient) -> u64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = client.status();
        if let Some(height) = status.equivocation_height {
            assert!(
                status
                    .problem
                    .as_deref()
                    .unwrap_or("")
                    .contains("equivocation"),
                "{:?}",
                status.problem
            );
            return height;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the light client saw nothing"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn equivocation_is_detected_kept_alarmed_and_gossiped() {
    let (a, b) = twins().await;
    let follower_dir = tempfile::tempdir().unwrap();
    let follower_config = NodeConfig {
        bootstrap: vec![a.node.tcp_addr().to_string(), b.node.tcp_addr().to_string()],
        producer_key: Some(a.node.producer_key()),
        ..producer_config(&follower_dir, BLOCK)
    };
    let follower = Node::start(follower_config.clone()).await.unwrap();
    let (client, _events) = light(&[&a.node, &b.node], &a.node, |_| {}).await;

    let body = wait_equivocation(&follower).await;
    let height = body["equivocation_height"].as_u64().unwrap();
    assert!(
        body["problems"][0]
            .as_str()
            .unwrap()
            .contains("stopped following"),
        "{body}"
    );
    let metrics = metrics(&follower).await;
    assert!(metrics.contains("\nweft_equivocations 1\n"), "{metrics}");
    wait_light(&client).await;
    // The producers learn it too (each sees the other's headers) and stop producing.
    for twin in [&a, &b] {
        let body = wait_equivocation(&twin.node).await;
        assert!(
            body["problems"][0]
                .as_str()
                .unwrap()
                .contains("stopped producing"),
            "{body}"
        );
    }
    // Stopped following: the head no longer moves while both producers still run.
    let head = follower.store().head().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(follower.store().head().unwrap(), head);
    client.stop().await;
    a.node.stop().await;
    b.node.stop().await;

    // The proof is kept across a restart.
    follower.stop().await;
    let follower = Node::start(NodeConfig {
        bootstrap: Vec::new(),
        ..follower_config
    })
    .await
    .unwrap();
    let body = wait_equivocation(&follower).await;
    assert_eq!(body["equivocation_height"].as_u64(), Some(height));
    // A light client that only ever talks to the follower learns it by gossip.
    let (late, _events) = light(&[&follower], &follower, |_| {}).await;
    assert_eq!(wait_light(&late).await, height);
    late.stop().await;
    follower.stop().await;
}
