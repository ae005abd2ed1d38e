//! What the network knows of its peers, without a swarm: which are full nodes, who was dialled
//! from discovery, scores and bans (the oldest ban is lifted past [`MAX_BANS`]).

use std::collections::{HashMap, HashSet, VecDeque};

use libp2p::PeerId;
use web_time::Instant;

use weft_types::wire::StatusResponse;

use crate::scores::{Misbehaviour, PeerScores, ScoreAction};

/// Bans kept; past this the oldest is lifted.
pub(crate) const MAX_BANS: usize = 4096;
/// Most peers dialled because discovery found them (not counting those that left).
pub(crate) const MAX_DIALS_FROM_DISCOVERY: usize = 32;

/// Peers, scores and bans.
#[derive(Debug, Default)]
pub(crate) struct PeerBook {
    scores: PeerScores,
    full: Vec<PeerId>,
    dialled: HashSet<PeerId>,
    banned: HashSet<PeerId>,
    bans: VecDeque<PeerId>,
    statuses: HashMap<PeerId, StatusResponse>,
}

/// What a penalty led to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Penalty {
    /// The peer stays.
    Kept,
    /// The peer is banned; `lifted` is an old ban to lift to stay within [`MAX_BANS`].
    Banned { lifted: Option<PeerId> },
}

impl PeerBook {
    /// A peer identified itself as serving Weft data; false if it was known or is banned.
    pub(crate) fn add_full(&mut self, peer: PeerId) -> bool {
        if self.banned.contains(&peer) || self.full.contains(&peer) {
            return false;
        }
        self.full.push(peer);
        true
    }

    /// A full peer's advertised status (kept while it is a full peer).
    pub(crate) fn set_status(&mut self, peer: PeerId, status: StatusResponse) {
        if self.full.contains(&peer) {
            self.statuses.insert(peer, status);
        }
    }

    /// The advertised statuses of full peers that answered.
    pub(crate) const fn statuses(&self) -> &HashMap<PeerId, StatusResponse> {
        &self.statuses
    }

    /// The peer's last connection closed.
    pub(crate) fn disconnected(&mut self, peer: &PeerId) {
        self.statuses.remove(peer);
        self.full.retain(|p| p != peer);
        self.dialled.remove(peer);
    }

    /// True if the peer is banned.
    pub(crate) fn is_banned(&self, peer: &PeerId) -> bool {
        self.banned.contains(peer)
    }

    /// A dial failed.
    pub(crate) fn dial_failed(&mut self, peer: &PeerId) {
        self.dialled.remove(peer);
    }

    /// True if a peer found by discovery should be dialled (and records the dial).
    pub(crate) fn should_dial(&mut self, peer: PeerId) -> bool {
        !self.banned.contains(&peer)
            && self.dialled.len() < MAX_DIALS_FROM_DISCOVERY
            && self.dialled.insert(peer)
    }

    /// Records a misbehaviour.
    pub(crate) fn penalise(&mut self, peer: PeerId, what: Misbehaviour, now: Instant) -> Penalty {
        if self.scores.penalise(peer, what, now) == ScoreAction::Keep || !self.banned.insert(peer) {
            return Penalty::Kept;
        }
        self.full.retain(|p| *p != peer);
        self.statuses.remove(&peer);
        self.bans.push_back(peer);
        let lifted = if self.bans.len() > MAX_BANS {
            self.bans.pop_front().inspect(|old| {
                self.banned.remove(old);
            })
        } else {
            None
        };
        Penalty::Banned { lifted }
    }

    /// Full peers, in the order they identified.
    pub(crate) fn full(&self) -> &[PeerId] {
        &self.full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_banned_peer_leaves_the_full_peers_and_is_not_dialled_again() {
        let mut book = PeerBook::default();
        let (liar, honest) = (PeerId::random(), PeerId::random());
        assert!(book.add_full(liar) && book.add_full(honest));
        assert!(!book.add_full(honest), "known already");
        assert_eq!(
            book.penalise(liar, Misbehaviour::InvalidCell, Instant::now()),
            Penalty::Banned { lifted: None }
        );
        assert_eq!(book.full(), &[honest]);
        assert!(!book.add_full(liar));
        assert!(!book.should_dial(liar));
        assert_eq!(
            book.penalise(honest, Misbehaviour::Timeout, Instant::now()),
            Penalty::Kept,
            "small faults do not ban at once"
        );
    }

    #[test]
    fn bans_are_bounded_and_discovery_dials_are_capped() {
        let mut book = PeerBook::default();
        let first = PeerId::random();
        book.penalise(first, Misbehaviour::InvalidHeader, Instant::now());
        for _ in 0..MAX_BANS {
            book.penalise(
                PeerId::random(),
                Misbehaviour::InvalidHeader,
                Instant::now(),
            );
        }
        assert!(book.bans.len() <= MAX_BANS);
        assert!(!book.banned.contains(&first), "the oldest ban was lifted");
        let dialled = (0..2 * MAX_DIALS_FROM_DISCOVERY)
            .filter(|_| book.should_dial(PeerId::random()))
            .count();
        assert_eq!(dialled, MAX_DIALS_FROM_DISCOVERY);
    }
}
