//! Validators on real sockets: four `Validator`s (commonware's tokio runtime and authenticated
//! `lookup` network on loopback, journals on disk) finalize one chain; one is stopped and the
//! other three go on; restarted on its journal, it catches up.

mod support;

use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

use support::{assert_one_chain, net::validators_at, ToyChain};
use weft_consensus::{
    engine::Timing,
    network::{Validator, ValidatorConfig},
};

/// A free port below Linux's ephemeral range (32768–60999), so that the validator restarted
/// on it does not find it taken by some process's outgoing connection.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let salt = std::process::id().wrapping_mul(2_654_435_761);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed).wrapping_mul(7_919) ^ salt;
        let port = 20_000 + (n % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn timing() -> Timing {
    Timing {
        leader_timeout: Duration::from_millis(500),
        certification_timeout: Duration::from_secs(1),
        timeout_retry: Duration::from_secs(2),
        fetch_timeout: Duration::from_millis(500),
    }
}

fn wait_for(records: &[support::Shared], which: &[usize], height: usize, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if which
            .iter()
            .all(|&i| records[i].lock().unwrap().finalized.len() >= height)
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn four_validators_on_loopback_finalize_and_one_restarted_catches_up() {
    let addresses: Vec<String> = (0..4)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let v = validators_at(&addresses);
    let journals = tempfile::tempdir().unwrap();
    let start = |i: usize| {
        let listen = v.set.validators()[i].address.parse().unwrap();
        Validator::start(
            &v.set,
            &v.keys[i],
            ToyChain::new(i as u8, false, v.set.clone(), v.records[i].clone()),
            ValidatorConfig {
                journal_dir: journals.path().join(format!("validator-{i}")),
                listen,
                timing: timing(),
            },
        )
        .unwrap()
    };
    let mut running: Vec<Option<Validator>> = (0..4).map(|i| Some(start(i))).collect();
    let heights = |v: &support::net::Validators| -> Vec<usize> {
        v.records
            .iter()
            .map(|r| r.lock().unwrap().finalized.len())
            .collect()
    };
    assert!(
        wait_for(&v.records, &[0, 1, 2, 3], 5, Duration::from_secs(60)),
        "{:?}",
        heights(&v)
    );

    running[3].take().unwrap().stop();
    let stopped_at = heights(&v)[3];
    let target = heights(&v).into_iter().max().unwrap() + 5;
    assert!(
        wait_for(&v.records, &[0, 1, 2], target, Duration::from_secs(60)),
        "three of four stalled: {:?}",
        heights(&v)
    );

    running[3] = Some(start(3));
    let target = heights(&v).into_iter().max().unwrap() + 2;
    assert!(
        wait_for(&v.records, &[0, 1, 2, 3], target, Duration::from_secs(60)),
        "restarted validator did not catch up from {stopped_at}: {:?}",
        heights(&v)
    );
    for validator in running.into_iter().flatten() {
        validator.stop();
    }
    assert_one_chain(&v.records);
}
