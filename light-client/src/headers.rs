//! Header sync: the chain of verified headers the light client samples. The first header seen
//! anchors it (at `from`, or `window` heights behind the head); every later header must carry
//! the producer's signature and link to its parent by hash. Headers that arrive ahead of the
//! tip wait (floating) until the gap is filled by a range request; a header that does not link
//! is dropped. Two validly signed headers for one height prove that the producer equivocated:
//! the proof is kept and nothing links after it. On a validator chain a header the engine
//! finalized through a descendant waits (unfinal) until a header with its own certificate
//! names it as parent, directly or through other waiting headers (PROTOCOL §12).

use std::collections::BTreeMap;

use weft_types::{
    wire::{HeadersRequest, MAX_HEADERS_PER_REQUEST},
    EquivocationProof, Finality, Header, Trust,
};

/// Linked headers kept; only the tail is needed to link new ones.
const MAX_LINKED: usize = 1024;
/// Headers kept waiting for their parent; beyond this the newest are refused.
const MAX_FLOATING: usize = 4096;

/// The light client's view of the chain.
#[derive(Debug)]
pub(crate) struct HeaderSync {
    trust: Trust,
    /// First height to sample; set from the first header seen when not given.
    from: Option<u64>,
    window: u64,
    /// Headers verified and linked to their parent (or the anchor), by height.
    linked: BTreeMap<u64, Header>,
    /// Headers with a good signature, waiting for their parent.
    floating: BTreeMap<u64, Header>,
    /// Headers signed by a validator, waiting for a certified descendant (by height; one
    /// per height, the latest received).
    unfinal: BTreeMap<u64, Header>,
    /// Proof that the producer signed two headers for one height: nothing links after it.
    equivocation: Option<EquivocationProof>,
}

impl HeaderSync {
    /// Follows headers that verify against `trust` from `from` (or `window` behind the first head seen).
    pub(crate) const fn new(trust: Trust, from: Option<u64>, window: u64) -> Self {
        Self {
            trust,
            from,
            window,
            linked: BTreeMap::new(),
            floating: BTreeMap::new(),
            unfinal: BTreeMap::new(),
            equivocation: None,
        }
    }

    /// The proof that the producer equivocated, once one is known: no header links after it.
    pub(crate) const fn equivocation(&self) -> Option<&EquivocationProof> {
        self.equivocation.as_ref()
    }

    /// Takes a proof found elsewhere (gossiped, already verified): stops following.
    pub(crate) fn adopt(&mut self, proof: EquivocationProof) {
        if self.equivocation.is_none() {
            tracing::error!(
                height = proof.height(),
                "the producer equivocated; stopped following"
            );
            self.equivocation = Some(proof);
        }
    }

    /// True (and the proof kept) if `header` and `other` are two headers for one height.
    fn conflicts(&mut self, header: &Header, other: Option<&Header>) -> bool {
        match other.and_then(|o| EquivocationProof::of(header, o)) {
            Some(proof) => {
                self.adopt(proof);
                true
            }
            None => false,
        }
    }

    /// Takes a header from gossip or a range answer. Returns the headers it let link, in
    /// height order (each is new to the chain and ready to sample).
    ///
    /// # Errors
    /// The header's own check ([`Header::verify_or_defer`]) against the trust root: whoever
    /// sent it is at fault.
    pub(crate) fn insert(&mut self, header: Header) -> Result<Vec<Header>, weft_types::Error> {
        if header.verify_or_defer(&self.trust)? == Finality::AwaitsDescendant {
            if self.unfinal.len() < MAX_FLOATING || self.unfinal.contains_key(&header.height()) {
                self.unfinal.insert(header.height(), header);
            }
            return Ok(Vec::new());
        }
        // Final: so is every waiting header it descends from.
        let mut released = vec![header];
        while let Some(parent) = released.last().and_then(|child| {
            let below = child.height().checked_sub(1)?;
            self.unfinal
                .get(&below)
                .filter(|p| child.follows(p))
                .cloned()
        }) {
            self.unfinal.remove(&parent.height());
            released.push(parent);
        }
        let mut linked = Vec::new();
        for header in released.into_iter().rev() {
            linked.extend(self.accept(header));
        }
        if let Some((&tip, _)) = self.linked.last_key_value() {
            self.unfinal.retain(|h, _| *h > tip);
        }
        Ok(linked)
    }

