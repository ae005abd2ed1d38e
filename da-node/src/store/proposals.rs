//! Blocks a validator proposed or voted for and that are not final yet: each is kept, synced,
//! before the vote that depends on it leaves (the leader's proposal before the engine
//! broadcasts it, another's before this validator votes for it), until a block at its height
//! is finalized. After a restart of every validator at once (or of a chain of one) between a
//! block's notarization and its finalization, the engine's journal names a block that no
//! memory holds any more: it is read back from here. Kept in the meta family under
//! `proposal/` ‖ u64be(height) ‖ u64be(timestamp ms) ‖ header hash (32 bytes): the block as
//! consensus carries it (PROTOCOL §12).

use rocksdb::{Direction, IteratorMode, WriteBatch, WriteOptions};
use weft_encoding::layout::Digest32;

use super::{schema::CF_META, Result, Store};

/// Key prefix of a kept proposal.
const PREFIX: &[u8] = b"proposal/";
/// Most proposals kept; beyond it the lowest (height, timestamp) go first. Those kept are the
/// blocks above the last finalized height, of views not decided yet: a chain that finalizes
/// keeps one or two.
pub const MAX_KEPT_PROPOSALS: usize = 32;
/// Length of a kept proposal's key.
const KEY_BYTES: usize = PREFIX.len() + 8 + 8 + 32;

fn proposal_key(height: u64, timestamp_ms: u64, digest: &Digest32) -> Vec<u8> {
    let mut key = PREFIX.to_vec();
    key.extend_from_slice(&height.to_be_bytes());
    key.extend_from_slice(&timestamp_ms.to_be_bytes());
    key.extend_from_slice(&digest.0);
    key
}

impl Store {
    /// Keeps block `digest` (its header's height and timestamp) synced, until
    /// [`Store::drop_proposals_through`] passes its height; of more than [`MAX_KEPT_PROPOSALS`],
    /// the lowest (height, timestamp) are dropped (this one too, if it is among them).
    ///
    /// # Errors
    /// [`super::StoreError`] if the write fails.
    pub fn put_proposal(
        &self,
        height: u64,
        timestamp_ms: u64,
        digest: &Digest32,
        block: &[u8],
    ) -> Result<()> {
        let key = proposal_key(height, timestamp_ms, digest);
        let mut kept = self.proposal_keys()?;
        if kept.contains(&key) {
            return Ok(());
        }
        kept.push(key.clone());
        kept.sort();
        let excess = kept.len().saturating_sub(MAX_KEPT_PROPOSALS);
        let mut batch = WriteBatch::default();
        for old in &kept[..excess] {
            batch.delete_cf(self.cf(CF_META), old);
        }
        if kept[excess..].contains(&key) {
            batch.put_cf(self.cf(CF_META), &key, block);
        }
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options).map_err(|e| self.err(e))
    }

    /// The kept block whose header hash is `digest`, if any.
    ///
    /// # Errors
    /// [`super::StoreError`] if a read fails.
    pub fn proposal(&self, digest: &Digest32) -> Result<Option<Vec<u8>>> {
        let Some(key) = self
            .proposal_keys()?
            .into_iter()
            .find(|k| k.ends_with(&digest.0))
        else {
            return Ok(None);
        };
        self.get(CF_META, &key)
    }

    /// Drops the kept blocks at heights up to `height` (a block at `height` was finalized).
    ///
    /// # Errors
    /// [`super::StoreError`] if the write fails.
    pub fn drop_proposals_through(&self, height: u64) -> Result<()> {
        let mut batch = WriteBatch::default();
        for key in self.proposal_keys()? {
            let at = u64::from_be_bytes(
                key[PREFIX.len()..PREFIX.len() + 8]
                    .try_into()
                    .expect("8 bytes"),
            );
            if at <= height {
                batch.delete_cf(self.cf(CF_META), key);
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        self.db.write(batch).map_err(|e| self.err(e))
    }

    /// Keys of the kept proposals, lowest (height, timestamp) first.
    fn proposal_keys(&self) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf(CF_META),
            IteratorMode::From(PREFIX, Direction::Forward),
        );
        for item in iter {
            let (key, _) = item.map_err(|e| self.err(e))?;
            if !key.starts_with(PREFIX) {
                break;
            }
            if key.len() == KEY_BYTES {
                keys.push(key.to_vec());
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(i: u8) -> Digest32 {
        Digest32([i; 32])
    }

    #[test]
    fn kept_proposals_survive_a_reopen_until_their_height_is_finalized() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .put_proposal(5, 800, &digest(1), b"five, view 8")
                .unwrap();
            store
                .put_proposal(5, 900, &digest(2), b"five, view 9")
                .unwrap();
            store.put_proposal(6, 950, &digest(3), b"six").unwrap();
            // The same block again (built, then checked after a restart): kept once.
            store.put_proposal(6, 950, &digest(3), b"six").unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            store.proposal(&digest(2)).unwrap().unwrap(),
            b"five, view 9"
        );
        assert_eq!(store.proposal(&digest(3)).unwrap().unwrap(), b"six");
        assert_eq!(store.proposal(&digest(4)).unwrap(), None);
        store.drop_proposals_through(5).unwrap();
        assert_eq!(store.proposal(&digest(1)).unwrap(), None);
        assert_eq!(store.proposal(&digest(2)).unwrap(), None);
        assert_eq!(store.proposal(&digest(3)).unwrap().unwrap(), b"six");
        assert_eq!(store.proposal_keys().unwrap().len(), 1);
        store.drop_proposals_through(6).unwrap();
        assert!(store.proposal_keys().unwrap().is_empty());
    }

    #[test]
    fn at_most_max_kept_proposals_are_kept_the_oldest_dropped_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let n = MAX_KEPT_PROPOSALS as u64 + 3;
        // Proposals at two heights, out of order: the three lowest (height, timestamp) go,
        // whenever they came (the last three written are among them).
        let at = |i: u64| (1 + i / 20, 1_000 + i);
        for i in (0..n).rev() {
            let (height, timestamp) = at(i);
            store
                .put_proposal(height, timestamp, &digest(i as u8), &i.to_be_bytes())
                .unwrap();
        }
        assert_eq!(store.proposal_keys().unwrap().len(), MAX_KEPT_PROPOSALS);
        for i in 0..n {
            let kept = store.proposal(&digest(i as u8)).unwrap();
            if i < 3 {
                assert_eq!(kept, None, "proposal {i}");
            } else {
                assert_eq!(kept.unwrap(), i.to_be_bytes(), "proposal {i}");
            }
        }
    }
}
