//! Building a block from blobs (the producer, or a publisher handed encoded squares): the
//! square laid out and encoded, the header signed on top of the parent — never on top of a
//! chain signed by another key. Assembling a block from fetched rows is the syncer's
//! (`sync::assemble`).

use ed25519_dalek::SigningKey;
use weft_encoding::{
    layout::{lay_out, Blob, Digest32, IndexEntry},
    ExtendedSquare,
};
use weft_types::{Header, ProducerKey, UnsignedHeader, GENESIS_PARENT};

use crate::store::{Inclusion, StoredBlock};

/// Why a block could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The blobs do not lay out or encode (an empty blob, blobs that do not fit `max_k`, an
    /// encoder failure).
    #[error(transparent)]
    Encoding(#[from] weft_encoding::Error),
    /// The parent header was signed by another key: a producer never extends someone else's
    /// chain (it would sign a second header at a height the other key already signed).
    #[error("block {height}'s parent was signed by {signer}, not by this producer's key {own}: a producer does not extend another key's chain")]
    ForeignParent {
        /// The height that would have been signed.
        height: u64,
        /// The key that signed the parent.
        signer: ProducerKey,
        /// This producer's key.
        own: ProducerKey,
    },
}

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
    /// [`BlockError::Encoding`] for an empty blob, blobs that do not fit `max_k`, or an
    /// encoding failure.
    pub fn encode(
        encoder: &crate::Encoder,
        blobs: &[Blob],
        max_k: usize,
    ) -> Result<Self, BlockError> {
        Ok(Self::encode_with_order(encoder, blobs, max_k)?.0)
    }

    fn encode_with_order(
        encoder: &crate::Encoder,
        blobs: &[Blob],
        max_k: usize,
    ) -> Result<(Self, Vec<usize>), BlockError> {
        Self::from_layout(encoder, lay_out(blobs, max_k)?)
    }

    /// Encodes a square laid out already (any layout version a reader accepts, e.g. version 1
    /// of a stored chain, PROTOCOL §5); also returns `layout.order`.
    ///
    /// # Errors
    /// [`BlockError::Encoding`] when the encoder refuses a row.
    pub fn from_layout(
        encoder: &crate::Encoder,
        layout: weft_encoding::layout::Layout,
    ) -> Result<(Self, Vec<usize>), BlockError> {
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

    /// The k original rows' commitments (what a header carries).
    pub fn original_commitments(&self) -> Vec<weft_encoding::Commitment> {
        self.square
            .as_ref()
            .map_or_else(Vec::new, |s| s.original_commitments().to_vec())
    }

    /// Blobs in the square.
    pub fn blob_count(&self) -> usize {
        self.index.len()
    }

    /// Root of the blob index.
    pub const fn index_root(&self) -> Digest32 {
        Digest32(self.index_root)
    }

    /// The block of this square under a header made elsewhere (a validator checks the
    /// header's commitments, blob count and index root against this square first).
    pub(crate) fn with_header(self, header: Header) -> StoredBlock {
        StoredBlock {
            commitments: self
                .square
                .as_ref()
                .map_or_else(Vec::new, |s| s.commitments().to_vec()),
            square: self.square,
            index: self.index,
            header,
        }
    }

    /// The block of this square at the height after `parent` (1 without one), its header signed
    /// with `key`; its timestamp `now_ms`, or the parent's if that is later.
    ///
    /// # Errors
    /// [`BlockError::ForeignParent`] when `parent` was signed by another key.
    pub(crate) fn sign(
        self,
        key: &SigningKey,
        parent: Option<&Header>,
        now_ms: u64,
    ) -> Result<StoredBlock, BlockError> {
        own_chain(key, parent)?;
        Ok(self.sign_on(key, parent, now_ms))
    }

    /// [`Self::sign`] without the own-chain check (the caller made it).
    fn sign_on(self, key: &SigningKey, parent: Option<&Header>, now_ms: u64) -> StoredBlock {
        let header = unsigned_on(
            parent,
            now_ms,
            self.k,
            self.original_commitments(),
            &self.index,
            Digest32(self.index_root),
            key,
        )
        .sign(key);
        self.with_header(header)
    }
}

