//! Issue 11, item 7: a client that asks one full node for far more than its burst is paced to
//! the rate the node advertises on `/weft/status/1`, so none of its requests is refused as
//! rate-limited and the node has nothing to hold against it. Fails on 66b4232, where requests
//! went out at once and every one past the burst came back `RateLimited`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::future::join_all;
use weft_p2p::{Keypair, NetworkConfig, NetworkMetrics, Role};
use weft_testkit::Faults;
use weft_types::wire::{
    CellsRequest, CellsResponse, Position, Refusal, PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_beyond_the_burst_are_paced_not_refused() {
    let node = producer(Duration::from_millis(400), Faults::none()).await;
    let height = submit(&node.node, 1, &bytes(1, 10_000)).await.height;
    let (net, _headers, task) = weft_p2p::start(NetworkConfig {
        key: Keypair::generate_ed25519(),
        role: Role::Light,
        agent: "pacing-test".into(),
        listen: Vec::new(),
        bootstrap: vec![node.node.tcp_addr()],
        trust: node.node.producer_key().into(),
        server: None,
        idle_timeout: Duration::from_secs(60),
        discovery_interval: Duration::from_secs(30),
        metrics: NetworkMetrics::default(),
        accept_light: true,
        connections: weft_p2p::ConnectionCaps::default(),
        blobs: weft_p2p::BlobGossip::Off,
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let peer = loop {
        let info = net.info();
        if let Some(peer) = info
            .full_peers
            .first()
            .filter(|p| info.statuses.contains_key(p))
        {
            break *peer;
        }
        assert!(Instant::now() < deadline, "no full peer with a status");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let status = net.info().statuses[&peer];
    assert_eq!(
        (status.requests_per_second, status.burst),
        (PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST)
    );
    // The burst and then four more seconds' worth, all at once.
    let n = PEER_REQUEST_BURST as usize + 4 * PEER_REQUESTS_PER_SECOND as usize;
    let started = Instant::now();
    let answers = join_all((0..n).map(|_| {
        net.cells(
            peer,
            CellsRequest {
                height,
                cells: vec![Position { row: 0, col: 0 }],
            },
        )
    }))
    .await;
    let elapsed = started.elapsed();
    let refused = answers
        .iter()
        .filter(|a| matches!(a, Ok(CellsResponse::Refused(Refusal::RateLimited))))
        .count();
    let served = answers
        .iter()
        .filter(|a| matches!(a, Ok(CellsResponse::Cells(c)) if c.len() == 1))
        .count();
    assert_eq!(refused, 0, "rate-limited answers");
    assert_eq!(served, n, "{:?}", answers.iter().find(|a| a.is_err()));
    assert!(elapsed >= Duration::from_secs(3), "paced over {elapsed:?}");
    assert!(net.metrics().requests_paced.get() > 0);
    assert_eq!(node.node.metrics().network.requests_rate_limited.get(), 0);
    task.stop().await;
    node.node.stop().await;
}
