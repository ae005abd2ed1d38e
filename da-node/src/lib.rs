#![doc = include_str!("../README.md")]

mod admission;
mod block;
pub mod config;
mod encoder;
mod equivocation;
mod error;
mod fds;
mod gossip;
mod health;
mod http;
mod keys;
mod mempool;
mod metrics;
mod node;
mod producer;
mod role;
mod serve;
pub mod store;
mod sync;
mod validator;

pub use block::{BlockError, EncodedSquare};
pub use config::NodeConfig;
pub use encoder::{shared_prover, Encoder};
pub use error::{NodeError, Result};
pub use metrics::Metrics;
pub use node::{Node, DB_DIR};
pub use serve::CellSource;
pub use store::ChainRecord;
pub use weft_p2p::NetInfo;
