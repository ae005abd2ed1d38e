//! A validator's proposal as it travels to the other validators on the consensus network: the
//! signed header and the blobs in the square's index order, so that each validator lays the
//! square out again and checks the header's commitments and index root against it.
//!
//! `u32be(header length) ‖ header (wire form) ‖ u32be(blob count) ‖ per blob: namespace (16) ‖
//! u32be(length) ‖ data`, at most `weft_consensus::MAX_BLOCK_MESSAGE_BYTES`.

use weft_encoding::layout::{Blob, Namespace};
use weft_types::Header;

/// Most blobs one proposal may carry (each needs at least three field elements of a square
/// of at most 128 × 4096).
pub(crate) const MAX_PROPOSAL_BLOBS: usize = 128 * 4096 / 3;

/// A proposed block: its header (not yet certified) and its blobs in index order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proposal {
    pub(crate) header: Header,
    pub(crate) blobs: Vec<Blob>,
}

impl Proposal {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let header = self.header.to_bytes();
        let size: usize = self.blobs.iter().map(|b| 20 + b.data.len()).sum();
        let mut out = Vec::with_capacity(8 + header.len() + size);
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&(self.blobs.len() as u32).to_be_bytes());
        for blob in &self.blobs {
            out.extend_from_slice(&blob.namespace.0);
            out.extend_from_slice(&(blob.data.len() as u32).to_be_bytes());
            out.extend_from_slice(&blob.data);
        }
        out
    }

    /// Decodes a proposal a validator sent (its shape only: the header is not verified here).
    ///
    /// # Errors
    /// What is wrong: cut short, trailing bytes, too many blobs, a header that does not parse.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut rest = bytes;
        let mut take = |n: usize| -> Result<&[u8], String> {
            if rest.len() < n {
                return Err("proposal cut short".into());
            }
            let (head, tail) = rest.split_at(n);
            rest = tail;
            Ok(head)
        };
        let u32_of = |b: &[u8]| u32::from_be_bytes(b.try_into().expect("4 bytes")) as usize;
        let header_len = u32_of(take(4)?);
        let header = Header::from_bytes(take(header_len)?).map_err(|e| e.to_string())?;
        let count = u32_of(take(4)?);
        if count > MAX_PROPOSAL_BLOBS {
            return Err(format!(
                "{count} blobs; a square holds at most {MAX_PROPOSAL_BLOBS}"
            ));
        }
        let mut blobs = Vec::with_capacity(count);
        for _ in 0..count {
            let namespace = Namespace(take(16)?.try_into().expect("16 bytes"));
            let len = u32_of(take(4)?);
            blobs.push(Blob::new(namespace, take(len)?.to_vec()));
        }
        if !rest.is_empty() {
            return Err(format!("{} trailing bytes after the proposal", rest.len()));
        }
        Ok(Self { header, blobs })
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use weft_encoding::layout::{index_root, Digest32};
    use weft_types::{ProducerKey, UnsignedHeader, GENESIS_PARENT};

    use super::*;

    #[test]
    fn a_proposal_round_trips_and_every_cut_is_refused() {
        let key = SigningKey::from_bytes(&[4; 32]);
        let header = UnsignedHeader {
            height: 1,
            parent_hash: Digest32(GENESIS_PARENT),
            timestamp_ms: 1,
            k: 0,
            row_commitments: vec![],
            blob_count: 0,
            index_root: Digest32(index_root(&[])),
            producer: ProducerKey::of(&key),
        }
        .sign(&key);
        let proposal = Proposal {
            header,
            blobs: vec![
                Blob::new(Namespace([1; 16]), vec![9; 100]),
                Blob::new(Namespace([2; 16]), vec![8; 3]),
            ],
        };
        let bytes = proposal.encode();
        assert_eq!(Proposal::decode(&bytes).unwrap(), proposal);
        for cut in 0..bytes.len() {
            assert!(Proposal::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Proposal::decode(&long).unwrap_err().contains("trailing"));
    }
}
