//! Token buckets per peer and protocol: each request takes a token; tokens refill at a steady
//! rate up to a burst. A request without a token is refused, which is no misbehaviour; only a
//! peer that keeps sending far above its rate ([`FLOOD_FACTOR`] × for [`FLOOD_WINDOW`]) is
//! flooding.

use std::{collections::HashMap, time::Duration};

use libp2p::PeerId;
use web_time::Instant;

/// How far above its rate a peer must send to be flooding.
pub(crate) const FLOOD_FACTOR: u32 = 10;
/// How long it must keep that up.
pub(crate) const FLOOD_WINDOW: Duration = Duration::from_secs(10);

/// What to do with one inbound request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Serve it.
    Allowed,
    /// Refuse it (`RateLimited`), no penalty.
    Refused,
    /// Refuse it: the peer has sent above [`FLOOD_FACTOR`] × its rate for [`FLOOD_WINDOW`]
    /// (said once per window).
    Flooding,
}

/// One peer's bucket on one protocol.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
    /// Start of the current flood window and the requests in it.
    window: Instant,
    requests: u64,
}

/// Per-peer, per-protocol request rate limiter.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    /// Requests within one [`FLOOD_WINDOW`] that make a flood: [`FLOOD_FACTOR`] × the rate for
    /// the whole window.
    flood_requests: u64,
    buckets: HashMap<(PeerId, &'static str), Bucket>,
}

impl RateLimiter {
    /// `per_second` requests on average, at most `burst` at once.
    pub(crate) fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second),
            burst: f64::from(burst),
            flood_requests: u64::from(per_second)
                * u64::from(FLOOD_FACTOR)
                * FLOOD_WINDOW.as_secs(),
            buckets: HashMap::new(),
        }
    }

    /// Takes a token for `peer` on `protocol`, or says why not.
    pub(crate) fn admit(
        &mut self,
        peer: PeerId,
        protocol: &'static str,
        now: Instant,
    ) -> Admission {
        self.admit_tokens(peer, protocol, 1, now)
    }

    /// Takes `tokens` for `peer` on `protocol` (a message that costs more than one), or says
    /// why not; each token counts towards a flood as one request.
    pub(crate) fn admit_tokens(
        &mut self,
        peer: PeerId,
        protocol: &'static str,
        tokens: u32,
        now: Instant,
    ) -> Admission {
        let b = self.buckets.entry((peer, protocol)).or_insert(Bucket {
            tokens: self.burst,
            last: now,
            window: now,
            requests: 0,
        });
        if now.saturating_duration_since(b.window) > FLOOD_WINDOW {
            b.window = now;
            b.requests = 0;
        }
        let before = b.requests;
        b.requests += u64::from(tokens);
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.burst);
        b.last = now;
        let cost = f64::from(tokens);
        if b.tokens >= cost {
            b.tokens -= cost;
            Admission::Allowed
        } else if before < self.flood_requests && b.requests >= self.flood_requests {
            Admission::Flooding
        } else {
            Admission::Refused
        }
    }

    /// Takes a token for `peer` on `protocol`; false if none is left.
    #[cfg(test)]
    fn allow(&mut self, peer: PeerId, protocol: &'static str, now: Instant) -> bool {
        self.admit(peer, protocol, now) == Admission::Allowed
    }

    /// Drops buckets idle long enough to have refilled completely: forgetting them changes
    /// nothing, and keeps memory bounded. (Buckets are kept across reconnects, so reconnecting
    /// does not reset a peer's rate.)
    pub(crate) fn prune(&mut self, now: Instant) {
        let full_after = self.burst / self.per_second;
        self.buckets
            .retain(|_, b| now.saturating_duration_since(b.last).as_secs_f64() < full_after);
    }

    /// Buckets held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.len()
    }

    /// True when no bucket is held.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn burst_then_steady_rate() {
        let mut limiter = RateLimiter::new(10, 5);
        let peer = PeerId::random();
        let t0 = Instant::now();
        assert_eq!((0..8).filter(|_| limiter.allow(peer, "p", t0)).count(), 5);
        // 0.3 s later, three more tokens.
        let t1 = t0 + Duration::from_millis(300);
        assert_eq!((0..8).filter(|_| limiter.allow(peer, "p", t1)).count(), 3);
        // Other protocols and peers have their own buckets.
        assert!(limiter.allow(peer, "q", t1));
        assert!(limiter.allow(PeerId::random(), "p", t1));
        // Pruning keeps buckets that have not refilled (0.5 s here; a reconnect does not refill
        // them) and drops full ones.
        limiter.prune(t1);
        assert!(!limiter.allow(peer, "p", t1));
        limiter.prune(t1 + Duration::from_millis(200));
        assert_eq!(limiter.len(), 3);
        limiter.prune(t1 + Duration::from_secs(60));
        assert!(limiter.is_empty());
    }

    #[test]
    fn occasional_excess_is_refused_but_only_a_sustained_flood_is_misbehaviour() {
        let mut limiter = RateLimiter::new(50, 200);
        let peer = PeerId::random();
        let t0 = Instant::now();
        // Twice the rate for a minute: many refusals, never a flood.
        let mut refused = 0;
        for ms in (0..60_000u64).step_by(10) {
            match limiter.admit(peer, "p", t0 + Duration::from_millis(ms)) {
                Admission::Allowed => {}
                Admission::Refused => refused += 1,
                Admission::Flooding => panic!("2x the rate is not a flood"),
            }
        }
        assert!(refused > 2000, "{refused}");
        // Ten times the rate for ten seconds is.
        let flooder = PeerId::random();
        let flood = (0..5000u64)
            .map(|i| limiter.admit(flooder, "p", t0 + Duration::from_millis(i * 2)))
            .filter(|a| *a == Admission::Flooding)
            .count();
        assert_eq!(flood, 1, "said once per window");
    }

    #[test]
    fn a_large_message_costs_its_tokens_and_counts_them_towards_a_flood() {
        let mut limiter = RateLimiter::new(256, 512);
        let peer = PeerId::random();
        let t0 = Instant::now();
        // 4 MiB blobs cost 65 tokens: seven fit the burst of 512, the eighth waits.
        let allowed = (0..8)
            .filter(|_| limiter.admit_tokens(peer, "b", 65, t0) == Admission::Allowed)
            .count();
        assert_eq!(allowed, 7);
        // 57 tokens are left: a small message passes, a large one waits until 40 ms have
        // refilled 10 more.
        assert_eq!(limiter.admit_tokens(peer, "b", 1, t0), Admission::Allowed);
        assert_eq!(limiter.admit_tokens(peer, "b", 65, t0), Admission::Refused);
        let t1 = t0 + Duration::from_millis(40);
        assert_eq!(limiter.admit_tokens(peer, "b", 65, t1), Admission::Allowed);
        // 25,600 tokens in ten seconds is a flood, said once.
        let flooder = PeerId::random();
        let flood = (0..400u64)
            .map(|i| limiter.admit_tokens(flooder, "b", 65, t0 + Duration::from_millis(i * 20)))
            .filter(|a| *a == Admission::Flooding)
            .count();
        assert_eq!(flood, 1);
    }
}