/// The header fields of a square at the height after `parent` (1 without one): its timestamp
/// `now_ms`, or the parent's if that is later; producer `key`.
fn unsigned_on(
    parent: Option<&Header>,
    now_ms: u64,
    k: usize,
    row_commitments: Vec<weft_encoding::Commitment>,
    index: &[IndexEntry],
    index_root: Digest32,
    key: &SigningKey,
) -> UnsignedHeader {
    UnsignedHeader {
        height: parent.map_or(1, |p| p.height() + 1),
        parent_hash: parent.map_or(Digest32(GENESIS_PARENT), Header::hash),
        timestamp_ms: parent.map_or(now_ms, |p| now_ms.max(p.unsigned.timestamp_ms)),
        k: k as u16,
        row_commitments,
        blob_count: index.len() as u32,
        index_root,
        producer: ProducerKey::of(key),
    }
}

/// A square laid out and committed, not extended yet: the blob index and the k original rows'
/// commitments — every field of its header — without cells or proofs (about a fifth of the
/// encoding's time at k = 32, docs/BENCHMARKS.md). A validator proposes and votes on this and
/// encodes the whole square ([`CommittedSquare::encode`]) off the consensus thread.
#[derive(Debug, Clone)]
pub(crate) struct CommittedSquare {
    layout: weft_encoding::layout::Layout,
    commitments: Vec<weft_encoding::Commitment>,
}

impl CommittedSquare {
    /// Lays `blobs` out (namespace order) in the smallest square of at most `max_k` rows and
    /// commits to its rows (PROTOCOL §2, §5).
    ///
    /// # Errors
    /// [`BlockError::Encoding`] for an empty blob, blobs that do not fit `max_k`, or a row the
    /// encoder refuses.
    pub(crate) fn commit(
        encoder: &crate::Encoder,
        blobs: &[Blob],
        max_k: usize,
    ) -> Result<Self, BlockError> {
        let layout = lay_out(blobs, max_k)?;
        let commitments = if layout.k == 0 {
            Vec::new()
        } else {
            encoder.commit_bytes(&layout.rows())?
        };
        Ok(Self {
            layout,
            commitments,
        })
    }

    /// The blob index: one entry per blob, in the square's order (PROTOCOL §2).
    pub(crate) fn index(&self) -> &[weft_encoding::layout::IndexEntry] {
        &self.layout.index
    }

    /// Whether `header` states exactly this square (k, row commitments, blob count, index
    /// root): what a validator checks before voting.
    pub(crate) fn matches(&self, header: &Header) -> bool {
        let u = &header.unsigned;
        usize::from(u.k) == self.layout.k
            && u.row_commitments == self.commitments
            && u.blob_count as usize == self.layout.index.len()
            && u.index_root == Digest32(self.layout.index_root)
    }

    /// The signed header of this square on any `parent` (see [`EncodedSquare::sign_on`]) and,
    /// for each input blob, where it is included.
    pub(crate) fn sign_on(
        &self,
        key: &SigningKey,
        parent: Option<&Header>,
        now_ms: u64,
    ) -> (Header, Vec<Inclusion>) {
        let header = unsigned_on(
            parent,
            now_ms,
            self.layout.k,
            self.commitments.clone(),
            &self.layout.index,
            Digest32(self.layout.index_root),
            key,
        )
        .sign(key);
        let receipts = inclusions(header.height(), &self.layout.index, &self.layout.order);
        (header, receipts)
    }

