//! The load harness, small (CI): 50 clients (5 of them full verifying light clients) against a
//! full node following a publishing producer for 20 s. Every client must reach the target
//! confidence on every height with data, with no failed verification, no refused request and
//! no height missed — and the node neither rate-limits nor penalises any of these honest
//! clients.

use std::time::Duration;

use weft_benches::{run_swarm, topology::FullNodeKind, SwarmConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_sample_every_height_without_a_failure() {
    let config = SwarmConfig {
        clients: 50,
        verifying: 5,
        full_nodes: 1,
        kind: FullNodeKind::InProcess,
        k: 8,
        squares: 2,
        block_time: Duration::from_secs(2),
        duration: Duration::from_secs(20),
        confidence: weft_light::DEFAULT_CONFIDENCE,
        sample_timeout: Duration::from_secs(20),
        flood: 0,
        publisher_runtime: None,
    };
    let report = run_swarm(&config).await.expect("the run is set up");
    let s = &report.summary;
    println!("{}", s.table());
    assert!(s.heights >= 8, "{} heights published", s.heights);
    assert_eq!(
        s.fetch_ms.n,
        s.heights * 45,
        "every fetch-only client, every height"
    );
    assert_eq!(
        s.verify_ms.n,
        s.heights * 5,
        "every verifying client, every height"
    );
    assert_eq!(
        (
            s.fetch_timed_out,
            s.verify_unavailable,
            s.missing,
            s.failed_verifications,
            s.refused
        ),
        (0, 0, 0, 0, 0),
        "{}",
        s.table()
    );
    for n in &s.nodes {
        assert_eq!(
            (n.rate_limited, n.penalties, n.banned),
            (0, 0, 0),
            "honest clients scored down by {}",
            n.url
        );
    }
    for h in &report.heights {
        assert_eq!(
            (h.fetch_done, h.verify_available),
            (45, 5),
            "height {}",
            h.height
        );
    }
}
