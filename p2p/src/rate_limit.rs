//! Token buckets per peer and protocol: each request takes a token; tokens refill at a steady
//! rate up to a burst.

use std::collections::HashMap;

use libp2p::PeerId;
use web_time::Instant;

/// Per-peer, per-protocol request rate limiter.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: HashMap<(PeerId, &'static str), (f64, Instant)>,
}

impl RateLimiter {
    /// `per_second` requests on average, at most `burst` at once.
    pub(crate) fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second),
            burst: f64::from(burst),
            buckets: HashMap::new(),
        }
    }

    /// Takes a token for `peer` on `protocol`; false if none is left.
    pub(crate) fn allow(&mut self, peer: PeerId, protocol: &'static str, now: Instant) -> bool {
        let (tokens, last) = self
            .buckets
            .entry((peer, protocol))
            .or_insert((self.burst, now));
        let elapsed = now.saturating_duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Drops buckets idle long enough to have refilled completely: forgetting them changes
    /// nothing, and keeps memory bounded. (Buckets are kept across reconnects, so reconnecting
    /// does not reset a peer's rate.)
    pub(crate) fn prune(&mut self, now: Instant) {
        let full_after = self.burst / self.per_second;
        self.buckets
            .retain(|_, (_, last)| now.saturating_duration_since(*last).as_secs_f64() < full_after);
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
}