    /// Takes a final header: links it (and what floats after it) or holds it.
    fn accept(&mut self, header: Header) -> Vec<Header> {
        let height = header.height();
        let mut linked = Vec::new();
        let known = self
            .linked
            .get(&height)
            .or(self.floating.get(&height))
            .cloned();
        if self.equivocation.is_some() || self.conflicts(&header, known.as_ref()) {
            return linked;
        }
        match self.linked.last_key_value() {
            None => {
                let anchor = self
                    .from
                    .unwrap_or_else(|| height.saturating_sub(self.window).max(1));
                if height < anchor {
                    return linked;
                }
                if height == anchor {
                    self.link(header, &mut linked);
                } else {
                    self.hold(header);
                    // Remember where to start: the anchor is fetched by range request.
                    self.from = Some(anchor);
                }
            }
            Some((&tip, _)) if height > tip => self.hold(header),
            // At or below the tip: already linked (a second one was caught above), or below
            // the headers kept.
            Some(_) => {}
        }
        self.link_floating(&mut linked);
        linked
    }

    fn hold(&mut self, header: Header) {
        if self.floating.len() < MAX_FLOATING || self.floating.contains_key(&header.height()) {
            self.floating.insert(header.height(), header);
        }
    }

    fn link(&mut self, header: Header, out: &mut Vec<Header>) {
        self.linked.insert(header.height(), header.clone());
        out.push(header);
        while self.linked.len() > MAX_LINKED {
            self.linked.pop_first();
        }
    }

    fn link_floating(&mut self, out: &mut Vec<Header>) {
        while let Some((&tip, parent)) = self.linked.last_key_value() {
            let Some(next) = tip.checked_add(1).and_then(|h| self.floating.remove(&h)) else {
                break;
            };
            if next.follows(parent) {
                self.link(next, out);
            } else {
                tracing::warn!("header {} does not link to {tip}; dropped", next.height());
            }
        }
        if let Some((&tip, _)) = self.linked.last_key_value() {
            self.floating.retain(|h, _| *h > tip);
        }
    }

    /// The range to ask a full peer for: from the tip (or the anchor) up to the newest floating
    /// header, at most [`MAX_HEADERS_PER_REQUEST`]; `None` when nothing is missing.
    pub(crate) fn missing(&self) -> Option<HeadersRequest> {
        let from = match self.linked.last_key_value() {
            Some((tip, _)) => tip + 1,
            None => self.from.filter(|_| !self.floating.is_empty())?,
        };
        let (&newest, _) = self.floating.last_key_value()?;
        if newest < from {
            return None;
        }
        let count = (newest - from).min(u64::from(MAX_HEADERS_PER_REQUEST) - 1) as u32 + 1;
        Some(HeadersRequest { from, count })
    }

    /// The newest verified header's height (linked or waiting), 0 before any.
    pub(crate) fn head(&self) -> u64 {
        let linked = self.linked.last_key_value().map_or(0, |(h, _)| *h);
        let floating = self.floating.last_key_value().map_or(0, |(h, _)| *h);
        linked.max(floating)
    }
}

// Validator keys and quorum certificates made with blst, for the tests (weft-types' own).
#[cfg(test)]
use weft_types::testing as fixture;

#[cfg(test)]
mod tests {

    use ed25519_dalek::SigningKey;
    use weft_encoding::layout::{index_root, Digest32};
    use weft_types::{ProducerKey, UnsignedHeader, GENESIS_PARENT};

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// An empty header at `height` on `parent`, signed by `signer` claiming `producer`.
    fn header(parent: Option<&Header>, height: u64, stamp: u64, signer: &SigningKey) -> Header {
        UnsignedHeader {
            height,
            parent_hash: parent.map_or(Digest32(GENESIS_PARENT), Header::hash),
            timestamp_ms: stamp,
            k: 0,
            row_commitments: vec![],
            blob_count: 0,
            index_root: Digest32(index_root(&[])),
            producer: ProducerKey::of(&key(1)),
        }
        .sign(signer)
    }

    fn chain(n: u64) -> Vec<Header> {
        let mut out: Vec<Header> = Vec::new();
        for h in 1..=n {
            let next = header(out.last(), h, h, &key(1));
            out.push(next);
        }
        out
    }

    fn heights(headers: &[Header]) -> Vec<u64> {
        headers.iter().map(Header::height).collect()
    }

