//! A chain of one validator SIGKILLed again and again under a load that keeps its writer busy
//! (blocks finalized, still being encoded): no other validator holds those blocks, so each must
//! come back from its own data dir on restart. The chain goes on after every restart, and every
//! blob it acknowledged (202) is included.

mod common;

use std::time::{Duration, Instant};

use common::four::{Four, BLOCK_TIME};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_validator_killed_while_writing_goes_on_from_its_own_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let mut one = Four::start_n(dir.path(), 1).await;
    let mut acked = Vec::new();
    let mut n = 0u32;
    for round in 0..3 {
        // About a k = 8 square per block: ten 90 KB blobs a second, each acknowledged (202).
        let until = Instant::now() + BLOCK_TIME * 3 + Duration::from_millis(350 * round);
        while Instant::now() < until {
            n += 1;
            let data: Vec<u8> = (0..90_000u32)
                .map(|j| (j.wrapping_mul(n + 7) >> 3) as u8)
                .collect();
            if let Some(id) = one
                .submit(0, "000000000000000000000000000000a1", &data)
                .await
            {
                acked.push(id);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let before = one.head(0).await.map_or(0, |h| h.header.height());
        one.kill(0);
        one.restart(0);
        // Past the head it had, within a few block times of its restart.
        one.wait_for_height(0, before + 2, Duration::from_secs(60))
            .await;
    }
    assert!(acked.len() > 50, "only {} blobs acknowledged", acked.len());
    let started = Instant::now();
    for id in &acked {
        while one.included_height(0, id).await.is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "blob {id} acknowledged and never included; the log, newest first:\n{}",
                one.log_tail(0)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
