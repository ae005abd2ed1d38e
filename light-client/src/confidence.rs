//! Sampling confidence from the square's geometry (docs/PROTOCOL.md §6).
//!
//! With N = 2k·128 cells, data is unrecoverable only if at least W = (k+1)·65 are withheld.
//! s distinct uniform samples all miss W withheld cells with probability
//! `P(s) = Π_{i<s} (N−W−i)/(N−i)`; the confidence reached is `1 − P(s)`.

use weft_encoding::constants::CELLS_PER_ROW;

/// Cells in the extended square of k original rows.
pub const fn total_cells(k: usize) -> usize {
    2 * k * CELLS_PER_ROW
}

/// The fewest withheld cells that make a square of k original rows unrecoverable.
pub const fn min_withheld(k: usize) -> usize {
    (k + 1) * (CELLS_PER_ROW / 2 + 1)
}

/// Probability that `s` distinct uniform samples all land on available cells when `W`
/// (the unrecoverable minimum) are withheld.
pub fn miss_probability(k: usize, s: usize) -> f64 {
    let (n, w) = (total_cells(k), min_withheld(k));
    if s > n - w {
        return 0.0;
    }
    (0..s).fold(1.0, |p, i| p * (n - w - i) as f64 / (n - i) as f64)
}

/// Confidence that the data is available after `s` verified samples.
pub fn confidence(k: usize, s: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    (1.0 - miss_probability(k, s)).clamp(0.0, 1.0)
}

/// The smallest number of samples whose confidence reaches `target` (in `[0, 1)`).
pub fn samples_needed(k: usize, target: f64) -> usize {
    if k == 0 {
        return 0;
    }
    let max = total_cells(k) - min_withheld(k) + 1;
    (0..=max)
        .find(|&s| confidence(k, s) >= target)
        .unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        // k = 1: N = 256, W = 130.
        assert_eq!(miss_probability(1, 1), 126.0 / 256.0);
        assert!((miss_probability(1, 2) - (126.0 * 125.0) / (256.0 * 255.0)).abs() < 1e-15);
        assert_eq!(confidence(1, 0), 0.0);
        // Every sample lands on a withheld cell once s exceeds the available cells.
        assert_eq!(confidence(1, 127), 1.0);
    }

    #[test]
    fn samples_needed_is_the_smallest_that_reaches_the_target() {
        for k in [1usize, 2, 4, 8, 16, 32, 64, 128] {
            for target in [0.5, 0.9, 0.99, 0.9999, 0.999_999] {
                let s = samples_needed(k, target);
                assert!(confidence(k, s) >= target, "k={k} target={target}");
                assert!(
                    s == 0 || confidence(k, s - 1) < target,
                    "k={k} target={target}: {s} is not the smallest"
                );
                // Each sample misses with probability below 3/4, so the 1/4 bound caps s.
                assert!(
                    s as f64 <= ((1.0 - target).ln() / 0.75f64.ln()).ceil(),
                    "k={k} target={target} s={s}"
                );
            }
        }
        assert_eq!(samples_needed(0, 0.9999), 0);
        // The default target needs at most 33 samples at any k.
        assert!((1..=128usize)
            .filter(|k| k.is_power_of_two())
            .all(|k| samples_needed(k, 0.9999) <= 33));
    }

    #[test]
    fn default_target_matches_the_protocol_table() {
        // docs/PROTOCOL.md §6, computed there with exact binomials.
        let table = [
            (1, 13),
            (2, 19),
            (4, 24),
            (8, 28),
            (16, 30),
            (32, 31),
            (64, 31),
            (128, 32),
        ];
        for (k, s) in table {
            assert_eq!(samples_needed(k, 0.9999), s, "k={k}");
        }
    }

    #[test]
    fn confidence_grows_with_samples() {
        for k in [1usize, 8, 128] {
            let c: Vec<f64> = (0..40).map(|s| confidence(k, s)).collect();
            assert!(c.windows(2).all(|w| w[1] >= w[0]));
        }
    }
}
