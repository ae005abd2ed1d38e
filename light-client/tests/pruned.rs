//! Issue 11, fault 2: once the network has pruned old squares, a new full node still joins (the
//! header chain advances without the data nobody serves any more) and a light client reports
//! those heights as `pruned`, never `unavailable`; nodes advertise the window they hold
//! (`/weft/status/1`, `GET /v1/node/info`). Both fail on 66b4232, where the follower retried
//! "256 of 256 cells missing" for ever and the light client called the heights unavailable.

mod common;

use std::time::Duration;

use common::*;
use weft_light::Availability;
use weft_node::{Node, NodeConfig};
use weft_types::api::NodeInfo;

const BLOCK: Duration = Duration::from_millis(300);
const WAIT: Duration = Duration::from_secs(90);
const KEEP: u64 = 3;

/// A producer keeping the squares of the newest [`KEEP`] blocks, with data in its first
/// blocks; returns it once those have been pruned, with the heights that had data.
async fn pruned_producer() -> (TestNode, Vec<u64>) {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(NodeConfig {
        prune_after: Some(KEEP),
        ..producer_config(&dir, BLOCK)
    })
    .await
    .unwrap();
    let mut heights = Vec::new();
    for i in 0..4u8 {
        heights.push(submit(&node, i, &bytes(u64::from(i), 20_000)).await.height);
    }
    heights.dedup();
    let last = *heights.last().unwrap();
    wait_for_height(&node, last + 2 * KEEP + 2, WAIT).await;
    (TestNode { node, dir }, heights)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_full_node_joins_after_its_peers_pruned() {
    let (producer, _) = pruned_producer().await;
    let info: NodeInfo = get_json(&format!("{}/v1/node/info", producer.node.url())).await;
    assert_eq!(info.availability_window, Some(KEEP));
    assert_eq!(info.oldest_available, info.head - KEEP + 1, "{info:?}");
    let follower = full_node(&[&producer.node], &producer.node, Faults::none()).await;
    let target = producer.node.store().head().unwrap() + 2;
    wait_for_height(&follower.node, target, WAIT).await;
    // New data is fetched and served as usual.
    let h = submit(&producer.node, 9, &bytes(9, 20_000)).await.height;
    wait_for_height(&follower.node, h, WAIT).await;
    let cell = http()
        .get(format!("{}/v1/cells/{h}/0/0", follower.node.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(cell.status(), 200, "the follower serves the new block");
    let old = http()
        .get(format!("{}/v1/cells/1/0/0", follower.node.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.status(),
        410,
        "a height it never held is pruned, not missing"
    );
    follower.node.stop().await;
    producer.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_light_client_reports_pruned_heights_as_pruned_never_unavailable() {
    let (producer, old) = pruned_producer().await;
    let (client, mut events) = light(&[&producer.node], &producer.node, |_| {}).await;
    let records = final_records(&mut events, &old, WAIT).await;
    for (height, r) in &records {
        assert_eq!(r.verdict, Availability::Pruned, "height {height}: {r:?}");
    }
    let new = submit(&producer.node, 7, &bytes(7, 20_000)).await.height;
    let records = final_records(&mut events, &[new], WAIT).await;
    assert_eq!(records[&new].verdict, Availability::Available);
    let status = client.status();
    assert_eq!(
        status.counters.heights_unavailable, 0,
        "{:?}",
        status.counters
    );
    assert!(status.counters.heights_pruned >= old.len() as u64);
    client.stop().await;
    producer.node.stop().await;
}
