//! The store against a real RocksDB in a temp dir: pending ids, format migration, and the
//! finalized blocks a validator keeps until they are stored.
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

#[test]
fn a_kept_finalized_block_survives_reopen_until_its_height_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // Two empty blocks, headers signed (the store keeps whatever it is given; the checks are
    // consensus's).
    let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let empty = |height: u64, parent_hash| StoredBlock {
        header: weft_types::UnsignedHeader {
            height,
            parent_hash,
            timestamp_ms: height,
            k: 0,
            row_commitments: Vec::new(),
            blob_count: 0,
            index_root: weft_encoding::layout::Digest32([0; 32]),
            producer: weft_types::ProducerKey::of(&key),
        }
        .sign(&key),
        commitments: Vec::new(),
        square: None,
        index: Vec::new(),
    };
    let first = empty(
        1,
        weft_encoding::layout::Digest32(weft_types::GENESIS_PARENT),
    );
    let second = empty(2, first.header.hash());
    store.put_finalized(&first.header, b"block one").unwrap();
    store.put_finalized(&second.header, b"block two").unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let kept = store.finalized_unstored().unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].0, first.header);
    assert_eq!(kept[0].1, b"block one");
    assert_eq!(kept[1].0.height(), 2);
    // Stored: no longer kept; the other still is.
    store.put_block(&first, &[], None).unwrap();
    let kept = store.finalized_unstored().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1, b"block two");
    store.put_block(&second, &[], None).unwrap();
    assert!(store.finalized_unstored().unwrap().is_empty());
}
