//! Reading the browser tests' fixture (tests/fixtures/square_k2.json, written by
//! tests/fixture.rs): the header's commitments and 16 sampled cells with proofs.
#![allow(dead_code)]

use serde::Deserialize;
use weft_encoding::{Commitment, Sample};
use weft_types::wire::{CellWithProof, Position};

/// The fixture file's text.
pub(crate) const FIXTURE: &str = include_str!("../fixtures/square_k2.json");

/// One sampled cell as the file holds it (0x-hex).
#[derive(Deserialize, Clone)]
pub(crate) struct FixtureSample {
    pub row: usize,
    pub col: usize,
    pub cell: String,
    pub proof: String,
}

/// The fixture.
#[derive(Deserialize)]
pub(crate) struct Fixture {
    pub commitments: Vec<Commitment>,
    pub samples: Vec<FixtureSample>,
}

/// Parses the fixture.
pub(crate) fn fixture() -> Fixture {
    serde_json::from_str(FIXTURE).unwrap()
}

/// 0x-hex to bytes.
pub(crate) fn bytes(s: &str) -> Vec<u8> {
    hex::decode(s.trim_start_matches("0x")).unwrap()
}

impl Fixture {
    /// The sampled cells, decoded.
    pub(crate) fn cells(&self) -> Vec<CellWithProof> {
        self.samples
            .iter()
            .map(|s| CellWithProof {
                id: Position {
                    row: s.row.try_into().unwrap(),
                    col: s.col.try_into().unwrap(),
                },
                cell: bytes(&s.cell).try_into().expect("2048 bytes"),
                proof: weft_encoding::Proof(bytes(&s.proof).try_into().expect("48 bytes")),
            })
            .collect()
    }
}

/// The cells as samples to verify.
pub(crate) fn samples(cells: &[CellWithProof]) -> Vec<Sample<'_>> {
    cells.iter().map(CellWithProof::sample).collect()
}
