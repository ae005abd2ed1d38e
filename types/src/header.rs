//! The block header: height, parent, time, the square's k row commitments, the blob index root,
//! the producer's key and its Ed25519 signature over a canonical encoding.

use ed25519_dalek::{Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use weft_encoding::{
    constants::{BYTES_PER_G1, MAX_K},
    layout::{index_root, Digest32},
    Commitment,
};

use crate::{
    certificate::FinalityCertificate,
    error::{Error, Result},
    keys::{ProducerKey, Signature},
    trust::Trust,
};

/// Domain tag at the start of the canonical encoding (also fixes the version).
pub const HEADER_DOMAIN: &[u8; 14] = b"WEFT_HEADER_V1";
/// How far ahead of the local clock a header's timestamp may be, in milliseconds.
pub const MAX_CLOCK_SKEW_MS: u64 = 120_000;
/// Parent hash of the first block (height 1).
pub const GENESIS_PARENT: [u8; 32] = [0u8; 32];
/// Bytes of a header's canonical encoding without commitments: domain, height, parent hash,
/// timestamp, k, blob count, index root, producer key.
pub(crate) const FIXED_BYTES: usize = 14 + 8 + 32 + 8 + 2 + 4 + 32 + 32;
/// Bytes of the signature.
pub(crate) const SIGNATURE_BYTES: usize = 64;

/// Everything in a header but the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsignedHeader {
    /// Height; the first block is 1.
    pub height: u64,
    /// Hash of the previous header ([`GENESIS_PARENT`] for height 1).
    pub parent_hash: Digest32,
    /// Milliseconds since the Unix epoch, at production.
    pub timestamp_ms: u64,
    /// Original rows; 0 for a block without blobs.
    pub k: u16,
    /// The k original row commitments.
    pub row_commitments: Vec<Commitment>,
    /// Blobs in the square.
    pub blob_count: u32,
    /// Root of the blob index (docs/PROTOCOL.md §5).
    pub index_root: Digest32,
    /// The producer's key.
    pub producer: ProducerKey,
}

/// A signed header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The signed content.
    #[serde(flatten)]
    pub unsigned: UnsignedHeader,
    /// Ed25519 signature over [`UnsignedHeader::canonical_bytes`].
    pub signature: Signature,
    /// On a chain run by validators (PROTOCOL §12): the certificate that finalized this header
    /// (or a descendant it is linked to by parent hashes). Absent on a single-producer chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Box<FinalityCertificate>>,
}

impl UnsignedHeader {
    /// `HEADER_DOMAIN ‖ u64be(height) ‖ parent_hash ‖ u64be(timestamp_ms) ‖ u16be(k) ‖
    /// commitments (48 bytes each) ‖ u32be(blob_count) ‖ index_root ‖ producer`.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_BYTES + BYTES_PER_G1 * self.row_commitments.len());
        out.extend_from_slice(HEADER_DOMAIN);
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.parent_hash.0);
        out.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        out.extend_from_slice(&self.k.to_be_bytes());
        for c in &self.row_commitments {
            out.extend_from_slice(c.as_bytes());
        }
        out.extend_from_slice(&self.blob_count.to_be_bytes());
        out.extend_from_slice(&self.index_root.0);
        out.extend_from_slice(&self.producer.0);
        out
    }

    /// Signs the header.
    pub fn sign(self, key: &SigningKey) -> Header {
        let signature = Signature(key.sign(&self.canonical_bytes()).to_bytes());
        Header {
            unsigned: self,
            signature,
            certificate: None,
        }
    }
}

impl Header {
    /// Height.
    pub const fn height(&self) -> u64 {
        self.unsigned.height
    }

    /// k (0 for an empty block).
    pub fn k(&self) -> usize {
        usize::from(self.unsigned.k)
    }

    /// `SHA-256` of the canonical encoding: the block hash, which children name as parent.
    pub fn hash(&self) -> Digest32 {
        Digest32(Sha256::digest(self.unsigned.canonical_bytes()).into())
    }

