//! Evidence that a validator signed conflicting messages (reported by the consensus engine),
//! kept in the meta column so that it survives restarts: one synced record per (kind, signer,
//! view), and their count.

use rocksdb::{WriteBatch, WriteOptions};

use super::{
    schema::{CF_META, META_EVIDENCE},
    Result, Store,
};

impl Store {
    /// Keeps one piece of evidence (synced) under `evidence/<kind>/<signer>/<view>`; the same
    /// one reported again is kept once. Returns how many are kept.
    ///
    /// # Errors
    /// [`super::StoreError`] if the read or write fails.
    pub fn put_evidence(&self, kind: &str, signer: u32, view: u64, evidence: &[u8]) -> Result<u64> {
        let key = format!("evidence/{kind}/{signer}/{view}");
        let count = self.evidence_count()?;
        if self.get(CF_META, key.as_bytes())?.is_some() {
            return Ok(count);
        }
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_META), key.as_bytes(), evidence);
        batch.put_cf(self.cf(CF_META), META_EVIDENCE, (count + 1).to_be_bytes());
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(|e| self.err(e))?;
        Ok(count + 1)
    }

    /// How many pieces of evidence are kept.
    ///
    /// # Errors
    /// [`super::StoreError`] if the read fails.
    pub fn evidence_count(&self) -> Result<u64> {
        Ok(self.meta_u64(META_EVIDENCE)?.unwrap_or(0))
    }
}
