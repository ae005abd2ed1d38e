//! Equivocation gossip (PROTOCOL §7): the first verified proof that the producer signed two
//! headers for one height is kept and gossiped at once, then again every
//! [`PROOF_REGOSSIP_INTERVAL`] for peers that joined since; a gossiped proof that does not
//! verify is rejected and its sender penalised. Swarm-free: the actor publishes what this
//! returns.

use std::time::Duration;

use web_time::Instant;
use weft_types::{EquivocationProof, Trust};

/// How often a kept equivocation proof is gossiped again, for peers that joined since.
pub(crate) const PROOF_REGOSSIP_INTERVAL: Duration = Duration::from_secs(5);

/// What to do with a gossiped proof.
#[derive(Debug)]
pub(crate) enum ProofVerdict {
    /// It verifies and is now the kept proof: forward it, then record and gossip it.
    Kept,
    /// It verifies but a proof is kept already (the first one stays): forward it only.
    Known,
    /// It does not verify against the producer's key: reject it and penalise the sender.
    Invalid(weft_types::Error),
}

/// The kept proof and when it was last gossiped.
#[derive(Debug)]
pub(crate) struct EquivocationGossip {
    /// The first proof seen, if any.
    kept: Option<EquivocationProof>,
    /// The last turn of [`Self::due`] (counted whether or not a proof was kept then).
    last_turn: Instant,
}

impl EquivocationGossip {
    /// No proof yet; the first turn of [`Self::due`] is [`PROOF_REGOSSIP_INTERVAL`] after `now`.
    pub(crate) const fn new(now: Instant) -> Self {
        Self {
            kept: None,
            last_turn: now,
        }
    }

    /// The kept proof, if any.
    pub(crate) const fn kept(&self) -> Option<&EquivocationProof> {
        self.kept.as_ref()
    }

    /// Keeps `proof` if none is kept yet; true if it was (then record it and gossip it at
    /// once), false if a proof is kept already.
    pub(crate) fn keep(&mut self, proof: EquivocationProof) -> bool {
        if self.kept.is_some() {
            return false;
        }
        self.kept = Some(proof);
        true
    }

    /// A proof gossiped by a peer: verified against `trust` and kept if it is the first.
    pub(crate) fn received(&mut self, data: &[u8], trust: &Trust) -> ProofVerdict {
        match EquivocationProof::decode_verified(data, trust) {
            Ok(proof) => {
                if self.keep(proof) {
                    ProofVerdict::Kept
                } else {
                    ProofVerdict::Known
                }
            }
            Err(e) => ProofVerdict::Invalid(e),
        }
    }

    /// Called every housekeeping tick: once [`PROOF_REGOSSIP_INTERVAL`] has passed since the
    /// last turn, a new turn starts and the kept proof's wire bytes are returned to gossip
    /// again (none if no proof is kept).
    pub(crate) fn due(&mut self, now: Instant) -> Option<Vec<u8>> {
        if now.duration_since(self.last_turn) < PROOF_REGOSSIP_INTERVAL {
            return None;
        }
        self.last_turn = now;
        self.kept.as_ref().map(EquivocationProof::to_bytes)
    }
}

#[cfg(test)]
mod tests {
    use libp2p::identity::{ed25519, Keypair};
    use weft_types::{
        encoding::layout::{index_root, Digest32},
        Header, ProducerKey, Signature, UnsignedHeader, GENESIS_PARENT,
    };

    use super::*;

    /// An Ed25519 key (libp2p's: the same signature scheme as the producer's).
    fn key() -> ed25519::Keypair {
        Keypair::generate_ed25519()
            .try_into_ed25519()
            .expect("an ed25519 key")
    }

    fn producer(key: &ed25519::Keypair) -> ProducerKey {
        ProducerKey(key.public().to_bytes())
    }

    /// An empty block's header for `height`, signed by `key`.
    fn header(key: &ed25519::Keypair, height: u64, timestamp_ms: u64) -> Header {
        let unsigned = UnsignedHeader {
            height,
            parent_hash: Digest32(GENESIS_PARENT),
            timestamp_ms,
            k: 0,
            row_commitments: vec![],
            blob_count: 0,
            index_root: Digest32(index_root(&[])),
            producer: producer(key),
        };
        let signature = key
            .sign(&unsigned.canonical_bytes())
            .try_into()
            .expect("64 bytes");
        Header {
            unsigned,
            signature: Signature(signature),
            certificate: None,
        }
    }

