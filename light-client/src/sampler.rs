//! Which cells to sample: s distinct uniform positions of the 2k × 128 grid from a CSPRNG, and
//! how to spread them over peers.

use rand::{seq::index::sample, Rng};
use weft_encoding::constants::CELLS_PER_ROW;

/// A cell position.
pub type Cell = (u16, u16);

/// `s` distinct positions drawn uniformly from the `2k × 128` grid (without replacement).
pub fn draw<R: Rng + ?Sized>(rng: &mut R, k: usize, s: usize) -> Vec<Cell> {
    let total = 2 * k * CELLS_PER_ROW;
    sample(rng, total, s.min(total))
        .into_iter()
        .map(|i| ((i / CELLS_PER_ROW) as u16, (i % CELLS_PER_ROW) as u16))
        .collect()
}

/// Splits `cells` over `peers` round-robin, so no peer gets them all when several are there.
pub fn spread<P: Clone>(cells: &[Cell], peers: &[P]) -> Vec<(P, Vec<Cell>)> {
    if peers.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(P, Vec<Cell>)> = peers.iter().map(|p| (p.clone(), Vec::new())).collect();
    for (i, cell) in cells.iter().enumerate() {
        out[i % peers.len()].1.push(*cell);
    }
    out.retain(|(_, c)| !c.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    #[test]
    fn draws_are_distinct_and_in_range() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for k in [1usize, 4, 128] {
            let cells = draw(&mut rng, k, 40);
            assert_eq!(cells.len(), 40);
            assert_eq!(cells.iter().collect::<HashSet<_>>().len(), 40);
            assert!(cells
                .iter()
                .all(|&(r, c)| usize::from(r) < 2 * k && usize::from(c) < 128));
        }
        assert_eq!(draw(&mut rng, 1, 1000).len(), 256);
    }

    #[test]
    fn spread_uses_every_peer() {
        let cells: Vec<Cell> = (0..10).map(|i| (0, i)).collect();
        let spread = spread(&cells, &["a", "b", "c"]);
        assert_eq!(spread.len(), 3);
        assert_eq!(spread.iter().map(|(_, c)| c.len()).sum::<usize>(), 10);
        assert!(spread.iter().all(|(_, c)| c.len() >= 3));
        assert!(super::spread::<&str>(&cells, &[]).is_empty());
    }
}
