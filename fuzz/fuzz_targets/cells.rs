//! Served cells as a light client or a syncing node checks them: commitments from the input
//! (compressed G1 points, decompressed and subgroup-checked), a cells answer (postcard) and the
//! positions asked. Every cell served is either verified, failed, or stray; nothing panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use weft_encoding::{Commitment, Position, SquareCommitments, VerifyKey};
use weft_types::{
    check_served,
    wire::{decode, CellsResponse, CELLS_RESPONSE_SIZE_LIMIT},
};

fn key() -> &'static VerifyKey {
    static KEY: OnceLock<VerifyKey> = OnceLock::new();
    KEY.get_or_init(VerifyKey::new)
}

fuzz_target!(|data: &[u8]| {
    let Some((&shape, rest)) = data.split_first() else {
        return;
    };
    let k = 1usize << (shape % 2);
    if rest.len() < k * 48 {
        return;
    }
    let (points, answer) = rest.split_at(k * 48);
    let commitments: Vec<Commitment> = points
        .chunks_exact(48)
        .map(|c| Commitment(c.try_into().unwrap()))
        .collect();
    let Ok(square) = SquareCommitments::new(&commitments) else {
        return;
    };
    let Ok(CellsResponse::Cells(served)) =
        decode::<CellsResponse>(answer, CELLS_RESPONSE_SIZE_LIMIT, "cells")
    else {
        return;
    };
    let asked: Vec<Position> = served.iter().map(|c| c.id).take(4).collect();
    let n = served.len();
    let out = check_served(key(), &square, &asked, served);
    assert_eq!(out.good.len() + out.failed.len() + out.stray, n, "each served cell is accounted for once");
});
