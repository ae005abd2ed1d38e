//! A producer and two full nodes over loopback: blobs come back byte-identical from every node
//! by namespace and by commitment, every node serves identical cells, a node started late
//! catches up, and a restarted node resumes without fetching again.

mod common;

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD, Engine};
use common::*;
use weft_testkit::Faults;
use weft_types::api::{BlobReceipt, BlobView, CellView, HeaderView, NamespaceBlobs};

const BLOCK: Duration = Duration::from_millis(400);
const SYNC: Duration = Duration::from_secs(60);

/// Blobs of several sizes and namespaces; the 200 KB one needs k = 2, the others fit k = 1.
fn workload() -> Vec<(u8, Vec<u8>)> {
    vec![
        (1, bytes(1, 1)),
        (2, bytes(2, 4096)),
        (1, bytes(3, 31 * 100)),
        (3, bytes(4, 200_000)),
        (2, bytes(5, 12_345)),
    ]
}

async fn check_node_serves(node: &weft_node::Node, sent: &[((u8, Vec<u8>), BlobReceipt)]) {
    for ((namespace, data), receipt) in sent {
        let namespace = ns(*namespace);
        let header: HeaderView =
            get_json(&format!("{}/v1/headers/{}", node.url(), receipt.height)).await;
        let answer: NamespaceBlobs = get_json(&format!(
            "{}/v1/blobs/{}/{namespace}",
            node.url(),
            receipt.height
        ))
        .await;
        let proven = answer
            .proof
            .verify(
                &header.header.unsigned.index_root.0,
                header.header.unsigned.blob_count,
                &answer.namespace,
            )
            .unwrap();
        assert_eq!(proven.len(), answer.blobs.len());
        let found = answer
            .blobs
            .iter()
            .find(|b| b.commitment == receipt.commitment)
            .expect("blob listed in its namespace");
        let got = STANDARD.decode(&found.data).unwrap();
        assert!(
            &got == data,
            "by namespace from {}: got {} bytes, sent {} bytes; receipt {receipt:?}; listed {:?}",
            node.url(),
            got.len(),
            data.len(),
            answer
                .blobs
                .iter()
                .map(|b| (b.index, b.commitment, b.data.len()))
                .collect::<Vec<_>>()
        );
        let by_commitment: BlobView = get_json(&format!(
            "{}/v1/blobs/by-commitment/{}",
            node.url(),
            receipt.commitment
        ))
        .await;
        assert!(
            &STANDARD.decode(&by_commitment.data).unwrap() == data,
            "by commitment from {}",
            node.url()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn producer_and_two_full_nodes_serve_identical_data() {
    let producer = producer(BLOCK, Faults::none()).await;
    let a = full_node(&[&producer.node], &producer.node, Faults::none()).await;
    let b = full_node(&[&producer.node, &a.node], &producer.node, Faults::none()).await;
    wait_for_full_peers(&b.node, 2, SYNC).await;

    let submissions = workload().into_iter().map(|(n, d)| {
        let node = &producer.node;
        async move {
            let receipt = submit(node, n, &d).await;
            ((n, d), receipt)
        }
    });
    let sent = futures::future::join_all(submissions).await;
    let top = sent.iter().map(|(_, r)| r.height).max().unwrap();
    wait_for_height(&a.node, top, SYNC).await;
    wait_for_height(&b.node, top, SYNC).await;

    for node in [&producer.node, &a.node, &b.node] {
        check_node_serves(node, &sent).await;
    }
    // Identical cells from every node, extended rows included.
    let mut heights: Vec<u64> = sent.iter().map(|(_, r)| r.height).collect();
    heights.dedup();
    for height in heights {
        let header: HeaderView =
            get_json(&format!("{}/v1/headers/{height}", producer.node.url())).await;
        let k = header.header.k();
        for i in 0..12u64 {
            let (row, col) = ((i * 7 + height) % (2 * k as u64), (i * 37 + 5) % 128);
            let path = format!("/v1/cells/{height}/{row}/{col}");
            let urls = [&producer.node, &a.node, &b.node].map(|n| format!("{}{path}", n.url()));
            let cells: Vec<CellView> =
                futures::future::join_all(urls.iter().map(|u| get_json::<CellView>(u))).await;
            assert!(
                cells.windows(2).all(|w| w[0] == w[1]),
                "cell {path} differs between nodes"
            );
            assert_eq!(cells[0].row, row as u16);
        }
    }
    assert!(a.node.metrics().rows_fetched.get() > 0 && b.node.metrics().rows_fetched.get() > 0);
    b.node.stop().await;
    a.node.stop().await;
    producer.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn late_node_catches_up_and_restarted_node_resumes() {
    let producer = producer(BLOCK, Faults::none()).await;
    let mut sent = Vec::new();
    for (n, d) in workload() {
        let receipt = submit(&producer.node, n, &d).await;
        sent.push(((n, d), receipt));
    }
    // Started after all of that: must catch up by range requests (gossip only brings new heads).
    let late = full_node(&[&producer.node], &producer.node, Faults::none()).await;
    let top = producer.node.store().head().unwrap();
    wait_for_height(&late.node, top, SYNC).await;
    check_node_serves(&late.node, &sent).await;

    // Restart: the node resumes from its store and fetches only blocks it did not have.
    let stored = late.node.store().head().unwrap();
    let dir = late.dir;
    late.node.stop().await;
    let config = follower_config(&dir, &[&producer.node], &producer.node);
    let restarted = weft_node::Node::start(config).await.unwrap();
    assert_eq!(
        restarted.store().head().unwrap(),
        stored,
        "store kept its head across the restart"
    );
    let target = producer.node.store().head().unwrap() + 2;
    wait_for_height(&restarted, target, SYNC).await;
    let synced = restarted.metrics().blocks_synced.get();
    let head = restarted.store().head().unwrap();
    assert_eq!(
        synced,
        head - stored,
        "only blocks after {stored} were fetched again (synced {synced}, head {head})"
    );
    check_node_serves(&restarted, &sent).await;
    restarted.stop().await;
    producer.node.stop().await;
}
