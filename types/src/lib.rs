#![doc = include_str!("../README.md")]

pub mod api;
mod certificate;
mod equivocation;
mod error;
mod header;
mod served;
mod validators;
pub mod wire;

pub use certificate::{FinalityCertificate, FINALIZE_SUFFIX};
pub use equivocation::{EquivocationProof, EQUIVOCATION_SIZE_LIMIT, EQUIVOCATION_TOPIC};
pub use error::{CertificateError, Error, Result};
pub use header::{
    Header, ProducerKey, Signature, UnsignedHeader, GENESIS_PARENT, HEADER_DOMAIN,
    MAX_CLOCK_SKEW_MS,
};
pub use served::{check_served, ServedCells};
pub use validators::{
    check_chain_id, consensus_namespace, BlsSignature, ConsensusKey, Genesis, GenesisValidator,
    PeerKey, ValidatorSet, CONSENSUS_NAMESPACE_PREFIX, MAX_ADDRESS_BYTES, MAX_CHAIN_ID_BYTES,
    MAX_VALIDATORS,
};
pub use weft_encoding as encoding;
