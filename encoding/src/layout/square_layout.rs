//! How blobs are laid into the original rows, and how a reader takes them out again.
//!
//! The k original rows, 4096 elements each, form one element stream (row-major). Element 0
//! holds the layout header, elements `1 + 2i` and `2 + 2i` index entry i, and the blobs follow
//! back to back in index order, each starting on a fresh element. Everything else is zero. The
//! exact format is in docs/PROTOCOL.md.

use super::{
    blob::Blob,
    index::{index_root, IndexEntry, INDEX_ENTRY_BYTES},
    merkle::Hash,
    pack::{elements_for, pack, unpack},
};
use crate::{
    constants::{BYTES_PER_FIELD_ELEMENT, BYTES_PER_ROW, FIELD_ELEMENTS_PER_ROW, MAX_K},
    error::{Error, Result},
};

/// Version of the layout, in the header element.
pub const LAYOUT_VERSION: u16 = 1;
/// Elements taken by each index entry.
pub const ELEMENTS_PER_INDEX_ENTRY: usize = 2;

/// A laid-out square, ready to encode.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Original rows (0 when there are no blobs).
    pub k: usize,
    /// `k × 131072` bytes: the original rows, each a blob of 4096 canonical elements.
    pub data: Vec<u8>,
    /// The index, sorted by namespace (stable: equal namespaces keep submission order).
    pub index: Vec<IndexEntry>,
    /// Merkle root of the index.
    pub index_root: Hash,
    /// `order[j]` is the position in the input of the blob at index entry j.
    pub order: Vec<usize>,
}

impl Layout {
    /// The original rows as byte slices.
    pub fn rows(&self) -> Vec<&[u8]> {
        self.data.chunks_exact(BYTES_PER_ROW).collect()
    }
}

/// Elements needed to lay out blobs of these lengths.
pub fn elements_needed(lens: impl IntoIterator<Item = usize>) -> usize {
    let (count, data) = lens
        .into_iter()
        .fold((0, 0), |(n, d), len| (n + 1, d + elements_for(len)));
    if count == 0 {
        0
    } else {
        1 + ELEMENTS_PER_INDEX_ENTRY * count + data
    }
}

/// The smallest k (power of two) whose square holds `elements`; 0 for none.
pub fn smallest_k(elements: usize) -> usize {
    if elements == 0 {
        0
    } else {
        elements
            .div_ceil(FIELD_ELEMENTS_PER_ROW)
            .next_power_of_two()
    }
}

/// Lays blobs out in the smallest square with `k ≤ max_k`, sorted by namespace.
pub fn lay_out(blobs: &[Blob], max_k: usize) -> Result<Layout> {
    if let Some(index) = blobs.iter().position(|b| b.data.is_empty()) {
        return Err(Error::EmptyBlob { index });
    }
    let max_k = max_k.min(MAX_K);
    let needed = elements_needed(blobs.iter().map(|b| b.data.len()));
    let k = smallest_k(needed);
    if k > max_k {
        return Err(Error::SquareFull {
            needed,
            capacity: max_k * FIELD_ELEMENTS_PER_ROW,
            max_k,
        });
    }
    let mut order: Vec<usize> = (0..blobs.len()).collect();
    order.sort_by_key(|&i| blobs[i].namespace);

    let mut data = vec![0u8; k * BYTES_PER_ROW];
    let mut index = Vec::with_capacity(order.len());
    let mut next = 1 + ELEMENTS_PER_INDEX_ENTRY * order.len();
    for (i, blob) in order.iter().map(|&j| &blobs[j]).enumerate() {
        let entry = IndexEntry {
            namespace: blob.namespace,
            start: u32::try_from(next).expect("fits: at most 2^19 elements"),
            len: u32::try_from(blob.data.len()).map_err(|_| Error::SquareFull {
                needed,
                capacity: 0,
                max_k,
            })?,
            commitment: blob.commitment(),
        };
        let n = elements_for(blob.data.len());
        pack(
            &blob.data,
            &mut data[next * BYTES_PER_FIELD_ELEMENT..(next + n) * BYTES_PER_FIELD_ELEMENT],
        );
        write_entry(&mut data, i, &entry);
        index.push(entry);
        next += n;
    }
    if k > 0 {
        let header = element_mut(&mut data, 0);
        header[1..3].copy_from_slice(&LAYOUT_VERSION.to_be_bytes());
        header[3..7].copy_from_slice(&(order.len() as u32).to_be_bytes());
    }
    let index_root = index_root(&index);
    Ok(Layout {
        k,
        data,
        index,
        index_root,
        order,
    })
}

