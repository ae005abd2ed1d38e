//! The blob layout of a square's original rows (as a syncing node or a reader parses it), the
//! index entries, and element unpacking: errors, never panics, and every blob the layout names
//! reads back within the data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_encoding::layout::{parse_layout, read_blob, unpack, IndexEntry, INDEX_ENTRY_BYTES};

/// Bytes in one row of original data.
const ROW_BYTES: usize = 4096 * 32;

fuzz_target!(|data: &[u8]| {
    let Some((&shape, rest)) = data.split_first() else {
        return;
    };
    // Spread the input over k rows (k a power of two up to 4), zero padded, as a square is.
    let k = 1usize << (shape % 3);
    let mut rows = vec![0u8; k * ROW_BYTES];
    let stride = (rest.len() / k).max(1);
    for (i, chunk) in rest.chunks(stride).take(k).enumerate() {
        rows[i * ROW_BYTES..i * ROW_BYTES + chunk.len()].copy_from_slice(chunk);
    }
    if let Ok(index) = parse_layout(&rows) {
        for (i, entry) in index.iter().enumerate() {
            let blob = read_blob(&rows, i, entry).expect("a parsed layout's blobs read back");
            assert_eq!(blob.len() as u64, u64::from(entry.len));
        }
    }
    let _ = parse_layout(rest);
    let _ = unpack(rest, usize::from(shape) * 7);
    if let Ok(bytes) = <&[u8; INDEX_ENTRY_BYTES]>::try_from(rest.get(..INDEX_ENTRY_BYTES).unwrap_or(&[])) {
        let entry = IndexEntry::from_bytes(bytes);
        assert_eq!(&entry.to_bytes(), bytes);
    }
});
