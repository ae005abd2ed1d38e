#![doc = include_str!("../README.md")]

mod admission;
mod block;
pub mod config;
mod encoder;
mod equivocation;
mod error;
mod fds;
mod health;
mod http;
mod keys;
mod mempool;
mod metrics;
mod node;
mod producer;
mod serve;
pub mod store;
mod sync;

pub use block::EncodedSquare;
pub use config::NodeConfig;
pub use encoder::Encoder;
pub use error::{NodeError, Result};
pub use metrics::Metrics;
pub use node::{shared_prover, Node, DB_DIR};
pub use serve::CellSource;
pub use weft_p2p::NetInfo;
