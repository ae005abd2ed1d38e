//! The leader of the view in progress killed with SIGKILL under a steady submission load: the
//! other three keep finalizing with no gap between blocks longer than 3 block times, no blob
//! acknowledged (202, persisted) by any validator is lost — the killed one includes its own
//! after its restart — and the restarted validator catches up to the same chain.

mod common;

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use common::{
    blob_get,
    four::{Four, BLOCK_TIME},
    stderr,
};

/// Acknowledged submissions: (validator that acknowledged it, its pool id).
type Acked = Arc<Mutex<Vec<(usize, String)>>>;

/// Submits a small blob every 100 ms, in turn to each validator that is up, until `stop`.
fn load(four: Arc<tokio::sync::RwLock<Four>>, acked: Acked, stop: Arc<AtomicBool>) {
    tokio::spawn(async move {
        let mut n = 0u32;
        while !stop.load(Ordering::SeqCst) {
            let i = (n % 4) as usize;
            n += 1;
            let data = format!("load blob {n} to validator {i}").repeat(20);
            let four = four.read().await;
            if four.nodes[i].is_some() {
                if let Some(id) = four
                    .submit(i, "000000000000000000000000000000ce", data.as_bytes())
                    .await
                {
                    acked.lock().unwrap().push((i, id));
                }
            }
            drop(four);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_killed_under_load_loses_no_acknowledged_blob_and_the_chain_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let four = Four::start(dir.path()).await;
    // The engine elects round-robin in canonical order (by p2p key): leader(view) =
    // canonical[view mod 4].
    let keys = four.producer_keys().await;
    let mut canonical: Vec<usize> = (0..4).collect();
    canonical.sort_by_key(|&i| keys[i].clone());

    let four = Arc::new(tokio::sync::RwLock::new(four));
    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    load(four.clone(), acked.clone(), stop.clone());
    tokio::time::sleep(BLOCK_TIME * 4).await;

    // Watch validator 0's head; the moment a block is finalized in view v, kill the leader of
    // view v + 1 (unless that is validator 0, the watcher: then wait for the next block).
    let (killed, killed_after) = {
        let mut last = 0;
        loop {
            let head = four
                .read()
                .await
                .head(0)
                .await
                .expect("validator 0 answers");
            let height = head.header.height();
            if height > last {
                last = height;
                let view = head.header.certificate.as_ref().unwrap().view;
                let leader = canonical[((view + 1) % 4) as usize];
                if leader != 0 {
                    four.write().await.kill(leader);
                    break (leader, height);
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    eprintln!("killed validator {killed}, the leader after height {killed_after}");

    // The three go on under the load.
    tokio::time::sleep(BLOCK_TIME * 12).await;
    let after = {
        let four = four.read().await;
        let head = four.head(0).await.unwrap().header.height();
        assert!(
            head >= killed_after + 4,
            "only {killed_after} -> {head} with one validator down; validator 0's log:\n{}",
            four.log_tail(0)
        );
        head
    };

    // Restart it; a little more load; stop.
    four.write().await.restart(killed);
    tokio::time::sleep(BLOCK_TIME * 6).await;
    stop.store(true, Ordering::SeqCst);

    let four = four.read().await;
    // No gap between consecutive blocks longer than 3 block times (header timestamps: the
    // proposer stamps a block when it builds it), from before the kill to after the restart.
    let mut gaps = Vec::new();
    for h in killed_after.saturating_sub(2).max(2)..=after {
        let (a, b) = (
            four.header(0, h - 1).await.unwrap(),
            four.header(0, h).await.unwrap(),
        );
        gaps.push(b.header.unsigned.timestamp_ms - a.header.unsigned.timestamp_ms);
    }
    let worst = *gaps.iter().max().unwrap();
    eprintln!("block gaps around the kill (ms): {gaps:?}");
    assert!(
        u128::from(worst) <= 3 * BLOCK_TIME.as_millis(),
        "a gap of {worst} ms (more than 3 block times) with the leader killed: {gaps:?}"
    );

    // Every acknowledged blob is included, the killed validator's own included after its
    // restart (its pool kept them).
    let acked = acked.lock().unwrap().clone();
    let by_killed = acked.iter().filter(|(i, _)| *i == killed).count();
    assert!(
        acked.len() >= 20 && by_killed >= 2,
        "too little load: {} acknowledged, {by_killed} by the killed validator",
        acked.len()
    );
    let started = Instant::now();
    let mut missing = acked.clone();
    while !missing.is_empty() {
        let mut still = Vec::new();
        for (i, id) in missing {
            if four.included_height(i, &id).await.is_none() {
                still.push((i, id));
            }
        }
        missing = still;
        assert!(
            started.elapsed() < Duration::from_secs(90) || missing.is_empty(),
            "acknowledged blobs not included: {missing:?}; the killed validator's log:\n{}",
            four.log_tail(killed)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The restarted validator catches up to the same chain, and serves a verified read.
    let top = four.head(0).await.unwrap().header.height();
    four.wait_for_height(killed, top, Duration::from_secs(60))
        .await;
    assert_eq!(
        four.header(killed, top).await.unwrap().hash,
        four.header(0, top).await.unwrap().hash
    );
    let (last_i, last_id) = acked.iter().find(|(i, _)| *i == killed).unwrap();
    let height = four.included_height(*last_i, last_id).await.unwrap();
    let out = dir.path().join("out");
    let genesis = four.net.join("genesis.toml");
    let got = blob_get(
        &four.urls[killed],
        &height.to_string(),
        "000000000000000000000000000000ce",
        &[
            "-o",
            out.to_str().unwrap(),
            "--genesis",
            genesis.to_str().unwrap(),
        ],
    );
    assert!(got.status.success(), "{}", stderr(&got));
}
