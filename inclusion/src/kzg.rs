//! EIP-4844's point evaluation over the Ethereum KZG ceremony: the versioned hash of a
//! commitment, and the check that a committed polynomial takes y at z (what Ethereum's
//! precompile 0x0a checks) — one at a time, or many at one z in one pairing product — on
//! blst's safe API.

use alloc::vec::Vec;

use blst::{
    blst_p1_affine, blst_p2_affine,
    min_pk::{PublicKey, Signature},
    p1_affines, p2_affines, MultiPoint, Pairing, BLST_ERROR,
};
use sha2::{Digest, Sha256};

/// The BLS12-381 group order r, big-endian: scalars (z, y) must be below it.
pub const BLS_MODULUS: [u8; 32] = [
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
];
/// `[τ]₂` of the Ethereum KZG ceremony (the setup's second G2 point, compressed), as in
/// c-kzg's and rust-eth-kzg's `trusted_setup.txt`.
pub const TAU_G2: [u8; 96] = hex48x2(
    *b"b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72",
    *b"185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2",
);
/// The G1 generator, compressed.
const G1_GENERATOR: [u8; 48] = hex48(
    *b"97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
);
/// The G2 generator, compressed.
const G2_GENERATOR: [u8; 96] = hex48x2(
    *b"93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e",
    *b"024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
);
/// Domain of the Fiat–Shamir transcript whose hash weights a batch of openings
/// ([`verify_openings`]).
pub const BATCH_DOMAIN: &[u8] = b"WEFT_KZG_OPENINGS_V1";
/// Version byte of a KZG versioned hash (EIP-4844 `VERSIONED_HASH_VERSION_KZG`).
pub const VERSIONED_HASH_VERSION_KZG: u8 = 1;

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not lowercase hex"),
    }
}

