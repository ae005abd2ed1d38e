//! Extracts the verifier's slice of the Ethereum KZG ceremony from the copy that rust_eth_kzg
//! ships: the first 64 G1 monomial points, [1]₂ and [τ⁶⁴]₂. Light clients load these 3.3 KiB
//! instead of parsing all 4096 points, so a browser can verify within milliseconds of start.

use std::{env, fs, path::PathBuf};

/// Points per cell: the verifier commits to interpolation polynomials of this many coefficients.
const CELL_POINTS: usize = 64;

fn main() {
    let setup = rust_eth_kzg::TrustedSetup::default();
    let mut out = Vec::with_capacity(CELL_POINTS * 48 + 2 * 96);
    for point in &setup.g1_monomial[..CELL_POINTS] {
        out.extend_from_slice(&point.to_compressed());
    }
    out.extend_from_slice(&setup.g2_monomial[0].to_compressed());
    out.extend_from_slice(&setup.g2_monomial[CELL_POINTS].to_compressed());
    let path =
        PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("verify_key.bin");
    fs::write(path, out).expect("write verify_key.bin");
    println!("cargo:rerun-if-changed=build.rs");
}
