#![doc = include_str!("../README.md")]

pub mod api;
mod certificate;
mod equivocation;
mod error;
mod finality;
mod header;
pub mod inclusion;
mod keys;
mod served;
#[cfg(feature = "test-utils")]
pub mod testing;
mod trust;
mod validators;
pub mod wire;

pub use certificate::{FinalityCertificate, FINALIZE_SUFFIX, MAX_CERTIFICATE_BYTES};
pub use equivocation::{EquivocationProof, EQUIVOCATION_SIZE_LIMIT, EQUIVOCATION_TOPIC};
pub use error::{CertificateError, Error, Result};
pub use finality::{verify_run, Finality};
pub use header::{Header, UnsignedHeader, GENESIS_PARENT, HEADER_DOMAIN, MAX_CLOCK_SKEW_MS};
pub use keys::{ProducerKey, Signature};
pub use served::{check_served, ServedCells};
pub use trust::Trust;
pub use validators::{
    check_chain_id, consensus_namespace, BlsSignature, ConsensusKey, Genesis, GenesisValidator,
    PeerKey, ValidatorSet, CONSENSUS_NAMESPACE_PREFIX, MAX_ADDRESS_BYTES, MAX_CHAIN_ID_BYTES,
    MAX_VALIDATORS,
};
pub use weft_encoding as encoding;
