//! Blocks a validator finalized and has not stored yet (its writer encodes each whole square
//! after finalization): each is kept, synced, from finalization until its block is stored, so
//! that a crash in between loses nothing even where no other validator holds the block (a chain
//! of one validator, or every validator restarted at once). Kept in the meta family under
//! `finalized/` ‖ u64be(height): u32be(header length) ‖ certified header ‖ the block as
//! consensus carried it (PROTOCOL §12).

use rocksdb::{Direction, IteratorMode, WriteOptions};
use weft_types::Header;

use super::{schema::*, Result, Store, StoreError};

/// Key prefix of a kept finalized block.
const PREFIX: &[u8] = b"finalized/";

/// The key of the finalized block kept for `height`.
pub(super) fn finalized_key(height: u64) -> Vec<u8> {
    let mut key = PREFIX.to_vec();
    key.extend_from_slice(&height.to_be_bytes());
    key
}

impl Store {
    /// Keeps a finalized block (its header with the certificate, and its bytes) until
    /// [`Store::put_block`] stores that height: synced.
    ///
    /// # Errors
    /// [`StoreError`] if the write fails.
    pub fn put_finalized(&self, header: &Header, block: &[u8]) -> Result<()> {
        let header_bytes = header.to_bytes();
        let mut value = Vec::with_capacity(4 + header_bytes.len() + block.len());
        value.extend_from_slice(
            &u32::try_from(header_bytes.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        value.extend_from_slice(&header_bytes);
        value.extend_from_slice(block);
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .put_cf_opt(
                self.cf(CF_META),
                finalized_key(header.height()),
                value,
                &options,
            )
            .map_err(|e| self.err(e))
    }

    /// The finalized blocks kept and not stored yet, above the head, in height order: (the
    /// certified header, the block's bytes). Kept ones at or below the head (stored by an older
    /// version that did not remove them) are removed.
    ///
    /// # Errors
    /// [`StoreError`] if a read fails or a kept block is not one.
    pub fn finalized_unstored(&self) -> Result<Vec<(Header, Vec<u8>)>> {
        let head = self.head()?;
        let mut kept = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf(CF_META),
            IteratorMode::From(PREFIX, Direction::Forward),
        );
        for item in iter {
            let (key, value) = item.map_err(|e| self.err(e))?;
            let Some(height) = key.strip_prefix(PREFIX).and_then(read_u64) else {
                break;
            };
            if height <= head {
                self.db
                    .delete_cf(self.cf(CF_META), &key)
                    .map_err(|e| self.err(e))?;
                continue;
            }
            let corrupt = |reason: &str| StoreError::corrupt("finalized block", reason);
            let len = value
                .get(..4)
                .map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")) as usize)
                .ok_or_else(|| corrupt("short value"))?;
            let header_bytes = value
                .get(4..4 + len)
                .ok_or_else(|| corrupt("short header"))?;
            let header = Header::from_bytes(header_bytes).map_err(|e| corrupt(&e.to_string()))?;
            kept.push((header, value[4 + len..].to_vec()));
        }
        Ok(kept)
    }
}
