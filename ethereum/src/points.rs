//! Compressed BLS12-381 points (Weft's and Ethereum's 48/96-byte forms) in the encodings the
//! EIP-2537 precompiles take: a G1 point as `x ‖ y`, a G2 point as `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`,
//! each coordinate a 64-byte big-endian field element (16 zero bytes, then 48).

use blst::min_pk::{PublicKey, Signature};

/// A G1 point in EIP-2537's 128-byte encoding, from its compressed form; `None` if it is not a
/// point.
pub fn g1(compressed: &[u8; 48]) -> Option<[u8; 128]> {
    let raw = PublicKey::from_bytes(compressed).ok()?.serialize();
    let mut out = [0u8; 128];
    out[16..64].copy_from_slice(&raw[..48]);
    out[80..].copy_from_slice(&raw[48..]);
    Some(out)
}

/// A G2 point in EIP-2537's 256-byte encoding, from its compressed form; `None` if it is not a
/// point. (The compressed and serialized forms put c1 before c0; EIP-2537 puts c0 first.)
pub fn g2(compressed: &[u8; 96]) -> Option<[u8; 256]> {
    let raw = Signature::from_bytes(compressed).ok()?.serialize();
    let mut out = [0u8; 256];
    for (i, from) in [48, 0, 144, 96].into_iter().enumerate() {
        out[64 * i + 16..64 * (i + 1)].copy_from_slice(&raw[from..from + 48]);
    }
    Some(out)
}
