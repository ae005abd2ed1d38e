//! Blobs waiting for a block: bounded in bytes, persisted before they are acknowledged, with
//! waiters to notify when their blob is in a stored block. A blob is known by its commitment:
//! the same blob submitted twice is one blob (the same id while it waits, its receipt once
//! included). On a validator chain the pool also holds blobs gossiped by other nodes (in memory
//! only: their submitter persisted them) and forgets every blob a finalized block includes.

mod blocks;
mod gossiped;
mod recent;
#[cfg(test)]
mod tests;

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

use tokio::sync::oneshot;
use weft_encoding::{
    constants::{DATA_BYTES_PER_ELEMENT, FIELD_ELEMENTS_PER_ROW},
    layout::{
        elements_for, owns_rows, Blob, BlobCommitment, LayoutSize, ELEMENTS_PER_INDEX_ENTRY,
        LAYOUT_VERSION,
    },
};

use crate::{
    admission::{retry_after, Pace},
    error::NodeError,
    store::{Inclusion, Store, StoreError},
};
use recent::RecentlyIncluded;

/// Why a blob was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SubmitError {
    /// The blob is larger than `--max-blob-size`.
    #[error("blob of {size} bytes exceeds the limit of {limit} bytes (--max-blob-size)")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The blob is empty.
    #[error("blob data is empty")]
    Empty,
    /// The pool is full; the client should retry later.
    #[error("pending pool is full ({pending} bytes waiting, limit {limit} bytes); retry in {retry_after} s")]
    Full {
        /// Bytes waiting.
        pending: usize,
        /// The limit.
        limit: usize,
        /// Seconds until enough has drained, by the measured pace.
        retry_after: u64,
    },
    /// The blobs queued ahead take longer to include than the caller waits: it would time out.
    #[error("the producer cannot include this blob within {deadline} s (about {estimate} s of blobs are queued ahead at the measured encoding pace); retry in {retry_after} s, or submit with ?wait=false and poll its status")]
    TooSlow {
        /// Seconds until it would be included.
        estimate: u64,
        /// Seconds the caller waits.
        deadline: u64,
        /// Seconds until it would fit the deadline.
        retry_after: u64,
    },
    /// Persisting failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Field elements a blob of `len` bytes takes in a square: its index entry and its data (whole
/// rows for a blob that owns rows, docs/PROTOCOL.md §5).
fn footprint(len: usize) -> usize {
    let rows = LayoutSize::new(LAYOUT_VERSION).with(len).elements() / FIELD_ELEMENTS_PER_ROW;
    if owns_rows(LAYOUT_VERSION, len) {
        // Its whole rows; the square's first row (header and index) is counted as one short
        // blob's share, not as this blob's.
        ELEMENTS_PER_INDEX_ENTRY + (rows - 1) * FIELD_ELEMENTS_PER_ROW
    } else {
        ELEMENTS_PER_INDEX_ENTRY + elements_for(len)
    }
}

/// A queued blob.
#[derive(Debug)]
pub(crate) struct Pending {
    /// Its id (also its key in the store) when it was acknowledged here; `None` for a blob that
    /// came by gossip (kept in memory only: the node that acknowledged it persisted it).
    pub id: Option<u64>,
    /// The blob.
    pub blob: Blob,
    /// Its commitment (PROTOCOL §2), by which the pool knows it.
    pub commitment: BlobCommitment,
    /// When it was accepted (or reloaded after a restart), for the ingest-latency histogram.
    pub accepted: Instant,
    /// When it was last handed to gossip (blobs acknowledged here, on a validator chain).
    published: Option<Instant>,
}

impl Pending {
    fn new(id: Option<u64>, blob: Blob, commitment: BlobCommitment) -> Self {
        Self {
            id,
            blob,
            commitment,
            accepted: Instant::now(),
            published: None,
        }
    }
}

#[derive(Debug)]
struct Inner {
    queue: VecDeque<Pending>,
    /// Bytes queued or reserved by submissions being persisted.
    bytes: usize,
    /// Field elements the queued and reserved blobs take in a square (index entries included).
    elements: usize,
    /// The producer's measured pace.
    pace: Pace,
    waiters: HashMap<u64, Vec<oneshot::Sender<Inclusion>>>,
    /// Commitments of the blobs queued or taken for a proposal not finalized yet.
    held: HashSet<BlobCommitment>,
    /// Ids acknowledged here and not in a stored block yet, by the blob's commitment.
    own: HashMap<BlobCommitment, Vec<u64>>,
    /// Blobs of recently finalized blocks.
    included: RecentlyIncluded,
}

impl Inner {
    fn count(&mut self, p: &Pending) {
        self.bytes += p.blob.data.len();
        self.elements += footprint(p.blob.data.len());
    }

    fn uncount(&mut self, p: &Pending) {
        self.bytes -= p.blob.data.len();
        self.elements -= footprint(p.blob.data.len());
    }

