//! Blobs waiting for a block: bounded in bytes, persisted before they are acknowledged, with
//! waiters to notify when their blob is in a stored block.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

use tokio::sync::oneshot;
use weft_encoding::{
    constants::{DATA_BYTES_PER_ELEMENT, FIELD_ELEMENTS_PER_ROW},
    layout::{elements_for, Blob, ELEMENTS_PER_INDEX_ENTRY},
};

use crate::{
    admission::{retry_after, Pace},
    error::NodeError,
    store::{Inclusion, Store, StoreError},
};

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

/// Field elements a blob of `len` bytes takes in a square: its data and its index entry.
fn footprint(len: usize) -> usize {
    ELEMENTS_PER_INDEX_ENTRY + elements_for(len)
}

/// A queued blob.
#[derive(Debug)]
pub(crate) struct Pending {
    /// Its id (also its key in the store).
    pub id: u64,
    /// The blob.
    pub blob: Blob,
    /// When it was accepted (or reloaded after a restart), for the ingest-latency histogram.
    pub accepted: std::time::Instant,
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
        };
        for (id, blob) in store.pending()? {
            inner.bytes += blob.data.len();
            inner.elements += footprint(blob.data.len());
            inner.queue.push_back(Pending {
                id,
                blob,
                accepted: std::time::Instant::now(),
            });
        }
        Ok(Self {
            store,
            inner: Mutex::new(inner),
            max_blob_size,
            max_bytes,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks the limits, persists the blob (synced) and queues it. With `wait`, also returns a
    /// receiver that fires once the blob is in a stored block.
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
        let elements = footprint(size);
        {
            // Reserve the bytes first, so concurrent submissions cannot overshoot the bound.
            let mut inner = self.lock();
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
        }
        // Persist before acknowledging anything: a crash after this keeps the blob.
        let id = match self.store.put_pending(&blob) {
            Ok(id) => id,
            Err(e) => {
                let mut inner = self.lock();
                inner.bytes -= size;
                inner.elements -= elements;
                return Err(e.into());
            }
        };
        let mut inner = self.lock();
        inner.queue.push_back(Pending {
            id,
            blob,
            accepted: std::time::Instant::now(),
        });
        let receiver = wait.is_some().then(|| {
            let (tx, rx) = oneshot::channel();
            inner.waiters.entry(id).or_default().push(tx);
            rx
        });
        Ok((id, receiver))
    }

    /// Takes blobs from the front of the queue, oldest first, while they fit a square of `max_k`.
    /// A front blob too large for `max_k` on its own (accepted under a larger `--max-k` before a
    /// restart) is taken alone: the producer widens k for it rather than strand an acknowledged
    /// blob.
    pub(crate) fn take(&self, max_k: usize) -> Vec<Pending> {
        let capacity = max_k * FIELD_ELEMENTS_PER_ROW;
        let mut inner = self.lock();
        let mut taken = Vec::new();
        // One layout-header element, then per blob two index elements and its data.
        let mut elements = 1;
        while let Some(front) = inner.queue.front() {
            let more = ELEMENTS_PER_INDEX_ENTRY + elements_for(front.blob.data.len());
            if elements + more > capacity && !taken.is_empty() {
                break;
            }
            elements += more;
            let p = inner.queue.pop_front().expect("front exists");
            inner.bytes -= p.blob.data.len();
            inner.elements -= footprint(p.blob.data.len());
            taken.push(p);
            if elements > capacity {
                break;
            }
        }
        taken
    }

    /// Puts blobs back at the front (a block failed to build or store).
    pub(crate) fn restore(&self, blobs: Vec<Pending>) {
        let mut inner = self.lock();
        for p in blobs.into_iter().rev() {
            inner.bytes += p.blob.data.len();
            inner.elements += footprint(p.blob.data.len());
            inner.queue.push_front(p);
        }
    }

    /// A block of `k` original rows took `encode` to encode: the admission pace follows.
    pub(crate) fn observe(&self, k: usize, encode: Duration) {
        self.lock().pace.observe(k, encode);
    }

    /// Tells every waiter of these ids where its blob went.
    pub(crate) fn notify(&self, receipts: &[(u64, Inclusion)]) {
        let mut inner = self.lock();
        for (id, receipt) in receipts {
            for tx in inner.waiters.remove(id).unwrap_or_default() {
                let _ = tx.send(*receipt);
            }
        }
    }

    /// Where blob `id` is; `None` if no blob has that id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    pub(crate) fn status(&self, id: u64) -> Result<Option<BlobState>, StoreError> {
        if let Some(inclusion) = self.store.inclusion(id)? {
            return Ok(Some(BlobState::Included(inclusion)));
        }
        Ok(self.store.is_pending(id)?.then_some(BlobState::Pending))
    }

    /// Blobs waiting, and bytes waiting or reserved.
    pub(crate) fn len_and_bytes(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.queue.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use weft_encoding::layout::{elements_needed, Namespace};

    use super::*;

    fn test_pace() -> Pace {
        Pace::new(Duration::from_millis(100), 8)
    }

    #[test]
    fn a_waiting_submission_is_refused_with_a_retry_time_when_it_cannot_be_included_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // k ≤ 1: one block holds ~126 KB; before any measurement a block takes 0.5 s.
        let pool = Mempool::new(
            store,
            100_000,
            1 << 30,
            Pace::new(Duration::from_millis(100), 1),
        )
        .unwrap();
        let blob = || Blob::new(Namespace([3; 16]), vec![7; 100_000]);
        let deadline = Some(Duration::from_secs(2));
        // Each blob takes a block of its own: 0.1 s + n × 0.5 s ≤ 2 s for three of them.
        for _ in 0..3 {
            pool.submit(blob(), deadline).unwrap();
        }
        let refused = pool.submit(blob(), deadline).unwrap_err();
        let SubmitError::TooSlow { retry_after, .. } = refused else {
            panic!("{refused}")
        };
        assert_eq!(retry_after, 1);
        assert!(refused.to_string().contains("?wait=false"));
        // Not waiting, it is taken: it will be included, later.
        pool.submit(blob(), None).unwrap();
        // Encoding measured faster: more fits the deadline again.
        for _ in 0..20 {
            pool.observe(1, Duration::from_millis(10));
        }
        pool.take(1);
        pool.submit(blob(), deadline).unwrap();
    }

    fn pool(dir: &tempfile::TempDir, blobs: &[usize]) -> (Store, Mempool) {
        let store = Store::open(dir.path()).unwrap();
        let pool = Mempool::new(store.clone(), 1 << 20, 1 << 30, test_pace()).unwrap();
        for &len in blobs {
            pool.submit(Blob::new(Namespace([1; 16]), vec![1; len]), None)
                .unwrap();
        }
        (store, pool)
    }

    #[test]
    fn take_fills_a_square_exactly_and_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        // 1 + 2n + Σ⌈len/31⌉ ≤ 4096 for k = 1: four blobs take 4009 elements, the fifth
        // would need 92 more.
        let lens = vec![31 * 1000, 31 * 1000, 31 * 1000, 31 * 1000, 31 * 90];
        let (_, pool) = pool(&dir, &lens);
        let taken = pool.take(1);
        let taken_lens: Vec<usize> = taken.iter().map(|p| p.blob.data.len()).collect();
        assert_eq!(taken_lens, &lens[..4]);
        assert!(elements_needed(taken_lens.iter().copied()) <= FIELD_ELEMENTS_PER_ROW);
        assert_eq!(pool.take(1).len(), 1);
    }

    #[test]
    fn a_blob_too_large_for_max_k_is_taken_alone_not_stranded() {
        let dir = tempfile::tempdir().unwrap();
        let (_, pool) = pool(&dir, &[200_000, 10]);
        let taken = pool.take(1);
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].blob.data.len(), 200_000);
        assert_eq!(pool.take(1).len(), 1);
    }

    #[test]
    fn concurrent_submissions_never_exceed_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let pool = Mempool::new(store.clone(), 1000, 10_000, test_pace()).unwrap();
        let accepted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        (0..10)
                            .filter(|_| {
                                pool.submit(Blob::new(Namespace([2; 16]), vec![0; 1000]), None)
                                    .is_ok()
                            })
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(accepted, 10);
        assert_eq!(pool.len_and_bytes(), (10, 10_000));
    }
}
