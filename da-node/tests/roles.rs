//! A node's role (issue 21, item 1 and 9): each role reports the same role in
//! `GET /v1/node/info`, `GET /health` and `/metrics`; a data dir remembers whose chain it holds,
//! so a follower restarted without `--producer-key` refuses to start instead of producing on
//! top of the chain it followed.

mod common;

use std::time::Duration;

use common::*;
use weft_node::{Node, NodeConfig, NodeError};
use weft_types::api::{NodeHealth, NodeInfo, NodeRole};

/// The role as `/v1/node/info`, `/health` and `/metrics` report it.
async fn reported_roles(node: &Node) -> (NodeRole, Option<NodeRole>, Vec<String>) {
    let info: NodeInfo = get_json(&format!("{}/v1/node/info", node.url())).await;
    let health: NodeHealth = http()
        .get(format!("{}/health", node.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let metrics = metrics(node).await;
    let in_metrics = metrics
        .lines()
        .filter(|l| l.starts_with("weft_node_role{"))
        .map(ToString::to_string)
        .collect();
    (info.role, health.role, in_metrics)
}

fn assert_reports(reported: (NodeRole, Option<NodeRole>, Vec<String>), role: NodeRole) {
    let (info, health, metrics) = reported;
    assert_eq!(info, role, "/v1/node/info");
    assert_eq!(health, Some(role), "/health");
    assert_eq!(
        metrics,
        vec![format!("weft_node_role{{role=\"{}\"}} 1", role.as_str())],
        "/metrics"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reports_the_same_role_everywhere() {
    init_logs();
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let producer = Node::start(producer_config(&a, Duration::from_millis(500)))
        .await
        .unwrap();
    assert_reports(reported_roles(&producer).await, NodeRole::Producer);
    assert_eq!(producer.role(), NodeRole::Producer);

    // The bench's publisher signs blocks: a producer, though it takes no blobs.
    let publisher = Node::start_publisher(producer_config(&b, Duration::from_millis(500)))
        .await
        .unwrap();
    assert_reports(reported_roles(&publisher).await, NodeRole::Producer);
    let refused = http()
        .post(format!("{}/v1/blobs", publisher.url()))
        .json(&serde_json::json!({"namespace": ns(1), "data": "AAEC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);

    let follower = Node::start(follower_config(&c, &[&producer], &producer))
        .await
        .unwrap();
    assert_reports(reported_roles(&follower).await, NodeRole::Full);
    assert_eq!(follower.role(), NodeRole::Full);
    for node in [follower, publisher, producer] {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_restarted_without_its_producer_key_refuses_to_produce() {
    init_logs();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let producer = Node::start(producer_config(&a, Duration::from_millis(300)))
        .await
        .unwrap();
    let followed = follower_config(&b, &[&producer], &producer);
    let follower = Node::start(followed.clone()).await.unwrap();
    wait_for_height(&follower, 2, Duration::from_secs(60)).await;
    follower.stop().await;

    // Restarted as the README's user did: the same data dir, no flags.
    let no_flags = NodeConfig {
        producer_key: None,
        bootstrap: Vec::new(),
        ..followed.clone()
    };
    let err = Node::start(no_flags).await.unwrap_err();
    assert!(matches!(err, NodeError::WrongChain { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("--producer-key"), "{message}");
    assert!(
        message.contains(&producer.producer_key().to_string()),
        "the error names the key to follow: {message}"
    );
    assert!(
        !b.path().join("producer.key").exists(),
        "no producer key is made in a follower's data dir"
    );

    // Following another producer on it is refused too.
    let other = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let err = Node::start(NodeConfig {
        producer_key: Some(weft_types::ProducerKey::of(&other)),
        ..followed.clone()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().starts_with("--producer-key"), "{err}");

    // With its key it follows again, from where it stopped.
    let follower = Node::start(followed).await.unwrap();
    let head = follower.store().head().unwrap();
    wait_for_height(&follower, head + 1, Duration::from_secs(60)).await;
    follower.stop().await;

    // The producer's data dir refuses to follow.
    producer.stop().await;
    let err = Node::start(NodeConfig {
        producer_key: Some(weft_types::ProducerKey::of(&other)),
        ..producer_config(&a, Duration::from_millis(300))
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("without --producer-key"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_from_before_records_is_claimed_by_the_key_that_signed_it() {
    init_logs();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let producer = Node::start(producer_config(&a, Duration::from_millis(300)))
        .await
        .unwrap();
    let followed = follower_config(&b, &[&producer], &producer);
    let follower = Node::start(followed.clone()).await.unwrap();
    wait_for_height(&follower, 1, Duration::from_secs(60)).await;
    follower.stop().await;
    producer.stop().await;

    // A data dir written before the chain was recorded: the record removed.
    {
        use weft_node::store::schema::{ALL_CFS, CF_META, META_CHAIN};
        let path = b.path().join(weft_node::DB_DIR);
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), path, ALL_CFS).unwrap();
        db.delete_cf(db.cf_handle(CF_META).unwrap(), META_CHAIN)
            .unwrap();
    }
    let err = Node::start(NodeConfig {
        producer_key: None,
        ..followed
    })
    .await
    .unwrap_err();
    assert!(matches!(err, NodeError::WrongChain { .. }), "{err}");
}

/// Writes an empty block at `height` on `parent`, signed with `key`, into the store at `dir`.
fn put_empty_block(
    store: &weft_node::store::Store,
    key: &ed25519_dalek::SigningKey,
    parent: Option<&weft_types::Header>,
) -> weft_types::Header {
    use weft_encoding::layout::{index_root, Digest32};
    let header = weft_types::UnsignedHeader {
        height: parent.map_or(1, |p| p.height() + 1),
        parent_hash: parent.map_or(Digest32(weft_types::GENESIS_PARENT), |p| p.hash()),
        timestamp_ms: 1_000,
        k: 0,
        row_commitments: Vec::new(),
        blob_count: 0,
        index_root: Digest32(index_root(&[])),
        producer: weft_types::ProducerKey::of(key),
    }
    .sign(key);
    let block = weft_node::store::StoredBlock {
        header: header.clone(),
        commitments: Vec::new(),
        square: None,
        index: Vec::new(),
    };
    store.put_block(&block, &[], None).unwrap();
    header
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_from_before_records_signed_by_two_keys_is_refused_and_one_key_is_claimed() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let (followed, second) = (
        ed25519_dalek::SigningKey::from_bytes(&[3; 32]),
        ed25519_dalek::SigningKey::from_bytes(&[4; 32]),
    );
    // The data dir, as an older build left it: heights 1-2 by the producer it followed,
    // 3 by the key it made when restarted without flags; no record.
    {
        let store = weft_node::store::Store::open(&dir.path().join(weft_node::DB_DIR)).unwrap();
        let one = put_empty_block(&store, &followed, None);
        let two = put_empty_block(&store, &followed, Some(&one));
        put_empty_block(&store, &second, Some(&two));
    }
    for producer_key in [None, Some(weft_types::ProducerKey::of(&followed))] {
        let err = Node::start(NodeConfig {
            producer_key,
            ..producer_config(&dir, Duration::from_millis(300))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(err, NodeError::MixedChain { head: 3, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("--data-dir"), "{err}");
    }

    // A producer's data dir from before records, with its key: claimed, and producing goes on.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("producer.key"),
        hex::encode(followed.to_bytes()),
    )
    .unwrap();
    {
        let store = weft_node::store::Store::open(&dir.path().join(weft_node::DB_DIR)).unwrap();
        put_empty_block(&store, &followed, None);
    }
    let node = Node::start(producer_config(&dir, Duration::from_millis(300)))
        .await
        .unwrap();
    assert_eq!(node.producer_key(), weft_types::ProducerKey::of(&followed));
    wait_for_height(&node, 2, Duration::from_secs(60)).await;
    node.stop().await;
}
