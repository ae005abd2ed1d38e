//! How blobs are laid into the original rows, and how a reader takes them out again.
//!
//! The k original rows, 4096 elements each, form one element stream (row-major). Element 0
//! holds the layout header, elements `1 + 2i` and `2 + 2i` index entry i. In layout version 2
//! (written now) the blobs under one row's worth of data follow back to back in index order,
//! and every blob of at least one row's worth ([`ROW_DATA_BYTES`]) then starts at a row start
//! and owns its rows, its last row zero-padded: each of its rows is an EIP-4844 blob of its data
//! alone. Version 1 (read only) put every blob back to back. Everything else is zero. The exact
//! format is docs/PROTOCOL.md §5.

use super::{
    blob::Blob,
    index::{index_root, IndexEntry, INDEX_ENTRY_BYTES},
    merkle::Hash,
    pack::{elements_for, pack, unpack},
};
use crate::{
    constants::{
        BYTES_PER_FIELD_ELEMENT, BYTES_PER_ROW, DATA_BYTES_PER_ELEMENT, FIELD_ELEMENTS_PER_ROW,
        MAX_K,
    },
    error::{Error, Result},
};

/// Version of the layout new squares are written with, in the header element (§5: blobs of
/// at least [`ROW_DATA_BYTES`] own whole rows).
pub const LAYOUT_VERSION: u16 = 2;
/// The first layout version (every blob back to back): still read, so stored chains stay
/// readable, never written.
pub const LAYOUT_V1: u16 = 1;
/// Data bytes in one row (4096 elements × 31 bytes = 126,976): a blob at least this long owns
/// whole rows in layout version 2.
pub const ROW_DATA_BYTES: usize = FIELD_ELEMENTS_PER_ROW * DATA_BYTES_PER_ELEMENT;
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

/// Elements needed to lay out blobs of these lengths (in any order) with [`LAYOUT_VERSION`]:
/// the header, two per index entry, the short blobs back to back, and, when there are blobs of
/// at least [`ROW_DATA_BYTES`], the rest of that row and whole rows for each of them.
pub fn elements_needed(lens: impl IntoIterator<Item = usize>) -> usize {
    elements_needed_in(LAYOUT_VERSION, lens)
}

/// [`elements_needed`] for a given layout version (1 or 2): what comparing the versions'
/// overhead needs.
pub fn elements_needed_in(version: u16, lens: impl IntoIterator<Item = usize>) -> usize {
    let mut size = LayoutSize::new(version);
    lens.into_iter().for_each(|len| size.push(len));
    size.elements()
}

/// The elements a square needs, kept as blobs are added one at a time (what a block builder
/// taking blobs until the square is full uses). Order does not matter.
#[derive(Debug, Clone, Copy)]
pub struct LayoutSize {
    version: u16,
    count: usize,
    short: usize,
    rows: usize,
}

impl LayoutSize {
    /// No blobs yet, in layout `version` (1 or 2).
    pub fn new(version: u16) -> Self {
        Self {
            version,
            count: 0,
            short: 0,
            rows: 0,
        }
    }

    /// Adds a blob of `len` bytes.
    pub fn push(&mut self, len: usize) {
        self.count += 1;
        if owns_rows(self.version, len) {
            self.rows += elements_for(len).div_ceil(FIELD_ELEMENTS_PER_ROW);
        } else {
            self.short += elements_for(len);
        }
    }

    /// Elements needed for the blobs added: 0 for none; else the header, two per index entry,
    /// the short blobs, and, with row-owning blobs, the rest of that row and their whole rows.
    pub fn elements(&self) -> usize {
        let head = 1 + ELEMENTS_PER_INDEX_ENTRY * self.count + self.short;
        match (self.count, self.rows) {
            (0, _) => 0,
            (_, 0) => head,
            (_, rows) => (head.div_ceil(FIELD_ELEMENTS_PER_ROW) + rows) * FIELD_ELEMENTS_PER_ROW,
        }
    }

