//! Blobs waiting for a block: bounded in bytes, persisted before they are acknowledged, with
//! waiters to notify when their blob is in a stored block.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use tokio::sync::oneshot;
use weft_encoding::layout::{elements_needed, Blob};
use weft_types::api::BlobReceipt;

use crate::{error::NodeError, store::Store};

/// Why a blob was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
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
    #[error("pending pool is full ({pending} bytes waiting, limit {limit} bytes); retry after the next block")]
    Full {
        /// Bytes waiting.
        pending: usize,
        /// The limit.
        limit: usize,
    },
    /// Persisting failed.
    #[error(transparent)]
    Store(#[from] NodeError),
}

/// A queued blob.
#[derive(Debug)]
pub struct Pending {
    /// Its id (also its key in the store).
    pub id: u64,
    /// The blob.
    pub blob: Blob,
}

#[derive(Debug, Default)]
struct Inner {
    queue: VecDeque<Pending>,
    bytes: usize,
    waiters: HashMap<u64, Vec<oneshot::Sender<BlobReceipt>>>,
}

/// The pending pool.
#[derive(Debug)]
pub struct Mempool {
    inner: Mutex<Inner>,
    max_blob_size: usize,
    max_bytes: usize,
}

impl Mempool {
    /// A pool holding up to `max_bytes` of blobs of at most `max_blob_size` each, reloaded from
    /// the store's pending blobs.
    pub fn new(store: &Store, max_blob_size: usize, max_bytes: usize) -> Result<Self, NodeError> {
        let mut inner = Inner::default();
        for (id, blob) in store.pending()? {
            inner.bytes += blob.data.len();
            inner.queue.push_back(Pending { id, blob });
        }
        Ok(Self {
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
    pub fn submit(
        &self,
        store: &Store,
        blob: Blob,
        wait: bool,
    ) -> Result<(u64, Option<oneshot::Receiver<BlobReceipt>>), SubmitError> {
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
        {
            let inner = self.lock();
            if inner.bytes + size > self.max_bytes {
                return Err(SubmitError::Full {
                    pending: inner.bytes,
                    limit: self.max_bytes,
                });
            }
        }
        // Persist before acknowledging anything: a crash after this keeps the blob.
        let id = store.put_pending(&blob)?;
        let mut inner = self.lock();
        inner.bytes += size;
        inner.queue.push_back(Pending { id, blob });
        let receiver = wait.then(|| {
            let (tx, rx) = oneshot::channel();
            inner.waiters.entry(id).or_default().push(tx);
            rx
        });
        Ok((id, receiver))
    }

    /// Waits for an id already queued (e.g. after a 202).
    pub fn watch(&self, id: u64) -> oneshot::Receiver<BlobReceipt> {
        let (tx, rx) = oneshot::channel();
        self.lock().waiters.entry(id).or_default().push(tx);
        rx
    }

    /// Takes blobs from the front of the queue, oldest first, while they fit a square of `max_k`.
    pub fn take(&self, max_k: usize) -> Vec<Pending> {
        let capacity = max_k * weft_encoding::constants::FIELD_ELEMENTS_PER_ROW;
        let mut inner = self.lock();
        let mut lens = Vec::new();
        let mut taken = Vec::new();
        while let Some(front) = inner.queue.front() {
            lens.push(front.blob.data.len());
            if elements_needed(lens.iter().copied()) > capacity {
                break;
            }
            let p = inner.queue.pop_front().expect("front exists");
            inner.bytes -= p.blob.data.len();
            taken.push(p);
        }
        taken
    }

    /// Puts blobs back at the front (a block failed to build or store).
    pub fn restore(&self, blobs: Vec<Pending>) {
        let mut inner = self.lock();
        for p in blobs.into_iter().rev() {
            inner.bytes += p.blob.data.len();
            inner.queue.push_front(p);
        }
    }

    /// Tells every waiter of these ids where its blob went.
    pub fn notify(&self, receipts: &[(u64, BlobReceipt)]) {
        let mut inner = self.lock();
        for (id, receipt) in receipts {
            for tx in inner.waiters.remove(id).unwrap_or_default() {
                let _ = tx.send(receipt.clone());
            }
        }
    }

    /// Blobs and bytes waiting.
    pub fn len_and_bytes(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.queue.len(), inner.bytes)
    }
}