    /// A proof that `key` signed two headers for `height`.
    fn proof(key: &ed25519::Keypair, height: u64) -> EquivocationProof {
        EquivocationProof::of(&header(key, height, 1_000), &header(key, height, 2_000))
            .expect("two headers for one height")
    }

    #[test]
    fn only_the_first_proof_is_kept() {
        let key = key();
        let mut gossip = EquivocationGossip::new(Instant::now());
        assert!(gossip.kept().is_none());
        assert!(gossip.keep(proof(&key, 5)));
        assert!(!gossip.keep(proof(&key, 9)), "one is kept already");
        assert_eq!(gossip.kept(), Some(&proof(&key, 5)));
    }

    #[test]
    fn a_kept_proof_is_gossiped_again_every_interval_and_not_sooner() {
        let key = key();
        let start = Instant::now();
        let mut gossip = EquivocationGossip::new(start);
        gossip.keep(proof(&key, 5));
        let bytes = proof(&key, 5).to_bytes();
        let second = Duration::from_secs(1);
        assert_eq!(gossip.due(start + PROOF_REGOSSIP_INTERVAL - second), None);
        assert_eq!(
            gossip.due(start + PROOF_REGOSSIP_INTERVAL),
            Some(bytes.clone())
        );
        assert_eq!(gossip.due(start + PROOF_REGOSSIP_INTERVAL + second), None);
        assert_eq!(gossip.due(start + 2 * PROOF_REGOSSIP_INTERVAL), Some(bytes));
    }

    #[test]
    fn nothing_is_gossiped_without_a_proof_and_the_turns_keep_their_pace() {
        let key = key();
        let start = Instant::now();
        let mut gossip = EquivocationGossip::new(start);
        assert_eq!(
            gossip.due(start + PROOF_REGOSSIP_INTERVAL),
            None,
            "no proof"
        );
        // Kept (and gossiped at once by the caller) between turns: the next turn is on time.
        gossip.keep(proof(&key, 5));
        let next = start + 2 * PROOF_REGOSSIP_INTERVAL;
        assert_eq!(gossip.due(next - Duration::from_secs(1)), None);
        assert!(gossip.due(next).is_some());
    }

    #[test]
    fn a_gossiped_proof_is_kept_if_it_verifies_and_is_the_first() {
        let key = key();
        let mut gossip = EquivocationGossip::new(Instant::now());
        let first = proof(&key, 5);
        assert!(matches!(
            gossip.received(&first.to_bytes(), &Trust::from(producer(&key))),
            ProofVerdict::Kept
        ));
        assert_eq!(gossip.kept(), Some(&first));
        assert!(matches!(
            gossip.received(&proof(&key, 6).to_bytes(), &producer(&key).into()),
            ProofVerdict::Known
        ));
        assert_eq!(gossip.kept(), Some(&first), "the first one stays");
    }

    #[test]
    fn a_gossiped_proof_that_does_not_verify_is_rejected_and_not_kept() {
        let (key, other) = (key(), key());
        let mut gossip = EquivocationGossip::new(Instant::now());
        let producer = Trust::from(producer(&key));
        let forged = proof(&other, 5).to_bytes();
        assert!(matches!(
            gossip.received(&forged, &producer),
            ProofVerdict::Invalid(weft_types::Error::WrongProducer { .. })
        ));
        let mut bytes = proof(&key, 5).to_bytes();
        *bytes.last_mut().expect("not empty") ^= 1;
        assert!(matches!(
            gossip.received(&bytes, &producer),
            ProofVerdict::Invalid(weft_types::Error::BadSignature { height: 5 })
        ));
        assert!(matches!(
            gossip.received(b"not a proof", &producer),
            ProofVerdict::Invalid(_)
        ));
        assert!(gossip.kept().is_none());
        assert!(matches!(
            gossip.received(&proof(&key, 5).to_bytes(), &producer),
            ProofVerdict::Kept
        ));
    }
}
