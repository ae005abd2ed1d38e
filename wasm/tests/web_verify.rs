//! The verify-only path in headless Chromium, on a fixture made natively (tests/fixture.rs):
//! valid samples from original and extended rows pass; tampered cells, proofs and commitments
//! are rejected with the right errors, through the Rust API and through the JS binding. Also
//! times verification per sample, one field multiplication and a finality certificate's check in
//! the browser (docs/BENCHMARKS.md compares each with native). A quorum certificate verifies in
//! the browser with blst and two thirds of the signers do not.
#![cfg(target_arch = "wasm32")]

mod field_chain;
mod fixture_file;

use fixture_file::{bytes, fixture, samples, FixtureSample};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use weft_encoding::{Commitment, Error, PointError, SquareCommitments, VerifyKey};
use weft_types::wire::CellWithProof;

wasm_bindgen_test_configure!(run_in_browser);

/// Decodes the fixture's samples, applies `tamper`, verifies.
fn verify(tamper: impl FnOnce(&mut Vec<CellWithProof>, &mut Vec<Commitment>)) -> Result<(), Error> {
    let f = fixture();
    let mut cells = f.cells();
    let mut commitments = f.commitments.clone();
    tamper(&mut cells, &mut commitments);
    let header = SquareCommitments::new(&commitments)?;
    VerifyKey::new().verify_samples(&header, &samples(&cells))
}

#[wasm_bindgen_test]
fn valid_samples_verify_in_the_browser() {
    assert_eq!(verify(|_, _| {}), Ok(()));
    assert!(
        fixture().samples.iter().any(|s| s.row >= 2),
        "extended rows are sampled"
    );
}

#[wasm_bindgen_test]
fn tampered_cell_is_rejected() {
    let err = verify(|s, _| s[5].cell[100] ^= 1).unwrap_err();
    assert_eq!(err, Error::InvalidProof { samples: 16 });
    assert!(err.is_peer_fault());
}

#[wasm_bindgen_test]
fn tampered_proof_is_rejected() {
    let err = verify(|s, _| {
        let other = s[0].proof;
        s[9].proof = other;
    })
    .unwrap_err();
    assert!(err.is_proof_invalid());
}

