//! Blocks a validator proposed or voted for and that are not final yet: each is kept, synced,
//! before the vote that depends on it leaves (the leader's proposal before the engine
//! broadcasts it, another's before this validator votes for it), until a block at its height
//! is finalized. After a restart of every validator at once (or of a chain of one) between a
//! block's notarization and its finalization, the engine's journal names a block that no
//! memory holds any more: it is read back from here. Kept in the meta family: the block as
//! consensus carries it (PROTOCOL §12) under `proposal/` ‖ header hash (32 bytes), read by
//! hash with one lookup, and an empty marker under `proposal_at/` ‖ u64be(height) ‖
//! u64be(timestamp ms) ‖ header hash, scanned (keys only, no block bytes) to drop and to bound.

use rocksdb::{Direction, IteratorMode, WriteBatch, WriteOptions};
use weft_encoding::layout::Digest32;

use super::{schema::CF_META, Result, Store};

/// Key prefix of a kept block, by header hash.
const BLOCK_PREFIX: &[u8] = b"proposal/";
/// Key prefix of a kept block's marker, by height and timestamp.
const MARKER_PREFIX: &[u8] = b"proposal_at/";
/// Length of a marker's key.
const MARKER_BYTES: usize = MARKER_PREFIX.len() + 8 + 8 + 32;
/// Most blocks kept (each at most `weft_consensus::MAX_BLOCK_MESSAGE_BYTES`, 24 MiB). Those kept
/// are the blocks above the last finalized height, of views not decided yet: a chain that
/// finalizes keeps one or two. Beyond it the highest heights go first, and at one height the
/// oldest timestamps (earlier views): the blocks just above the finalized one, which a restart
/// needs first, stay, whatever a validator sends of blocks far ahead.
pub const MAX_KEPT_PROPOSALS: usize = 16;

fn block_key(digest: &Digest32) -> Vec<u8> {
    [BLOCK_PREFIX, &digest.0].concat()
}

/// A kept block's marker: (height, timestamp ms, header hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker {
    height: u64,
    timestamp_ms: u64,
    digest: Digest32,
}

impl Marker {
    fn key(&self) -> Vec<u8> {
        [
            MARKER_PREFIX,
            &self.height.to_be_bytes(),
            &self.timestamp_ms.to_be_bytes(),
            &self.digest.0,
        ]
        .concat()
    }

    fn parse(key: &[u8]) -> Option<Self> {
        let rest = key.strip_prefix(MARKER_PREFIX)?;
        if key.len() != MARKER_BYTES {
            return None;
        }
        Some(Self {
            height: u64::from_be_bytes(rest[..8].try_into().ok()?),
            timestamp_ms: u64::from_be_bytes(rest[8..16].try_into().ok()?),
            digest: Digest32(rest[16..].try_into().ok()?),
        })
    }

    /// The order blocks are kept in beyond the bound: lowest height first, then newest.
    fn rank(&self) -> (u64, std::cmp::Reverse<u64>) {
        (self.height, std::cmp::Reverse(self.timestamp_ms))
    }
}

impl Store {
    /// Keeps block `digest` (its header's height and timestamp), synced, until
    /// [`Store::drop_proposals_through`] passes its height. Of more than
    /// [`MAX_KEPT_PROPOSALS`], those ranked last (highest height, then oldest timestamp) are
    /// dropped — this one too if it is among them: returns whether it is kept.
    ///
    /// # Errors
    /// [`super::StoreError`] if the write fails.
    pub fn put_proposal(
        &self,
        height: u64,
        timestamp_ms: u64,
        digest: &Digest32,
        block: &[u8],
    ) -> Result<bool> {
        let marker = Marker {
            height,
            timestamp_ms,
            digest: *digest,
        };
        let mut kept = self.markers()?;
        if kept.contains(&marker) {
            return Ok(true);
        }
        kept.push(marker);
        kept.sort_by_key(Marker::rank);
        let mut batch = WriteBatch::default();
        for old in kept.iter().skip(MAX_KEPT_PROPOSALS) {
            batch.delete_cf(self.cf(CF_META), old.key());
            batch.delete_cf(self.cf(CF_META), block_key(&old.digest));
        }
        let keep = kept.iter().take(MAX_KEPT_PROPOSALS).any(|m| *m == marker);
        if keep {
            batch.put_cf(self.cf(CF_META), marker.key(), []);
            batch.put_cf(self.cf(CF_META), block_key(digest), block);
        }
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(|e| self.err(e))?;
        Ok(keep)
    }

    /// The kept block whose header hash is `digest`, if any (one lookup).
    ///
    /// # Errors
    /// [`super::StoreError`] if the read fails.
    pub fn proposal(&self, digest: &Digest32) -> Result<Option<Vec<u8>>> {
        self.get(CF_META, &block_key(digest))
    }

