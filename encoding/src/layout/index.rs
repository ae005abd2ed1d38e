//! The blob index: one entry per blob, sorted by namespace, stored at the front of the square
//! and committed to by a Merkle root in the header.

use serde::{Deserialize, Serialize};

use super::{
    blob::{BlobCommitment, Namespace},
    merkle::{self, root_with_count, Hash},
};
use crate::constants::NAMESPACE_BYTES;

/// Bytes of one encoded index entry.
pub const INDEX_ENTRY_BYTES: usize = NAMESPACE_BYTES + 4 + 4 + 32;

/// Where one blob lies in the square.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The blob's namespace.
    pub namespace: Namespace,
    /// First field element of the blob in the square's element stream.
    pub start: u32,
    /// Length of the blob in bytes.
    pub len: u32,
    /// The blob's commitment.
    pub commitment: BlobCommitment,
}

impl IndexEntry {
    /// `namespace ‖ u32be(start) ‖ u32be(len) ‖ commitment`.
    pub fn to_bytes(&self) -> [u8; INDEX_ENTRY_BYTES] {
        let mut out = [0u8; INDEX_ENTRY_BYTES];
        out[..16].copy_from_slice(&self.namespace.0);
        out[16..20].copy_from_slice(&self.start.to_be_bytes());
        out[20..24].copy_from_slice(&self.len.to_be_bytes());
        out[24..].copy_from_slice(&self.commitment.0);
        out
    }

    /// Inverse of [`Self::to_bytes`].
    pub fn from_bytes(b: &[u8; INDEX_ENTRY_BYTES]) -> Self {
        let word = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        Self {
            namespace: Namespace(b[..16].try_into().expect("16 bytes")),
            start: word(16),
            len: word(20),
            commitment: BlobCommitment(b[24..].try_into().expect("32 bytes")),
        }
    }

    /// The entry's Merkle leaf.
    pub fn leaf(&self) -> Hash {
        merkle::leaf_hash(&self.to_bytes())
    }
}

/// The index root a header carries: `SHA-256(0x02 ‖ u32be(n) ‖ tree root)`, so the root also
/// fixes the number of entries (and with it the tree's shape).
pub fn index_root(entries: &[IndexEntry]) -> Hash {
    let leaves: Vec<Hash> = entries.iter().map(IndexEntry::leaf).collect();
    root_with_count(entries.len() as u32, &merkle::root(&leaves))
}