#[wasm_bindgen_test]
fn tampered_commitment_is_rejected() {
    let err = verify(|_, c| c.swap(0, 1)).unwrap_err();
    assert!(err.is_proof_invalid());
    let err = verify(|_, c| c[1].0[47] ^= 1).unwrap_err();
    assert!(
        matches!(err, Error::InvalidCommitmentPoint { index: 1, .. }),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
fn malformed_inputs_get_their_own_errors() {
    assert_eq!(
        verify(|s, _| s[2].cell[..32].fill(0xff)).unwrap_err(),
        Error::NonCanonicalFieldElement {
            item: 2,
            element: 0
        }
    );
    let err = verify(|s, _| s[3].proof = weft_encoding::Proof([0u8; 48])).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidProofPoint {
            item: 3,
            reason: PointError::Encoding
        }
    );
    let err = verify(|s, _| s[0].id.row = 4).unwrap_err();
    assert_eq!(
        err,
        Error::RowOutOfRange {
            item: 0,
            row: 4,
            rows: 4
        }
    );
}

#[wasm_bindgen_test]
fn js_binding_reports_the_kind_of_error() {
    let f = fixture();
    let commitments =
        serde_wasm_bindgen::to_value(&f.commitments.iter().map(|c| c.to_hex()).collect::<Vec<_>>())
            .unwrap();
    let as_js = |samples: &[FixtureSample]| -> JsValue {
        let list: Vec<serde_json::Value> = samples
            .iter()
            .map(|s| serde_json::json!({ "row": s.row, "col": s.col, "cell": s.cell, "proof": s.proof }))
            .collect();
        list.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap()
    };
    assert!(weft_wasm::verify_samples(commitments.clone(), as_js(&f.samples)).is_ok());
    let mut bad = f.samples.clone();
    let mut cell = bytes(&bad[7].cell);
    cell[40] ^= 1;
    bad[7].cell = format!("0x{}", hex::encode(cell));
    let err = weft_wasm::verify_samples(commitments, as_js(&bad)).unwrap_err();
    assert_eq!(err.kind(), "InvalidProof");
    assert!(err.peer_fault());
}

/// Runs `work` `warmups` times, then returns the median of `rounds` timed runs, in ms.
fn median_ms<T>(warmups: usize, rounds: usize, work: impl Fn() -> T) -> f64 {
    for _ in 0..warmups {
        std::hint::black_box(work());
    }
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = web_time::Instant::now();
            std::hint::black_box(work());
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    times[rounds / 2]
}

/// Prints the per-sample verification time in this browser (batches of 16, header decoded once).
#[wasm_bindgen_test]
fn time_per_sample_in_the_browser() {
    let f = fixture();
    let cells = f.cells();
    let header = SquareCommitments::new(&f.commitments).unwrap();
    let samples = samples(&cells);
    let key = VerifyKey::new();
    let median = median_ms(3, 21, || key.verify_samples(&header, &samples).unwrap());
    console_log!(
        "BENCH browser verify: {median:.2} ms per batch of 16, {:.3} ms per sample (median of 21)",
        median / 16.0
    );
}

#[wasm_bindgen_test]
fn wasm_shaped_multiply_matches_blst_in_the_browser() {
    field_chain::limb30::matches_blst(64);
}

/// Prints one base-field multiplication's time in this browser: blst's, and the wasm-shaped one.
#[wasm_bindgen_test]
fn time_field_multiply_in_the_browser() {
    let n = 200_000;
    let field = field_chain::limb30::Field::new();
    let blst = median_ms(1, 7, || field_chain::multiply_chain(n)) * 1e6 / n as f64;
    let limb30 = median_ms(1, 7, || field.multiply_chain(n)) * 1e6 / n as f64;
    console_log!("BENCH browser field multiply: blst {blst:.1} ns, 13 x 30-bit limbs {limb30:.1} ns (medians of 7 chains of {n})");
}

// Validator keys and quorum certificates made with blst (weft-types' own test fixture).
use weft_types::testing as certificates;

/// A validator set of `n` and a header hash with a certificate of `signers` of them.
fn certified(
    n: usize,
    signers: usize,
) -> (
    weft_types::ValidatorSet,
    weft_types::encoding::layout::Digest32,
    weft_types::FinalityCertificate,
) {
    let keys = certificates::keys(n, "weft-browser");
    let set = weft_types::ValidatorSet::from_genesis(&keys.genesis).unwrap();
    let hash = weft_types::encoding::layout::Digest32([0x5a; 32]);
    let who: Vec<u16> = (0..signers as u16).collect();
    (set, hash, certificates::certificate(&keys, &who, hash))
}

#[wasm_bindgen_test]
fn a_quorum_certificate_verifies_in_the_browser_and_two_thirds_do_not() {
    let (set, hash, quorum) = certified(4, 3);
    set.verify(&hash, &quorum).unwrap();
    let (set, hash, short) = certified(4, 2);
    assert!(matches!(
        set.verify(&hash, &short),
        Err(weft_types::CertificateError::TooFewSigners { signers: 2, .. })
    ));
}

/// Prints a finality certificate's check in this browser at 4 and 100 validators (a quorum
/// signing), and beside it one Ed25519 check per signer of the same quorum (what a
/// Tendermint-style engine's light client does; docs/BENCHMARKS.md compares both with native).
#[wasm_bindgen_test]
fn time_certificate_check_in_the_browser() {
    use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
    for n in [4usize, 100] {
        let (set, hash, cert) = certified(n, n - (n - 1) / 3);
        let median = median_ms(2, 11, || set.verify(&hash, &cert).unwrap());
        let signed: Vec<_> = (0..cert.signers.len())
            .map(|i| {
                let key = SigningKey::from_bytes(&[u8::try_from(i + 1).unwrap(); 32]);
                (key.verifying_key(), key.sign(&hash.0))
            })
            .collect();
        let each = median_ms(2, 11, || {
            for (key, signature) in &signed {
                key.verify(&hash.0, signature).unwrap();
            }
        });
        console_log!(
            "BENCH browser certificate: {n} validators, {} signers: {median:.3} ms; one Ed25519 check per signer: {each:.3} ms (medians of 11)",
            cert.signers.len()
        );
    }
}
