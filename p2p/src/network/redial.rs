//! Re-dialling lost full nodes (issue 11, fault 3): the bootstrap addresses and every full node
//! seen are kept as dial targets, each with its own backoff (1 s, doubling to 60 s, back to 1 s
//! once a connection to it has lasted [`STABLE_CONNECTION`]). A full node that closed our
//! connection within [`REFUSED_WITHIN`] of making it [`REFUSALS_IN_A_ROW`] times in a row — a
//! producer leaving light clients to its full nodes; once could be a restart — refused a light
//! client: it is dialled again only after [`REFUSED_REDIAL`], and
//! the actor blocks it meanwhile so that Kademlia's lookups do not dial it either (issue 13:
//! 1,000 light clients re-dialling such a producer made ~60 handshakes a second each way). A
//! full node's own connections never count as refused: a producer that restarts must be found
//! again at once. A bootstrap address is due while no full node is
//! connected; a known full node is due while it is not connected. Runtime-free: the actor asks
//! what is due each second.

use std::{collections::HashMap, time::Duration};

use libp2p::{multiaddr::Protocol, Multiaddr, PeerId};
use web_time::Instant;

/// First pause before dialling a lost target again.
pub(crate) const FIRST_REDIAL: Duration = Duration::from_secs(1);
/// Longest pause between dials of one target.
pub(crate) const MAX_REDIAL: Duration = Duration::from_secs(60);
/// A connection that lasted this long restarts its peer's backoff when it is lost.
pub(crate) const STABLE_CONNECTION: Duration = Duration::from_secs(10);
/// A connection closed sooner than this after it was made was refused (closed at identify).
pub(crate) const REFUSED_WITHIN: Duration = Duration::from_secs(3);
/// Quick closes in a row that make a refusal.
pub(crate) const REFUSALS_IN_A_ROW: u8 = 2;
/// Pause before dialling again a full node that refused us.
pub(crate) const REFUSED_REDIAL: Duration = Duration::from_secs(300);
/// Full nodes remembered for re-dialling (the oldest is forgotten past this).
pub(crate) const MAX_KNOWN_FULL: usize = 64;
/// Addresses remembered per full node.
const MAX_ADDRS: usize = 8;

/// When a target may be dialled next.
#[derive(Debug)]
struct Backoff {
    next: Instant,
    /// The pauses after each dial from now on.
    pauses: backon::ExponentialBackoff,
    /// Connections in a row closed within [`REFUSED_WITHIN`].
    quick: u8,
}

/// Pauses from `first`, doubling, at most [`MAX_REDIAL`].
fn pauses(first: Duration) -> backon::ExponentialBackoff {
    backon::BackoffBuilder::build(
        backon::ExponentialBuilder::new()
            .with_min_delay(first)
            .with_max_delay(MAX_REDIAL)
            .without_max_times(),
    )
}

impl Backoff {
    fn fresh(now: Instant) -> Self {
        Self {
            next: now,
            pauses: pauses(FIRST_REDIAL),
            quick: 0,
        }
    }

    /// True if due at `now`; if so the next dial waits twice as long.
    fn take(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + self.pauses.next().unwrap_or(MAX_REDIAL);
        true
    }

    /// Refused at `now`: not due before [`REFUSED_REDIAL`] has passed.
    fn refused(&mut self, now: Instant) {
        self.next = self.next.max(now + REFUSED_REDIAL);
        self.pauses = pauses(MAX_REDIAL);
    }
}

/// What to dial now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dial {
    /// A bootstrap address (its `/p2p/` part, if any, names the peer).
    Address(Multiaddr),
    /// A known full node at these addresses.
    Peer(PeerId, Vec<Multiaddr>),
}