    /// The size with one more blob of `len` bytes.
    pub fn with(mut self, len: usize) -> Self {
        self.push(len);
        self
    }
}

/// The longest single blob, in bytes, that a square of at most `max_k` rows (1 to 128) holds
/// in layout version [`LAYOUT_VERSION`]: `max_k − 1` whole rows' data from `max_k = 2`, the
/// first row less its header and one index entry at `max_k = 1`.
pub fn largest_blob(max_k: usize) -> usize {
    let short = (FIELD_ELEMENTS_PER_ROW - 1 - ELEMENTS_PER_INDEX_ENTRY) * DATA_BYTES_PER_ELEMENT;
    short.max(max_k.saturating_sub(1) * ROW_DATA_BYTES)
}

/// Whether a blob of `len` bytes starts at a row start and owns its rows in `version`.
pub fn owns_rows(version: u16, len: usize) -> bool {
    version >= 2 && len >= ROW_DATA_BYTES
}

/// Where each blob starts (its first element in the stream), for blobs of these lengths in
/// index order, and the element after the last one placed (for version 2 with row-owning blobs,
/// the end of the last row). Version 1: back to back from `1 + 2n`. Version 2: the blobs under
/// [`ROW_DATA_BYTES`] back to back from `1 + 2n` in index order, then each longer one, in index
/// order, from the next row start, taking `⌈elements/4096⌉` whole rows.
fn placement(version: u16, lens: &[usize]) -> (Vec<usize>, usize) {
    let mut starts = vec![0; lens.len()];
    let mut next = 1 + ELEMENTS_PER_INDEX_ENTRY * lens.len();
    for (i, &len) in lens.iter().enumerate() {
        if !owns_rows(version, len) {
            starts[i] = next;
            next += elements_for(len);
        }
    }
    for (i, &len) in lens.iter().enumerate() {
        if owns_rows(version, len) {
            starts[i] = next.next_multiple_of(FIELD_ELEMENTS_PER_ROW);
            next = starts[i]
                + elements_for(len).div_ceil(FIELD_ELEMENTS_PER_ROW) * FIELD_ELEMENTS_PER_ROW;
        }
    }
    (starts, next)
}

