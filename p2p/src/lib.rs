#![doc = include_str!("../README.md")]

mod behaviour;
#[cfg(target_arch = "wasm32")]
mod browser;
pub mod codec;
#[cfg(not(target_arch = "wasm32"))]
mod native;
mod rate_limit;
mod scores;

pub use behaviour::{header_topic, Behaviour, BehaviourEvent, Role};
#[cfg(target_arch = "wasm32")]
pub use browser::build_swarm;
pub use libp2p;
#[cfg(not(target_arch = "wasm32"))]
pub use native::build_swarm;
pub use rate_limit::RateLimiter;
pub use scores::{Misbehaviour, PeerScores, Verdict};

/// Errors building the network.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A transport could not be set up.
    #[error("transport: {0}")]
    Transport(String),
    /// The behaviour could not be configured.
    #[error("behaviour: {0}")]
    Behaviour(String),
}
