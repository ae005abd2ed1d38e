//! Sample verification against header commitments: valid batches from original and extended
//! rows pass and agree with the naive path (explicit extended commitments through
//! rust-eth-kzg); every kind of tampering or malformed input gets its own typed error with the
//! right fault.

mod common;

use std::sync::OnceLock;

use rand::{seq::index::sample, Rng};
use weft_encoding::{
    constants::CELLS_PER_ROW, naive, Commitment, Error, ExtendedSquare, Fault, PointError, Sample,
    SquareCommitments, VerifyKey,
};

const K: usize = 4;

fn square() -> &'static ExtendedSquare {
    static SQUARE: OnceLock<ExtendedSquare> = OnceLock::new();
    SQUARE.get_or_init(|| {
        let rows = common::random_rows(&mut common::rng(7), K);
        let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        common::encoder().encode_bytes(&refs).unwrap()
    })
}

fn das() -> &'static rust_eth_kzg::DASContext {
    static CTX: OnceLock<rust_eth_kzg::DASContext> = OnceLock::new();
    CTX.get_or_init(rust_eth_kzg::DASContext::default)
}

fn vk() -> &'static VerifyKey {
    static VK: OnceLock<VerifyKey> = OnceLock::new();
    VK.get_or_init(VerifyKey::new)
}

fn header() -> SquareCommitments {
    SquareCommitments::new(square().original_commitments()).unwrap()
}

/// Owned copies of cells and proofs at the given positions.
fn pick(positions: &[(usize, usize)]) -> Vec<(usize, usize, Vec<u8>, Vec<u8>)> {
    let sq = square();
    positions
        .iter()
        .map(|&(r, c)| (r, c, sq.cell(r, c).to_vec(), sq.proof(r, c).0.to_vec()))
        .collect()
}

fn samples(owned: &[(usize, usize, Vec<u8>, Vec<u8>)]) -> Vec<Sample<'_>> {
    owned
        .iter()
        .map(|(r, c, cell, proof)| Sample {
            row: *r,
            col: *c,
            cell,
            proof,
        })
        .collect()
}

fn random_positions(seed: u64, n: usize) -> Vec<(usize, usize)> {
    let mut rng = common::rng(seed);
    sample(&mut rng, 2 * K * CELLS_PER_ROW, n)
        .into_iter()
        .map(|i| (i / CELLS_PER_ROW, i % CELLS_PER_ROW))
        .collect()
}

#[test]
fn valid_samples_from_every_row_verify_and_agree_with_naive() {
    for seed in 0..4 {
        let owned = pick(&random_positions(seed, 32));
        assert!(
            owned.iter().any(|s| s.0 >= K),
            "batch includes extended rows"
        );
        assert_eq!(vk().verify_samples(&header(), &samples(&owned)), Ok(()));
        assert!(
            naive::verify_samples(das(), square().original_commitments(), &samples(&owned))
                .unwrap()
        );
    }
    // Every single cell of the last extended row, one batch.
    let owned = pick(
        &(0..CELLS_PER_ROW)
            .map(|c| (2 * K - 1, c))
            .collect::<Vec<_>>(),
    );
    assert_eq!(vk().verify_samples(&header(), &samples(&owned)), Ok(()));
    // The empty batch is trivially fine.
    assert_eq!(vk().verify_samples(&header(), &[]), Ok(()));
}

#[test]
fn extended_commitments_match_the_encoder() {
    assert_eq!(header().extended(), square().commitments());
}

#[test]
fn tampered_cell_is_rejected_as_invalid_proof_and_located() {
    let mut owned = pick(&random_positions(11, 16));
    let victim = owned.iter().position(|s| s.0 >= K).unwrap();
    owned[victim].2[100] ^= 0x01; // still canonical: byte 100 is inside element 3
    let err = vk()
        .verify_samples(&header(), &samples(&owned))
        .unwrap_err();
    assert_eq!(err, Error::InvalidProof { samples: 16 });
    assert!(err.is_peer_fault() && err.is_proof_invalid());
    assert!(
        !naive::verify_samples(das(), square().original_commitments(), &samples(&owned)).unwrap()
    );
    let each = vk().verify_each(&header(), &samples(&owned));
    let bad: Vec<usize> = each
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(bad, vec![victim]);
}

