//! Blob layout: round trips, namespace order, completeness proofs for present and absent
//! namespaces, and rejection of every kind of malformed square or proof.

use proptest::prelude::*;
use weft_encoding::{
    constants::{BYTES_PER_ROW, FIELD_ELEMENTS_PER_ROW},
    layout::{
        blob_commitment, blob_rows, elements_for, elements_needed, elements_needed_in, index_root,
        largest_blob, lay_out, lay_out_v1, owns_rows, pack, parse_layout, prove_namespace,
        read_blob, smallest_k, Blob, LayoutSize, Namespace, LAYOUT_V1, LAYOUT_VERSION,
        ROW_DATA_BYTES,
    },
    Error,
};

fn ns(b: u8) -> Namespace {
    let mut n = [0u8; 16];
    n[15] = b;
    n[0] = b / 3;
    Namespace(n)
}

fn blobs_strategy() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    prop::collection::vec((0u8..6, prop::collection::vec(any::<u8>(), 1..700)), 0..24)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn lay_out_then_parse_round_trips(raw in blobs_strategy()) {
        let blobs: Vec<Blob> = raw.iter().map(|(n, d)| Blob::new(ns(*n * 2 + 1), d.clone())).collect();
        let layout = lay_out(&blobs, 128).unwrap();
        prop_assert_eq!(layout.k, smallest_k(elements_needed(blobs.iter().map(|b| b.data.len()))));
        prop_assert_eq!(layout.index_root, index_root(&layout.index));
        if blobs.is_empty() {
            prop_assert_eq!(layout.k, 0);
            prop_assert_eq!(layout.index_root, index_root(&[]));
            return Ok(());
        }
        prop_assert_eq!(parse_layout(&layout.data).unwrap(), layout.index.clone());
        // Sorted by namespace, stable within a namespace.
        let mut expected = blobs.clone();
        expected.sort_by_key(|b| b.namespace);
        for (i, (entry, blob)) in layout.index.iter().zip(&expected).enumerate() {
            prop_assert_eq!(entry.namespace, blob.namespace);
            prop_assert_eq!(entry.commitment, blob_commitment(&blob.namespace, &blob.data));
            prop_assert_eq!(&read_blob(&layout.data, i, entry).unwrap(), &blob.data);
        }
        // Completeness: every namespace, present or absent, proves exactly its blobs.
        for probe in 0u8..14 {
            let probe = ns(probe);
            let proof = prove_namespace(&layout.index, &probe);
            let got = proof.verify(&layout.index_root, layout.index.len() as u32, &probe).unwrap();
            let want: Vec<_> = layout.index.iter().enumerate().filter(|(_, e)| e.namespace == probe).map(|(i, e)| (i as u32, *e)).collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn dropping_a_blob_from_a_proof_is_caught(raw in blobs_strategy()) {
        let blobs: Vec<Blob> = raw.iter().map(|(n, d)| Blob::new(ns(*n), d.clone())).collect();
        let layout = lay_out(&blobs, 128).unwrap();
        let count = layout.index.len() as u32;
        for entry in &layout.index {
            let mut proof = prove_namespace(&layout.index, &entry.namespace);
            let matching = proof.entries.iter().filter(|e| e.namespace == entry.namespace).count();
            prop_assert!(matching >= 1);
            // Remove the last matching entry (and so break the range): rejected.
            let last = proof.entries.iter().rposition(|e| e.namespace == entry.namespace).unwrap();
            proof.entries.remove(last);
            prop_assert!(proof.verify(&layout.index_root, count, &entry.namespace).is_err());
        }
    }
}

#[test]
fn proofs_against_another_root_or_count_fail() {
    let blobs: Vec<Blob> = (0..5).map(|i| Blob::new(ns(i), vec![i; 40])).collect();
    let layout = lay_out(&blobs, 4).unwrap();
    let proof = prove_namespace(&layout.index, &ns(2));
    let mut root = layout.index_root;
    root[0] ^= 1;
    assert_eq!(
        proof.verify(&root, 5, &ns(2)),
        Err(Error::NamespaceProof("root does not match the header"))
    );
    assert!(proof.verify(&layout.index_root, 6, &ns(2)).is_err());
    // A proof for one namespace is not a proof of absence for a neighbour it includes.
    assert!(proof.verify(&layout.index_root, 5, &ns(1)).is_err());
    // Empty square: only the empty proof against the empty root.
    let empty = prove_namespace(&[], &ns(1));
    assert_eq!(empty.verify(&index_root(&[]), 0, &ns(1)), Ok(vec![]));
    assert!(empty.verify(&layout.index_root, 0, &ns(1)).is_err());
}

#[test]
fn capacity_is_exact_and_limits_are_enforced() {
    // 1 header element + 2 index elements + data elements = 4096 fills k = 1 exactly.
    let fits = Blob::new(ns(1), vec![7u8; (FIELD_ELEMENTS_PER_ROW - 3) * 31]);
    assert_eq!(lay_out(std::slice::from_ref(&fits), 1).unwrap().k, 1);
    let spills = Blob::new(ns(1), vec![7u8; (FIELD_ELEMENTS_PER_ROW - 3) * 31 + 1]);
    assert_eq!(lay_out(std::slice::from_ref(&spills), 2).unwrap().k, 2);
    assert_eq!(
        lay_out(&[spills], 1).unwrap_err(),
        Error::SquareFull {
            needed: FIELD_ELEMENTS_PER_ROW + 1,
            capacity: FIELD_ELEMENTS_PER_ROW,
            max_k: 1
        }
    );
    assert_eq!(
        lay_out(&[Blob::new(ns(1), vec![1]), Blob::new(ns(2), vec![])], 1).unwrap_err(),
        Error::EmptyBlob { index: 1 }
    );
}

#[test]
fn the_largest_blob_fills_its_square_and_one_more_byte_does_not() {
    for k in [1, 2, 4, 8, 16, 32, 64, 128] {
        let len = largest_blob(k);
        assert_eq!(smallest_k(elements_needed([len])), k, "k={k}");
        assert!(smallest_k(elements_needed([len + 1])) > k, "k={k}");
        let size = LayoutSize::new(LAYOUT_VERSION).with(len);
        assert_eq!(size.elements(), elements_needed([len]));
    }
}

#[test]
fn malformed_squares_are_rejected() {
    let blobs: Vec<Blob> = (0..3)
        .map(|i| Blob::new(ns(3 - i), vec![i + 1; 100]))
        .collect();
    let good = lay_out(&blobs, 4).unwrap();
    assert!(parse_layout(&good.data).is_ok());

    let mut bigger = good.data.clone();
    bigger.extend(vec![0u8; BYTES_PER_ROW]);
    assert_eq!(
        parse_layout(&bigger),
        Err(Error::Layout("square is larger than its blobs need"))
    );

    let mut trailing = good.data.clone();
    let last = trailing.len() - 1;
    trailing[last] = 1;
    assert_eq!(
        parse_layout(&trailing),
        Err(Error::Layout("data after the last blob"))
    );

    let mut flipped = good.data.clone();
    let data_start = good.index[0].start as usize * 32;
    flipped[data_start + 5] ^= 1;
    assert_eq!(
        parse_layout(&flipped),
        Err(Error::BlobCommitmentMismatch { index: 0 })
    );

    let mut unsorted = good.data.clone();
    // Swap the namespaces of entries 0 and 1 (first 16 bytes after each entry's lead byte).
    let (a, b) = (32 + 1, 3 * 32 + 1);
    for i in 0..16 {
        unsorted.swap(a + i, b + i);
    }
    assert_eq!(
        parse_layout(&unsorted),
        Err(Error::Layout("index is not sorted by namespace"))
    );

    let mut bad_lead = good.data.clone();
    bad_lead[data_start] = 1;
    assert_eq!(
        parse_layout(&bad_lead),
        Err(Error::Layout("packed element has a non-zero lead byte"))
    );
    assert!(parse_layout(&[]).is_err());
    assert!(parse_layout(&vec![0u8; BYTES_PER_ROW]).is_err());
}

#[test]
fn laid_out_rows_encode() {
    let blobs: Vec<Blob> = (0..4)
        .map(|i| Blob::new(ns(i), vec![0xff; 50_000]))
        .collect();
    let layout = lay_out(&blobs, 4).unwrap();
    assert_eq!(layout.k, 2);
    let prover = std::sync::Arc::new(weft_encoding::RowProver::new());
    let square = weft_encoding::SquareEncoder::new(prover)
        .encode_bytes(&layout.rows())
        .unwrap();
    assert_eq!(square.row_blob(0), layout.data[..BYTES_PER_ROW]);
}

/// A blob of `len` bytes whose byte i is a function of i and `seed`.
fn blob_of(namespace: u8, len: usize, seed: u8) -> Blob {
    Blob::new(
        ns(namespace),
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect(),
    )
}

/// The EIP-4844 blob (4096 elements, 131,072 bytes) of `data`'s 31-byte packing, zero-padded:
/// what a rollup posting `data` to Ethereum would have.
fn ethereum_blob(data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= ROW_DATA_BYTES);
    let mut row = vec![0u8; BYTES_PER_ROW];
    pack(data, &mut row[..elements_for(data.len()) * 32]);
    row
}

