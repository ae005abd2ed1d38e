//! A full node's header hold (PROTOCOL §8, header after data): a gossiped header is forwarded
//! only once its block is stored, held at most [`HOLD_LIMIT`], then dropped unforwarded (peers
//! catch up by range requests). Swarm-free: the actor reports to gossipsub what this returns.

use std::{collections::BTreeMap, time::Duration};

use libp2p::{gossipsub::MessageId, PeerId};
use web_time::Instant;

/// Longest a full node holds a gossiped header back while its block is not stored; then the
/// header is dropped unforwarded (peers catch up by range requests). Gossipsub keeps messages
/// awaiting validation for `behaviour::GOSSIP_HISTORY` heartbeats, longer than this.
pub(crate) const HOLD_LIMIT: Duration = Duration::from_secs(20);

/// A gossiped message awaiting its validation result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    /// Gossipsub's id of the message.
    pub(crate) id: MessageId,
    /// The peer it came from.
    pub(crate) source: PeerId,
}

/// What to do with a verified gossiped header when it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// Forward it now (accept it for propagation).
    Forward,
    /// Held until its block is stored: report nothing yet.
    Held,
}

/// Headers held back until their blocks are stored.
#[derive(Debug)]
pub(crate) struct HeaderHold {
    /// Whether headers are held at all (a full node that serves blocks); otherwise every
    /// header is forwarded at once.
    hold: bool,
    /// Every block up to this height is stored.
    stored_through: u64,
    /// Headers held back, by height: each message and when it arrived.
    held: BTreeMap<u64, Vec<(Message, Instant)>>,
}

impl HeaderHold {
    /// A hold that holds headers (`hold`: a full node that serves blocks) or forwards every
    /// header at once (a light client, a node that serves nothing). Nothing is stored yet.
    pub(crate) const fn new(hold: bool) -> Self {
        Self {
            hold,
            stored_through: 0,
            held: BTreeMap::new(),
        }
    }

    /// A verified header for `height` arrived at `now` as gossip message `id` from `source`:
    /// forwarded now if its block is stored (or this node does not hold), held otherwise.
    pub(crate) fn arrived(
        &mut self,
        height: u64,
        id: &MessageId,
        source: PeerId,
        now: Instant,
    ) -> Arrival {
        if !self.hold || height <= self.stored_through {
            return Arrival::Forward;
        }
        let message = Message {
            id: id.clone(),
            source,
        };
        self.held.entry(height).or_default().push((message, now));
        Arrival::Held
    }

    /// Every block up to `height` is stored: returns the held headers to forward now (those up
    /// to `height`, lowest first). A report below an earlier one releases nothing.
    pub(crate) fn stored(&mut self, height: u64) -> Vec<Message> {
        self.stored_through = self.stored_through.max(height);
        let later = match height.checked_add(1) {
            Some(next) => self.held.split_off(&next),
            None => BTreeMap::new(),
        };
        let due = std::mem::replace(&mut self.held, later);
        due.into_values().flatten().map(|(m, _)| m).collect()
    }

    /// Returns the headers held [`HOLD_LIMIT`] or longer at `now`, to drop unforwarded (lowest
    /// first); they are held no more.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Message> {
        let mut dropped = Vec::new();
        self.held.retain(|_, messages| {
            messages.retain(|(message, since)| {
                let keep = now.duration_since(*since) < HOLD_LIMIT;
                if !keep {
                    dropped.push(message.clone());
                }
                keep
            });
            !messages.is_empty()
        });
        dropped
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn id(n: u64) -> MessageId {
        MessageId::new(&n.to_be_bytes())
    }

    fn ids(messages: &[Message]) -> Vec<MessageId> {
        messages.iter().map(|m| m.id.clone()).collect()
    }

    #[test]
    fn a_node_that_does_not_hold_forwards_every_header_at_once() {
        let mut hold = HeaderHold::new(false);
        let now = Instant::now();
        for height in [1, 5, u64::MAX] {
            assert_eq!(
                hold.arrived(height, &id(height), PeerId::random(), now),
                Arrival::Forward
            );
        }
        assert!(hold.stored(u64::MAX).is_empty(), "nothing was held");
        assert!(hold.expire(now + HOLD_LIMIT).is_empty());
    }

    #[test]
    fn a_header_above_the_stored_height_is_held_until_exactly_its_block_is_stored() {
        let mut hold = HeaderHold::new(true);
        let now = Instant::now();
        let source = PeerId::random();
        assert_eq!(hold.arrived(1, &id(1), source, now), Arrival::Held);
        assert_eq!(hold.arrived(2, &id(2), source, now), Arrival::Held);
        assert_eq!(hold.arrived(3, &id(3), source, now), Arrival::Held);
        assert!(hold.stored(0).is_empty(), "no block stored yet");
        assert_eq!(
            hold.stored(2),
            vec![Message { id: id(1), source }, Message { id: id(2), source }],
            "released up to and including the stored height, lowest first"
        );
        assert!(hold.stored(2).is_empty(), "released once");
        assert_eq!(ids(&hold.stored(3)), [id(3)]);
    }

