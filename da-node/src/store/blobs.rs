//! Reading blobs back out of the stored cells of the original rows: whole ([`Store::blob_data`])
//! or a chunk at a time ([`BlobReader`], for streaming a blob to a client without holding it
//! whole), each checked against the blob's commitment.

use weft_encoding::{
    constants::{
        BYTES_PER_FIELD_ELEMENT, DATA_BYTES_PER_ELEMENT, FIELD_ELEMENTS_PER_CELL,
        FIELD_ELEMENTS_PER_ROW,
    },
    layout::{elements_for, unpack, BlobHasher, IndexEntry},
};

use super::{Lookup, Store};
use super::{Result, StoreError};

/// A blob's bytes read out of the store a chunk at a time, in order; the last chunk is checked
/// against the blob's commitment (a mismatch is [`StoreError::Corrupt`]).
#[derive(Debug)]
pub struct BlobReader {
    store: Store,
    height: u64,
    entry: IndexEntry,
    /// Elements of the blob read so far.
    read: usize,
    hasher: Option<BlobHasher>,
}

impl Store {
    /// The bytes of the blob described by `entry` at `height`, checked against its commitment.
    ///
    /// # Errors
    /// [`StoreError`] if a read fails or the bytes do not match the commitment.
    pub fn blob_data(&self, height: u64, entry: &IndexEntry) -> Result<Lookup<Vec<u8>>> {
        let mut reader = match self.blob_reader(height, entry)? {
            Lookup::Found(reader) => reader,
            Lookup::Missing => return Ok(Lookup::Missing),
            Lookup::Pruned => return Ok(Lookup::Pruned),
        };
        let mut data = Vec::with_capacity(entry.len as usize);
        loop {
            match reader.next_chunk(usize::MAX)? {
                Lookup::Found(Some(chunk)) => data.extend_from_slice(&chunk),
                Lookup::Found(None) => return Ok(Lookup::Found(data)),
                Lookup::Missing => return Ok(Lookup::Missing),
                Lookup::Pruned => return Ok(Lookup::Pruned),
            }
        }
    }

    /// A reader of the blob described by `entry` at `height`: missing or pruned when the
    /// block's square is.
    ///
    /// # Errors
    /// [`StoreError`] if the read fails.
    pub fn blob_reader(&self, height: u64, entry: &IndexEntry) -> Result<Lookup<BlobReader>> {
        Ok(match self.square(height)? {
            Lookup::Found(_) => Lookup::Found(BlobReader {
                store: self.clone(),
                height,
                entry: *entry,
                read: 0,
                hasher: Some(BlobHasher::new(&entry.namespace, entry.len as usize)),
            }),
            Lookup::Missing => Lookup::Missing,
            Lookup::Pruned => Lookup::Pruned,
        })
    }
}

impl BlobReader {
    /// The next bytes of the blob, at most `max_elements` field elements' worth (31 bytes
    /// each), read from the store now; `None` after the last. Missing or pruned if the square
    /// went meanwhile.
    ///
    /// # Errors
    /// [`StoreError`] if a read fails, a stored element is not a packed one, or (with the last
    /// chunk) the bytes do not match the blob's commitment.
    pub fn next_chunk(&mut self, max_elements: usize) -> Result<Lookup<Option<Vec<u8>>>> {
        let total = elements_for(self.entry.len as usize);
        if self.read >= total {
            return Ok(Lookup::Found(None));
        }
        let square = match self.store.square(self.height)? {
            Lookup::Found(square) => square,
            Lookup::Missing => return Ok(Lookup::Missing),
            Lookup::Pruned => return Ok(Lookup::Pruned),
        };
        let count = max_elements.max(1).min(total - self.read);
        let start = self.entry.start as usize + self.read;
        let mut bytes = Vec::with_capacity(count * BYTES_PER_FIELD_ELEMENT);
        let mut element = start;
        while element < start + count {
            let row = element / FIELD_ELEMENTS_PER_ROW;
            let col = (element % FIELD_ELEMENTS_PER_ROW) / FIELD_ELEMENTS_PER_CELL;
            let cell = match square.cell(row as u16, col as u16)? {
                Lookup::Found((cell, _)) => cell,
                Lookup::Missing => return Ok(Lookup::Missing),
                Lookup::Pruned => return Ok(Lookup::Pruned),
            };
            let first = element % FIELD_ELEMENTS_PER_CELL;
            let last = FIELD_ELEMENTS_PER_CELL.min(first + (start + count - element));
            bytes.extend_from_slice(
                &cell[first * BYTES_PER_FIELD_ELEMENT..last * BYTES_PER_FIELD_ELEMENT],
            );
            element += last - first;
        }
        self.read += count;
        let len = if self.read == total {
            self.entry.len as usize - (self.read - count) * DATA_BYTES_PER_ELEMENT
        } else {
            count * DATA_BYTES_PER_ELEMENT
        };
        let data = unpack(&bytes, len).map_err(|e| StoreError::corrupt("blob", e))?;
        let mut hasher = self.hasher.take().expect("taken only with the last chunk");
        hasher.update(&data);
        if self.read < total {
            self.hasher = Some(hasher);
        } else if hasher.finish() != self.entry.commitment {
            return Err(StoreError::corrupt(
                "blob",
                "data does not match its commitment",
            ));
        }
        Ok(Lookup::Found(Some(data)))
    }
}