#[test]
fn a_blob_of_a_row_or_more_owns_its_rows_and_each_is_its_ethereum_blob() {
    // One row exactly, three rows with a partial last one, and short blobs around them.
    let blobs = vec![
        blob_of(5, 3 * ROW_DATA_BYTES - 1000, 1),
        blob_of(1, 700, 2),
        blob_of(3, ROW_DATA_BYTES, 3),
        blob_of(9, ROW_DATA_BYTES - 1, 4),
    ];
    let layout = lay_out(&blobs, 8).unwrap();
    assert_eq!(parse_layout(&layout.data).unwrap(), layout.index);
    // Index order: ns 1 (short), 3 (one row), 5 (three rows), 9 (short: one byte under a row).
    let [short, one, three, almost] = [0, 1, 2, 3].map(|i| layout.index[i]);
    assert_eq!((short.start, almost.start), (9, 9 + 23));
    assert!(!owns_rows(LAYOUT_VERSION, almost.len as usize));
    assert_eq!(blob_rows(&one), 2..3);
    assert_eq!(blob_rows(&three), 3..6);
    assert_eq!(layout.k, 8);
    for (entry, blob) in [(one, &blobs[2]), (three, &blobs[0])] {
        assert_eq!(entry.start as usize % FIELD_ELEMENTS_PER_ROW, 0);
        for (i, row) in blob_rows(&entry).enumerate() {
            let chunk =
                &blob.data[i * ROW_DATA_BYTES..((i + 1) * ROW_DATA_BYTES).min(blob.data.len())];
            assert_eq!(
                &layout.data[row * BYTES_PER_ROW..(row + 1) * BYTES_PER_ROW],
                ethereum_blob(chunk),
                "row {row}"
            );
        }
    }
    assert_eq!(
        elements_needed(blobs.iter().map(|b| b.data.len())),
        6 * FIELD_ELEMENTS_PER_ROW
    );
}

