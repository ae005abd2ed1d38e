//! Weft's inclusion proof checked with no I/O and no standard library (docs/PROTOCOL.md §14):
//! an [`InclusionBundle`] says "blob B of namespace N is at height H, in rows r..r+n, whose
//! EIP-4844 commitments are these, and each row's polynomial takes y at z"; [`verify`] checks
//! it against a producer key or a validator set ([`TrustRoot`]) — header signature and
//! finality certificate, the index entry's Merkle path to the header's index root, the rows'
//! commitments and versioned hashes, and each KZG opening (EIP-4844 point evaluation over the
//! Ethereum ceremony; all rows in one pairing product, [`kzg::verify_openings`]).
//!
//! `#![no_std]` with `alloc`: it builds for `wasm32v1-none` (CI checks) and links into a zkVM
//! guest or a browser as is. Dependencies: blst (BLS12-381, KZG pairing), ed25519-dalek,
//! sha2 — the same versions as the rest of Weft, without their std features.

#![no_std]

extern crate alloc;

mod bundle;
mod certificate;
mod error;
mod header;
pub mod kzg;
pub mod merkle;
mod reader;
mod verify;

pub use bundle::{
    InclusionBundle, Opening, BUNDLE_DOMAIN, ENTRY_BYTES, MAX_BUNDLE_BYTES, MAX_DESCENDANTS,
    MAX_PATH, MAX_ROWS,
};
pub use certificate::{
    varint, verify_aggregate, CertificateView, Validator, ValidatorKeys, FINALIZE_SUFFIX,
    MAX_CERTIFICATE_BYTES, MAX_CHAIN_ID_BYTES, MAX_VALIDATORS, MESSAGE_DST, NAMESPACE_PREFIX,
};
pub use error::InclusionError;
pub use header::{HeaderView, HEADER_DOMAIN, MAX_CANONICAL_BYTES, MAX_HEADER_BYTES};
pub use verify::{
    check_data, verify, verify_claim, Claim, Entry, TrustRoot, Verified, DATA_BYTES_PER_ELEMENT,
    FIELD_ELEMENTS_PER_ROW, ROW_DATA_BYTES,
};
