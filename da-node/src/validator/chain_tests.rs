//! The validator's chain over a real store, pool and encoder: a block it proposed or voted for
//! is kept until its height is final, so a validator back from a crash still has it to finalize
//! (the engine's journal may name it) or to send to a validator that lacks it.

use std::{sync::Arc, time::Duration};

use weft_consensus::{Chain as _, Verdict};
use weft_encoding::layout::{Blob, Digest32, Namespace};
use weft_p2p::{BlobGossip, ConnectionCaps, Keypair, NetworkConfig, NetworkHandle, NetworkMetrics};
use weft_types::{api::NodeRole, testing, Trust, GENESIS_PARENT};

use super::chain::{NodeChain, NodeChainArgs};
use crate::{
    admission::Pace, health::Health, mempool::Mempool, metrics::Metrics, store::Store, Encoder,
};

const BLOCK_TIME: Duration = Duration::from_millis(200);

async fn network(trust: &Trust) -> NetworkHandle {
    let (network, _headers, _task) = weft_p2p::start(NetworkConfig {
        key: Keypair::generate_ed25519(),
        role: weft_p2p::Role::Full,
        agent: "validator-chain-test".into(),
        listen: Vec::new(),
        bootstrap: Vec::new(),
        trust: trust.clone(),
        server: None,
        idle_timeout: Duration::from_secs(60),
        discovery_interval: Duration::from_secs(30),
        metrics: NetworkMetrics::default(),
        accept_light: false,
        connections: ConnectionCaps::default(),
        blobs: BlobGossip::Off,
    })
    .await
    .unwrap();
    network
}

/// Validator `i`'s chain arguments over the store in `dir`.
fn args(
    i: usize,
    dir: &std::path::Path,
    trust: &Trust,
    keys: &[ed25519_dalek::SigningKey],
    network: &NetworkHandle,
) -> NodeChainArgs {
    // A dropped chain's writer lets go of its clone of the store as it stops.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let store = loop {
        match Store::open(dir) {
            Ok(store) => break store,
            Err(e) if std::time::Instant::now() > deadline => panic!("{e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let mempool = Mempool::new(store.clone(), 1 << 20, 1 << 24, Pace::new(BLOCK_TIME, 4)).unwrap();
    NodeChainArgs {
        trust: trust.clone(),
        key: keys[i].clone(),
        encoder: Encoder::cpu(crate::shared_prover()),
        store,
        mempool: Arc::new(mempool),
        network: network.clone(),
        runtime: tokio::runtime::Handle::current(),
        metrics: Arc::new(Metrics::default()),
        health: Arc::new(Health::new(BLOCK_TIME, NodeRole::Validator)),
        max_k: 4,
        block_time: BLOCK_TIME,
        prune_after: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_proposed_or_voted_for_is_kept_across_a_restart_until_its_height_is_final() {
    let (bls, set, keys) = testing::validator_chain();
    let trust = Trust::Validators(Arc::new(set));
    let network = network(&trust).await;
    let (leader_dir, voter_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    // The leader proposes a block with a blob, then crashes (its chain is dropped).
    let leader = args(0, leader_dir.path(), &trust, &keys, &network);
    leader
        .mempool
        .submit(Blob::new(Namespace([7; 16]), vec![9; 5_000]), None)
        .unwrap();
    let mut chain = NodeChain::new(leader.clone()).unwrap();
    let block = chain.build(Digest32(GENESIS_PARENT)).unwrap();
    let digest = chain.identify(&block).unwrap().digest;
    drop(chain);
    drop(leader);

    // Another validator checks it and votes: kept before its vote. It crashes too.
    let voter = args(1, voter_dir.path(), &trust, &keys, &network);
    let mut chain = NodeChain::new(voter.clone()).unwrap();
    assert!(matches!(chain.check(&block), Verdict::Valid));
    drop(chain);
    drop(voter);

    // Back up, each has the block (no peer needed) and finalizes it; then it is no longer kept.
    for (i, dir) in [(0, &leader_dir), (1, &voter_dir)] {
        let args = args(i, dir.path(), &trust, &keys, &network);
        let mut chain = NodeChain::new(args.clone()).unwrap();
        assert_eq!(chain.stored(&digest), Some(block.clone()), "validator {i}");
        assert!(matches!(chain.check(&block), Verdict::Valid));
        let certificate = testing::certificate(&bls, &[0, 1, 2], digest);
        chain.finalize(&block, &certificate);
        assert_eq!(args.store.proposal(&digest).unwrap(), None, "validator {i}");
        assert_eq!(chain.last_finalized(), digest);
        // The finalized block itself is kept until stored (the writer stores it).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while args.store.head().unwrap() < 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "validator {i} never stored it"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
