//! Reconstruction property tests. The threshold: withholding fewer than (k+1)·65 cells never
//! stops iterative decoding, so every pattern of at most (k+1)·65 − 1 erasures must decode,
//! including the worst one (a (k+1)×65 block minus a cell). At the threshold, a (k+1)×65 block
//! (a stopping set) must fail with an error that says how much is missing where.

mod common;

use std::{collections::BTreeSet, sync::OnceLock};

use proptest::prelude::*;
use rand::{seq::index::sample, Rng};
use rand_chacha::ChaCha20Rng;
use weft_encoding::{
    constants::CELLS_PER_ROW, reconstruct, reconstruct::CellGrid, Error, ExtendedSquare, Position,
};

fn square(k: usize) -> &'static ExtendedSquare {
    static SQUARES: [OnceLock<ExtendedSquare>; 4] = [const { OnceLock::new() }; 4];
    SQUARES[k.trailing_zeros() as usize].get_or_init(|| {
        let rows = common::random_rows(&mut common::rng(k as u64), k);
        let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        common::encoder().encode_bytes(&refs).unwrap()
    })
}

/// Every position of the square not in `erased`.
fn kept<'a>(
    sq: &'a ExtendedSquare,
    erased: &BTreeSet<(usize, usize)>,
) -> Vec<(Position, &'a [u8])> {
    sq.positions()
        .filter(|p| !erased.contains(&(p.row as usize, p.col as usize)))
        .map(|p| (p, sq.cell(p.row as usize, p.col as usize).as_slice()))
        .collect()
}

/// Decodes the data only and checks every cell against the square.
fn decode_matches(sq: &ExtendedSquare, erased: &BTreeSet<(usize, usize)>) -> Result<(), Error> {
    let mut grid = CellGrid::new(sq.k()).unwrap();
    for (i, (p, c)) in kept(sq, erased).into_iter().enumerate() {
        grid.insert(i, p, c).unwrap();
    }
    grid.decode(common::prover().as_ref())?;
    for r in 0..sq.k() {
        for c in 0..CELLS_PER_ROW {
            assert_eq!(
                grid.cell(Position::new(r as u16, c as u16)).as_ref(),
                Some(sq.cell(r, c)),
                "cell ({r}, {c})"
            );
        }
    }
    Ok(())
}

fn random_erasures(rng: &mut ChaCha20Rng, k: usize, n: usize) -> BTreeSet<(usize, usize)> {
    sample(rng, 2 * k * CELLS_PER_ROW, n)
        .into_iter()
        .map(|i| (i / CELLS_PER_ROW, i % CELLS_PER_ROW))
        .collect()
}

/// A `rows × cols` block of erasures at random rows and columns.
fn block(rng: &mut ChaCha20Rng, k: usize, rows: usize, cols: usize) -> BTreeSet<(usize, usize)> {
    let rs = sample(rng, 2 * k, rows).into_vec();
    let cs = sample(rng, CELLS_PER_ROW, cols).into_vec();
    rs.iter()
        .flat_map(|&r| cs.iter().map(move |&c| (r, c)))
        .collect()
}

