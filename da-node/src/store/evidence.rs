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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_kept_once_per_kind_signer_and_view_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.evidence_count().unwrap(), 0);
            assert_eq!(
                store
                    .put_evidence("conflicting_notarize", 2, 7, b"a")
                    .unwrap(),
                1
            );
            // The engine reports the same fault again (after a restart, to each peer): once.
            assert_eq!(
                store
                    .put_evidence("conflicting_notarize", 2, 7, b"a")
                    .unwrap(),
                1
            );
            assert_eq!(
                store
                    .put_evidence("conflicting_finalize", 2, 7, b"b")
                    .unwrap(),
                2
            );
            assert_eq!(
                store
                    .put_evidence("conflicting_notarize", 3, 7, b"c")
                    .unwrap(),
                3
            );
        }
        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!(reopened.evidence_count().unwrap(), 3);
        assert_eq!(
            reopened
                .get(CF_META, b"evidence/conflicting_finalize/2/7")
                .unwrap()
                .as_deref(),
            Some(&b"b"[..])
        );
    }
}