fn element_mut(data: &mut [u8], i: usize) -> &mut [u8] {
    &mut data[i * BYTES_PER_FIELD_ELEMENT..(i + 1) * BYTES_PER_FIELD_ELEMENT]
}

fn element(data: &[u8], i: usize) -> &[u8] {
    &data[i * BYTES_PER_FIELD_ELEMENT..(i + 1) * BYTES_PER_FIELD_ELEMENT]
}

fn write_entry(data: &mut [u8], i: usize, entry: &IndexEntry) {
    let bytes = entry.to_bytes();
    let first = 1 + ELEMENTS_PER_INDEX_ENTRY * i;
    element_mut(data, first)[1..].copy_from_slice(&bytes[..31]);
    element_mut(data, first + 1)[1..=INDEX_ENTRY_BYTES - 31].copy_from_slice(&bytes[31..]);
}

fn read_entry(data: &[u8], i: usize) -> Result<IndexEntry> {
    let first = 1 + ELEMENTS_PER_INDEX_ENTRY * i;
    let (a, b) = (element(data, first), element(data, first + 1));
    if a[0] != 0 || b[0] != 0 || b[1 + INDEX_ENTRY_BYTES - 31..].iter().any(|&x| x != 0) {
        return Err(Error::Layout("index entry padding is not zero"));
    }
    let mut bytes = [0u8; INDEX_ENTRY_BYTES];
    bytes[..31].copy_from_slice(&a[1..]);
    bytes[31..].copy_from_slice(&b[1..=INDEX_ENTRY_BYTES - 31]);
    Ok(IndexEntry::from_bytes(&bytes))
}

/// Parses and checks the layout of the original rows (`k × 131072` bytes): header, sorted
/// index, contiguous placement, zero padding, and each blob against its commitment. Returns
/// the index.
pub fn parse_layout(data: &[u8]) -> Result<Vec<IndexEntry>> {
    if data.len() % BYTES_PER_ROW != 0 || data.is_empty() {
        return Err(Error::Layout("data is not a whole number of rows"));
    }
    let capacity = data.len() / BYTES_PER_FIELD_ELEMENT;
    let header = element(data, 0);
    if header[0] != 0
        || header[1..3] != LAYOUT_VERSION.to_be_bytes()
        || header[7..].iter().any(|&b| b != 0)
    {
        return Err(Error::Layout("bad header element"));
    }
    let count = u32::from_be_bytes(header[3..7].try_into().expect("4 bytes")) as usize;
    if count == 0 || 1 + ELEMENTS_PER_INDEX_ENTRY * count > capacity {
        return Err(Error::Layout("blob count does not fit the square"));
    }
    let mut next = 1 + ELEMENTS_PER_INDEX_ENTRY * count;
    let mut index = Vec::with_capacity(count);
    for i in 0..count {
        let entry = read_entry(data, i)?;
        if entry.start as usize != next || entry.len == 0 {
            return Err(Error::Layout("blob is not where the index says"));
        }
        if index
            .last()
            .is_some_and(|prev: &IndexEntry| prev.namespace > entry.namespace)
        {
            return Err(Error::Layout("index is not sorted by namespace"));
        }
        next += elements_for(entry.len as usize);
        if next > capacity {
            return Err(Error::Layout("blob extends past the square"));
        }
        index.push(entry);
    }
    if data[next * BYTES_PER_FIELD_ELEMENT..]
        .iter()
        .any(|&b| b != 0)
    {
        return Err(Error::Layout("data after the last blob"));
    }
    // The k must be the smallest that fits.
    if smallest_k(next) != data.len() / BYTES_PER_ROW {
        return Err(Error::Layout("square is larger than its blobs need"));
    }
    for (i, entry) in index.iter().enumerate() {
        read_blob(data, i, entry)?;
    }
    Ok(index)
}

/// Reads blob `i` of the index out of the original rows and checks it against its commitment.
pub fn read_blob(data: &[u8], i: usize, entry: &IndexEntry) -> Result<Vec<u8>> {
    let start = entry.start as usize * BYTES_PER_FIELD_ELEMENT;
    let end = start + elements_for(entry.len as usize) * BYTES_PER_FIELD_ELEMENT;
    if end > data.len() {
        return Err(Error::Layout("blob extends past the square"));
    }
    let blob = unpack(&data[start..end], entry.len as usize)?;
    if super::blob::blob_commitment(&entry.namespace, &blob) != entry.commitment {
        return Err(Error::BlobCommitmentMismatch { index: i });
    }
    Ok(blob)
}
