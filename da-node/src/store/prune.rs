//! Pruning (`--prune-after`): the cells of old heights deleted in the block's own batch, and the
//! space they held reclaimed by background compactions.

use rocksdb::WriteBatch;

use super::{schema::*, Result, Store, COMPACT_EVERY, COMPACT_SMALL_EVERY};

impl Store {
    /// Adds to `batch` the deletion of every cell below `below` not deleted yet, and the new
    /// `pruned_below`; returns the range pruned.
    pub(super) fn prune_below(
        &self,
        batch: &mut WriteBatch,
        below: u64,
    ) -> Result<Option<(u64, u64)>> {
        let from = self.pruned_below()?;
        if below <= from {
            return Ok(None);
        }
        batch.delete_range_cf(
            self.cf(CF_CELLS),
            cell_key(from, 0, 0),
            cell_key(below, 0, 0),
        );
        batch.put_cf(self.cf(CF_META), META_PRUNED_BELOW, below.to_be_bytes());
        Ok(Some((from, below)))
    }

    /// Keeps the store's size and file count bounded (a soak showed both growing): deleted
    /// ranges free their disk space only when compacted, so each time pruning passes a multiple
    /// of [`COMPACT_EVERY`] heights the pruned cells are compacted away; and the small column
    /// families, whose keys only grow, would pile up one tiny table file per flush (moved down
    /// the levels as they are, never merged), so every [`COMPACT_SMALL_EVERY`] heights each is
    /// compacted whole. Both on a background thread, one at a time.
    pub(super) fn reclaim(&self, height: u64, pruned: Option<(u64, u64)>) {
        let cells_below = pruned
            .filter(|(from, below)| from / COMPACT_EVERY != below / COMPACT_EVERY)
            .map(|(_, below)| below);
        use std::sync::atomic::Ordering;
        if height % COMPACT_SMALL_EVERY == 0 {
            // Kept due until a compaction thread takes it (one may be running now).
            self.small_due.store(true, Ordering::Release);
        }
        if (cells_below.is_none() && !self.small_due.load(Ordering::Acquire))
            || self.compacting.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let small = self.small_due.swap(false, Ordering::AcqRel);
        let (db, compacting) = (self.db.clone(), self.compacting.clone());
        let spawned = std::thread::Builder::new()
            .name("weft-compact".into())
            .spawn(move || {
                // Files already on the bottom level are rewritten too (RocksDB skips them by
                // default), so tiny files merge and deleted cells go.
                let mut whole = rocksdb::CompactOptions::default();
                whole.set_bottommost_level_compaction(
                    rocksdb::BottommostLevelCompaction::ForceOptimized,
                );
                if let (Some(below), Some(cf)) = (cells_below, db.cf_handle(CF_CELLS)) {
                    let end = cell_key(below, 0, 0);
                    db.compact_range_cf_opt(cf, None::<&[u8]>, Some(&end[..]), &whole);
                }
                if small {
                    for name in ALL_CFS.iter().filter(|n| **n != CF_CELLS) {
                        if let Some(cf) = db.cf_handle(name) {
                            db.compact_range_cf_opt(cf, None::<&[u8]>, None::<&[u8]>, &whole);
                        }
                    }
                }
                compacting.store(false, std::sync::atomic::Ordering::Release);
            });
        if spawned.is_err() {
            self.compacting
                .store(false, std::sync::atomic::Ordering::Release);
        }
    }
}
