//! The no_std point evaluation against c-kzg (as an Ethereum client computes and checks it):
//! every opening c-kzg computes verifies here, every tampered one is refused here and there,
//! and the constants are the Ethereum ceremony's.

use c_kzg::{Blob, Bytes32, Bytes48, KzgSettings};
use weft_inclusion::kzg::{
    g1_point, is_canonical, verify_opening, verify_openings, versioned_hash, TAU_G2,
};

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
    // Read from `../shared/test-vectors` beside the repository, or `$WEFT_TEST_VECTORS`, as the
    // encoding crate's vector tests do. (Without it τ is still checked: every c-kzg opening
    // above verifies only with the ceremony's τ.)
    let dir = std::env::var_os("WEFT_TEST_VECTORS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/test-vectors")
        });
    let path = dir.join("trusted_setup.txt");
    match std::fs::read_to_string(&path) {
        Ok(setup) => {
            let tau = setup.lines().nth(2 + 4096 + 1).unwrap();
            assert_eq!(hex::encode(TAU_G2), tau);
        }
        Err(e) => eprintln!("SKIP the setup file's τ: {}: {e}", path.display()),
    }
    // EIP-4844: 0x01 ‖ SHA-256(commitment)[1..], e.g. for the zero blob's commitment.
    let mut infinity = [0u8; 48];
    infinity[0] = 0xc0;
    assert_eq!(
        hex::encode(versioned_hash(&infinity)),
        "010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c444014"
    );
}

/// `x + delta` on a big-endian scalar (delta ±1, no wrap past 0 or 2²⁵⁶).
fn step(x: &[u8; 32], delta: i8) -> [u8; 32] {
    let mut out = *x;
    for b in out.iter_mut().rev() {
        let (v, carry) = if delta > 0 {
            b.overflowing_add(1)
        } else {
            b.overflowing_sub(1)
        };
        *b = v;
        if !carry {
            break;
        }
    }
    out
}

#[test]
fn a_batch_verifies_exactly_when_every_row_does_and_errors_do_not_cancel() {
    let z = z(5);
    let blobs: Vec<_> = [21u8, 22, 23].into_iter().map(blob).collect();
    let zero = Box::new(Blob::from_bytes(&[0u8; 131_072]).unwrap());
    let mut rows: Vec<_> = blobs.iter().map(|b| open(b, &z)).collect();
    rows.push(open(&zero, &z));
    let batch = |rows: &[([u8; 48], [u8; 32], [u8; 48])], z: &[u8; 32]| {
        let refs: Vec<_> = rows.iter().map(|(c, y, p)| (c, y, p)).collect();
        verify_openings(z, &refs)
    };
    assert!(batch(&rows, &z), "honest rows, the zero blob among them");
    assert!(batch(&rows[..1], &z) && batch(&rows[3..], &z) && batch(&[], &z));

    // Every subset of tampered rows: the batch agrees with the rows one by one.
    for mask in 1u8..16 {
        let mut tampered = rows.clone();
        for (i, row) in tampered.iter_mut().enumerate() {
            if mask >> i & 1 == 1 {
                row.1 = step(&row.1, 1);
            }
        }
        let alone = tampered.iter().all(|(c, y, p)| verify_opening(c, &z, y, p));
        assert_eq!(batch(&tampered, &z), alone, "rows {mask:04b} tampered");
        assert!(!alone);
    }

    // 32 rows (64 points, past blst's small-batch path): honest, then one tampered.
    let many: Vec<_> = rows.iter().cycle().take(32).cloned().collect();
    assert!(batch(&many, &z));
    for i in [0, 17, 31] {
        let mut one = many.clone();
        one[i].2 = rows[(i + 1) % 3].2;
        assert!(!batch(&one, &z), "row {i} with another's proof");
    }

    // y₀ + 1 and y₁ − 1: Σ (Cᵢ − [yᵢ]₁) is unchanged, so an unweighted sum would pass.
    let mut cancel = rows.clone();
    cancel[0].1 = step(&rows[0].1, 1);
    cancel[1].1 = step(&rows[1].1, -1);
    assert!(cancel.iter().all(|(_, y, _)| is_canonical(y)));
    assert!(!batch(&cancel, &z), "opposite errors cancel");
    // Values and proofs swapped between two rows, commitments kept.
    let mut swapped = rows.clone();
    swapped.swap(0, 1);
    (swapped[0].0, swapped[1].0) = (rows[0].0, rows[1].0);
    assert!(
        !batch(&swapped, &z),
        "proofs and values swapped between rows"
    );

    // z = 0 (the A term drops out of B), and non-canonical inputs.
    let zero_z = [0u8; 32];
    let at_zero: Vec<_> = blobs.iter().map(|b| open(b, &zero_z)).collect();
    assert!(batch(&at_zero, &zero_z));
    let mut wrong = at_zero.clone();
    wrong[2].1 = step(&wrong[2].1, 1);
    assert!(!batch(&wrong, &zero_z));
    let modulus = weft_inclusion::kzg::BLS_MODULUS;
    assert!(!batch(&rows, &modulus));
    let mut big_y = rows.clone();
    big_y[1].1 = modulus;
    assert!(!batch(&big_y, &z));
}
