//! Proof that a producer equivocated: two headers for one height, both validly signed by its
//! key, that differ (PROTOCOL §7). Anyone holding one can check it against the producer's key
//! alone; it is kept by whoever finds it and gossiped on [`EQUIVOCATION_TOPIC`].

use crate::{
    error::{Error, Result},
    header::Header,
    trust::Trust,
    wire::HEADER_SIZE_LIMIT,
};

/// Gossipsub topic on which equivocation proofs travel.
pub const EQUIVOCATION_TOPIC: &str = "/weft/equivocation/1";
/// Largest encoded proof: two headers with their 4-byte lengths.
pub const EQUIVOCATION_SIZE_LIMIT: usize = 2 * (HEADER_SIZE_LIMIT + 4);

/// Two different headers for one height, both signed by the same producer key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquivocationProof {
    /// The one with the smaller hash.
    pub first: Header,
    /// The other.
    pub second: Header,
}

impl EquivocationProof {
    /// The proof made of `a` and `b` if they are two different headers for one height (in a
    /// canonical order, so both finders make the same proof); `None` otherwise. Signatures are
    /// checked by [`Self::verify`].
    pub fn of(a: &Header, b: &Header) -> Option<Self> {
        if a.height() != b.height() || a.hash() == b.hash() {
            return None;
        }
        let (first, second) = if a.hash().0 < b.hash().0 {
            (a, b)
        } else {
            (b, a)
        };
        Some(Self {
            first: first.clone(),
            second: second.clone(),
        })
    }

    /// The height at which the producer signed twice.
    pub const fn height(&self) -> u64 {
        self.first.height()
    }

    /// Checks that both headers verify against `trust` (signed by the producer, or signed by
    /// a validator and certified) and form a proof.
    ///
    /// # Errors
    /// Any [`Header::verify`] error for either header,
    /// [`Error::Malformed`] when the headers are equal or at different heights.
    pub fn verify(&self, trust: &Trust) -> Result<()> {
        self.first.verify(trust)?;
        self.second.verify(trust)?;
        match Self::of(&self.first, &self.second) {
            Some(p) if p == *self => Ok(()),
            _ => Err(Error::Malformed {
                what: "equivocation proof",
                reason: "not two different headers for one height in canonical order".into(),
            }),
        }
    }

    /// Wire form: each header's wire form (`Header::to_bytes`) after its u32 big-endian length.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for h in [&self.first, &self.second] {
            let bytes = h.to_bytes();
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// Decodes a proof and checks it against `trust`.
    ///
    /// # Errors
    /// [`Error::TooLarge`] over [`EQUIVOCATION_SIZE_LIMIT`], [`Error::Malformed`] /
    /// [`Error::Length`] for bytes that are not two headers, and [`Self::verify`]'s errors.
    pub fn decode_verified(bytes: &[u8], trust: &Trust) -> Result<Self> {
        if bytes.len() > EQUIVOCATION_SIZE_LIMIT {
            return Err(Error::TooLarge {
                what: "equivocation proof",
                got: bytes.len(),
                limit: EQUIVOCATION_SIZE_LIMIT,
            });
        }
        let mut rest = bytes;
        let mut take = || -> Result<Header> {
            let malformed = || Error::Malformed {
                what: "equivocation proof",
                reason: "cut short".into(),
            };
            let (len, tail) = rest.split_first_chunk::<4>().ok_or_else(malformed)?;
            let len = u32::from_be_bytes(*len) as usize;
            if tail.len() < len {
                return Err(malformed());
            }
            let (header, tail) = tail.split_at(len);
            rest = tail;
            Header::from_bytes(header)
        };
        let proof = Self {
            first: take()?,
            second: take()?,
        };
        if !rest.is_empty() {
            return Err(Error::Malformed {
                what: "equivocation proof",
                reason: format!("{} trailing bytes", rest.len()),
            });
        }
        proof.verify(trust)?;
        Ok(proof)
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use weft_encoding::layout::{index_root, Digest32};

    use super::*;
    use crate::{
        header::{UnsignedHeader, GENESIS_PARENT},
        keys::ProducerKey,
    };

    fn header(key: &SigningKey, height: u64, timestamp_ms: u64) -> Header {
        UnsignedHeader {
            height,
            parent_hash: Digest32(GENESIS_PARENT),
            timestamp_ms,
            k: 0,
            row_commitments: vec![],
            blob_count: 0,
            index_root: Digest32(index_root(&[])),
            producer: ProducerKey::of(key),
        }
        .sign(key)
    }

    #[test]
    fn two_signed_headers_for_one_height_prove_it_and_nothing_else_does() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let producer = ProducerKey::of(&key);
        let (a, b) = (header(&key, 5, 1_000), header(&key, 5, 2_000));
        let proof = EquivocationProof::of(&a, &b).unwrap();
        assert_eq!(
            Some(proof.clone()),
            EquivocationProof::of(&b, &a),
            "one canonical proof"
        );
        assert_eq!(proof.height(), 5);
        let bytes = proof.to_bytes();
        assert!(bytes.len() <= EQUIVOCATION_SIZE_LIMIT);
        assert_eq!(
            EquivocationProof::decode_verified(&bytes, &Trust::from(producer)).unwrap(),
            proof
        );
        assert!(
            EquivocationProof::of(&a, &a).is_none(),
            "the same header twice"
        );
        assert!(
            EquivocationProof::of(&a, &header(&key, 6, 1_000)).is_none(),
            "two heights"
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(
            EquivocationProof::decode_verified(&bytes, &Trust::from(ProducerKey::of(&other)))
                .is_err()
        );
        let forged = EquivocationProof::of(&a, &header(&other, 5, 3_000)).unwrap();
        assert!(
            forged.verify(&Trust::from(producer)).is_err(),
            "one header from another key"
        );
        for cut in [0, 3, bytes.len() - 1] {
            assert!(
                EquivocationProof::decode_verified(&bytes[..cut], &Trust::from(producer)).is_err()
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(EquivocationProof::decode_verified(&long, &Trust::from(producer)).is_err());
    }
}