#[test]
fn layout_v2_refuses_a_misplaced_blob_or_data_in_a_rows_padding() {
    let blobs = vec![blob_of(1, 100, 1), blob_of(2, ROW_DATA_BYTES + 31 * 10, 2)];
    let good = lay_out(&blobs, 4).unwrap();
    assert_eq!(good.k, 4);
    // A byte in the zero padding of the long blob's last row (row 2), or between the short
    // blob and the next row start.
    for at in [3 * BYTES_PER_ROW - 1, BYTES_PER_ROW - 1] {
        let mut bad = good.data.clone();
        bad[at] = 1;
        assert_eq!(
            parse_layout(&bad),
            Err(Error::Layout("data after the last blob")),
            "{at}"
        );
    }
    // The same blobs back to back under a version-2 header, and version-2 placement under a
    // version-1 header: both refused.
    let mut v1 = lay_out_v1(&blobs, 4).unwrap();
    assert_eq!(v1.k, 2);
    v1.data[1..3].copy_from_slice(&LAYOUT_VERSION.to_be_bytes());
    assert_eq!(
        parse_layout(&v1.data),
        Err(Error::Layout("blob extends past the square"))
    );
    v1.data.resize(4 * BYTES_PER_ROW, 0);
    assert_eq!(
        parse_layout(&v1.data),
        Err(Error::Layout("blob is not where the index says"))
    );
    let mut v2 = good.data.clone();
    v2[1..3].copy_from_slice(&LAYOUT_V1.to_be_bytes());
    assert!(parse_layout(&v2).is_err());
    let mut v3 = good.data;
    v3[1..3].copy_from_slice(&3u16.to_be_bytes());
    assert_eq!(parse_layout(&v3), Err(Error::Layout("bad header element")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Squares written before layout version 2 still parse, and every blob reads back.
    #[test]
    fn version_1_squares_still_parse(raw in prop::collection::vec((0u8..4, prop_oneof![1usize..2000, 126_000usize..260_000]), 1..5)) {
        let blobs: Vec<Blob> = raw.iter().enumerate().map(|(i, &(n, len))| blob_of(n, len, i as u8)).collect();
        let v1 = lay_out_v1(&blobs, 128).unwrap();
        prop_assert_eq!(v1.k, smallest_k(elements_needed_in(LAYOUT_V1, blobs.iter().map(|b| b.data.len()))));
        prop_assert_eq!(&parse_layout(&v1.data).unwrap(), &v1.index);
        let v2 = lay_out(&blobs, 128).unwrap();
        prop_assert_eq!(&parse_layout(&v2.data).unwrap(), &v2.index);
        for (i, (a, b)) in v1.index.iter().zip(&v2.index).enumerate() {
            prop_assert_eq!((a.namespace, a.len, a.commitment), (b.namespace, b.len, b.commitment));
            prop_assert_eq!(read_blob(&v1.data, i, a).unwrap(), read_blob(&v2.data, i, b).unwrap());
        }
    }
}
