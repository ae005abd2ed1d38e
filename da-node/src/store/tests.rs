//! The store against a real RocksDB in a temp dir: pending ids, and format migration.
use weft_encoding::layout::{Blob, Namespace};

use super::*;

#[test]
fn concurrent_pending_ids_are_unique_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let ids: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u8)
            .map(|t| {
                let store = store.clone();
                s.spawn(move || {
                    (0..25u8)
                        .map(|i| {
                            store
                                .put_pending(&Blob::new(Namespace([t; 16]), vec![i + 1]))
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 200, "every submission got its own id");
    assert_eq!(
        store.pending().unwrap().len(),
        200,
        "no pending blob overwrote another"
    );
    drop(store);
    let reopened = Store::open(dir.path()).unwrap();
    let next = reopened
        .put_pending(&Blob::new(Namespace([9; 16]), vec![1]))
        .unwrap();
    assert!(
        next > *unique.last().unwrap(),
        "ids keep growing across restarts"
    );
}

#[test]
fn a_format_1_data_dir_is_migrated_and_a_newer_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inclusion = Inclusion {
        height: 3,
        index: 1,
        namespace: Namespace([5; 16]),
        commitment: weft_encoding::layout::BlobCommitment([6; 32]),
    };
    {
        // What a format-1 node left: the receipt as the API's JSON, no format key.
        let store = Store::open(dir.path()).unwrap();
        let json = serde_json::to_vec(&weft_types::api::BlobReceipt::from(inclusion)).unwrap();
        store
            .db
            .put_cf(store.cf(CF_RECEIPTS), 7u64.to_be_bytes(), json)
            .unwrap();
        store
            .db
            .put_cf(store.cf(CF_RECEIPTS), 8u64.to_be_bytes(), b"garbage")
            .unwrap();
        store.db.delete_cf(store.cf(CF_META), META_FORMAT).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.inclusion(7).unwrap(), Some(inclusion));
    assert_eq!(store.meta_u64(META_FORMAT).unwrap(), Some(FORMAT));
    assert!(
        store
            .put_pending(&Blob::new(Namespace([1; 16]), vec![1]))
            .unwrap()
            > 7
    );
    store
        .db
        .put_cf(store.cf(CF_META), META_FORMAT, (FORMAT + 1).to_be_bytes())
        .unwrap();
    drop(store);
    let refused = Store::open(dir.path()).unwrap_err().to_string();
    assert!(
        refused.contains("newer") && refused.contains("--data-dir"),
        "{refused}"
    );
}