fn threshold(k: usize) -> usize {
    (k + 1) * 65
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_patterns_at_and_below_threshold_decode(seed in any::<u64>(), log_k in 0u32..=2, below in 0usize..200) {
        let k = 1 << log_k;
        let mut rng = common::rng(seed);
        let n = threshold(k) - 1 - below.min(threshold(k) - 1);
        prop_assert_eq!(decode_matches(square(k), &random_erasures(&mut rng, k, n)), Ok(()));
    }

    #[test]
    fn worst_pattern_below_threshold_decodes(seed in any::<u64>(), log_k in 0u32..=2) {
        let k = 1 << log_k;
        let mut rng = common::rng(seed);
        let mut erased = block(&mut rng, k, k + 1, 65);
        let spare = *erased.iter().nth(rng.gen_range(0..erased.len())).unwrap();
        erased.remove(&spare);
        prop_assert_eq!(erased.len(), threshold(k) - 1);
        prop_assert_eq!(decode_matches(square(k), &erased), Ok(()));
    }

    #[test]
    fn half_of_each_row_or_column_decodes(seed in any::<u64>(), log_k in 0u32..=2, by_rows: bool) {
        let k = 1 << log_k;
        let mut rng = common::rng(seed);
        let erased: BTreeSet<(usize, usize)> = if by_rows {
            (0..2 * k).flat_map(|r| sample(&mut rng, CELLS_PER_ROW, 64).into_iter().map(move |c| (r, c)).collect::<Vec<_>>()).collect()
        } else {
            (0..CELLS_PER_ROW).flat_map(|c| sample(&mut rng, 2 * k, k).into_iter().map(move |r| (r, c)).collect::<Vec<_>>()).collect()
        };
        prop_assert_eq!(erased.len(), k * CELLS_PER_ROW);
        prop_assert_eq!(decode_matches(square(k), &erased), Ok(()));
    }

    #[test]
    fn stopping_sets_fail_with_counts(seed in any::<u64>(), log_k in 0u32..=2, extra in 0usize..300) {
        let k = 1 << log_k;
        let mut rng = common::rng(seed);
        let mut erased = block(&mut rng, k, k + 1, 65);
        erased.extend(random_erasures(&mut rng, k, extra.min(2 * k * CELLS_PER_ROW)));
        let err = decode_matches(square(k), &erased).unwrap_err();
        match err.clone() {
            Error::Unrecoverable { missing, total, stuck_rows, stuck_cols, k: ek, rows, worst_row_cells, .. } => {
                prop_assert!(missing >= threshold(k));
                prop_assert_eq!(total, 2 * k * CELLS_PER_ROW);
                prop_assert!(stuck_rows > k && stuck_cols >= 65);
                prop_assert_eq!((ek, rows), (k, 2 * k));
                prop_assert!(worst_row_cells < 64);
            }
            other => prop_assert!(false, "unexpected error {other:?}"),
        }
        prop_assert!(err.to_string().contains("cannot reconstruct"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    /// The whole square (cells, proofs, commitments) comes back from a threshold pattern.
    #[test]
    fn full_reconstruction_returns_the_original_square(seed in any::<u64>(), log_k in 0u32..=2) {
        let k = 1 << log_k;
        let sq = square(k);
        let mut rng = common::rng(seed);
        let erased = random_erasures(&mut rng, k, threshold(k) - 1);
        let rebuilt = reconstruct(&common::encoder(), sq.original_commitments(), kept(sq, &erased)).unwrap();
        prop_assert_eq!(&rebuilt, sq);
    }
}

#[test]
fn half_the_cells_of_a_k8_square_rebuild_it() {
    let sq = square(8);
    let mut rng = common::rng(5);
    let erased: BTreeSet<(usize, usize)> = (0..16)
        .flat_map(|r| {
            sample(&mut rng, CELLS_PER_ROW, 64)
                .into_iter()
                .map(move |c| (r, c))
                .collect::<Vec<_>>()
        })
        .collect();
    let rebuilt = reconstruct(
        &common::encoder(),
        sq.original_commitments(),
        kept(sq, &erased),
    )
    .unwrap();
    assert_eq!(&rebuilt, sq);
}

#[test]
fn tampered_cells_are_caught_as_peer_faults() {
    let sq = square(2);
    // A complete square with one bad cell in an original row: the commitment check catches it.
    let mut cells: Vec<(Position, Vec<u8>)> = sq
        .positions()
        .map(|p| (p, sq.cell(p.row as usize, p.col as usize).to_vec()))
        .collect();
    cells[5].1[40] ^= 1;
    let err = reconstruct(
        &common::encoder(),
        sq.original_commitments(),
        cells.iter().map(|(p, c)| (*p, c.as_slice())),
    )
    .unwrap_err();
    assert_eq!(err, Error::CommitmentMismatch { row: 0 });
    assert!(err.is_peer_fault());
    // A row that must be decoded, given more cells than needed with one bad: inconsistent.
    let mut cells: Vec<(Position, Vec<u8>)> = (0..100)
        .map(|c| (Position::new(1, c), sq.cell(1, c as usize).to_vec()))
        .collect();
    cells.extend((0..CELLS_PER_ROW as u16).flat_map(|c| {
        [0u16, 2, 3].map(|r| {
            (
                Position::new(r, c),
                sq.cell(r as usize, c as usize).to_vec(),
            )
        })
    }));
    cells[7].1[40] ^= 1;
    let err = reconstruct(
        &common::encoder(),
        sq.original_commitments(),
        cells.iter().map(|(p, c)| (*p, c.as_slice())),
    )
    .unwrap_err();
    assert!(err.is_peer_fault(), "{err:?}");
}

#[test]
fn bad_positions_are_input_errors() {
    let sq = square(1);
    let cell = sq.cell(0, 0).as_slice();
    let err = reconstruct(
        &common::encoder(),
        sq.original_commitments(),
        [(Position::new(2, 0), cell)],
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::RowOutOfRange {
            item: 0,
            row: 2,
            rows: 2
        }
    );
    let err = reconstruct(
        &common::encoder(),
        sq.original_commitments(),
        [(Position::new(0, 128), cell)],
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::ColumnOutOfRange {
            item: 0,
            col: 128,
            cols: 128
        }
    );
    let err = reconstruct(
        &common::encoder(),
        sq.original_commitments(),
        [(Position::new(0, 0), &cell[..10])],
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::Length {
            what: "cell",
            expected: 2048,
            got: 10
        }
    );
}