#[test]
fn wrong_proof_is_rejected() {
    let mut owned = pick(&random_positions(12, 8));
    let other = square().proof(0, 0).0.to_vec();
    let victim = owned.iter().position(|s| (s.0, s.1) != (0, 0)).unwrap();
    owned[victim].3 = other;
    assert_eq!(
        vk().verify_samples(&header(), &samples(&owned)),
        Err(Error::InvalidProof { samples: 8 })
    );
}

#[test]
fn samples_claimed_at_another_position_are_rejected() {
    let mut owned = pick(&random_positions(13, 8));
    owned[0].1 = (owned[0].1 + 1) % CELLS_PER_ROW;
    assert!(vk()
        .verify_samples(&header(), &samples(&owned))
        .unwrap_err()
        .is_proof_invalid());
    let mut owned = pick(&random_positions(14, 8));
    owned[0].0 = (owned[0].0 + 1) % (2 * K);
    assert!(vk()
        .verify_samples(&header(), &samples(&owned))
        .unwrap_err()
        .is_proof_invalid());
}

#[test]
fn tampered_commitment_is_rejected() {
    let owned = pick(&random_positions(15, 8));
    let mut commitments: Vec<Commitment> = square().original_commitments().to_vec();
    commitments.swap(0, 1);
    let swapped = SquareCommitments::new(&commitments).unwrap();
    assert!(vk()
        .verify_samples(&swapped, &samples(&owned))
        .unwrap_err()
        .is_proof_invalid());
}

#[test]
fn non_canonical_cell_is_a_peer_fault_naming_the_element() {
    let mut owned = pick(&random_positions(16, 4));
    owned[2].2[5 * 32..6 * 32].fill(0xff);
    let err = vk()
        .verify_samples(&header(), &samples(&owned))
        .unwrap_err();
    assert_eq!(
        err,
        Error::NonCanonicalFieldElement {
            item: 2,
            element: 5
        }
    );
    assert_eq!(err.fault(), Fault::Peer);
}

fn small_x_point(on_curve: bool) -> Vec<u8> {
    (1u8..=255)
        .map(|x| {
            let mut b = [0u8; 48];
            b[0] = 0x80;
            b[47] = x;
            b
        })
        .find(|b| {
            Option::<ekzg_bls12_381::G1Point>::from(
                ekzg_bls12_381::G1Point::from_compressed_unchecked(b),
            )
            .is_some()
                == on_curve
        })
        .unwrap()
        .to_vec()
}

#[test]
fn malformed_proofs_are_peer_faults_with_the_reason() {
    for (bytes, reason) in [
        (small_x_point(false), PointError::NotOnCurve),
        (small_x_point(true), PointError::NotInSubgroup),
        (vec![0u8; 48], PointError::Encoding),
    ] {
        let mut owned = pick(&random_positions(17, 3));
        owned[1].3 = bytes;
        let err = vk()
            .verify_samples(&header(), &samples(&owned))
            .unwrap_err();
        assert_eq!(err, Error::InvalidProofPoint { item: 1, reason });
        assert!(err.is_peer_fault());
    }
}

#[test]
fn the_first_malformed_proof_in_item_order_is_named_though_proofs_are_parsed_in_parallel() {
    let mut owned = pick(&random_positions(23, 96));
    owned[70].3 = small_x_point(false);
    owned[9].3 = small_x_point(true);
    owned[90].3 = vec![0u8; 48];
    for _ in 0..5 {
        let err = vk()
            .verify_samples(&header(), &samples(&owned))
            .unwrap_err();
        assert_eq!(
            err,
            Error::InvalidProofPoint {
                item: 9,
                reason: PointError::NotInSubgroup
            }
        );
    }
}

