//! Issue 11, fault 3: a light client whose full nodes go away re-dials them with backoff and
//! samples again once one is back — its only (bootstrap) node restarted on the same port, a
//! node it found by discovery rather than bootstrap, and a node that was not up yet when the
//! client started — and says "no full nodes" meanwhile instead of idling silently. Each fails
//! on 66b4232, where a lost peer was never dialled again. And (issue 13) a producer that leaves
//! light clients to its full nodes is not dialled again and again by a light client that found
//! it through discovery.

mod common;

use std::{path::Path, time::Duration};

use common::*;
use weft_light::{Availability, LightClient, NO_FULL_NODES};
use weft_node::{Node, NodeConfig};

const BLOCK: Duration = Duration::from_millis(500);
const WAIT: Duration = Duration::from_secs(90);

/// A producer on `dir` with its p2p listeners on `port` (same identity on every start). The
/// QUIC socket of a just-stopped node may linger a moment while its connections drain: a
/// port still taken is retried for a few seconds.
async fn producer_at(dir: &tempfile::TempDir, port: u16) -> Node {
    init_logs();
    for _ in 0..50 {
        match Node::start(NodeConfig {
            p2p_port: port,
            ..producer_config(dir, BLOCK)
        })
        .await
        {
            Ok(node) => return node,
            Err(weft_node::NodeError::Network(e)) => {
                tracing::info!("port {port} not free yet: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("port {port} stayed taken");
}

/// A follower of `producer` on `dir`, bootstrapped to it, with its p2p listeners on `port`.
async fn follower_at(dir: &Path, port: u16, producer: &Node) -> Node {
    Node::start(NodeConfig {
        p2p_port: port,
        http: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        bootstrap: vec![producer.tcp_addr().to_string()],
        producer_key: Some(producer.producer_key()),
        ..NodeConfig::default()
    })
    .await
    .unwrap()
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The client shows no full nodes and says so.
async fn wait_alone(client: &LightClient) {
    wait_until("the client sees no full nodes", WAIT, || {
        let s = client.status();
        s.peers == 0 && s.problem.as_deref() == Some(NO_FULL_NODES)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_light_client_samples_again_after_its_only_full_node_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let node = producer_at(&dir, port).await;
    let (client, mut events) = light(&[&node], &node, |_| {}).await;
    let h1 = submit(&node, 1, &bytes(1, 30_000)).await.height;
    final_records(&mut events, &[h1], WAIT).await;
    assert_eq!(client.status().problem, None);
    node.stop().await;
    wait_alone(&client).await;
    let node = producer_at(&dir, port).await;
    let h2 = submit(&node, 2, &bytes(2, 30_000)).await.height;
    let records = final_records(&mut events, &[h2], WAIT).await;
    assert_eq!(records[&h2].verdict, Availability::Available);
    assert_eq!(client.status().problem, None);
    client.stop().await;
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_light_client_started_before_its_full_node_connects_when_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // Started once to learn its identity and address, then stopped.
    let node = producer_at(&dir, port).await;
    let (addr, key) = (node.tcp_addr(), node.producer_key());
    node.stop().await;
    let mut config = weft_light::LightConfig::new(vec![addr], key);
    config.from = Some(1);
    let mut client = LightClient::start(config).await.unwrap();
    let mut events = client.events().unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    wait_alone(&client).await;
    let node = producer_at(&dir, port).await;
    let h = submit(&node, 3, &bytes(3, 30_000)).await.height;
    let records = final_records(&mut events, &[h], WAIT).await;
    assert_eq!(records[&h].verdict, Availability::Available);
    client.stop().await;
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_node_found_by_discovery_is_dialled_again_when_it_returns() {
    let producer_dir = tempfile::tempdir().unwrap();
    let follower_dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let producer = producer_at(&producer_dir, port).await;
    let follower = follower_at(follower_dir.path(), free_port(), &producer).await;
    // Bootstrapped to the follower alone: the producer is found through identify and Kademlia.
    let (client, mut events) = light(&[&follower], &producer, |_| {}).await;
    wait_until("the client finds both full nodes", WAIT, || {
        client.status().peers >= 2
    })
    .await;
    let h1 = submit(&producer, 1, &bytes(1, 30_000)).await.height;
    final_records(&mut events, &[h1], WAIT).await;
    follower.stop().await;
    producer.stop().await;
    wait_alone(&client).await;
    // Only the node that was never a bootstrap address comes back.
    let producer = producer_at(&producer_dir, port).await;
    let h2 = submit(&producer, 2, &bytes(2, 30_000)).await.height;
    let records = final_records(&mut events, &[h2], WAIT).await;
    assert_eq!(records[&h2].verdict, Availability::Available);
    client.stop().await;
    producer.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_catches_up_after_the_producer_restarts() {
    let producer_dir = tempfile::tempdir().unwrap();
    let follower_dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let producer = producer_at(&producer_dir, port).await;
    let follower = follower_at(follower_dir.path(), 0, &producer).await;
    let h1 = submit(&producer, 1, &bytes(1, 30_000)).await.height;
    wait_for_height(&follower, h1, WAIT).await;
    producer.stop().await;
    wait_until("the follower sees no peers", WAIT, || {
        follower.net_info().full_peers.is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let producer = producer_at(&producer_dir, port).await;
    let h2 = submit(&producer, 2, &bytes(2, 30_000)).await.height;
    wait_for_height(&follower, h2, WAIT).await;
    follower.stop().await;
    producer.stop().await;
}

/// The producer's count of light-client connections it closed (`weft_light_clients_refused`).
async fn refused_by(node: &Node) -> u64 {
    let metrics = metrics(node).await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("weft_light_clients_refused_total "))
        .unwrap_or_else(|| panic!("no weft_light_clients_refused_total in {metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_producer_that_refuses_light_clients_is_held_off_not_redialled() {
    let producer_dir = tempfile::tempdir().unwrap();
    let follower_dir = tempfile::tempdir().unwrap();
    init_logs();
    let producer = Node::start(NodeConfig {
        serve_light_clients: false,
        ..producer_config(&producer_dir, BLOCK)
    })
    .await
    .unwrap();
    let follower = follower_at(follower_dir.path(), free_port(), &producer).await;
    // Bootstrapped to the follower: the producer is found through identify and Kademlia, and
    // closes the client's connection as soon as the client identifies.
    let (client, mut events) = light(&[&follower], &producer, |_| {}).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while refused_by(&producer).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the producer never refused the client"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Refused twice in a row (once could be a restart), then held off for five minutes; a
    // doubling backoff would dial it again at about 3, 7 and 15 s.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let settled = refused_by(&producer).await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        refused_by(&producer).await,
        settled,
        "dialled again while held off"
    );
    assert!(settled <= 4, "{settled} refusals before the hold");
    // The client samples from the follower all along.
    let h = submit(&producer, 1, &bytes(1, 30_000)).await.height;
    let records = final_records(&mut events, &[h], WAIT).await;
    assert_eq!(records[&h].verdict, Availability::Available);
    assert_eq!(client.status().peers, 1, "only the follower");
    client.stop().await;
    follower.stop().await;
    producer.stop().await;
}

/// Issue 25, fault 3: a full node that comes back on new ports (the same identity and data
/// dir) is found again at its new address — by a light client and by another full node that
/// knew it at the old one — whatever backoff its old address is under. Fails on a3a563d,
/// where both stayed without it for the 120 s watched.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_node_back_on_new_ports_is_found_again_at_its_new_address() {
    let producer_dir = tempfile::tempdir().unwrap();
    let (moving_dir, other_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let producer = producer_at(&producer_dir, free_port()).await;
    let moving = follower_at(moving_dir.path(), free_port(), &producer).await;
    let moving_id = moving.net_info().peer_id.expect("a peer id");
    let other = follower_at(other_dir.path(), free_port(), &producer).await;
    let (client, _events) = light(&[&producer], &producer, |_| {}).await;
    let knows = |info: &weft_node::NetInfo| info.full_peers.contains(&moving_id);
    wait_until(
        "the client and the other node know the moving node",
        WAIT,
        || client.status().peers >= 3 && knows(&other.net_info()),
    )
    .await;
    moving.stop().await;
    // Lost: the old address is re-dialled with backoff and refused meanwhile.
    wait_until("the moving node is gone", WAIT, || {
        client.status().peers == 2 && !knows(&other.net_info())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let moved = follower_at(moving_dir.path(), free_port(), &producer).await;
    assert_eq!(
        moved.net_info().peer_id,
        Some(moving_id),
        "the same identity"
    );
    let found = std::time::Instant::now();
    wait_until(
        "the light client finds the moved node at its new address",
        Duration::from_secs(60),
        || client.status().peers >= 3,
    )
    .await;
    wait_until(
        "the other full node finds the moved node at its new address",
        Duration::from_secs(60).saturating_sub(found.elapsed()),
        || knows(&other.net_info()),
    )
    .await;
    println!("the moved node was found again in {:?}", found.elapsed());
    client.stop().await;
    for node in [moved, other, producer] {
        node.stop().await;
    }
}
