//! The commitments of blobs in recently finalized blocks, with where each went: a pool refuses
//! them (from gossip, or given back by an abandoned proposal) without reading the store.

use std::collections::{HashMap, VecDeque};

use weft_encoding::layout::BlobCommitment;

use crate::store::Inclusion;

/// Commitments remembered, at most (about 100 bytes each): blocks finalized in the last minutes
/// at any realistic blob rate. Older ones are found in the store (`Store::inclusion_of`).
pub(super) const RECENT_INCLUDED: usize = 16_384;

/// A bounded map from commitment to inclusion; the oldest is forgotten first.
#[derive(Debug, Default)]
pub(super) struct RecentlyIncluded {
    by_commitment: HashMap<BlobCommitment, Inclusion>,
    order: VecDeque<BlobCommitment>,
}

impl RecentlyIncluded {
    /// Remembers `inclusion` (a commitment already held keeps its first inclusion).
    pub(super) fn insert(&mut self, inclusion: Inclusion) {
        if self
            .by_commitment
            .insert(inclusion.commitment, inclusion)
            .is_none()
        {
            self.order.push_back(inclusion.commitment);
        }
        while self.order.len() > RECENT_INCLUDED {
            if let Some(old) = self.order.pop_front() {
                self.by_commitment.remove(&old);
            }
        }
    }

    /// Where a recently included blob went.
    pub(super) fn get(&self, commitment: &BlobCommitment) -> Option<Inclusion> {
        self.by_commitment.get(commitment).copied()
    }

    /// Whether a blob was recently included.
    pub(super) fn contains(&self, commitment: &BlobCommitment) -> bool {
        self.by_commitment.contains_key(commitment)
    }
}

#[cfg(test)]
mod tests {
    use weft_encoding::layout::Namespace;

    use super::*;

    #[test]
    fn the_oldest_commitment_is_forgotten_past_the_bound() {
        let mut recent = RecentlyIncluded::default();
        let inclusion = |i: u32| Inclusion {
            height: 1,
            index: i,
            namespace: Namespace([0; 16]),
            commitment: BlobCommitment({
                let mut c = [0; 32];
                c[..4].copy_from_slice(&i.to_be_bytes());
                c
            }),
        };
        for i in 0..=RECENT_INCLUDED as u32 {
            recent.insert(inclusion(i));
        }
        assert!(!recent.contains(&inclusion(0).commitment));
        assert_eq!(recent.get(&inclusion(1).commitment), Some(inclusion(1)));
        assert_eq!(recent.order.len(), RECENT_INCLUDED);
        recent.insert(inclusion(1));
        assert_eq!(recent.order.len(), RECENT_INCLUDED);
    }
}
