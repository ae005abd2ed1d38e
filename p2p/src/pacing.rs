//! Pacing our own requests to what each peer serves (issue 11, item 7): a full node advertises
//! its per-peer, per-protocol rate and burst on `/weft/status/1`; before each request we take a
//! token from our bucket for that peer and protocol, waiting for one to refill rather than
//! being refused. A peer that has not advertised is paced at this release's serving rate. At
//! most [`MAX_IN_FLIGHT`] requests per peer and protocol are open at once (a connection's
//! request-response streams are bounded); more wait their turn, first come first served.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::channel::oneshot;

use libp2p::PeerId;
use web_time::Instant;

/// Longest a request waits for its turn; past that it fails at once with
/// [`crate::RequestError::Paced`] so that the caller can ask another peer.
pub(crate) const MAX_PACING_WAIT: Duration = Duration::from_secs(5);

/// Share of a peer's advertised rate and burst we use: requests arrive bunched up by the
/// network's jitter, so sending at exactly the advertised rate would now and then arrive
/// faster than it.
pub(crate) const PACING_SHARE: f64 = 0.9;

/// Requests to one peer on one protocol, with the requests waiting for a slot.
type Slots = HashMap<(PeerId, &'static str), (usize, VecDeque<oneshot::Sender<()>>)>;

/// Buckets kept; past this, buckets that have refilled are forgotten.
const MAX_BUCKETS: usize = 4096;

/// One peer's outbound bucket on one protocol. `tokens` may go below zero: the deficit is the
/// queue of requests already promised a later slot.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
    per_second: f64,
    burst: f64,
}

/// Outbound token buckets per peer and protocol.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    buckets: HashMap<(PeerId, &'static str), Bucket>,
}

impl Pacer {
    /// Reserves a slot for one request to `peer` on `protocol`, which serves `per_second`
    /// requests with bursts of `burst` (we use [`PACING_SHARE`] of each): how long to wait
    /// before sending, or `None` if that would be longer than [`MAX_PACING_WAIT`] (nothing is
    /// reserved then).
    pub(crate) fn reserve(
        &mut self,
        peer: PeerId,
        protocol: &'static str,
        per_second: u32,
        burst: u32,
        now: Instant,
    ) -> Option<Duration> {
        if self.buckets.len() >= MAX_BUCKETS {
            self.buckets.retain(|_, b| {
                now.saturating_duration_since(b.last).as_secs_f64() * b.per_second < b.burst
            });
        }
        let per_second = f64::from(per_second.max(1)) * PACING_SHARE;
        let burst = (f64::from(burst) * PACING_SHARE).floor().max(1.0);
        let b = self.buckets.entry((peer, protocol)).or_insert(Bucket {
            tokens: burst,
            last: now,
            per_second,
            burst,
        });
        // A peer may advertise a new rate: the bucket follows it.
        b.per_second = per_second;
        b.burst = burst;
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        let tokens = (b.tokens + elapsed * per_second).min(burst);
        let wait = if tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - tokens) / per_second)
        };
        if wait > MAX_PACING_WAIT {
            b.tokens = tokens;
            b.last = now;
            return None;
        }
        b.tokens = tokens - 1.0;
        b.last = now;
        Some(wait)
    }
}

/// Requests open at once to one peer on one protocol (below the 64 streams a connection
/// allows each protocol).
pub(crate) const MAX_IN_FLIGHT: usize = 32;

/// Open requests per peer and protocol, with the requests waiting for a slot.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    slots: Mutex<Slots>,
}

/// A slot for one open request; freeing it hands it to the next waiter.
#[derive(Debug)]
pub(crate) struct Slot {
    owner: Arc<InFlight>,
    key: (PeerId, &'static str),
}

impl InFlight {
    /// Waits for a slot to `peer` on `protocol`.
    pub(crate) async fn acquire(self: &Arc<Self>, peer: PeerId, protocol: &'static str) -> Slot {
        let key = (peer, protocol);
        let waiting = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (open, queue) = slots.entry(key).or_default();
            if *open < MAX_IN_FLIGHT {
                *open += 1;
                None
            } else {
                let (tx, rx) = oneshot::channel();
                queue.push_back(tx);
                Some(rx)
            }
        };
        if let Some(rx) = waiting {
            // The slot is handed over by the one freeing it; a dropped owner never drops it.
            let _ = rx.await;
        }
        Slot {
            owner: self.clone(),
            key,
        }
    }

