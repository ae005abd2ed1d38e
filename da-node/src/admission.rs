//! Admission by what the producer can include in time (issue 11, fault 5): the measured cost
//! of encoding (seconds per original row, a moving average over produced blocks) and the block
//! interval give how long the blobs already queued take to drain; a submission that waits for
//! its block is admitted only if it would be included before its caller's deadline, and told
//! when to come back otherwise (HTTP 503 with `Retry-After`) instead of timing out later (504).

use std::time::Duration;

use weft_encoding::constants::FIELD_ELEMENTS_PER_ROW;

/// Seconds per original row assumed before any block was measured: on the slow side (a k = 64
/// square takes ~30 s on a 2-core machine, ~0.47 s a row), so that a burst at start is not
/// over-admitted.
const PRIOR_SECONDS_PER_ROW: f64 = 0.5;
/// Weight of the newest block in the moving average.
const SMOOTHING: f64 = 0.3;

/// The producer's measured pace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    block_time: Duration,
    max_k: usize,
    seconds_per_row: f64,
}

impl Pace {
    /// A pace for blocks every `block_time` of up to `max_k` original rows, before any
    /// measurement.
    pub(crate) const fn new(block_time: Duration, max_k: usize) -> Self {
        Self {
            block_time,
            max_k,
            seconds_per_row: PRIOR_SECONDS_PER_ROW,
        }
    }

    /// A block of `k` original rows took `encode` to encode.
    pub(crate) fn observe(&mut self, k: usize, encode: Duration) {
        if k == 0 {
            return;
        }
        let sample = encode.as_secs_f64() / k as f64;
        self.seconds_per_row = SMOOTHING * sample + (1.0 - SMOOTHING) * self.seconds_per_row;
    }

    /// Time from one full block to the next: the interval, or the encoding when slower.
    pub(crate) fn block_seconds(&self) -> Duration {
        self.block_time.max(Duration::from_secs_f64(
            self.seconds_per_row * self.max_k as f64,
        ))
    }

    /// Field elements one block takes from the queue.
    pub(crate) const fn elements_per_block(&self) -> usize {
        self.max_k * FIELD_ELEMENTS_PER_ROW - 1
    }

    /// How long until a blob is in a stored block when `elements` field elements (its own
    /// included) are queued up to and including it: the next tick, then one full block time per
    /// block's worth of elements.
    pub(crate) fn inclusion_time(&self, elements: usize) -> Duration {
        let blocks = elements.div_ceil(self.elements_per_block()).max(1);
        self.block_time + self.block_seconds() * u32::try_from(blocks).unwrap_or(u32::MAX)
    }
}

/// Whole seconds to wait before retrying, at least 1.
pub(crate) fn retry_after(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_follows_the_measured_encoding() {
        let mut pace = Pace::new(Duration::from_secs(1), 64);
        // Before measuring: 0.5 s a row, so a full k = 64 block takes 32 s.
        assert_eq!(pace.block_seconds(), Duration::from_secs(32));
        let one_block = pace.elements_per_block();
        assert_eq!(pace.inclusion_time(1), Duration::from_secs(33));
        assert_eq!(pace.inclusion_time(one_block + 1), Duration::from_secs(65));
        // Fast blocks measured: the interval bounds the block time.
        for _ in 0..40 {
            pace.observe(8, Duration::from_millis(80));
        }
        assert_eq!(pace.block_seconds(), Duration::from_secs(1));
        assert_eq!(pace.inclusion_time(3 * one_block), Duration::from_secs(4));
        // Empty blocks say nothing about encoding.
        pace.observe(0, Duration::from_secs(100));
        assert_eq!(pace.block_seconds(), Duration::from_secs(1));
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_millis(2500)), 3);
    }
}