/// The original rows a blob at `entry` touches: `first..first + count` (for a blob that owns
/// rows in layout version 2, exactly its rows).
pub fn blob_rows(entry: &IndexEntry) -> core::ops::Range<usize> {
    let start = entry.start as usize;
    let end = start + elements_for(entry.len as usize);
    start / FIELD_ELEMENTS_PER_ROW..end.div_ceil(FIELD_ELEMENTS_PER_ROW)
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

/// Lays blobs out in the smallest square with `k ≤ max_k`, sorted by namespace, in layout
/// version [`LAYOUT_VERSION`] (docs/PROTOCOL.md §5).
///
/// # Errors
/// [`Error::EmptyBlob`] for a blob with no data; [`Error::SquareFull`] when they need more than
/// `max_k` rows (at most 128).
pub fn lay_out(blobs: &[Blob], max_k: usize) -> Result<Layout> {
    lay_out_in(LAYOUT_VERSION, blobs, max_k)
}

/// [`lay_out`] in layout version 1 (every blob back to back), as blocks were written before
/// version 2: what tests of old stored chains build. Tests only.
#[cfg(any(test, feature = "test-utils"))]
pub fn lay_out_v1(blobs: &[Blob], max_k: usize) -> Result<Layout> {
    lay_out_in(LAYOUT_V1, blobs, max_k)
}

fn lay_out_in(version: u16, blobs: &[Blob], max_k: usize) -> Result<Layout> {
    if let Some(index) = blobs.iter().position(|b| b.data.is_empty()) {
        return Err(Error::EmptyBlob { index });
    }
    let max_k = max_k.min(MAX_K);
    let needed = elements_needed_in(version, blobs.iter().map(|b| b.data.len()));
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
    let lens: Vec<usize> = order.iter().map(|&j| blobs[j].data.len()).collect();
    let (starts, _) = placement(version, &lens);
    for (i, blob) in order.iter().map(|&j| &blobs[j]).enumerate() {
        let entry = IndexEntry {
            namespace: blob.namespace,
            start: u32::try_from(starts[i]).expect("fits: at most 2^19 elements"),
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
            &mut data
                [starts[i] * BYTES_PER_FIELD_ELEMENT..(starts[i] + n) * BYTES_PER_FIELD_ELEMENT],
        );
        write_entry(&mut data, i, &entry);
        index.push(entry);
    }
    if k > 0 {
        let header = element_mut(&mut data, 0);
        header[1..3].copy_from_slice(&version.to_be_bytes());
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

/// Parses and checks the layout of the original rows (`k × 131072` bytes), version 1 or 2:
/// header, sorted index, every blob where its version places it, zero everywhere else, k the
/// smallest that fits, and each blob against its commitment. Returns the index.
///
/// # Errors
/// [`Error::Layout`] naming the first deviation; [`Error::BlobCommitmentMismatch`] for a blob
/// whose bytes do not match its index entry.
pub fn parse_layout(data: &[u8]) -> Result<Vec<IndexEntry>> {
    if data.len() % BYTES_PER_ROW != 0 || data.is_empty() {
        return Err(Error::Layout("data is not a whole number of rows"));
    }
    let capacity = data.len() / BYTES_PER_FIELD_ELEMENT;
    let header = element(data, 0);
    let version = u16::from_be_bytes([header[1], header[2]]);
    if header[0] != 0
        || !(version == LAYOUT_V1 || version == LAYOUT_VERSION)
        || header[7..].iter().any(|&b| b != 0)
    {
        return Err(Error::Layout("bad header element"));
    }
    let count = u32::from_be_bytes(header[3..7].try_into().expect("4 bytes")) as usize;
    if count == 0 || 1 + ELEMENTS_PER_INDEX_ENTRY * count > capacity {
        return Err(Error::Layout("blob count does not fit the square"));
    }
    let mut index = Vec::with_capacity(count);
    for i in 0..count {
        let entry = read_entry(data, i)?;
        if entry.len == 0 {
            return Err(Error::Layout("blob is not where the index says"));
        }
        if index
            .last()
            .is_some_and(|prev: &IndexEntry| prev.namespace > entry.namespace)
        {
            return Err(Error::Layout("index is not sorted by namespace"));
        }
        index.push(entry);
    }
    let lens: Vec<usize> = index.iter().map(|e| e.len as usize).collect();
    let (starts, end) = placement(version, &lens);
    if end > capacity {
        return Err(Error::Layout("blob extends past the square"));
    }
    if index
        .iter()
        .zip(&starts)
        .any(|(e, &s)| e.start as usize != s)
    {
        return Err(Error::Layout("blob is not where the index says"));
    }
    // Zero outside the blobs: between them (version 2's row padding) and after the last.
    let mut spans: Vec<(usize, usize)> = starts
        .iter()
        .zip(&lens)
        .map(|(&s, &len)| (s, s + elements_for(len)))
        .collect();
    spans.sort_unstable();
    let mut free = 1 + ELEMENTS_PER_INDEX_ENTRY * count;
    for (s, e) in spans.into_iter().chain([(capacity, capacity)]) {
        let gap = &data[free * BYTES_PER_FIELD_ELEMENT..s * BYTES_PER_FIELD_ELEMENT];
        if gap.iter().any(|&b| b != 0) {
            return Err(Error::Layout("data after the last blob"));
        }
        free = e;
    }
    // The k must be the smallest that fits.
    if smallest_k(end) != data.len() / BYTES_PER_ROW {
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