    /// Extends and proves the whole square (cells, proofs, the extension's commitments): the
    /// block under `header`.
    ///
    /// # Errors
    /// [`BlockError::Encoding`] when the encoder fails.
    pub(crate) fn encode(
        self,
        encoder: &crate::Encoder,
        header: Header,
    ) -> Result<StoredBlock, BlockError> {
        let square = if self.layout.k == 0 {
            None
        } else {
            Some(encoder.encode_bytes(&self.layout.rows())?)
        };
        let encoded = EncodedSquare {
            k: self.layout.k,
            square,
            index: self.layout.index,
            index_root: self.layout.index_root,
        };
        Ok(encoded.with_header(header))
    }
}

/// Encodes blobs into the next block and signs its header. Returns the block and, for each input
/// blob, where it was included.
///
/// # Errors
/// [`BlockError`]: blobs that do not encode, or a parent signed by another key.
pub(crate) fn build_block(
    encoder: &crate::Encoder,
    key: &SigningKey,
    parent: Option<&Header>,
    blobs: &[Blob],
    max_k: usize,
    now_ms: u64,
) -> Result<(StoredBlock, Vec<Inclusion>), BlockError> {
    own_chain(key, parent)?;
    let (encoded, order) = EncodedSquare::encode_with_order(encoder, blobs, max_k)?;
    Ok(receipts_of(encoded.sign_on(key, parent, now_ms), &order))
}

/// A producer signs only on top of its own chain.
///
/// # Errors
/// [`BlockError::ForeignParent`] when `parent` was signed by another key.
fn own_chain(key: &SigningKey, parent: Option<&Header>) -> Result<(), BlockError> {
    let own = ProducerKey::of(key);
    match parent.filter(|p| p.unsigned.producer != own) {
        Some(p) => Err(BlockError::ForeignParent {
            height: p.height() + 1,
            signer: p.unsigned.producer,
            own,
        }),
        None => Ok(()),
    }
}

/// The block and, for each input blob, where it was included.
fn receipts_of(block: StoredBlock, order: &[usize]) -> (StoredBlock, Vec<Inclusion>) {
    let receipts = inclusions(block.header.height(), &block.index, order);
    (block, receipts)
}

/// For each input blob (`order[j]` is the input position of index entry j), where it is
/// included at `height`.
fn inclusions(height: u64, index: &[IndexEntry], order: &[usize]) -> Vec<Inclusion> {
    let mut receipts = vec![None; order.len()];
    for (position, &input) in order.iter().enumerate() {
        let entry = &index[position];
        receipts[input] = Some(Inclusion {
            height,
            namespace: entry.namespace,
            commitment: entry.commitment,
            index: position as u32,
        });
    }
    receipts
        .into_iter()
        .map(|r| r.expect("every blob is in the index"))
        .collect()
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use weft_encoding::layout::{Blob, Namespace};

    use super::*;

    #[test]
    fn a_producer_never_signs_on_top_of_another_keys_chain() {
        let encoder = crate::Encoder::cpu(crate::shared_prover());
        let (own, other) = (
            SigningKey::from_bytes(&[1; 32]),
            SigningKey::from_bytes(&[2; 32]),
        );
        let blobs = [Blob::new(Namespace([1; 16]), vec![7; 100])];
        let (first, _) = build_block(&encoder, &other, None, &blobs, 1, 1_000).unwrap();
        let refused = build_block(&encoder, &own, Some(&first.header), &blobs, 1, 2_000);
        match refused {
            Err(BlockError::ForeignParent {
                height,
                signer,
                own: key,
            }) => {
                assert_eq!((height, signer), (2, ProducerKey::of(&other)));
                assert_eq!(key, ProducerKey::of(&own));
            }
            other => panic!("expected ForeignParent, got {other:?}"),
        }
        let (second, _) =
            build_block(&encoder, &other, Some(&first.header), &[], 1, 2_000).unwrap();
        assert_eq!(second.header.height(), 2);
        assert!(second.header.follows(&first.header));
    }
}