    /// Wire form: canonical encoding followed by the 64-byte signature, then the certificate's
    /// encoding when there is one ([`FinalityCertificate::to_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.unsigned.canonical_bytes();
        out.extend_from_slice(&self.signature.0);
        if let Some(certificate) = &self.certificate {
            out.extend_from_slice(&certificate.to_bytes());
        }
        out
    }

    /// Parses the wire form; checks its shape (not the signature: see [`Self::verify`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let min = FIXED_BYTES + SIGNATURE_BYTES;
        if bytes.len() < min {
            return Err(Error::Length {
                what: "header",
                expected: min,
                got: bytes.len(),
            });
        }
        if &bytes[..14] != HEADER_DOMAIN {
            return Err(Error::Version(u16::from_be_bytes([bytes[12], bytes[13]])));
        }
        let mut at = 14;
        let mut take = |n: usize| {
            let s = &bytes[at..at + n];
            at += n;
            s
        };
        let height = u64::from_be_bytes(take(8).try_into().expect("8"));
        let parent_hash = Digest32(take(32).try_into().expect("32"));
        let timestamp_ms = u64::from_be_bytes(take(8).try_into().expect("8"));
        let k = u16::from_be_bytes(take(2).try_into().expect("2"));
        if k != 0 && (!k.is_power_of_two() || usize::from(k) > MAX_K) {
            return Err(Error::InvalidK(k));
        }
        let expected = min + BYTES_PER_G1 * usize::from(k);
        let certificate = match bytes.get(expected..) {
            Some(tail) if !tail.is_empty() => {
                Some(Box::new(FinalityCertificate::from_bytes(tail)?))
            }
            _ => None,
        };
        if bytes.len() < expected {
            return Err(Error::Length {
                what: "header",
                expected,
                got: bytes.len(),
            });
        }
        let row_commitments = (0..k)
            .map(|_| Commitment(take(BYTES_PER_G1).try_into().expect("48")))
            .collect();
        let blob_count = u32::from_be_bytes(take(4).try_into().expect("4"));
        let index_root = Digest32(take(32).try_into().expect("32"));
        let producer = ProducerKey(take(32).try_into().expect("32"));
        let signature = Signature(take(SIGNATURE_BYTES).try_into().expect("64"));
        Ok(Self {
            unsigned: UnsignedHeader {
                height,
                parent_hash,
                timestamp_ms,
                k,
                row_commitments,
                blob_count,
                index_root,
                producer,
            },
            signature,
            certificate,
        })
    }

    /// Checks everything a header can prove about itself against `trust`: its signer may sign
    /// this chain (the producer, or a validator), k and the commitments are well formed (each a
    /// G1 point in the subgroup), an empty block is empty, the signature verifies, and — on a
    /// chain run by validators — its finality certificate verifies for its hash (PROTOCOL §12).
    /// A header that passed recently (the same bytes, signature, certificate and trust root,
    /// among the last 1,024 verified) is not checked again: one arrives many times (gossip from
    /// every peer, range answers), and its k subgroup checks cost milliseconds.
    ///
    /// # Errors
    /// The first check that fails, as an [`Error`] (the sender's fault).
    pub fn verify(&self, trust: &Trust) -> Result<()> {
        let certificate = self.certificate.as_ref().map(|c| c.to_bytes());
        let key = verified_cache::key(
            &self.hash(),
            &self.signature,
            certificate.as_deref(),
            &trust.tag(),
        );
        if verified_cache::contains(&key) {
            return Ok(());
        }
        self.verify_uncached(trust)?;
        verified_cache::insert(key);
        Ok(())
    }

    /// [`Self::verify`] without the finality certificate: what a validator checks of a
    /// proposal before voting for it (its certificate does not exist yet).
    ///
    /// # Errors
    /// As [`Self::verify`], bar the certificate's.
    pub fn verify_signed(&self, trust: &Trust) -> Result<()> {
        self.verify_signature(trust)
    }

    fn verify_uncached(&self, trust: &Trust) -> Result<()> {
        self.verify_signature(trust)?;
        let u = &self.unsigned;
        if let Some(set) = trust.validators() {
            let certificate = self
                .certificate
                .as_ref()
                .ok_or(Error::Uncertified { height: u.height })?;
            set.verify(&self.hash(), certificate)
                .map_err(|source| Error::Certificate {
                    height: u.height,
                    source,
                })?;
        }
        Ok(())
    }

    fn verify_signature(&self, trust: &Trust) -> Result<()> {
        let u = &self.unsigned;
        trust.check_signer(&u.producer)?;
        if u.k != 0 && (!u.k.is_power_of_two() || usize::from(u.k) > MAX_K) {
            return Err(Error::InvalidK(u.k));
        }
        if u.row_commitments.len() != usize::from(u.k) {
            return Err(Error::Length {
                what: "row commitments",
                expected: usize::from(u.k),
                got: u.row_commitments.len(),
            });
        }
        if u.k == 0 && (u.blob_count != 0 || u.index_root.0 != index_root(&[])) {
            return Err(Error::EmptyBlockWithData {
                blob_count: u.blob_count,
            });
        }
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature.0);
        u.producer
            .verifying_key()?
            .verify(&u.canonical_bytes(), &signature)
            .map_err(|_| Error::BadSignature { height: u.height })?;
        for (index, c) in u.row_commitments.iter().enumerate() {
            weft_encoding::field::g1_from_bytes(c.as_bytes())
                .map_err(|reason| Error::BadCommitment { index, reason })?;
        }
        Ok(())
    }

    /// Parses the wire form and verifies it against `trust` in one step: what the network
    /// does with every header a peer sends (gossip or a range answer).
    ///
    /// # Errors
    /// Any [`Error`] of [`Self::from_bytes`] or [`Self::verify`]; each is the sender's fault.
    pub fn decode_verified(bytes: &[u8], trust: &Trust) -> Result<Self> {
        let header = Self::from_bytes(bytes)?;
        header.verify(trust)?;
        Ok(header)
    }

    /// Checks the timestamp against the local clock: a header stamped more than
    /// [`MAX_CLOCK_SKEW_MS`] after `now_ms` is not accepted yet (it may be once the clock
    /// catches up; the producer's clock, not the forwarding peer, is at fault).
    ///
    /// # Errors
    /// [`Error::FromTheFuture`].
    pub const fn check_clock(&self, now_ms: u64) -> Result<()> {
        if self.unsigned.timestamp_ms > now_ms.saturating_add(MAX_CLOCK_SKEW_MS) {
            return Err(Error::FromTheFuture {
                height: self.unsigned.height,
                timestamp_ms: self.unsigned.timestamp_ms,
                now_ms,
            });
        }
        Ok(())
    }

    /// True if `self` directly follows `parent`: the next height, the parent's hash, and a
    /// timestamp not before the parent's.
    pub fn follows(&self, parent: &Self) -> bool {
        parent.height().checked_add(1) == Some(self.height())
            && self.unsigned.parent_hash == parent.hash()
            && self.unsigned.timestamp_ms >= parent.unsigned.timestamp_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(parent: Option<&Header>, timestamp_ms: u64) -> Header {
        let key = SigningKey::from_bytes(&[3; 32]);
        UnsignedHeader {
            height: parent.map_or(1, |p| p.height() + 1),
            parent_hash: parent.map_or(Digest32(GENESIS_PARENT), Header::hash),
            timestamp_ms,
            k: 0,
            row_commitments: vec![],
            blob_count: 0,
            index_root: Digest32(index_root(&[])),
            producer: ProducerKey::of(&key),
        }
        .sign(&key)
    }

    #[test]
    fn a_child_follows_by_height_hash_and_time() {
        let parent = header(None, 1_000);
        assert!(header(Some(&parent), 1_000).follows(&parent));
        assert!(header(Some(&parent), 2_000).follows(&parent));
        assert!(
            !header(Some(&parent), 999).follows(&parent),
            "a child stamped before its parent does not extend it"
        );
        let other = header(None, 1_000 + 1);
        assert!(
            !header(Some(&other), 5_000).follows(&parent),
            "wrong parent hash"
        );
        let decoded =
            Header::decode_verified(&parent.to_bytes(), &Trust::from(parent.unsigned.producer));
        assert_eq!(decoded.unwrap(), parent);
    }

    #[test]
    fn a_header_verified_once_passes_again_but_nothing_else_does() {
        let h = header(None, 7_777);
        let producer = h.unsigned.producer;
        h.verify(&Trust::from(producer)).unwrap();
        h.verify(&Trust::from(producer)).unwrap();
        let mut forged = h.clone();
        forged.signature.0[0] ^= 1;
        assert!(matches!(
            forged.verify(&Trust::from(producer)),
            Err(Error::BadSignature { .. })
        ));
        let other = ProducerKey::of(&SigningKey::from_bytes(&[4; 32]));
        assert!(matches!(
            h.verify(&Trust::from(other)),
            Err(Error::WrongProducer { .. })
        ));
        let mut changed = h.clone();
        changed.unsigned.timestamp_ms += 1;
        assert!(
            changed.verify(&Trust::from(producer)).is_err(),
            "new bytes, old signature"
        );
    }

    #[test]
    fn nothing_follows_the_last_possible_height() {
        // Found by the `header` fuzz target: `parent.height() + 1` overflowed.
        let mut parent = header(None, 1_000);
        parent.unsigned.height = u64::MAX;
        let mut child = header(None, 2_000);
        child.unsigned.height = 0;
        child.unsigned.parent_hash = parent.hash();
        assert!(!child.follows(&parent));
        assert!(!parent.follows(&parent));
    }

    #[test]
    fn a_header_far_ahead_of_the_clock_is_not_accepted_yet() {
        let h = header(None, 1_000_000);
        assert!(h.check_clock(1_000_000).is_ok());
        assert!(h.check_clock(1_000_000 - MAX_CLOCK_SKEW_MS).is_ok());
        assert_eq!(
            h.check_clock(1_000_000 - MAX_CLOCK_SKEW_MS - 1),
            Err(Error::FromTheFuture {
                height: 1,
                timestamp_ms: 1_000_000,
                now_ms: 1_000_000 - MAX_CLOCK_SKEW_MS - 1
            })
        );
    }
}