    fn waiter(&mut self, id: u64) -> oneshot::Receiver<Inclusion> {
        let (tx, rx) = oneshot::channel();
        self.waiters.entry(id).or_default().push(tx);
        rx
    }
}

/// A receiver that has its answer already.
fn answered(inclusion: Inclusion) -> oneshot::Receiver<Inclusion> {
    let (tx, rx) = oneshot::channel();
    let _ = tx.send(inclusion);
    rx
}

/// Where a submitted blob is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlobState {
    /// Waiting for a block.
    Pending,
    /// In a stored block.
    Included(Inclusion),
}

/// Where blob `id` is, from what the store kept: also for a node that produced blocks before
/// and now follows (it has no pool, but its receipts remain).
///
/// # Errors
/// [`StoreError`] when the store cannot be read.
pub(crate) fn blob_state(store: &Store, id: u64) -> Result<Option<BlobState>, StoreError> {
    if let Some(inclusion) = store.inclusion(id)? {
        return Ok(Some(BlobState::Included(inclusion)));
    }
    Ok(store.is_pending(id)?.then_some(BlobState::Pending))
}

/// The pending pool: the one owner of the queue, its persistence and the submitters waiting on
/// it (submit → block → receipt).
#[derive(Debug)]
pub(crate) struct Mempool {
    store: Store,
    inner: Mutex<Inner>,
    max_blob_size: usize,
    max_bytes: usize,
    /// Woken when a blob is acknowledged here (the gossip publisher waits on it).
    submitted: tokio::sync::Notify,
}

