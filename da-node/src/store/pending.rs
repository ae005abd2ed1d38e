//! The pending pool's persistence: blobs waiting for a block (synced on submission, so an
//! acknowledged blob survives a crash) and, once included, where each went.

use std::sync::atomic::Ordering;

use rocksdb::{IteratorMode, WriteOptions};
use weft_encoding::layout::{Blob, Namespace};

use super::{schema::*, Inclusion, Result, Store, StoreError};

impl Store {
    /// Persists a pending blob (synced) and returns its id, unique even under concurrent calls.
    pub fn put_pending(&self, blob: &Blob) -> Result<u64> {
        let id = self.next_pending.fetch_add(1, Ordering::SeqCst);
        let mut value = blob.namespace.0.to_vec();
        value.extend_from_slice(&blob.data);
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .put_cf_opt(self.cf(CF_PENDING), id.to_be_bytes(), value, &options)
            .map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Records under a new id that a blob submitted now is already in a stored block, at
    /// `inclusion` (the same blob submitted again): synced. Returns the id.
    pub fn put_receipt(&self, inclusion: &Inclusion) -> Result<u64> {
        let id = self.next_pending.fetch_add(1, Ordering::SeqCst);
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .put_cf_opt(
                self.cf(CF_RECEIPTS),
                id.to_be_bytes(),
                inclusion.to_bytes(),
                &options,
            )
            .map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Pending blob `id` turns out to be in a stored block, at `inclusion`: its receipt replaces
    /// it (one synced batch).
    pub fn settle(&self, id: u64, inclusion: &Inclusion) -> Result<()> {
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_cf(self.cf(CF_PENDING), id.to_be_bytes());
        batch.put_cf(self.cf(CF_RECEIPTS), id.to_be_bytes(), inclusion.to_bytes());
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options).map_err(|e| self.err(e))
    }

    /// Where the blob with `commitment` is in a stored block, if it is.
    pub fn inclusion_of(
        &self,
        commitment: &weft_encoding::layout::BlobCommitment,
    ) -> Result<Option<Inclusion>> {
        let Some((height, index)) = self.blob_location(commitment)? else {
            return Ok(None);
        };
        let entry = self
            .index(height)?
            .and_then(|entries| entries.get(index as usize).copied());
        Ok(entry.map(|e| Inclusion {
            height,
            index,
            namespace: e.namespace,
            commitment: e.commitment,
        }))
    }

    /// All pending blobs, oldest first.
    pub fn pending(&self) -> Result<Vec<(u64, Blob)>> {
        self.db
            .iterator_cf(self.cf(CF_PENDING), IteratorMode::Start)
            .map(|item| {
                let (k, v) = item.map_err(|e| self.err(e))?;
                let id = read_u64(&k).ok_or_else(|| StoreError::corrupt("pending", "bad key"))?;
                if v.len() < 16 {
                    return Err(StoreError::corrupt("pending", "short value"));
                }
                let namespace = Namespace(v[..16].try_into().expect("16 bytes"));
                Ok((id, Blob::new(namespace, v[16..].to_vec())))
            })
            .collect()
    }

    /// Whether a pending id is still waiting.
    pub fn is_pending(&self, id: u64) -> Result<bool> {
        Ok(self.get(CF_PENDING, &id.to_be_bytes())?.is_some())
    }

    /// Where an included pending id went.
    pub fn inclusion(&self, id: u64) -> Result<Option<Inclusion>> {
        self.get(CF_RECEIPTS, &id.to_be_bytes())?
            .map(|v| {
                Inclusion::from_bytes(&v)
                    .ok_or_else(|| StoreError::corrupt("receipt", "bad record"))
            })
            .transpose()
    }
}
