//! The browser tests' fixture (tests/fixtures/square_k2.json): 16 sampled cells of a
//! deterministic k = 2 square, original and extended rows, with their proofs and the header's
//! commitments. This test regenerates it and fails if the committed file is stale; run with
//! `WEFT_WRITE_FIXTURES=1` to rewrite it.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;

use serde_json::json;
use weft_encoding::{RowProver, Sample, SquareCommitments, SquareEncoder, VerifyKey};

/// Sampled positions: every row of the extended square, edge and middle columns.
pub const POSITIONS: [(usize, usize); 16] = [
    (0, 0),
    (0, 63),
    (0, 64),
    (0, 127),
    (1, 5),
    (1, 31),
    (1, 96),
    (1, 127),
    (2, 0),
    (2, 64),
    (2, 100),
    (2, 127),
    (3, 3),
    (3, 63),
    (3, 90),
    (3, 126),
];

fn generate() -> String {
    let rows = weft_testkit::random_rows(2026, 2);
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let square = SquareEncoder::new(Arc::new(RowProver::new()))
        .encode_bytes(&refs)
        .unwrap();
    // The fixture must verify natively, or the browser tests would prove nothing.
    let samples: Vec<Sample<'_>> = POSITIONS
        .iter()
        .map(|&(row, col)| square.sample(row, col))
        .collect();
    VerifyKey::new()
        .verify_samples(
            &SquareCommitments::new(square.original_commitments()).unwrap(),
            &samples,
        )
        .unwrap();
    let fixture = json!({
        "k": 2,
        "commitments": square.original_commitments(),
        "samples": POSITIONS.iter().map(|&(row, col)| json!({
            "row": row,
            "col": col,
            "cell": format!("0x{}", hex::encode(square.cell(row, col))),
            "proof": square.proof(row, col),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string(&fixture).unwrap() + "\n"
}

#[test]
fn fixture_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/square_k2.json");
    let generated = generate();
    if std::env::var_os("WEFT_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed =
        std::fs::read_to_string(&path).expect("fixture missing: run with WEFT_WRITE_FIXTURES=1");
    assert!(
        committed == generated,
        "tests/fixtures/square_k2.json is stale: run with WEFT_WRITE_FIXTURES=1"
    );
}