impl Mempool {
    /// A pool holding up to `max_bytes` of blobs of at most `max_blob_size` each, reloaded from
    /// the store's pending blobs (all of them, even past today's limits: they were acknowledged),
    /// for a producer of blocks every `block_time` of up to `max_k` original rows.
    pub(crate) fn new(
        store: Store,
        max_blob_size: usize,
        max_bytes: usize,
        pace: Pace,
    ) -> Result<Self, NodeError> {
        let mut inner = Inner {
            queue: VecDeque::new(),
            bytes: 0,
            elements: 0,
            pace,
            waiters: HashMap::new(),
            held: HashSet::new(),
            own: HashMap::new(),
            included: RecentlyIncluded::default(),
        };
        for (id, blob) in store.pending()? {
            let commitment = blob.commitment();
            // Its block was stored without its receipt (it was acknowledged as that block was
            // being stored): the receipt is written now.
            if let Some(inclusion) = store.inclusion_of(&commitment)? {
                store.settle(id, &inclusion)?;
                continue;
            }
            inner.own.entry(commitment).or_default().push(id);
            // Acknowledged twice before (by an older version): one copy goes into a block.
            if inner.held.insert(commitment) {
                let p = Pending::new(Some(id), blob, commitment);
                inner.count(&p);
                inner.queue.push_back(p);
            }
        }
        Ok(Self {
            store,
            inner: Mutex::new(inner),
            max_blob_size,
            max_bytes,
            submitted: tokio::sync::Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks the limits, persists the blob (synced) and queues it. With `wait`, also returns a
    /// receiver that fires once the blob is in a stored block. A blob this node acknowledged
    /// and has not stored in a block yet gets its first id again; a blob already in a stored
    /// block gets a new id whose receipt is that block (the receiver has it at once).
    pub(crate) fn submit(
        &self,
        blob: Blob,
        wait: Option<Duration>,
    ) -> Result<(u64, Option<oneshot::Receiver<Inclusion>>), SubmitError> {
        let size = blob.data.len();
        if size == 0 {
            return Err(SubmitError::Empty);
        }
        if size > self.max_blob_size {
            return Err(SubmitError::TooLarge {
                size,
                limit: self.max_blob_size,
            });
        }
        let commitment = blob.commitment();
        let elements = footprint(size);
        let held = {
            let mut inner = self.lock();
            if let Some(&id) = inner.own.get(&commitment).and_then(|ids| ids.first()) {
                let receiver = wait.map(|_| inner.waiter(id));
                return Ok((id, receiver));
            }
            let included = inner.included.get(&commitment);
            drop(inner);
            let included = match included {
                Some(inclusion) => Some(inclusion),
                None => self.store.inclusion_of(&commitment)?,
            };
            if let Some(inclusion) = included {
                let id = self.store.put_receipt(&inclusion)?;
                return Ok((id, wait.map(|_| answered(inclusion))));
            }
            let mut inner = self.lock();
            // Already here from gossip (queued or in a proposal): counted, not queued again.
            let held = inner.held.contains(&commitment);
            if !held {
                // Reserve the bytes first, so concurrent submissions cannot overshoot the bound.
                self.admit(&mut inner, size, elements, wait)?;
            }
            held
        };
        // Persist before acknowledging anything: a crash after this keeps the blob.
        let id = match self.store.put_pending(&blob) {
            Ok(id) => id,
            Err(e) => {
                if !held {
                    let mut inner = self.lock();
                    inner.bytes -= size;
                    inner.elements -= elements;
                }
                return Err(e.into());
            }
        };
        let mut guard = self.lock();
        let inner = &mut *guard;
        inner.own.entry(commitment).or_default().push(id);
        // Meanwhile the same blob may have been queued (a racing submission, gossip), taken for
        // a proposal or finalized: then it is not queued twice, and a reservation is returned.
        let queued = inner.queue.iter_mut().find(|p| p.commitment == commitment);
        let elsewhere = queued.is_some()
            || inner.held.contains(&commitment)
            || inner.included.contains(&commitment);
        if let Some(queued) = queued {
            queued.id.get_or_insert(id);
        }
        if !elsewhere {
            let p = Pending::new(Some(id), blob, commitment);
            inner.held.insert(commitment);
            if held {
                inner.count(&p);
            }
            inner.queue.push_back(p);
        } else if !held {
            inner.bytes -= size;
            inner.elements -= elements;
        }
        let receiver = wait.map(|_| inner.waiter(id));
        drop(guard);
        self.submitted.notify_one();
        Ok((id, receiver))
    }

    /// Reserves room for a blob of `size` bytes and `elements` field elements, or says why not.
    fn admit(
        &self,
        inner: &mut Inner,
        size: usize,
        elements: usize,
        wait: Option<Duration>,
    ) -> Result<(), SubmitError> {
        let pace = inner.pace;
        if inner.bytes + size > self.max_bytes {
            let excess = inner.bytes + size - self.max_bytes;
            let blocks = excess
                .div_ceil(pace.elements_per_block() * DATA_BYTES_PER_ELEMENT)
                .max(1);
            return Err(SubmitError::Full {
                pending: inner.bytes,
                limit: self.max_bytes,
                retry_after: retry_after(
                    pace.block_seconds() * u32::try_from(blocks).unwrap_or(u32::MAX),
                ),
            });
        }
        // With nothing queued ahead it goes into the next block whatever that takes: refusing
        // it could never help.
        if let Some(deadline) = wait.filter(|_| inner.elements > 0) {
            let estimate = pace.inclusion_time(inner.elements + elements);
            if estimate > deadline {
                return Err(SubmitError::TooSlow {
                    estimate: retry_after(estimate),
                    deadline: deadline.as_secs(),
                    retry_after: retry_after(estimate - deadline),
                });
            }
        }
        inner.bytes += size;
        inner.elements += elements;
        Ok(())
    }

    /// Takes blobs from the front of the queue, oldest first, while they fit a square of `max_k`,
    /// passing over those in `exclude` (in blocks proposed on the way to the parent, not final
    /// yet). A front blob too large for `max_k` on its own (accepted under a larger `--max-k`
    /// before a restart) is taken alone: the producer widens k for it rather than strand an
    /// acknowledged blob.
    pub(crate) fn take(&self, max_k: usize, exclude: &HashSet<BlobCommitment>) -> Vec<Pending> {
        let capacity = max_k * FIELD_ELEMENTS_PER_ROW;
        let mut inner = self.lock();
        let mut taken = Vec::new();
        let mut passed = Vec::new();
        let mut size = LayoutSize::new(LAYOUT_VERSION);
        while let Some(front) = inner.queue.pop_front() {
            if exclude.contains(&front.commitment) {
                passed.push(front);
                continue;
            }
            let more = size.with(front.blob.data.len());
            if more.elements() > capacity && !taken.is_empty() {
                inner.queue.push_front(front);
                break;
            }
            size = more;
            inner.uncount(&front);
            taken.push(front);
            if size.elements() > capacity {
                break;
            }
        }
        for p in passed.into_iter().rev() {
            inner.queue.push_front(p);
        }
        taken
    }

    /// Puts blobs back at the front (a block failed to build or store, or a proposal was
    /// abandoned), except those a finalized block has included meanwhile.
    pub(crate) fn restore(&self, blobs: Vec<Pending>) {
        let mut inner = self.lock();
        for mut p in blobs.into_iter().rev() {
            if inner.included.contains(&p.commitment) {
                inner.held.remove(&p.commitment);
                continue;
            }
            if p.id.is_none() {
                p.id = inner
                    .own
                    .get(&p.commitment)
                    .and_then(|ids| ids.first().copied());
            }
            inner.count(&p);
            inner.queue.push_front(p);
        }
    }

    /// A block of `k` original rows took `encode` to encode: the admission pace follows.
    pub(crate) fn observe(&self, k: usize, encode: Duration) {
        self.lock().pace.observe(k, encode);
    }

    /// Where blob `id` is; `None` if no blob has that id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    pub(crate) fn status(&self, id: u64) -> Result<Option<BlobState>, StoreError> {
        blob_state(&self.store, id)
    }

    /// Blobs waiting, and bytes waiting or reserved.
    pub(crate) fn len_and_bytes(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.queue.len(), inner.bytes)
    }
}
