//! Column families and key layouts of the store. Integers are big-endian so keys sort by height.

/// Column family: node metadata (`head`, `pruned_below`).
pub const CF_META: &str = "meta";
/// Column family: height → header (wire form).
pub const CF_HEADERS: &str = "headers";
/// Column family: height → all 2k row commitments (48 bytes each).
pub const CF_COMMITMENTS: &str = "commitments";
/// Column family: height ‖ row ‖ col → cell (2048 bytes) ‖ proof (48 bytes).
pub const CF_CELLS: &str = "cells";
/// Column family: height → blob index (56-byte entries).
pub const CF_INDEX: &str = "index";
/// Column family: blob commitment → height ‖ index.
pub const CF_BY_COMMITMENT: &str = "by_commitment";
/// Column family: pending id → namespace ‖ data, blobs waiting for a block.
pub const CF_PENDING: &str = "pending";
/// Column family: pending id → inclusion record (`Inclusion::to_bytes`), once included.
pub const CF_RECEIPTS: &str = "receipts";

/// All column families.
pub const ALL_CFS: [&str; 8] = [
    CF_META,
    CF_HEADERS,
    CF_COMMITMENTS,
    CF_CELLS,
    CF_INDEX,
    CF_BY_COMMITMENT,
    CF_PENDING,
    CF_RECEIPTS,
];

/// Meta key: height of the newest stored block.
pub const META_HEAD: &[u8] = b"head";
/// Meta key: the store's format (u64 BE; absent in format 1, whose receipts were JSON).
pub const META_FORMAT: &[u8] = b"format";
/// The format this build writes and reads.
pub const FORMAT: u64 = 2;
/// Meta key: the proof that the followed producer equivocated (two headers, PROTOCOL §7).
pub const META_EQUIVOCATION: &[u8] = b"equivocation";
/// Meta key: whose chain the data dir holds and as what (`weft_node::ChainRecord`, 33 bytes).
pub const META_CHAIN: &[u8] = b"chain";
/// Meta key: squares below this height have been pruned.
pub const META_PRUNED_BELOW: &[u8] = b"pruned_below";
/// Meta key: how many pieces of validator evidence are kept (u64be; `store::evidence`).
pub const META_EVIDENCE: &[u8] = b"evidence_count";

/// Key of a height.
pub fn height_key(height: u64) -> [u8; 8] {
    height.to_be_bytes()
}

/// Key of a cell.
pub fn cell_key(height: u64, row: u16, col: u16) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&height.to_be_bytes());
    k[8..10].copy_from_slice(&row.to_be_bytes());
    k[10..].copy_from_slice(&col.to_be_bytes());
    k
}

/// Reads a big-endian u64 value.
pub fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}
