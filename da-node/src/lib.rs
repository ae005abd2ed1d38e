#![doc = include_str!("../README.md")]

pub mod block;
pub mod config;
mod error;
pub mod faults;
pub mod http;
pub mod keys;
pub mod mempool;
pub mod metrics;
mod node;
pub mod p2p;
pub mod producer;
pub mod store;
pub mod sync;

pub use config::NodeConfig;
pub use error::{NodeError, Result};
pub use node::{shared_prover, Node, DB_DIR};
