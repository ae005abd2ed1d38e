//! Misbehaving peers: a full node that serves corrupted cells is detected, penalised and
//! banned by a syncing node, which still completes from an honest peer; a peer that gossips a
//! header with a bad signature is rejected and banned.

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use libp2p::swarm::SwarmEvent;
use weft_p2p::{header_topic, Role};
use weft_testkit::Faults;
use weft_types::{api::CellView, UnsignedHeader};

const SYNC: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn corrupt_peer_is_banned_and_sync_completes_from_an_honest_one() {
    let producer = producer(Duration::from_millis(400), Faults::none()).await;
    let liar = full_node(&[&producer.node], &producer.node, Faults::corrupt()).await;
    let mut receipts = Vec::new();
    for i in 0..3u8 {
        receipts.push(
            submit(
                &producer.node,
                i,
                &bytes(u64::from(i), 5000 + usize::from(i) * 100_000),
            )
            .await,
        );
    }
    let top = producer.node.store().head().unwrap();
    wait_for_height(&liar.node, top, SYNC).await;

    // The syncing node knows both; whatever it takes from the liar fails verification.
    let syncing = full_node(
        &[&liar.node, &producer.node],
        &producer.node,
        Faults::none(),
    )
    .await;
    wait_for_height(&syncing.node, top, SYNC).await;
    let m = syncing.node.metrics();
    assert!(m.invalid_data.get() >= 1, "the corrupted row was caught");
    assert!(m.network.peers_banned.get() >= 1, "the liar was banned");
    let liar_id = liar.node.net_info().peer_id.unwrap();
    assert!(syncing.node.net_info().banned.contains(&liar_id));
    assert!(
        !syncing.node.net_info().peers.contains(&liar_id),
        "the liar was disconnected"
    );
    // What the syncing node stored and serves is the producer's data.
    for r in &receipts {
        let header: weft_types::api::HeaderView =
            get_json(&format!("{}/v1/headers/{}", producer.node.url(), r.height)).await;
        for row in 0..2 * header.header.k() {
            let path = format!("/v1/cells/{}/{row}/{}", r.height, row * 11 % 128);
            let (a, b): (CellView, CellView) = (
                get_json(&format!("{}{path}", producer.node.url())).await,
                get_json(&format!("{}{path}", syncing.node.url())).await,
            );
            assert_eq!(a, b);
        }
    }
    syncing.node.stop().await;
    liar.node.stop().await;
    producer.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gossiped_header_with_a_bad_signature_is_rejected_and_its_sender_banned() {
    let producer = producer(Duration::from_secs(3600), Faults::none()).await;
    let full = full_node(&[&producer.node], &producer.node, Faults::none()).await;

    // A rogue peer joins the header topic and gossips a header signed by the wrong key.
    let key = libp2p::identity::Keypair::generate_ed25519();
    let rogue_id = key.public().to_peer_id();
    let mut rogue = weft_p2p::build_swarm(
        key,
        Role::Full,
        "rogue",
        Duration::from_secs(60),
        weft_p2p::ConnectionCaps::default(),
        false,
    )
    .await
    .unwrap();
    rogue.dial(full.node.tcp_addr()).unwrap();
    let wrong = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let forged = UnsignedHeader {
        height: 1,
        parent_hash: weft_encoding::layout::Digest32(weft_types::GENESIS_PARENT),
        timestamp_ms: 1,
        k: 0,
        row_commitments: vec![],
        blob_count: 0,
        index_root: weft_encoding::layout::Digest32(weft_encoding::layout::index_root(&[])),
        // Claims to be the producer, but the signature is someone else's.
        producer: producer.node.producer_key(),
    }
    .sign(&wrong);
    let deadline = tokio::time::Instant::now() + SYNC;
    let mut published = false;
    while full.node.metrics().network.peers_banned.get() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "rogue peer was never banned"
        );
        tokio::select! {
            event = rogue.select_next_some() => {
                if let SwarmEvent::Behaviour(weft_p2p::BehaviourEvent::Gossipsub(libp2p::gossipsub::Event::Subscribed { .. })) = event {
                    if !published {
                        published = rogue.behaviour_mut().gossipsub.publish(header_topic(), forged.to_bytes()).is_ok();
                    }
                }
            }
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    assert!(full.node.metrics().network.headers_rejected.get() >= 1);
    assert!(full.node.net_info().banned.contains(&rogue_id));
    assert_eq!(
        full.node.store().head().unwrap(),
        0,
        "the forged header was not stored"
    );
    full.node.stop().await;
    producer.node.stop().await;
}