    /// Requests open to `peer` on `protocol`.
    #[cfg(test)]
    fn open(&self, peer: PeerId, protocol: &'static str) -> usize {
        self.slots
            .lock()
            .unwrap()
            .get(&(peer, protocol))
            .map_or(0, |e| e.0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut slots = self
            .owner
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some((open, queue)) = slots.get_mut(&self.key) else {
            return;
        };
        // Hand the slot to the first waiter still waiting.
        while let Some(next) = queue.pop_front() {
            if next.send(()).is_ok() {
                return;
            }
        }
        *open -= 1;
        if *open == 0 {
            slots.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_requests_are_spaced_at_the_rate() {
        let mut pacer = Pacer::default();
        let (peer, t0) = (PeerId::random(), Instant::now());
        // 90% of the advertised burst at once, then 90% of the rate: 45 per second.
        for _ in 0..180 {
            assert_eq!(pacer.reserve(peer, "/p", 50, 200, t0), Some(Duration::ZERO));
        }
        let waits: Vec<Duration> = (0..45)
            .map(|_| pacer.reserve(peer, "/p", 50, 200, t0).unwrap())
            .collect();
        assert!((waits[0].as_secs_f64() - 1.0 / 45.0).abs() < 1e-9);
        assert!((waits[44].as_secs_f64() - 1.0).abs() < 1e-9);
        // Other protocols and peers have buckets of their own.
        assert_eq!(pacer.reserve(peer, "/q", 50, 200, t0), Some(Duration::ZERO));
        assert_eq!(
            pacer.reserve(PeerId::random(), "/p", 50, 200, t0),
            Some(Duration::ZERO)
        );
        // Time refills the bucket.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(
            pacer.reserve(peer, "/p", 50, 200, later),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn open_requests_are_bounded_and_slots_pass_to_waiters_in_order() {
        use futures::FutureExt;
        let flight = Arc::new(InFlight::default());
        let peer = PeerId::random();
        let held: Vec<Slot> = (0..MAX_IN_FLIGHT)
            .map(|_| flight.acquire(peer, "/p").now_or_never().unwrap())
            .collect();
        let mut first = Box::pin(flight.acquire(peer, "/p"));
        let mut second = Box::pin(flight.acquire(peer, "/p"));
        assert!(first.as_mut().now_or_never().is_none(), "all slots taken");
        assert!(second.as_mut().now_or_never().is_none());
        assert!(
            flight
                .acquire(PeerId::random(), "/p")
                .now_or_never()
                .is_some(),
            "other peers are not held up"
        );
        let mut held = held.into_iter();
        drop(held.next());
        let first = first.now_or_never().expect("the first waiter got the slot");
        assert!(second.as_mut().now_or_never().is_none());
        assert_eq!(flight.open(peer, "/p"), MAX_IN_FLIGHT);
        drop(first);
        assert!(second.now_or_never().is_some());
        drop(held);
        assert_eq!(flight.open(peer, "/p"), 0, "every slot given back");
    }

    #[test]
    fn a_wait_past_the_limit_is_refused_without_reserving() {
        let mut pacer = Pacer::default();
        let (peer, t0) = (PeerId::random(), Instant::now());
        let mut granted = 0;
        while pacer.reserve(peer, "/p", 10, 10, t0).is_some() {
            granted += 1;
        }
        // 9 at once, then 5 s worth at 9 per second.
        assert_eq!(granted, 9 + 45);
        assert_eq!(pacer.reserve(peer, "/p", 10, 10, t0), None, "still refused");
        let t1 = t0 + Duration::from_secs(1);
        assert!(
            pacer.reserve(peer, "/p", 10, 10, t1).is_some(),
            "room again after a second"
        );
    }
}
