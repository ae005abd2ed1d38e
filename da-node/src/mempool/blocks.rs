//! The pool and the blocks that include its blobs: finalized blocks clear their blobs from the
//! queue, and the blobs acknowledged here get their receipts when the block is stored.

use weft_encoding::layout::IndexEntry;

use super::Mempool;
use crate::store::Inclusion;

impl Mempool {
    /// A block at `height` with these index entries is final: its blobs leave the queue (and
    /// are refused from gossip from now on). Their submitters are told once it is stored
    /// ([`Self::receipts`], [`Self::notify`]).
    pub(crate) fn finalized(&self, height: u64, index: &[IndexEntry]) {
        let mut inner = self.lock();
        let mut any = false;
        for inclusion in inclusions(height, index) {
            any |= inner.held.remove(&inclusion.commitment);
            inner.included.insert(inclusion);
        }
        if any {
            let queue = std::mem::take(&mut inner.queue);
            for p in queue {
                if inner.included.contains(&p.commitment) {
                    inner.uncount(&p);
                } else {
                    inner.queue.push_back(p);
                }
            }
        }
    }

    /// The receipts of the blobs acknowledged here that the block at `height` with these index
    /// entries includes: (pool id, where), for the store to write with the block.
    pub(crate) fn receipts(&self, height: u64, index: &[IndexEntry]) -> Vec<(u64, Inclusion)> {
        let inner = self.lock();
        inclusions(height, index)
            .flat_map(|inclusion| {
                inner
                    .own
                    .get(&inclusion.commitment)
                    .into_iter()
                    .flatten()
                    .map(move |id| (*id, inclusion))
            })
            .collect()
    }

    /// The block with these receipts is stored: their ids are no longer pending, and every
    /// waiter of them is told where its blob went.
    pub(crate) fn notify(&self, receipts: &[(u64, Inclusion)]) {
        let mut inner = self.lock();
        for (id, receipt) in receipts {
            if let Some(ids) = inner.own.get_mut(&receipt.commitment) {
                ids.retain(|i| i != id);
                if ids.is_empty() {
                    inner.own.remove(&receipt.commitment);
                }
            }
            for tx in inner.waiters.remove(id).unwrap_or_default() {
                let _ = tx.send(*receipt);
            }
        }
    }
}

/// Where each blob of the block at `height` with these index entries is.
pub(super) fn inclusions(
    height: u64,
    index: &[IndexEntry],
) -> impl Iterator<Item = Inclusion> + '_ {
    index.iter().enumerate().map(move |(i, e)| Inclusion {
        height,
        index: u32::try_from(i).unwrap_or(u32::MAX),
        namespace: e.namespace,
        commitment: e.commitment,
    })
}
