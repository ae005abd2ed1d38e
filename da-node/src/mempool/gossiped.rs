//! The pool's side of blob gossip on a validator chain (PROTOCOL §13): blobs other nodes
//! gossiped, queued in memory; and the blobs acknowledged here, handed to gossip when due.

use std::time::{Duration, Instant};

use weft_encoding::layout::{Blob, BlobCommitment};

use super::{Mempool, Pending};
use crate::store::StoreError;

impl Mempool {
    /// Queues a blob that came by gossip (memory only), unless it is empty or over
    /// `--max-blob-size`, held already, recently included or in a stored block, or the pool is
    /// full. Returns whether it was queued.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    pub(crate) fn gossiped(&self, blob: Blob) -> Result<bool, StoreError> {
        let size = blob.data.len();
        if size == 0 || size > self.max_blob_size {
            return Ok(false);
        }
        let commitment = blob.commitment();
        {
            let inner = self.lock();
            if inner.held.contains(&commitment) || inner.included.contains(&commitment) {
                return Ok(false);
            }
        }
        if self.store.blob_location(&commitment)?.is_some() {
            return Ok(false);
        }
        let mut inner = self.lock();
        if inner.held.contains(&commitment)
            || inner.included.contains(&commitment)
            || inner.bytes + size > self.max_bytes
        {
            return Ok(false);
        }
        inner.held.insert(commitment);
        let p = Pending::new(None, blob, commitment);
        inner.count(&p);
        inner.queue.push_back(p);
        Ok(true)
    }

    /// The queued blobs acknowledged here that are due for gossip: never handed to it, or last
    /// more than `every` ago. Each is marked handed now ([`Self::unpublished`] undoes it).
    pub(crate) fn due_for_gossip(&self, every: Duration) -> Vec<(BlobCommitment, Blob)> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner
            .queue
            .iter_mut()
            .filter(|p| p.id.is_some())
            .filter(|p| p.published.is_none_or(|at| now.duration_since(at) >= every))
            .map(|p| {
                p.published = Some(now);
                (p.commitment, p.blob.clone())
            })
            .collect()
    }

    /// The blob with `commitment` did not go out (no peer yet): due again at the next turn.
    pub(crate) fn unpublished(&self, commitment: &BlobCommitment) {
        if let Some(p) = self
            .lock()
            .queue
            .iter_mut()
            .find(|p| p.commitment == *commitment)
        {
            p.published = None;
        }
    }

    /// Waits until a blob is acknowledged here.
    pub(crate) async fn submission(&self) {
        self.submitted.notified().await;
    }
}
