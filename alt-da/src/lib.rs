#![doc = include_str!("../README.md")]

pub mod commitment;
mod error;
mod keccak_index;
mod server;

pub use commitment::{AltDaCommitment, CommitmentError, DA_LAYER_BYTE};
pub use error::AltDaError;
pub use keccak_index::{MAX_INDEXED_BLOBS, MAX_SCAN_HEIGHTS, MAX_SEARCHES};
pub use server::{
    DaServer, DaServerConfig, BODY_TIME_LIMIT, DEFAULT_GET_TIMEOUT, DEFAULT_MAX_PUTS,
    DEFAULT_PUT_TIMEOUT, MAX_GETS, NODE_PROBE_TIMEOUT,
};