/// The dial targets and their backoffs.
#[derive(Debug)]
pub(crate) struct Redial {
    bootstrap: Vec<(Multiaddr, Backoff)>,
    known: HashMap<PeerId, (Vec<Multiaddr>, Backoff, u64)>,
    seen: u64,
    /// When each connected peer's connection was made.
    since: HashMap<PeerId, Instant>,
    /// Whether quick closes count as refusals (light clients only).
    refusals: bool,
}

impl Redial {
    /// Targets for `bootstrap`, just dialled at start: each is due again after the first pause.
    /// `refusals`: a quick close by a known full node holds it off for [`REFUSED_REDIAL`]
    /// (light clients).
    pub(crate) fn new(bootstrap: Vec<Multiaddr>, now: Instant, refusals: bool) -> Self {
        let dialled = || {
            let mut b = Backoff::fresh(now);
            b.take(now);
            b
        };
        Self {
            bootstrap: bootstrap.into_iter().map(|a| (a, dialled())).collect(),
            known: HashMap::new(),
            seen: 0,
            since: HashMap::new(),
            refusals,
        }
    }

    /// A full node was connected at these addresses: remember it, and dial it again at once
    /// when it is lost. Returns the node forgotten to stay within [`MAX_KNOWN_FULL`] (the one
    /// seen longest ago), if any: the caller lifts its hold (unblocks it) if it had one, since
    /// only [`Redial::due`] would have.
    pub(crate) fn full_node(
        &mut self,
        peer: PeerId,
        addrs: Vec<Multiaddr>,
        now: Instant,
    ) -> Option<PeerId> {
        let addrs: Vec<Multiaddr> = addrs
            .into_iter()
            .map(|a| without_peer(&a))
            .filter(|a| !a.is_empty())
            .take(MAX_ADDRS)
            .collect();
        if addrs.is_empty() {
            return None;
        }
        self.seen += 1;
        let mut forgotten = None;
        if !self.known.contains_key(&peer) && self.known.len() >= MAX_KNOWN_FULL {
            forgotten = self.known.iter().min_by_key(|(_, e)| e.2).map(|(p, _)| *p);
            if let Some(oldest) = forgotten {
                self.known.remove(&oldest);
            }
        }
        // Seen again (identify on every connection): new addresses, the same backoff.
        let backoff = self
            .known
            .remove(&peer)
            .map_or_else(|| Backoff::fresh(now), |e| e.1);
        self.known.insert(peer, (addrs, backoff, self.seen));
        forgotten
    }

    /// A known full node seen at `addrs` (Kademlia's table or a lookup's answer): any new one means
    /// it moved (new ports), so it is due now at the new ones first, whatever its backoff (issue
    /// 25, fault 3): returns them. `None` for an unknown peer, nothing new, or a node held off.
    pub(crate) fn seen_at(
        &mut self,
        peer: &PeerId,
        addrs: impl IntoIterator<Item = Multiaddr>,
        now: Instant,
    ) -> Option<Vec<Multiaddr>> {
        let refusals = self.refusals;
        let (known, backoff, _) = self.known.get_mut(peer)?;
        let mut fresh: Vec<Multiaddr> = Vec::new();
        for addr in addrs {
            let addr = without_peer(&addr);
            if !addr.is_empty() && !known.contains(&addr) && !fresh.contains(&addr) {
                fresh.push(addr);
            }
        }
        if fresh.is_empty() || (refusals && backoff.quick >= REFUSALS_IN_A_ROW) {
            return None;
        }
        fresh.append(known);
        fresh.truncate(MAX_ADDRS);
        known.clone_from(&fresh);
        *backoff = Backoff::fresh(now);
        backoff.take(now);
        Some(fresh)
    }

    /// A peer was connected.
    pub(crate) fn connected(&mut self, peer: &PeerId, now: Instant) {
        self.since.entry(*peer).or_insert(now);
    }