/// Headers fully verified recently, by SHA-256 of (header hash ‖ signature ‖ trust root ‖
/// certificate): a match is the same bytes, signed and certified the same way, checked against
/// the same trust root, so it passes again. Bounded (`CAPACITY`, 1,024, oldest forgotten first) and shared by the
/// process.
mod verified_cache {
    use std::{
        collections::VecDeque,
        sync::{Mutex, PoisonError},
    };

    use sha2::{Digest, Sha256};
    use weft_encoding::layout::Digest32;

    use super::Signature;

    /// Headers remembered.
    pub(super) const CAPACITY: usize = 1024;

    static VERIFIED: Mutex<VecDeque<[u8; 32]>> = Mutex::new(VecDeque::new());

    pub(super) fn key(
        hash: &Digest32,
        signature: &Signature,
        certificate: Option<&[u8]>,
        trust: &[u8; 32],
    ) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(hash.0);
        h.update(signature.0);
        h.update(trust);
        if let Some(certificate) = certificate {
            h.update(certificate);
        }
        h.finalize().into()
    }

    pub(super) fn contains(key: &[u8; 32]) -> bool {
        VERIFIED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(key)
    }

    pub(super) fn insert(key: [u8; 32]) {
        let mut cache = VERIFIED.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CAPACITY {
            cache.pop_front();
        }
        cache.push_back(key);
    }
}
