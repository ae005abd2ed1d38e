//! Weft's validators: many nodes agree on every block with commonware's simplex consensus and
//! its `bls12381_multisig` certificates (docs/PROTOCOL.md §12, docs/ARCHITECTURE.md).
//!
//! - [`keys`]: a validator's secret keys and key folder; [`genesis`]: `genesis.toml`;
//! - [`scheme`]: the engine's signing scheme from a validator set, and its finalization as
//!   Weft's [`FinalityCertificate`](weft_types::FinalityCertificate);
//! - [`Chain`]: what consensus needs from a block store; [`engine::start_validator`] runs the
//!   engine and the glue (propose, disseminate, verify, finalize, evidence) over it;
//!   [`network::Validator`] runs all of it on the validators' authenticated network.

pub mod chain;
pub mod engine;
mod error;
pub mod genesis;
mod glue;
pub mod keys;
pub mod network;
pub mod scheme;

pub use chain::{BlockId, Chain, Fault, Unready, Verdict};
pub use error::ConsensusError;
pub use glue::{
    actor::{Glue, FETCH_RETRY, MAX_HELD_BLOCKS, MAX_WAITING},
    wire::MAX_BLOCK_MESSAGE_BYTES,
    EngineContext, Mailbox,
};
