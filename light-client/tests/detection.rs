//! The sampler against a withheld (k+1) × 65 block, over many random seeds: the measured rate
//! at which s samples catch the withholding agrees with 1 − P_miss(s) within statistical
//! tolerance, wherever the block lies.

use rand::{seq::index::sample, SeedableRng};
use rand_chacha::ChaCha20Rng;
use weft_light::{confidence::miss_probability, draw};

const TRIALS: usize = 4000;

#[test]
fn measured_detection_rate_matches_the_formula() {
    let mut placement = ChaCha20Rng::seed_from_u64(99);
    for k in [1usize, 4, 16] {
        for s in 1..=8usize {
            let mut detected = 0;
            for seed in 0..TRIALS {
                // A fresh block position each trial: k+1 random rows, 65 random columns.
                let rows: Vec<usize> = sample(&mut placement, 2 * k, k + 1).into_vec();
                let cols: Vec<usize> = sample(&mut placement, 128, 65).into_vec();
                let mut rng = ChaCha20Rng::seed_from_u64(seed as u64 * 1_000_003 + s as u64);
                let hit = draw(&mut rng, k, s).iter().any(|p| {
                    rows.contains(&usize::from(p.row)) && cols.contains(&usize::from(p.col))
                });
                detected += usize::from(hit);
            }
            let expected = 1.0 - miss_probability(k, s);
            let measured = detected as f64 / TRIALS as f64;
            let sigma = (expected * (1.0 - expected) / TRIALS as f64).sqrt();
            assert!(
                (measured - expected).abs() <= 4.5 * sigma + 1e-9,
                "k={k} s={s}: measured {measured:.4}, formula {expected:.4} (σ {sigma:.4})"
            );
        }
    }
}