const fn hex48(s: [u8; 96]) -> [u8; 48] {
    let mut out = [0u8; 48];
    let mut i = 0;
    while i < 48 {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

const fn hex48x2(a: [u8; 96], b: [u8; 96]) -> [u8; 96] {
    let (a, b) = (hex48(a), hex48(b));
    let mut out = [0u8; 96];
    let mut i = 0;
    while i < 48 {
        out[i] = a[i];
        out[48 + i] = b[i];
        i += 1;
    }
    out
}

/// EIP-4844 `kzg_to_versioned_hash`: `0x01 ‖ SHA-256(commitment)[1..]`.
pub fn versioned_hash(commitment: &[u8; 48]) -> [u8; 32] {
    let mut out: [u8; 32] = Sha256::digest(commitment).into();
    out[0] = VERSIONED_HASH_VERSION_KZG;
    out
}

/// Whether a 32-byte big-endian scalar is below r.
pub fn is_canonical(scalar: &[u8; 32]) -> bool {
    scalar < &BLS_MODULUS
}

/// A compressed G1 point in the subgroup (the point at infinity included), or `None`.
pub fn g1_point(bytes: &[u8; 48]) -> Option<blst_p1_affine> {
    let point = PublicKey::uncompress(bytes).ok()?;
    match point.validate() {
        Ok(()) | Err(BLST_ERROR::BLST_PK_IS_INFINITY) => Some(point.into()),
        Err(_) => None,
    }
}

fn is_infinity(bytes: &[u8; 48]) -> bool {
    bytes[0] == 0xc0 && bytes[1..].iter().all(|&b| b == 0)
}

fn le(scalar: &[u8; 32]) -> [u8; 32] {
    let mut out = *scalar;
    out.reverse();
    out
}

fn g2(bytes: &[u8; 96]) -> blst_p2_affine {
    Signature::uncompress(bytes)
        .expect("a constant G2 point")
        .into()
}

/// EIP-4844 `verify_kzg_proof`: whether the polynomial committed to by `commitment` takes `y`
/// at `z`, given the opening `proof` — `e(C, G₂)·e(π, (z − τ)·G₂)·e(y·G₁, −G₂) = 1`, one
/// product of at most three Miller loops and one final exponentiation. Points at infinity are
/// left out of the product (their pairings are 1).
///
/// The caller has checked that z and y are canonical ([`is_canonical`]) and that commitment
/// and proof are subgroup points ([`g1_point`]); returns `false` otherwise.
pub fn verify_opening(commitment: &[u8; 48], z: &[u8; 32], y: &[u8; 32], proof: &[u8; 48]) -> bool {
    let (Some(c), Some(pi)) = (g1_point(commitment), g1_point(proof)) else {
        return false;
    };
    if !is_canonical(z) || !is_canonical(y) {
        return false;
    }
    let mut minus_one = BLS_MODULUS;
    minus_one[31] -= 1;
    let (g2_generator, tau) = (g2(&G2_GENERATOR), g2(&TAU_G2));
    // (z − τ)·G₂ = z·G₂ + (r − 1)·[τ]₂, and −G₂ = (r − 1)·G₂.
    let scalars = [le(z), le(&minus_one)].concat();
    let z_minus_tau = p2_affines::from(&[[g2_generator, tau].mult(&scalars, 255)]);
    let minus_g2 = p2_affines::from(&[[g2_generator].mult(&le(&minus_one), 255)]);
    let g1_generator: blst_p1_affine = PublicKey::uncompress(&G1_GENERATOR)
        .expect("the G1 generator")
        .into();
    let y_g1 = p1_affines::from(&[[g1_generator].mult(&le(y), 255)]);

    let mut pairing = Pairing::new(false, &[]);
    let mut terms = 0;
    if !is_infinity(commitment) {
        pairing.raw_aggregate(&g2_generator, &c);
        terms += 1;
    }
    if !is_infinity(proof) {
        pairing.raw_aggregate(&z_minus_tau.as_slice()[0], &pi);
        terms += 1;
    }
    if y.iter().any(|&b| b != 0) {
        pairing.raw_aggregate(&minus_g2.as_slice()[0], &y_g1.as_slice()[0]);
        terms += 1;
    }
    if terms == 0 {
        // C = π = ∞ and y = 0: the zero polynomial is 0 everywhere (the empty product is 1).
        return true;
    }
    pairing.commit();
    pairing.finalverify(None)
}

/// One row's opening at the batch's z: `(commitment, y, proof)`, compressed G1 points and a
/// big-endian scalar, as in an EIP-4844 point evaluation.
pub type RowOpening<'a> = (&'a [u8; 48], &'a [u8; 32], &'a [u8; 48]);

/// [`verify_opening`] for many polynomials opened at one `z`, in one pairing product of two
/// Miller loops, whatever the count: with weights `rᵢ` (128 bits each, from SHA-256 of
/// [`BATCH_DOMAIN`], z and every input — Fiat–Shamir, as c-kzg's batch checks),
/// `A = Σ rᵢ·πᵢ` and `B = Σ rᵢ·(Cᵢ − [yᵢ]₁) + z·A`, it checks `e(A, [τ]₂) = e(B, G₂)`.
/// Each row's `e(Cᵢ − [yᵢ]₁, G₂) = e(πᵢ, [τ − z]₂)` is `e(πᵢ, [τ]₂) = e(Cᵢ − [yᵢ]₁ + z·πᵢ,
/// G₂)`; the weighted product holds for rows that do not all hold with probability at most
/// 2⁻¹²⁷ (the rows are fixed before the weights are drawn).
///
/// `true` for no rows (and a canonical z); `false` when z or a y is not canonical, or a commitment or proof is not
/// a subgroup point. Which row fails is [`verify_opening`]'s to say.
pub fn verify_openings(z: &[u8; 32], rows: &[RowOpening<'_>]) -> bool {
    if !is_canonical(z) {
        return false;
    }
    if rows.is_empty() {
        return true;
    }
    let g1_generator: blst_p1_affine = PublicKey::uncompress(&G1_GENERATOR)
        .expect("the G1 generator")
        .into();
    let (mut commitments, mut proofs, mut y_g1) = (Vec::new(), Vec::new(), Vec::new());
    for (commitment, y, proof) in rows {
        let (Some(c), Some(pi)) = (g1_point(commitment), g1_point(proof)) else {
            return false;
        };
        if !is_canonical(y) {
            return false;
        }
        commitments.push(c);
        proofs.push(pi);
        y_g1.push(affine([g1_generator].mult(&le(y), 255)));
    }
    let weights = weights(z, rows);

    // A = Σ rᵢ·πᵢ (128-bit scalars, 16 bytes each).
    let scalars: Vec<u8> = weights.iter().flat_map(|w| w[..16].to_vec()).collect();
    let a = affine(proofs.as_slice().mult(&scalars, 128));
    // −B = Σ (r − rᵢ)·Cᵢ + Σ rᵢ·[yᵢ]₁ + (r − z)·A, all scalars below r (255 bits).
    let mut points = commitments;
    points.extend_from_slice(&y_g1);
    let mut scalars: Vec<u8> = Vec::with_capacity(32 * (2 * rows.len() + 1));
    for w in &weights {
        scalars.extend_from_slice(&le(&modulus_minus(&be(w))));
    }
    for w in &weights {
        scalars.extend_from_slice(w);
    }
    if z.iter().any(|&b| b != 0) {
        points.push(a);
        scalars.extend_from_slice(&le(&modulus_minus(z)));
    }
    let minus_b = affine(points.as_slice().mult(&scalars, 255));

    let infinity = blst_p1_affine::default();
    let mut pairing = Pairing::new(false, &[]);
    let mut terms = 0;
    if a != infinity {
        pairing.raw_aggregate(&g2(&TAU_G2), &a);
        terms += 1;
    }
    if minus_b != infinity {
        pairing.raw_aggregate(&g2(&G2_GENERATOR), &minus_b);
        terms += 1;
    }
    if terms == 0 {
        return true;
    }
    pairing.commit();
    pairing.finalverify(None)
}

/// The weights of a batch, little-endian 32-byte scalars below 2¹²⁸, each odd (so never 0):
/// `rᵢ = SHA-256(T ‖ u32be(i))[..16]` with `T = SHA-256(BATCH_DOMAIN ‖ z ‖ u32be(n) ‖ C₀ ‖ y₀ ‖
/// π₀ ‖ …)`.
fn weights(z: &[u8; 32], rows: &[RowOpening<'_>]) -> Vec<[u8; 32]> {
    let mut transcript = Sha256::new();
    transcript.update(BATCH_DOMAIN);
    transcript.update(z);
    transcript.update((rows.len() as u32).to_be_bytes());
    for (commitment, y, proof) in rows {
        transcript.update(commitment);
        transcript.update(y);
        transcript.update(proof);
    }
    let transcript: [u8; 32] = transcript.finalize().into();
    (0..rows.len() as u32)
        .map(|i| {
            let digest = Sha256::new()
                .chain_update(transcript)
                .chain_update(i.to_be_bytes())
                .finalize();
            let mut w = [0u8; 32];
            w[..16].copy_from_slice(&digest[..16]);
            w[0] |= 1;
            w
        })
        .collect()
}

/// `r − x` for a big-endian `x ≤ r`.
fn modulus_minus(x: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0u16;
    for i in (0..32).rev() {
        let (d, under) = (u16::from(BLS_MODULUS[i])).overflowing_sub(u16::from(x[i]) + borrow);
        out[i] = d as u8;
        borrow = u16::from(under);
    }
    out
}

fn be(scalar: &[u8; 32]) -> [u8; 32] {
    le(scalar)
}

fn affine(point: blst::blst_p1) -> blst_p1_affine {
    p1_affines::from(&[point]).as_slice()[0]
}
