//! The light client against real nodes over loopback: it reaches the target confidence on every
//! height with data and reports exactly the confidence the formula gives; withholding is
//! reported as unavailable; a corrupt peer is banned while sampling completes elsewhere; a
//! restart does not sample finished heights again; losing a full node does not stop it.

mod common;

use std::time::Duration;

use common::*;
use weft_light::{
    confidence::{confidence, samples_needed},
    Availability, FileRecords,
};
use weft_testkit::{Faults, WithholdAt};

const BLOCK: Duration = Duration::from_millis(500);
const WAIT: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_height_with_data_reaches_the_target_and_reports_the_formula() {
    let producer = producer(BLOCK, Faults::none()).await;
    let a = full_node(&[&producer.node], &producer.node, Faults::none()).await;
    let b = full_node(&[&producer.node, &a.node], &producer.node, Faults::none()).await;
    let (client, mut events) = light(&[&a.node, &b.node], &producer.node, |_| {}).await;
    let mut heights = Vec::new();
    for (i, size) in [1usize, 40_000, 200_000, 5_000, 300_000]
        .into_iter()
        .enumerate()
    {
        heights.push(
            submit(&producer.node, i as u8, &bytes(i as u64, size))
                .await
                .height,
        );
    }
    heights.dedup();
    let records = final_records(&mut events, &heights, WAIT).await;
    for (height, r) in &records {
        assert_eq!(r.verdict, Availability::Available, "height {height}: {r:?}");
        assert_eq!(
            r.samples,
            samples_needed(r.k, weft_light::DEFAULT_CONFIDENCE)
        );
        assert_eq!(r.verified, r.samples);
        assert_eq!(
            r.confidence,
            confidence(r.k, r.samples),
            "reported confidence is the formula's"
        );
        assert!(r.confidence >= weft_light::DEFAULT_CONFIDENCE);
        assert_eq!(r.failed, 0);
        assert!(
            r.peers >= 2,
            "height {height}: samples spread over {} peers",
            r.peers
        );
    }
    assert!(records.values().any(|r| r.k > 1), "some square had k > 1");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = client.status();
    let verified: usize = records.values().map(|r| r.verified).sum();
    assert!(
        status.bytes_downloaded >= (verified * (2048 + 48)) as u64,
        "bytes counted: {}",
        status.bytes_downloaded
    );
    assert_eq!(status.counters.samples_verified as usize, verified);
    client.stop().await;
    for n in [b, a, producer] {
        n.node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn withheld_block_is_reported_unavailable_never_available() {
    let withhold = Faults {
        withhold: Some(WithholdAt::All),
        ..Faults::none()
    };
    let producer = producer(BLOCK, withhold.clone()).await;
    let full = full_node(&[&producer.node], &producer.node, withhold).await;
    let (client, mut events) = light(&[&producer.node, &full.node], &producer.node, |c| {
        c.sample_timeout = Duration::from_secs(4)
    })
    .await;
    let mut heights = Vec::new();
    for i in 0..3u8 {
        heights.push(
            submit(
                &producer.node,
                i,
                &bytes(u64::from(i), 20_000 + usize::from(i) * 150_000),
            )
            .await
            .height,
        );
    }
    let records = final_records(&mut events, &heights, WAIT).await;
    for (height, r) in &records {
        assert_eq!(
            r.verdict,
            Availability::Unavailable,
            "height {height}: {r:?}"
        );
        assert!(r.verified < r.samples);
        assert_eq!(
            r.confidence,
            confidence(r.k, r.verified),
            "confidence reached so far is reported"
        );
    }
    client.stop().await;
    full.node.stop().await;
    producer.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn corrupt_peer_is_banned_and_sampling_completes_from_an_honest_one() {
    let producer = producer(BLOCK, Faults::none()).await;
    let liar = full_node(&[&producer.node], &producer.node, Faults::corrupt()).await;
    let mut heights = Vec::new();
    for i in 0..3u8 {
        heights.push(
            submit(&producer.node, i, &bytes(u64::from(i), 10_000))
                .await
                .height,
        );
    }
    // The liar holds every block before the light client asks, so what it serves is corrupt,
    // not merely missing.
    let deadline = tokio::time::Instant::now() + WAIT;
    while liar.node.store().head().unwrap() < *heights.last().unwrap() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the liar did not sync"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (client, mut events) = light(&[&liar.node, &producer.node], &producer.node, |_| {}).await;
    let records = final_records(&mut events, &heights, WAIT).await;
    assert!(
        records
            .values()
            .all(|r| r.verdict == Availability::Available),
        "{records:?}"
    );
    assert!(
        records.values().any(|r| r.failed > 0),
        "the liar's cells were caught: {records:?}"
    );
    let status = client.status();
    assert!(status.banned >= 1, "the liar was banned");
    assert!(status.counters.samples_failed >= 1);
    client.stop().await;
    liar.node.stop().await;
    producer.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restarted_light_client_does_not_sample_finished_heights_again() {
    let producer = producer(BLOCK, Faults::none()).await;
    let dir = tempfile::tempdir().unwrap();
    let key = weft_types::Trust::from(producer.node.producer_key());
    let records = || Box::new(FileRecords::open(dir.path(), &key).unwrap());
    let (client, mut events) =
        light(&[&producer.node], &producer.node, |c| c.records = records()).await;
    let first = vec![
        submit(&producer.node, 1, b"first").await.height,
        submit(&producer.node, 2, b"second").await.height,
    ];
    let done = final_records(&mut events, &first, WAIT).await;
    client.stop().await;

    let (client, mut events) =
        light(&[&producer.node], &producer.node, |c| c.records = records()).await;
    let later = submit(&producer.node, 3, b"after the restart").await.height;
    let after = final_records(&mut events, &[later], WAIT).await;
    assert!(
        after.keys().all(|h| !done.contains_key(h)),
        "finished heights were sampled again: {after:?}"
    );
    let text =
        std::fs::read_to_string(FileRecords::open(dir.path(), &key).unwrap().path()).unwrap();
    let heights: Vec<u64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<weft_light::HeightRecord>(l)
                .unwrap()
                .height
        })
        .collect();
    let mut unique = heights.clone();
    unique.dedup();
    assert_eq!(heights, unique, "each height recorded once");
    for h in first {
        assert_eq!(heights.iter().filter(|&&x| x == h).count(), 1);
    }
    client.stop().await;
    producer.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_one_of_several_full_nodes_does_not_stop_sampling() {
    let producer = producer(BLOCK, Faults::none()).await;
    let a = full_node(&[&producer.node], &producer.node, Faults::none()).await;
    let b = full_node(&[&a.node], &producer.node, Faults::none()).await;
    // Bootstrapped to `a` alone: it must discover the others through identify and Kademlia.
    let (client, mut events) = light(&[&a.node], &producer.node, |_| {}).await;
    let h1 = submit(&producer.node, 1, &bytes(1, 50_000)).await.height;
    final_records(&mut events, &[h1], WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while client.status().peers < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "discovered only {} full nodes",
            client.status().peers
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    a.node.stop().await;
    let h2 = submit(&producer.node, 2, &bytes(2, 50_000)).await.height;
    let records = final_records(&mut events, &[h2], WAIT).await;
    assert_eq!(records[&h2].verdict, Availability::Available);
    client.stop().await;
    b.node.stop().await;
    producer.node.stop().await;
}
