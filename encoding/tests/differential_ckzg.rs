//! Differential test against c-kzg on random squares, k ∈ {1, 2, 8, 32}:
//! - the original rows' commitments, cells and proofs equal c-kzg's byte for byte, and the
//!   commit-only path (`SquareEncoder::commit_bytes`) gives the same commitments;
//! - every extended row is itself a valid EIP-7594 row: c-kzg computes the same commitment and
//!   the same cells from its first 64 cells (its blob);
//! - c-kzg's `verify_cell_kzg_proof_batch` accepts random cells from all 2k rows against the
//!   commitments Weft derived, and rejects a tampered one.

#![allow(clippy::needless_range_loop)] // rows and squares are indexed together

mod common;

use c_kzg::{Blob, Bytes48, Cell as CCell, KzgSettings};
use rand::seq::index::sample;
use weft_encoding::{constants::CELLS_PER_ROW, ExtendedSquare};

fn ckzg() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

fn check_square(k: usize, seed: u64, full_proof_rows: usize) {
    let mut rng = common::rng(seed);
    let rows = common::random_rows(&mut rng, k);
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let square: ExtendedSquare = common::encoder().encode_bytes(&refs).unwrap();
    assert_eq!(square.rows(), 2 * k);
    // The commit-only path (a validator's check) gives the header's commitments.
    assert_eq!(
        common::encoder().commit_bytes(&refs).unwrap(),
        square.original_commitments(),
        "k={k} commit_bytes"
    );

    for row in 0..2 * k {
        let blob_bytes = if row < k {
            rows[row].clone()
        } else {
            square.row_blob(row)
        };
        let blob = Blob::from_bytes(&blob_bytes).unwrap();
        let commitment = ckzg().blob_to_kzg_commitment(&blob).unwrap();
        assert_eq!(
            commitment.to_bytes().as_slice(),
            square.commitments()[row].as_bytes(),
            "k={k} row {row} commitment"
        );
        let cells = ckzg().compute_cells(&blob).unwrap();
        for (col, cell) in cells.iter().enumerate() {
            assert_eq!(
                cell.to_bytes().as_slice(),
                square.cell(row, col).as_slice(),
                "k={k} row {row} cell {col}"
            );
        }
    }
    // Proofs byte for byte for some original rows (c-kzg's prover is the slow part).
    for row in 0..full_proof_rows.min(k) {
        let blob = Blob::from_bytes(&rows[row]).unwrap();
        let (_, proofs) = ckzg().compute_cells_and_kzg_proofs(&blob).unwrap();
        for col in 0..CELLS_PER_ROW {
            assert_eq!(
                proofs[col].to_bytes().as_slice(),
                square.proof(row, col).as_bytes(),
                "k={k} row {row} proof {col}"
            );
        }
    }

    // c-kzg accepts random cells from every row, extended ones included, against our commitments.
    let picks: Vec<(usize, usize)> = (0..2 * k)
        .flat_map(|row| {
            sample(&mut rng, CELLS_PER_ROW, 4)
                .into_iter()
                .map(move |col| (row, col))
        })
        .collect();
    let verify = |picks: &[(usize, usize)], tamper: Option<usize>| {
        let commitments: Vec<Bytes48> = picks
            .iter()
            .map(|&(r, _)| Bytes48::from_bytes(square.commitments()[r].as_bytes()).unwrap())
            .collect();
        let indices: Vec<u64> = picks.iter().map(|&(_, c)| c as u64).collect();
        let cells: Vec<CCell> = picks
            .iter()
            .enumerate()
            .map(|(i, &(r, c))| {
                let mut bytes = *square.cell(r, c);
                if tamper == Some(i) {
                    bytes[31] ^= 1;
                }
                CCell::from_bytes(&bytes).unwrap()
            })
            .collect();
        let proofs: Vec<Bytes48> = picks
            .iter()
            .map(|&(r, c)| Bytes48::from_bytes(square.proof(r, c).as_bytes()).unwrap())
            .collect();
        ckzg()
            .verify_cell_kzg_proof_batch(&commitments, &indices, &cells, &proofs)
            .unwrap()
    };
    assert!(verify(&picks, None), "k={k}: c-kzg rejected Weft's cells");
    let extended_pick = picks.iter().position(|&(r, _)| r >= k).unwrap();
    assert!(
        !verify(&picks, Some(extended_pick)),
        "k={k}: c-kzg accepted a tampered cell"
    );
}

#[test]
fn k1_matches_ckzg() {
    check_square(1, 1, 1);
}

#[test]
fn k2_matches_ckzg() {
    check_square(2, 2, 2);
}

#[test]
fn k8_matches_ckzg() {
    check_square(8, 8, 2);
}

#[test]
fn k32_matches_ckzg() {
    check_square(32, 32, 1);
}
