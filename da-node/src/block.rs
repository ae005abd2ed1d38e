//! Building a block from blobs (the producer) and assembling one from verified rows (a full
//! node that syncs).

use ed25519_dalek::SigningKey;
use weft_encoding::{
    layout::{lay_out, parse_layout, Blob, Digest32, IndexEntry},
    Cell, ExtendedSquare, Proof, SquareCommitments,
};
use weft_types::{Header, ProducerKey, UnsignedHeader, GENESIS_PARENT};

use crate::{
    error::Result,
    store::{Inclusion, StoredBlock},
    sync::SyncError,
};

/// A data square encoded ahead of its block: the blobs laid out and the square extended, with
/// its commitments and proofs — everything of a block but the signed header, which
/// [`EncodedSquare::sign`] adds for whatever height it is published at. Encoding is the
/// expensive part (seconds for k = 32 on a CPU); signing is not.
#[derive(Debug, Clone)]
pub struct EncodedSquare {
    k: usize,
    square: Option<ExtendedSquare>,
    index: Vec<IndexEntry>,
    index_root: [u8; 32],
}

impl EncodedSquare {
    /// Lays `blobs` out (namespace order) in the smallest square of at most `max_k` rows and
    /// extends it (PROTOCOL §2, §5).
    ///
    /// # Errors
    /// [`crate::NodeError::Encoding`] for an empty blob, blobs that do not fit `max_k`, or an
    /// encoding failure.
    pub fn encode(encoder: &crate::Encoder, blobs: &[Blob], max_k: usize) -> Result<Self> {
        Ok(Self::encode_with_order(encoder, blobs, max_k)?.0)
    }

    fn encode_with_order(
        encoder: &crate::Encoder,
        blobs: &[Blob],
        max_k: usize,
    ) -> Result<(Self, Vec<usize>)> {
        let layout = lay_out(blobs, max_k)?;
        let square = if layout.k == 0 {
            None
        } else {
            Some(encoder.encode_bytes(&layout.rows())?)
        };
        let encoded = Self {
            k: layout.k,
            square,
            index: layout.index,
            index_root: layout.index_root,
        };
        Ok((encoded, layout.order))
    }

    /// Original rows (0 for a square without blobs).
    pub const fn k(&self) -> usize {
        self.k
    }

    /// The block of this square at the height after `parent` (1 without one), its header signed
    /// with `key`; its timestamp `now_ms`, or the parent's if that is later.
    pub(crate) fn sign(
        self,
        key: &SigningKey,
        parent: Option<&Header>,
        now_ms: u64,
    ) -> StoredBlock {
        let unsigned = UnsignedHeader {
            height: parent.map_or(1, |p| p.height() + 1),
            parent_hash: parent.map_or(Digest32(GENESIS_PARENT), Header::hash),
            timestamp_ms: parent.map_or(now_ms, |p| now_ms.max(p.unsigned.timestamp_ms)),
            k: self.k as u16,
            row_commitments: self
                .square
                .as_ref()
                .map_or_else(Vec::new, |s| s.original_commitments().to_vec()),
            blob_count: self.index.len() as u32,
            index_root: Digest32(self.index_root),
            producer: ProducerKey::of(key),
        };
        StoredBlock {
            commitments: self
                .square
                .as_ref()
                .map_or_else(Vec::new, |s| s.commitments().to_vec()),
            square: self.square,
            index: self.index,
            header: unsigned.sign(key),
        }
    }
}

/// Encodes blobs into the next block and signs its header. Returns the block and, for each input
/// blob, where it was included.
pub(crate) fn build_block(
    encoder: &crate::Encoder,
    key: &SigningKey,
    parent: Option<&Header>,
    blobs: &[Blob],
    max_k: usize,
    now_ms: u64,
) -> Result<(StoredBlock, Vec<Inclusion>)> {
    let (encoded, order) = EncodedSquare::encode_with_order(encoder, blobs, max_k)?;
    let block = encoded.sign(key, parent, now_ms);
    let height = block.header.height();
    let mut receipts = vec![None; blobs.len()];
    for (position, &input) in order.iter().enumerate() {
        let entry = &block.index[position];
        receipts[input] = Some(Inclusion {
            height,
            namespace: entry.namespace,
            commitment: entry.commitment,
            index: position as u32,
        });
    }
    Ok((
        block,
        receipts
            .into_iter()
            .map(|r| r.expect("every blob is in the index"))
            .collect(),
    ))
}

/// Assembles a block from all 2k rows (already verified against the header) and checks its
/// layout against the header's index root and blob count.
pub(crate) fn assemble_block(
    header: Header,
    rows: Vec<(Vec<Cell>, Vec<Proof>)>,
) -> Result<StoredBlock, SyncError> {
    let k = header.k();
    let commitments = SquareCommitments::new(&header.unsigned.row_commitments)?.extended();
    let (cells, proofs): (Vec<Vec<Cell>>, Vec<Vec<Proof>>) = rows.into_iter().unzip();
    let square = ExtendedSquare::from_parts(k, commitments, cells.concat(), proofs.concat())?;
    block_of_square(header, square)
}

/// A block from its header and its square (assembled from rows, or reconstructed), after
/// checking that the square's layout matches the header: a producer that signs a square whose
/// blob index disagrees with the header is caught here.
pub(crate) fn block_of_square(
    header: Header,
    square: ExtendedSquare,
) -> Result<StoredBlock, SyncError> {
    let original: Vec<u8> = (0..square.k()).flat_map(|r| square.row_blob(r)).collect();
    let index = parse_layout(&original)?;
    let root = weft_encoding::layout::index_root(&index);
    if root != header.unsigned.index_root.0 || index.len() as u32 != header.unsigned.blob_count {
        return Err(SyncError::LayoutMismatch {
            height: header.height(),
            blobs: index.len(),
            claimed: header.unsigned.blob_count,
        });
    }
    Ok(StoredBlock {
        commitments: square.commitments().to_vec(),
        header,
        square: Some(square),
        index,
    })
}

/// An empty block (k = 0) from its header.
pub(crate) fn empty_block(header: Header) -> StoredBlock {
    StoredBlock {
        header,
        commitments: Vec::new(),
        square: None,
        index: Vec::new(),
    }
}