    /// Drops the kept blocks at heights up to `height` (a block at `height` was finalized).
    ///
    /// # Errors
    /// [`super::StoreError`] if the write fails.
    pub fn drop_proposals_through(&self, height: u64) -> Result<()> {
        let mut batch = WriteBatch::default();
        for marker in self.markers()?.iter().filter(|m| m.height <= height) {
            batch.delete_cf(self.cf(CF_META), marker.key());
            batch.delete_cf(self.cf(CF_META), block_key(&marker.digest));
        }
        if batch.is_empty() {
            return Ok(());
        }
        self.db.write(batch).map_err(|e| self.err(e))
    }

    /// The kept blocks' markers, in key order (their values are empty: no block bytes read).
    fn markers(&self) -> Result<Vec<Marker>> {
        let mut markers = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf(CF_META),
            IteratorMode::From(MARKER_PREFIX, Direction::Forward),
        );
        for item in iter {
            let (key, _) = item.map_err(|e| self.err(e))?;
            if !key.starts_with(MARKER_PREFIX) {
                break;
            }
            markers.extend(Marker::parse(&key));
        }
        Ok(markers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(i: u8) -> Digest32 {
        Digest32([i; 32])
    }

    fn kept(store: &Store) -> Vec<u8> {
        let mut out: Vec<u8> = store
            .markers()
            .unwrap()
            .iter()
            .map(|m| m.digest.0[0])
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn kept_proposals_survive_a_reopen_until_their_height_is_finalized() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert!(store
                .put_proposal(5, 800, &digest(1), b"five, view 8")
                .unwrap());
            assert!(store
                .put_proposal(5, 900, &digest(2), b"five, view 9")
                .unwrap());
            assert!(store.put_proposal(6, 950, &digest(3), b"six").unwrap());
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(kept(&store), [1, 2, 3]);
        assert_eq!(
            store.proposal(&digest(1)).unwrap().unwrap(),
            b"five, view 8"
        );
        assert_eq!(
            store.proposal(&digest(2)).unwrap().unwrap(),
            b"five, view 9"
        );
        assert_eq!(store.proposal(&digest(3)).unwrap().unwrap(), b"six");
        assert_eq!(store.proposal(&digest(4)).unwrap(), None);
        store.drop_proposals_through(5).unwrap();
        assert_eq!(kept(&store), [3]);
        assert_eq!(store.proposal(&digest(1)).unwrap(), None);
        assert_eq!(store.proposal(&digest(2)).unwrap(), None);
        assert_eq!(store.proposal(&digest(3)).unwrap().unwrap(), b"six");
        store.drop_proposals_through(6).unwrap();
        assert!(kept(&store).is_empty());
        assert_eq!(store.proposal(&digest(3)).unwrap(), None);
    }

    #[test]
    fn beyond_the_bound_the_highest_heights_go_first_then_the_oldest_views() {
        let max = MAX_KEPT_PROPOSALS as u8;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // Heights 10.., one block each: full.
        for i in 0..max {
            let height = 10 + u64::from(i);
            assert!(store.put_proposal(height, 1_000, &digest(i), &[i]).unwrap());
        }
        // The same block again evicts nothing.
        assert!(store.put_proposal(10, 1_000, &digest(0), &[0]).unwrap());
        assert_eq!(kept(&store), (0..max).collect::<Vec<_>>());
        // A block far ahead is not kept; one at height 10 evicts the highest kept (an existing
        // block: marker and bytes).
        assert!(!store
            .put_proposal(1_000, 1_000, &digest(200), b"far")
            .unwrap());
        assert_eq!(store.proposal(&digest(200)).unwrap(), None);
        assert!(store
            .put_proposal(10, 2_000, &digest(100), b"later")
            .unwrap());
        assert_eq!(store.proposal(&digest(max - 1)).unwrap(), None);
        let mut expected: Vec<u8> = (0..max - 1).collect();
        expected.push(100);
        assert_eq!(kept(&store), expected);

        // At one height (views that were not decided), the earliest go first.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for i in 0..max {
            let stamp = 1_000 + u64::from(i);
            assert!(store.put_proposal(7, stamp, &digest(i), &[i]).unwrap());
        }
        assert!(!store.put_proposal(7, 500, &digest(101), b"old").unwrap());
        assert!(store.put_proposal(7, 5_000, &digest(102), b"new").unwrap());
        assert_eq!(store.proposal(&digest(0)).unwrap(), None);
        let mut expected: Vec<u8> = (1..max).collect();
        expected.push(102);
        assert_eq!(kept(&store), expected);
    }
}