    /// A peer's last connection closed: if it had lasted [`STABLE_CONNECTION`], its backoff
    /// (and that of a bootstrap address naming it) starts over; if refusals count and a known
    /// full node closed [`REFUSALS_IN_A_ROW`] connections in a row within [`REFUSED_WITHIN`],
    /// it is not due again for [`REFUSED_REDIAL`] and this returns true (the caller blocks it
    /// until then); otherwise the backoff keeps doubling.
    pub(crate) fn lost(&mut self, peer: &PeerId, now: Instant) -> bool {
        let lasted = self
            .since
            .remove(peer)
            .map(|t| now.saturating_duration_since(t));
        if let Some(entry) = self.known.get_mut(peer) {
            if lasted.is_some_and(|d| d < REFUSED_WITHIN) {
                entry.1.quick = entry.1.quick.saturating_add(1);
                if self.refusals && entry.1.quick >= REFUSALS_IN_A_ROW {
                    entry.1.refused(now);
                    return true;
                }
                return false;
            }
            entry.1.quick = 0;
        }
        if lasted.is_none_or(|d| d < STABLE_CONNECTION) {
            return false;
        }
        if let Some(entry) = self.known.get_mut(peer) {
            entry.1 = Backoff::fresh(now);
        }
        for (addr, backoff) in &mut self.bootstrap {
            if peer_of(addr) == Some(*peer) {
                *backoff = Backoff::fresh(now);
            }
        }
        false
    }

    /// True if `peer` is a known full node whose next dial is not yet due: discovery must not
    /// dial it either.
    pub(crate) fn holds_off(&self, peer: &PeerId, now: Instant) -> bool {
        self.known.get(peer).is_some_and(|e| now < e.1.next)
    }

    /// A peer was banned: never dial it again.
    pub(crate) fn forget(&mut self, peer: &PeerId) {
        self.known.remove(peer);
    }

    /// What to dial at `now`, given which peers are connected and how many full nodes are.
    pub(crate) fn due(
        &mut self,
        now: Instant,
        full_connected: usize,
        is_connected: impl Fn(&PeerId) -> bool,
    ) -> Vec<Dial> {
        let mut out = Vec::new();
        for (peer, (addrs, backoff, _)) in &mut self.known {
            if !is_connected(peer) && backoff.take(now) {
                out.push(Dial::Peer(*peer, addrs.clone()));
            }
        }
        if full_connected == 0 {
            for (addr, backoff) in &mut self.bootstrap {
                let connected = peer_of(addr).is_some_and(|p| is_connected(&p));
                if !connected && backoff.take(now) {
                    out.push(Dial::Address(addr.clone()));
                }
            }
        }
        out
    }
}

/// The peer an address names with `/p2p/`.
fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}

