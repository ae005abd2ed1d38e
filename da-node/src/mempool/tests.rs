//! The pool's rules: admission, order, bounds, and one blob per commitment.

use weft_encoding::layout::{elements_needed, IndexEntry, Namespace};

use super::*;

fn test_pace() -> Pace {
    Pace::new(Duration::from_millis(100), 8)
}

#[test]
fn a_waiting_submission_is_refused_with_a_retry_time_when_it_cannot_be_included_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // k ≤ 1: one block holds ~126 KB; before any measurement a block takes 0.5 s.
    let pool = Mempool::new(
        store,
        100_000,
        1 << 30,
        Pace::new(Duration::from_millis(100), 1),
    )
    .unwrap();
    let mut n = 0u8;
    let mut blob = || {
        n += 1;
        Blob::new(Namespace([3; 16]), vec![n; 100_000])
    };
    let deadline = Some(Duration::from_secs(2));
    // Each blob takes a block of its own: 0.1 s + n × 0.5 s ≤ 2 s for three of them.
    for _ in 0..3 {
        pool.submit(blob(), deadline).unwrap();
    }
    let refused = pool.submit(blob(), deadline).unwrap_err();
    let SubmitError::TooSlow { retry_after, .. } = refused else {
        panic!("{refused}")
    };
    assert_eq!(retry_after, 1);
    assert!(refused.to_string().contains("?wait=false"));
    // Not waiting, it is taken: it will be included, later.
    pool.submit(blob(), None).unwrap();
    // Encoding measured faster: more fits the deadline again.
    for _ in 0..20 {
        pool.observe(1, Duration::from_millis(10));
    }
    pool.take(1, &HashSet::new());
    pool.submit(blob(), deadline).unwrap();
}

fn pool(dir: &tempfile::TempDir, blobs: &[usize]) -> (Store, Mempool) {
    let store = Store::open(dir.path()).unwrap();
    let pool = Mempool::new(store.clone(), 1 << 20, 1 << 30, test_pace()).unwrap();
    for (i, &len) in blobs.iter().enumerate() {
        pool.submit(Blob::new(Namespace([1; 16]), vec![i as u8; len]), None)
            .unwrap();
    }
    (store, pool)
}

#[test]
fn take_fills_a_square_exactly_and_keeps_order() {
    let dir = tempfile::tempdir().unwrap();
    // 1 + 2n + Σ⌈len/31⌉ ≤ 4096 for k = 1: four blobs take 4009 elements, the fifth
    // would need 92 more.
    let lens = vec![31 * 1000, 31 * 1000, 31 * 1000, 31 * 1000, 31 * 90];
    let (_, pool) = pool(&dir, &lens);
    let taken = pool.take(1, &HashSet::new());
    let taken_lens: Vec<usize> = taken.iter().map(|p| p.blob.data.len()).collect();
    assert_eq!(taken_lens, &lens[..4]);
    assert!(elements_needed(taken_lens.iter().copied()) <= FIELD_ELEMENTS_PER_ROW);
    assert_eq!(pool.take(1, &HashSet::new()).len(), 1);
}

#[test]
fn a_blob_too_large_for_max_k_is_taken_alone_not_stranded() {
    let dir = tempfile::tempdir().unwrap();
    let (_, pool) = pool(&dir, &[200_000, 10]);
    let taken = pool.take(1, &HashSet::new());
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].blob.data.len(), 200_000);
    assert_eq!(pool.take(1, &HashSet::new()).len(), 1);
}

