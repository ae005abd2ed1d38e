//! Proof that a list of blobs is every blob of a namespace at a height: the contiguous run of
//! index entries with that namespace, its neighbours on either side, and a Merkle range proof
//! against the header's index root.

use serde::{Deserialize, Serialize};

use super::{
    blob::{Digest32, Namespace},
    index::{index_root, IndexEntry},
    merkle::{self, root_with_count, Hash},
};
use crate::error::{Error, Result};

/// The entries of one namespace with their neighbours and a range proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceProof {
    /// Position in the index of `entries[0]`.
    pub start: u32,
    /// The namespace's entries, preceded and followed by the neighbouring entries if any.
    pub entries: Vec<IndexEntry>,
    /// Merkle siblings for the range `start..start + entries.len()`.
    pub siblings: Vec<Digest32>,
}

/// Builds the proof for `namespace` over a sorted index.
pub fn prove_namespace(index: &[IndexEntry], namespace: &Namespace) -> NamespaceProof {
    if index.is_empty() {
        return NamespaceProof {
            start: 0,
            entries: Vec::new(),
            siblings: Vec::new(),
        };
    }
    let first = index.partition_point(|e| e.namespace < *namespace);
    let end = index.partition_point(|e| e.namespace <= *namespace);
    let lo = first.saturating_sub(1);
    let hi = (end + 1).min(index.len());
    let leaves: Vec<Hash> = index.iter().map(IndexEntry::leaf).collect();
    let siblings = merkle::range_proof(&leaves, lo, hi)
        .into_iter()
        .map(Digest32)
        .collect();
    NamespaceProof {
        start: lo as u32,
        entries: index[lo..hi].to_vec(),
        siblings,
    }
}

impl NamespaceProof {
    /// Checks the proof against a header's `index_root` and `blob_count`; returns the entries
    /// of `namespace` with their positions in the index. An empty result proves absence.
    pub fn verify(
        &self,
        expected_root: &Hash,
        blob_count: u32,
        namespace: &Namespace,
    ) -> Result<Vec<(u32, IndexEntry)>> {
        if blob_count == 0 {
            return if self.entries.is_empty()
                && self.siblings.is_empty()
                && *expected_root == index_root(&[])
            {
                Ok(Vec::new())
            } else {
                Err(Error::NamespaceProof("the header has no blobs"))
            };
        }
        // In u64, so a hostile `start` cannot overflow a 32-bit usize (wasm32).
        if u64::from(self.start) + self.entries.len() as u64 > u64::from(blob_count) {
            return Err(Error::NamespaceProof("range extends past the index"));
        }
        let leaves: Vec<Hash> = self.entries.iter().map(IndexEntry::leaf).collect();
        let siblings: Vec<Hash> = self.siblings.iter().map(|d| d.0).collect();
        let root =
            merkle::root_from_range(blob_count as usize, self.start as usize, &leaves, &siblings)
                .ok_or(Error::NamespaceProof("proof has the wrong shape"))?;
        if root_with_count(blob_count, &root) != *expected_root {
            return Err(Error::NamespaceProof("root does not match the header"));
        }
        if self
            .entries
            .windows(2)
            .any(|w| w[0].namespace > w[1].namespace)
        {
            return Err(Error::NamespaceProof("entries are not sorted"));
        }
        let end = self.start as usize + self.entries.len();
        // The run must be bounded: by the index's ends or by a smaller / larger neighbour.
        let left_closed = self.start == 0
            || self
                .entries
                .first()
                .is_some_and(|e| e.namespace < *namespace);
        let right_closed = end == blob_count as usize
            || self
                .entries
                .last()
                .is_some_and(|e| e.namespace > *namespace);
        if !left_closed || !right_closed {
            return Err(Error::NamespaceProof("range does not bound the namespace"));
        }
        Ok(self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.namespace == *namespace)
            .map(|(i, e)| (self.start + i as u32, *e))
            .collect())
    }
}