/// The address without its `/p2p/` part.
fn without_peer(addr: &Multiaddr) -> Multiaddr {
    addr.iter()
        .filter(|p| !matches!(p, Protocol::P2p(_)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> Multiaddr {
        format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()
    }

    #[test]
    fn bootstrap_is_dialled_with_backoff_only_while_no_full_node_is_connected() {
        let t0 = Instant::now();
        let mut r = Redial::new(vec![addr(1)], t0, true);
        let nobody = |_: &PeerId| false;
        assert!(
            r.due(t0, 0, nobody).is_empty(),
            "dialled at start: not again at once"
        );
        let at = |s: u64| t0 + Duration::from_secs(s);
        // Due after 1 s, then 2 s later, then 4 s later: the pauses double.
        assert_eq!(r.due(at(1), 0, nobody), vec![Dial::Address(addr(1))]);
        assert!(r.due(at(2), 0, nobody).is_empty());
        assert_eq!(r.due(at(3), 0, nobody).len(), 1);
        assert!(r.due(at(6), 0, nobody).is_empty());
        assert_eq!(r.due(at(7), 0, nobody).len(), 1);
        assert!(
            r.due(at(100), 1, nobody).is_empty(),
            "a full node is connected"
        );
        // The pause never passes the maximum.
        let mut dials = 0;
        for s in (100..1000).step_by(1) {
            dials += r.due(at(s), 0, nobody).len();
        }
        assert!(dials >= 900 / MAX_REDIAL.as_secs() as usize, "{dials}");
    }

    #[test]
    fn a_lost_full_node_is_dialled_again_and_its_backoff_restarts_once_connected() {
        let t0 = Instant::now();
        let mut r = Redial::new(vec![], t0, true);
        let peer = PeerId::random();
        let with_id = addr(9).with(Protocol::P2p(peer));
        r.full_node(peer, vec![with_id], t0);
        assert!(r.due(t0, 1, |p| *p == peer).is_empty(), "connected");
        assert_eq!(
            r.due(t0, 1, |_| false),
            vec![Dial::Peer(peer, vec![addr(9)])],
            "lost while another full node is connected: dialled at once"
        );
        assert!(r
            .due(t0 + Duration::from_millis(500), 0, |_| false)
            .is_empty());
        // A connection that lasted restarts the backoff once it is lost.
        r.connected(&peer, t0 + Duration::from_secs(30));
        r.lost(&peer, t0 + Duration::from_secs(45));
        assert_eq!(r.due(t0 + Duration::from_secs(45), 0, |_| false).len(), 1);
        r.forget(&peer);
        assert!(r.due(t0 + Duration::from_secs(99), 0, |_| false).is_empty());
    }

    #[test]
    fn a_node_that_closes_every_connection_at_once_is_dialled_only_after_the_refusal_pause() {
        let t0 = Instant::now();
        let mut r = Redial::new(vec![], t0, true);
        let peer = PeerId::random();
        let mut dials = Vec::new();
        for ms in (0..900_000u64).step_by(100) {
            let now = t0 + Duration::from_millis(ms);
            for _ in r.due(now, 1, |_| false) {
                dials.push(ms / 1000);
                // Connected, identified, and closed by the remote 100 ms later.
                r.connected(&peer, now);
                r.full_node(peer, vec![addr(9)], now);
                let refused = r.lost(&peer, now + Duration::from_millis(100));
                assert_eq!(
                    refused,
                    dials.len() >= 2,
                    "refused from the second quick close"
                );
                if refused {
                    assert!(
                        r.holds_off(&peer, now + Duration::from_secs(1)),
                        "discovery waits too"
                    );
                }
            }
            if ms == 0 {
                r.full_node(peer, vec![addr(9)], now);
            }
        }
        // At once, 1 s later (once could be a restart), then every five minutes over fifteen:
        // 4 dials, not 900 (or the 20 of a doubling backoff).
        assert_eq!(dials, vec![0, 1, 301, 601], "dialled at (s)");
    }

    #[test]
    fn a_connection_lost_between_refusal_and_stable_keeps_doubling() {
        let t0 = Instant::now();
        let mut r = Redial::new(vec![], t0, true);
        let peer = PeerId::random();
        r.full_node(peer, vec![addr(9)], t0);
        assert_eq!(r.due(t0, 1, |_| false).len(), 1);
        r.connected(&peer, t0);
        assert!(
            !r.lost(&peer, t0 + Duration::from_millis(100)),
            "one quick close: a restart?"
        );
        r.connected(&peer, t0);
        assert!(!r.lost(&peer, t0 + REFUSED_WITHIN + Duration::from_secs(1)));
        let lost = t0 + REFUSED_WITHIN + Duration::from_secs(1);
        assert!(
            !r.holds_off(&peer, lost),
            "1 s after the first dial: due again"
        );
        assert_eq!(r.due(lost, 1, |_| false).len(), 1);
        assert!(
            r.holds_off(&peer, lost + Duration::from_secs(1)),
            "then 2 s later"
        );
        assert!(
            !r.holds_off(&PeerId::random(), lost),
            "unknown peers are not held off"
        );
        // The longer connection reset the count: one quick close is not yet a refusal.
        r.connected(&peer, lost);
        assert!(!r.lost(&peer, lost + Duration::from_millis(100)));
    }

    #[test]
    fn a_full_node_never_counts_a_quick_close_as_a_refusal() {
        let t0 = Instant::now();
        let mut r = Redial::new(vec![], t0, false);
        let producer = PeerId::random();
        r.full_node(producer, vec![addr(9)], t0);
        assert_eq!(r.due(t0, 0, |_| false).len(), 1);
        // The producer closes every connection at once (restarting): found again on the backoff.
        for s in [0, 1, 3] {
            let at = t0 + Duration::from_secs(s);
            if s > 0 {
                assert_eq!(r.due(at, 0, |_| false).len(), 1, "at {s} s");
            }
            r.connected(&producer, at);
            assert!(!r.lost(&producer, at + Duration::from_millis(100)));
        }
        assert!(!r.holds_off(&producer, t0 + Duration::from_secs(7)));
    }

    #[test]
    fn known_full_nodes_are_bounded() {
        let t0 = Instant::now();
        let mut r = Redial::new(vec![], t0, true);
        let first = PeerId::random();
        assert_eq!(r.full_node(first, vec![addr(1)], t0), None);
        let forgotten: Vec<PeerId> = (0..MAX_KNOWN_FULL)
            .filter_map(|i| r.full_node(PeerId::random(), vec![addr(i as u16 + 2)], t0))
            .collect();
        assert_eq!(r.known.len(), MAX_KNOWN_FULL);
        assert!(!r.known.contains_key(&first), "the oldest was forgotten");
        assert_eq!(
            forgotten,
            vec![first],
            "and named, so that its hold can be lifted"
        );
    }

    #[test]
    fn a_full_node_seen_at_a_new_address_is_dialled_there_at_once() {
        let t0 = Instant::now();
        let mut r = Redial::new(Vec::new(), t0, true);
        let peer = PeerId::random();
        r.full_node(peer, vec![addr(17923)], t0);
        r.connected(&peer, t0);
        let later = t0 + STABLE_CONNECTION / 2;
        r.lost(&peer, later);
        let nobody = |_: &PeerId| false;
        // Lost, dialled at the old address, which fails: the backoff grows.
        let mut t = later;
        for _ in 0..5 {
            t += MAX_REDIAL;
            assert_eq!(
                r.due(t, 0, nobody),
                vec![Dial::Peer(peer, vec![addr(17923)])]
            );
        }
        assert!(r.holds_off(&peer, t + Duration::from_millis(10)));
        // Seen at its new port: due at once, the new address first, whatever the backoff.
        let now = t + Duration::from_millis(10);
        assert_eq!(
            r.seen_at(&peer, [addr(17926), addr(17923)], now),
            Some(vec![addr(17926), addr(17923)])
        );
        // Seen again at the same addresses: nothing new, no extra dial.
        assert_eq!(r.seen_at(&peer, [addr(17926)], now), None);
        assert_eq!(
            r.seen_at(&PeerId::random(), [addr(1)], now),
            None,
            "unknown"
        );
        // And the next redial goes to the new address first.
        assert_eq!(
            r.due(now + FIRST_REDIAL, 0, nobody),
            vec![Dial::Peer(peer, vec![addr(17926), addr(17923)])]
        );
    }

    #[test]
    fn a_node_held_off_after_refusing_is_not_redialled_for_a_new_address() {
        let t0 = Instant::now();
        let mut r = Redial::new(Vec::new(), t0, true);
        let peer = PeerId::random();
        r.full_node(peer, vec![addr(1)], t0);
        for i in 0..u64::from(REFUSALS_IN_A_ROW) {
            let t = t0 + Duration::from_secs(i);
            r.connected(&peer, t);
            r.lost(&peer, t + Duration::from_millis(100));
        }
        assert!(r.holds_off(&peer, t0 + Duration::from_secs(10)));
        assert_eq!(
            r.seen_at(&peer, [addr(2)], t0 + Duration::from_secs(10)),
            None
        );
    }
}