#[test]
fn concurrent_submissions_never_exceed_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let pool = Mempool::new(store.clone(), 1000, 10_000, test_pace()).unwrap();
    let accepted: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u8)
            .map(|t| {
                let pool = &pool;
                s.spawn(move || {
                    (0..10u8)
                        .filter(|&i| {
                            pool.submit(Blob::new(Namespace([2; 16]), vec![t * 10 + i; 1000]), None)
                                .is_ok()
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(accepted, 10);
    assert_eq!(pool.len_and_bytes(), (10, 10_000));
}

fn blob(tag: u8, len: usize) -> Blob {
    Blob::new(Namespace([tag; 16]), vec![tag; len])
}

/// Where `blob` would be if the block at `height` held only it.
fn entry(blob: &Blob) -> IndexEntry {
    IndexEntry {
        namespace: blob.namespace,
        start: 0,
        len: blob.data.len() as u32,
        commitment: blob.commitment(),
    }
}

#[test]
fn the_same_blob_submitted_twice_is_one_blob_with_one_id() {
    let dir = tempfile::tempdir().unwrap();
    let (_, pool) = pool(&dir, &[]);
    let (first, _) = pool.submit(blob(1, 100), None).unwrap();
    let (again, waiter) = pool
        .submit(blob(1, 100), Some(Duration::from_secs(60)))
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(pool.len_and_bytes(), (1, 100));
    // Taken for a block, not stored yet: still the same id.
    let taken = pool.take(1, &HashSet::new());
    assert_eq!(taken.len(), 1);
    assert_eq!(pool.submit(blob(1, 100), None).unwrap().0, first);
    // Its block stored: the waiter hears of it, and the blob submitted again gets a new id
    // whose receipt is that block, at once.
    let receipts = pool.receipts(4, &[entry(&blob(1, 100))]);
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].0, first);
    pool.finalized(4, &[entry(&blob(1, 100))]);
    pool.notify(&receipts);
    assert_eq!(waiter.unwrap().try_recv().unwrap().height, 4);
    let (later, answer) = pool
        .submit(blob(1, 100), Some(Duration::from_secs(60)))
        .unwrap();
    assert_ne!(later, first);
    assert_eq!(answer.unwrap().try_recv().unwrap().height, 4);
    assert_eq!(
        pool.status(later).unwrap(),
        Some(BlobState::Included(receipts[0].1))
    );
    assert_eq!(pool.len_and_bytes(), (0, 0));
}

#[test]
fn a_gossiped_blob_is_queued_once_and_gets_the_id_of_a_later_submission() {
    let dir = tempfile::tempdir().unwrap();
    let (_, pool) = pool(&dir, &[]);
    assert!(pool.gossiped(blob(2, 50)).unwrap());
    assert!(!pool.gossiped(blob(2, 50)).unwrap(), "held already");
    assert!(!pool
        .gossiped(Blob::new(Namespace([2; 16]), vec![]))
        .unwrap());
    assert!(
        !pool.gossiped(blob(3, 2 << 20)).unwrap(),
        "over --max-blob-size"
    );
    assert!(
        pool.due_for_gossip(Duration::ZERO).is_empty(),
        "not ours to gossip"
    );
    let (id, _) = pool.submit(blob(2, 50), None).unwrap();
    assert_eq!(pool.len_and_bytes(), (1, 50));
    let taken = pool.take(1, &HashSet::new());
    assert_eq!(taken[0].id, Some(id));
    // Ours now: gossiped once, and again only after the interval or if it did not go out.
    pool.restore(taken);
    assert_eq!(pool.due_for_gossip(Duration::from_secs(60)).len(), 1);
    assert!(pool.due_for_gossip(Duration::from_secs(60)).is_empty());
    pool.unpublished(&blob(2, 50).commitment());
    assert_eq!(pool.due_for_gossip(Duration::from_secs(60)).len(), 1);
}

#[test]
fn a_finalized_block_clears_its_blobs_from_the_queue_and_from_gossip() {
    let dir = tempfile::tempdir().unwrap();
    let (_, pool) = pool(&dir, &[]);
    let (mine, _) = pool.submit(blob(4, 10), None).unwrap();
    assert!(pool.gossiped(blob(5, 10)).unwrap());
    assert!(pool.gossiped(blob(6, 10)).unwrap());
    // Another validator's block holds 4 and 5; a proposal of ours held 6 and is abandoned.
    let ours = pool.take(
        1,
        &[blob(4, 10).commitment(), blob(5, 10).commitment()].into(),
    );
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].commitment, blob(6, 10).commitment());
    let block = [
        entry(&blob(4, 10)),
        entry(&blob(5, 10)),
        entry(&blob(6, 10)),
    ];
    pool.finalized(7, &block);
    let receipts = pool.receipts(7, &block);
    assert_eq!(receipts.iter().map(|r| r.0).collect::<Vec<_>>(), vec![mine]);
    assert_eq!(receipts[0].1.index, 0);
    pool.restore(ours);
    assert_eq!(
        pool.len_and_bytes(),
        (0, 0),
        "nothing included is queued again"
    );
    assert!(
        !pool.gossiped(blob(5, 10)).unwrap(),
        "late gossip of an included blob"
    );
    pool.notify(&receipts);
    assert_eq!(
        pool.status(mine).unwrap(),
        Some(BlobState::Pending),
        "until stored"
    );
}

#[test]
fn a_reloaded_blob_already_in_a_stored_block_gets_its_receipt_not_a_second_block() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let id = store.put_pending(&blob(8, 40)).unwrap();
    let block = crate::block::build_block(
        &crate::Encoder::cpu(crate::encoder::shared_prover()),
        &ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
        None,
        &[blob(8, 40)],
        1,
        1,
    )
    .unwrap()
    .0;
    store.put_block(&block, &[], None).unwrap();
    let pool = Mempool::new(store.clone(), 1 << 20, 1 << 30, test_pace()).unwrap();
    assert_eq!(pool.len_and_bytes(), (0, 0));
    let Some(BlobState::Included(inclusion)) = pool.status(id).unwrap() else {
        panic!("not settled")
    };
    assert_eq!(
        (inclusion.height, inclusion.commitment),
        (1, blob(8, 40).commitment())
    );
}
