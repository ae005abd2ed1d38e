//! Reading blobs back out of the stored cells of the original rows.

use weft_encoding::{
    constants::{BYTES_PER_FIELD_ELEMENT, FIELD_ELEMENTS_PER_CELL, FIELD_ELEMENTS_PER_ROW},
    layout::{blob_commitment, elements_for, unpack, IndexEntry},
};

use super::{Lookup, Store};
use super::{Result, StoreError};

impl Store {
    /// The bytes of the blob described by `entry` at `height`, checked against its commitment.
    pub fn blob_data(&self, height: u64, entry: &IndexEntry) -> Result<Lookup<Vec<u8>>> {
        let start = entry.start as usize;
        let count = elements_for(entry.len as usize);
        let square = match self.square(height)? {
            Lookup::Found(square) => square,
            Lookup::Missing => return Ok(Lookup::Missing),
            Lookup::Pruned => return Ok(Lookup::Pruned),
        };
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
        let data =
            unpack(&bytes, entry.len as usize).map_err(|e| StoreError::corrupt("blob", e))?;
        if blob_commitment(&entry.namespace, &data) != entry.commitment {
            return Err(StoreError::corrupt(
                "blob",
                "data does not match its commitment",
            ));
        }
        Ok(Lookup::Found(data))
    }
}