#[test]
fn malformed_commitments_are_input_faults() {
    let mut commitments: Vec<Commitment> = square().original_commitments().to_vec();
    commitments[3] = Commitment(small_x_point(true).try_into().unwrap());
    let err = SquareCommitments::new(&commitments).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidCommitmentPoint {
            index: 3,
            reason: PointError::NotInSubgroup
        }
    );
    assert_eq!(err.fault(), Fault::Input);
    assert_eq!(
        SquareCommitments::new(&commitments[..3]).unwrap_err(),
        Error::InvalidK { k: 3 }
    );
}

#[test]
fn out_of_range_and_wrong_length_inputs_are_refused() {
    let owned = pick(&random_positions(18, 2));
    let mut s = samples(&owned);
    s[1].row = 2 * K;
    assert_eq!(
        vk().verify_samples(&header(), &s),
        Err(Error::RowOutOfRange {
            item: 1,
            row: 2 * K,
            rows: 2 * K
        })
    );
    let mut s = samples(&owned);
    s[0].col = CELLS_PER_ROW;
    assert_eq!(
        vk().verify_samples(&header(), &s),
        Err(Error::ColumnOutOfRange {
            item: 0,
            col: 128,
            cols: 128
        })
    );
    let mut s = samples(&owned);
    s[0].cell = &owned[0].2[..2047];
    assert_eq!(
        vk().verify_samples(&header(), &s),
        Err(Error::Length {
            what: "cell",
            expected: 2048,
            got: 2047
        })
    );
    let mut s = samples(&owned);
    s[0].proof = &owned[0].3[..47];
    assert_eq!(
        vk().verify_samples(&header(), &s),
        Err(Error::Length {
            what: "proof",
            expected: 48,
            got: 47
        })
    );
    for e in [
        Error::RowOutOfRange {
            item: 0,
            row: 0,
            rows: 0,
        },
        Error::Length {
            what: "",
            expected: 0,
            got: 0,
        },
    ] {
        assert_eq!(e.fault(), Fault::Input);
    }
}

#[test]
fn random_batches_agree_with_naive_under_random_tampering() {
    let mut rng = common::rng(99);
    for round in 0..6 {
        let mut owned = pick(&random_positions(100 + round, 10));
        let tamper = rng.gen_bool(0.5);
        if tamper {
            let i = rng.gen_range(0..owned.len());
            let byte = rng.gen_range(1..2048usize);
            if byte % 32 != 0 {
                owned[i].2[byte] ^= 1 << rng.gen_range(0..8);
            }
        }
        let fast = vk().verify_samples(&header(), &samples(&owned));
        let slow = naive::verify_samples(das(), square().original_commitments(), &samples(&owned));
        match slow {
            Ok(true) => assert_eq!(fast, Ok(()), "round {round}"),
            Ok(false) => assert!(fast.unwrap_err().is_proof_invalid(), "round {round}"),
            Err(_) => assert!(fast.is_err(), "round {round}"),
        }
    }
}

#[test]
fn verify_key_is_the_ceremony_slice() {
    let path = common::vectors_dir().join("trusted_setup.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIP: {} not found", path.display());
        return;
    };
    // Format: n_g1, n_g2, n_g1 Lagrange points, n_g2 monomial G2 points, n_g1 monomial points.
    let lines: Vec<&str> = text.lines().collect();
    let n_g1: usize = lines[0].trim().parse().unwrap();
    let n_g2: usize = lines[1].trim().parse().unwrap();
    let g2 = &lines[2 + n_g1..2 + n_g1 + n_g2];
    let g1_monomial = &lines[2 + n_g1 + n_g2..2 + 2 * n_g1 + n_g2];
    let (g1, g2_tau64) = vk().points();
    for (i, p) in g1.iter().enumerate() {
        assert_eq!(
            hex::encode(p.to_compressed()),
            g1_monomial[i].trim(),
            "g1 monomial {i}"
        );
    }
    assert_eq!(hex::encode(g2_tau64.to_compressed()), g2[64].trim());
}
