//! The no_std point evaluation against c-kzg (as an Ethereum client computes and checks it):
//! every opening c-kzg computes verifies here, every tampered one is refused here and there,
//! and the constants are the Ethereum ceremony's.

use c_kzg::{Blob, Bytes32, Bytes48, KzgSettings};
use weft_inclusion::kzg::{g1_point, is_canonical, verify_opening, versioned_hash, TAU_G2};

fn settings() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

/// A blob of pseudo-random canonical elements (a zero lead byte each), from `seed`.
fn blob(seed: u8) -> Box<Blob> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(seed);
    let mut bytes = vec![0u8; 131_072];
    for (i, b) in bytes.iter_mut().enumerate() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if i % 32 != 0 {
            *b = state as u8;
        }
    }
    Box::new(Blob::from_bytes(&bytes).unwrap())
}

fn z(seed: u8) -> [u8; 32] {
    let mut z = [seed; 32];
    z[0] = 0x1f;
    z
}

fn open(blob: &Blob, z: &[u8; 32]) -> ([u8; 48], [u8; 32], [u8; 48]) {
    let s = settings();
    let commitment = s.blob_to_kzg_commitment(blob).unwrap().to_bytes();
    let (proof, y) = s.compute_kzg_proof(blob, &Bytes32::new(*z)).unwrap();
    (*commitment, *y, *proof.to_bytes())
}

#[test]
fn openings_c_kzg_computes_verify_and_tampered_ones_are_refused_by_both() {
    for seed in [1u8, 2, 3] {
        let blob = blob(seed);
        let z = z(seed);
        let (c, y, proof) = open(&blob, &z);
        assert!(verify_opening(&c, &z, &y, &proof), "seed {seed}");
        let c_kzg = |c: &[u8; 48], z: &[u8; 32], y: &[u8; 32], p: &[u8; 48]| {
            settings()
                .verify_kzg_proof(
                    &Bytes48::new(*c),
                    &Bytes32::new(*z),
                    &Bytes32::new(*y),
                    &Bytes48::new(*p),
                )
                .unwrap_or(false)
        };
        assert!(c_kzg(&c, &z, &y, &proof));
        let mut other_y = y;
        other_y[31] ^= 1;
        let mut other_z = z;
        other_z[31] ^= 1;
        let (other_c, _, other_proof) = open(&self::blob(seed + 10), &z);
        for (what, c, z, y, p) in [
            ("y", c, z, other_y, proof),
            ("z", c, other_z, y, proof),
            ("commitment", other_c, z, y, proof),
            ("proof", c, z, y, other_proof),
        ] {
            assert!(!verify_opening(&c, &z, &y, &p), "another {what} verifies");
            assert!(!c_kzg(&c, &z, &y, &p), "c-kzg accepts another {what}");
        }
    }
}

#[test]
fn the_zero_blob_opens_with_points_at_infinity_and_non_canonical_scalars_are_refused() {
    let zero = Box::new(Blob::from_bytes(&[0u8; 131_072]).unwrap());
    let z = z(9);
    let (c, y, proof) = open(&zero, &z);
    let infinity = {
        let mut p = [0u8; 48];
        p[0] = 0xc0;
        p
    };
    assert_eq!((c, y, proof), (infinity, [0; 32], infinity));
    assert!(g1_point(&c).is_some());
    assert!(verify_opening(&c, &z, &y, &proof));
    assert!(!verify_opening(
        &c,
        &z,
        &[1; 32].map(|b: u8| b & 0x0f),
        &proof
    ));

    let modulus = weft_inclusion::kzg::BLS_MODULUS;
    assert!(!is_canonical(&modulus));
    let mut below = modulus;
    below[31] -= 1;
    assert!(is_canonical(&below));
    let (c, y, proof) = open(&blob(4), &z);
    assert!(!verify_opening(&c, &modulus, &y, &proof));
    assert!(!verify_opening(&c, &z, &modulus, &proof));
    let mut not_a_point = c;
    not_a_point[5] ^= 0x55;
    assert!(g1_point(&not_a_point).is_none());
}

#[test]
fn tau_is_the_ceremonys_and_the_versioned_hash_is_eip_4844s() {
    // The setup file: two counts, 4096 G1 (Lagrange), then the G2 monomials: G₂, [τ]₂, …
    let setup = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/test-vectors/trusted_setup.txt"
    ))
    .expect("../shared/test-vectors/trusted_setup.txt");
    let tau = setup.lines().nth(2 + 4096 + 1).unwrap();
    assert_eq!(hex::encode(TAU_G2), tau);
    // EIP-4844: 0x01 ‖ SHA-256(commitment)[1..], e.g. for the zero blob's commitment.
    let mut infinity = [0u8; 48];
    infinity[0] = 0xc0;
    assert_eq!(
        hex::encode(versioned_hash(&infinity)),
        "010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c444014"
    );
}
