#![doc = include_str!("../README.md")]

pub mod api;
mod equivocation;
mod error;
mod header;
mod served;
pub mod wire;

pub use equivocation::{EquivocationProof, EQUIVOCATION_SIZE_LIMIT, EQUIVOCATION_TOPIC};
pub use error::{Error, Result};
pub use header::{
    Header, ProducerKey, Signature, UnsignedHeader, GENESIS_PARENT, HEADER_DOMAIN,
    MAX_CLOCK_SKEW_MS,
};
pub use served::{check_served, ServedCells};
pub use weft_encoding as encoding;