    #[test]
    fn a_store_report_for_a_lower_height_releases_nothing() {
        let mut hold = HeaderHold::new(true);
        let now = Instant::now();
        assert!(hold.stored(10).is_empty());
        assert_eq!(
            hold.arrived(12, &id(12), PeerId::random(), now),
            Arrival::Held
        );
        assert!(hold.stored(4).is_empty(), "a stale report");
        assert_eq!(
            hold.arrived(10, &id(10), PeerId::random(), now),
            Arrival::Forward,
            "a stale report does not lower the stored height"
        );
        assert!(hold.stored(11).is_empty(), "block 12 is not stored");
        assert_eq!(ids(&hold.stored(12)), [id(12)]);
    }

    #[test]
    fn a_header_whose_block_is_stored_is_forwarded_at_once() {
        let mut hold = HeaderHold::new(true);
        let now = Instant::now();
        hold.stored(7);
        assert_eq!(
            hold.arrived(6, &id(6), PeerId::random(), now),
            Arrival::Forward
        );
        assert_eq!(
            hold.arrived(7, &id(7), PeerId::random(), now),
            Arrival::Forward
        );
        assert_eq!(
            hold.arrived(8, &id(8), PeerId::random(), now),
            Arrival::Held
        );
    }

    #[test]
    fn every_copy_of_a_height_is_held_and_released_together() {
        let mut hold = HeaderHold::new(true);
        let now = Instant::now();
        // Two different headers for one height (an equivocating producer) from two peers.
        hold.arrived(4, &id(40), PeerId::random(), now);
        hold.arrived(4, &id(41), PeerId::random(), now);
        assert_eq!(ids(&hold.stored(4)), [id(40), id(41)]);
    }

    #[test]
    fn a_header_held_past_the_limit_is_dropped_and_never_forwarded() {
        let mut hold = HeaderHold::new(true);
        let start = Instant::now();
        let source = PeerId::random();
        hold.arrived(5, &id(5), source, start);
        hold.arrived(6, &id(6), source, start + Duration::from_secs(1));
        assert!(
            hold.expire(start + HOLD_LIMIT - Duration::from_millis(1))
                .is_empty(),
            "within the limit"
        );
        assert_eq!(
            hold.expire(start + HOLD_LIMIT),
            [Message { id: id(5), source }],
            "dropped at the limit"
        );
        assert!(hold.expire(start + HOLD_LIMIT).is_empty(), "dropped once");
        assert_eq!(
            ids(&hold.stored(6)),
            [id(6)],
            "the expired header is not forwarded when its block comes"
        );
        assert!(hold.expire(start + 10 * HOLD_LIMIT).is_empty());
    }

    #[test]
    fn the_highest_height_is_released() {
        let mut hold = HeaderHold::new(true);
        hold.arrived(u64::MAX, &id(1), PeerId::random(), Instant::now());
        assert_eq!(ids(&hold.stored(u64::MAX)), [id(1)]);
    }

    /// A random run of arrivals, store reports and expiry turns against a model: a header is
    /// never forwarded before its block is stored, and each is reported once (forwarded or
    /// dropped) or still held.
    #[test]
    fn a_header_is_never_forwarded_before_its_block_is_stored() {
        let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |below: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % below
        };
        let mut hold = HeaderHold::new(true);
        let start = Instant::now();
        let mut now = start;
        let mut stored = 0;
        let mut height_of = HashMap::new();
        let mut reported = HashMap::new();
        for n in 0..10_000_u64 {
            match next(4) {
                0 | 1 => {
                    let height = stored.max(1) + next(8) - 1;
                    height_of.insert(id(n), height);
                    if hold.arrived(height, &id(n), PeerId::random(), now) == Arrival::Forward {
                        assert!(
                            height <= stored,
                            "header {height} forwarded, {stored} stored"
                        );
                        assert!(reported.insert(id(n), "forwarded").is_none());
                    }
                }
                2 => {
                    let height = stored + next(3);
                    let height = height.saturating_sub(1);
                    stored = stored.max(height);
                    for m in hold.stored(height) {
                        assert!(height_of[&m.id] <= stored);
                        assert!(reported.insert(m.id, "forwarded").is_none());
                    }
                }
                _ => {
                    now += Duration::from_millis(next(4_000));
                    for m in hold.expire(now) {
                        assert!(reported.insert(m.id, "dropped").is_none());
                    }
                }
            }
        }
        let held: usize = hold.held.values().map(Vec::len).sum();
        assert_eq!(reported.len() + held, height_of.len());
        let forwarded = reported.values().filter(|r| **r == "forwarded").count();
        assert!(
            forwarded > 100 && reported.len() > forwarded,
            "the run exercised both"
        );
    }
}
