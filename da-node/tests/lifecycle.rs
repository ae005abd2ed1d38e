//! Clean stop: every task ends, the store is released, and the node restarts on the same data
//! dir with its chain, keys and pending blobs.

mod common;

use std::time::Duration;

use common::*;
use weft_node::Node;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_stops_cleanly_and_restarts_with_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let config = producer_config(&dir, Duration::from_millis(300));
    init_logs();
    let node = Node::start(config.clone()).await.unwrap();
    let key = node.producer_key();
    let receipt = submit(&node, 1, b"kept across restarts").await;
    tokio::time::timeout(Duration::from_secs(30), node.stop())
        .await
        .expect("stop finishes promptly");

    // The RocksDB lock is released, so the same dir opens again, with the same key and chain.
    let node = Node::start(config).await.unwrap();
    assert_eq!(node.producer_key(), key);
    assert!(node.store().head().unwrap() >= receipt.height);
    let next = submit(&node, 1, b"after restart").await;
    assert!(next.height > receipt.height);
    let header = node.store().header(next.height).unwrap().unwrap();
    let parent = node.store().header(next.height - 1).unwrap().unwrap();
    assert!(
        header.follows(&parent),
        "the chain continues from the stored head"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_node_on_the_same_dir_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    init_logs();
    let node = Node::start(producer_config(&dir, Duration::from_secs(5)))
        .await
        .unwrap();
    let err = Node::start(producer_config(&dir, Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--data-dir"), "{err}");
    let taken = weft_node::NodeConfig {
        http: node.http_addr(),
        ..producer_config(&tempfile::tempdir().unwrap(), Duration::from_secs(5))
    };
    let err = Node::start(taken).await.unwrap_err();
    assert!(err.to_string().contains("--http"), "{err}");
    node.stop().await;
}