    #[test]
    fn a_gap_is_asked_for_and_filled_in_order() {
        let chain = chain(10);
        let mut sync = HeaderSync::new(Trust::from(ProducerKey::of(&key(1))), Some(1), 16);
        assert_eq!(heights(&sync.insert(chain[0].clone()).unwrap()), [1]);
        // Gossip jumps ahead: 2..=7 are missing.
        assert!(sync.insert(chain[7].clone()).unwrap().is_empty());
        assert_eq!(sync.head(), 8);
        assert_eq!(sync.missing(), Some(HeadersRequest { from: 2, count: 7 }));
        // The range answer links everything up to 8, in order.
        let mut linked = Vec::new();
        for h in &chain[1..7] {
            linked.extend(sync.insert(h.clone()).unwrap());
        }
        assert_eq!(heights(&linked), [2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(sync.missing(), None);
    }

    #[test]
    fn the_anchor_is_window_behind_the_first_head_and_fetched_by_range() {
        let chain = chain(30);
        let mut sync = HeaderSync::new(Trust::from(ProducerKey::of(&key(1))), None, 16);
        assert!(sync.insert(chain[29].clone()).unwrap().is_empty());
        assert_eq!(
            sync.missing(),
            Some(HeadersRequest {
                from: 14,
                count: 17
            })
        );
        assert!(
            sync.insert(chain[5].clone()).unwrap().is_empty(),
            "below the anchor"
        );
        let mut linked = Vec::new();
        for h in &chain[13..29] {
            linked.extend(sync.insert(h.clone()).unwrap());
        }
        assert_eq!(heights(&linked), (14..=30).collect::<Vec<_>>());
    }

    #[test]
    fn a_second_header_for_a_height_proves_equivocation_and_stops_following() {
        let chain = chain(6);
        let mut sync = HeaderSync::new(Trust::from(ProducerKey::of(&key(1))), Some(1), 16);
        for h in &chain[..3] {
            sync.insert(h.clone()).unwrap();
        }
        // The producer signs a second header 3 (another timestamp).
        let fork3 = header(Some(&chain[1]), 3, 99, &key(1));
        assert!(sync.insert(fork3.clone()).unwrap().is_empty());
        let proof = sync.equivocation().expect("a proof");
        assert_eq!(proof.height(), 3);
        proof
            .verify(&Trust::from(ProducerKey::of(&key(1))))
            .unwrap();
        assert!(
            sync.insert(chain[3].clone()).unwrap().is_empty(),
            "nothing links after an equivocation"
        );
        // Two headers for one height still waiting for their parent prove it too.
        let mut ahead = HeaderSync::new(Trust::from(ProducerKey::of(&key(1))), Some(1), 16);
        ahead.insert(chain[0].clone()).unwrap();
        ahead.insert(chain[4].clone()).unwrap();
        assert!(ahead.equivocation().is_none());
        ahead
            .insert(header(Some(&chain[3]), 5, 77, &key(1)))
            .unwrap();
        assert_eq!(ahead.equivocation().map(EquivocationProof::height), Some(5));
    }

    #[test]
    fn a_header_from_the_wrong_key_is_refused() {
        let chain = chain(2);
        let mut sync = HeaderSync::new(Trust::from(ProducerKey::of(&key(1))), Some(1), 16);
        sync.insert(chain[0].clone()).unwrap();
        let forged = header(Some(&chain[0]), 2, 2, &key(9));
        assert!(matches!(
            sync.insert(forged),
            Err(weft_types::Error::BadSignature { height: 2 })
        ));
        let mut other = header(Some(&chain[0]), 2, 2, &key(9));
        other.unsigned.producer = ProducerKey::of(&key(9));
        assert!(matches!(
            sync.insert(other),
            Err(weft_types::Error::WrongProducer { .. })
        ));
        assert_eq!(sync.head(), 1);
        assert_eq!(heights(&sync.insert(chain[1].clone()).unwrap()), [2]);
    }

    #[test]
    fn a_header_finalized_through_a_descendant_waits_and_links_when_the_descendant_comes() {
        let (keys, set, signing) = super::fixture::validator_chain();
        let mut run: Vec<Header> = Vec::new();
        for (i, signer) in signing.iter().take(3).enumerate() {
            let height = i as u64 + 1;
            let next = UnsignedHeader {
                height,
                parent_hash: run.last().map_or(Digest32(GENESIS_PARENT), Header::hash),
                timestamp_ms: height,
                k: 0,
                row_commitments: vec![],
                blob_count: 0,
                index_root: Digest32(index_root(&[])),
                producer: ProducerKey::of(signer),
            }
            .sign(signer);
            run.push(next);
        }
        let own = |h: &Header| {
            Some(Box::new(super::fixture::certificate(
                &keys,
                &[0, 1, 2],
                h.hash(),
            )))
        };
        run[0].certificate = own(&run[0]);
        // The engine finalized height 3 first: 2 is stored with 3's certificate.
        run[2].certificate = own(&run[2]);
        run[1].certificate = run[2].certificate.clone();
        let heights = |hs: Vec<Header>| hs.iter().map(Header::height).collect::<Vec<_>>();

        let mut sync = HeaderSync::new(Trust::from(set), Some(1), 0);
        assert_eq!(heights(sync.insert(run[0].clone()).unwrap()), [1]);
        assert!(sync.insert(run[1].clone()).unwrap().is_empty(), "2 waits");
        assert_eq!(sync.head(), 1);
        assert_eq!(heights(sync.insert(run[2].clone()).unwrap()), [2, 3]);
        // A header of a stranger is refused, certified or not.
        let stranger = key(99);
        let mut foreign = run[2].unsigned.clone();
        foreign.producer = ProducerKey::of(&stranger);
        assert!(matches!(
            sync.insert(foreign.sign(&stranger)),
            Err(weft_types::Error::NotAValidator { .. })
        ));
    }
}
