//! Two of four validators down (SIGKILL): the two left cannot finalize anything (3 of 4 sign a
//! certificate), hold the same chain (no fork) and keep what was acknowledged; after both
//! restart, finalization resumes from the block where it stopped and includes what was
//! submitted meanwhile.

mod common;

use std::time::{Duration, Instant};

use common::four::{Four, BLOCK_TIME};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_of_four_down_finalize_nothing_and_resume_where_they_stopped_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut four = Four::start(dir.path()).await;
    four.kill(2);
    four.kill(3);
    // Whatever was in flight settles (a block the two had votes for before the kill).
    tokio::time::sleep(BLOCK_TIME * 4).await;
    let stopped = four.head(0).await.unwrap();
    let height = stopped.header.height();
    assert_eq!(four.head(1).await.unwrap().header.height(), height);
    assert_eq!(four.header(1, height).await.unwrap().hash, stopped.hash);

    // Submitted while no quorum exists: acknowledged (202), kept, not included.
    let id = four
        .submit(
            0,
            "000000000000000000000000000000d0",
            b"submitted without a quorum",
        )
        .await
        .expect("acknowledged with 202");
    tokio::time::sleep(BLOCK_TIME * 10).await;
    for i in 0..2 {
        let head = four.head(i).await.unwrap_or_else(|| {
            panic!(
                "validator {i} does not answer; its log, newest first:\n{}",
                four.log_tail(i)
            )
        });
        assert_eq!(
            head.header.height(),
            height,
            "validator {i} finalized a block with two of four down"
        );
    }
    assert_eq!(four.included_height(0, &id).await, None);

    // Both back: finalization resumes on top of the block where it stopped.
    four.restart(2);
    four.restart(3);
    for i in 0..4 {
        four.wait_for_height(i, height + 2, Duration::from_secs(60))
            .await;
    }
    let next = four.header(0, height + 1).await.unwrap();
    assert_eq!(next.header.unsigned.parent_hash, stopped.hash);
    for i in 1..4 {
        assert_eq!(
            four.header(i, height).await.unwrap().hash,
            stopped.hash,
            "validator {i} holds another block at {height}"
        );
        assert_eq!(
            four.header(i, height + 1).await.unwrap().hash,
            next.hash,
            "validator {i} holds another block at {}",
            height + 1
        );
    }
    let started = Instant::now();
    while four.included_height(0, &id).await.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the blob acknowledged without a quorum was not included after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
