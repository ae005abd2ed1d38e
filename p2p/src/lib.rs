#![doc = include_str!("../README.md")]

mod behaviour;
#[cfg(target_arch = "wasm32")]
mod browser;
pub mod codec;
pub mod exec;
mod metrics;
#[cfg(not(target_arch = "wasm32"))]
mod native;
mod network;
mod pacing;
mod rate_limit;
mod scores;
mod serve;

pub use behaviour::{
    header_topic, Behaviour, BehaviourEvent, ConnectionCaps, Role, HANDSHAKE_TIME_LIMIT,
    MAX_CONNECTIONS, MAX_PENDING_INCOMING,
};
#[cfg(target_arch = "wasm32")]
pub use browser::build_swarm;
pub use libp2p::{
    identity::Keypair,
    multiaddr::{Error as MultiaddrError, Protocol},
    Multiaddr, PeerId,
};
pub use metrics::{Gauge, NetworkMetrics};
#[cfg(not(target_arch = "wasm32"))]
pub use native::build_swarm;
pub use network::{
    start, BlobGossip, BlobPublished, HeaderStream, Listen, ListenerErrors, NetInfo, NetworkConfig,
    NetworkHandle, NetworkTask, RequestError,
};
pub use scores::{Misbehaviour, ScoreAction};
pub use serve::RequestServer;

/// Inbound requests answered at once; beyond this they are refused (no penalty), which bounds
/// the memory held by answers in flight.
pub const MAX_SERVING: usize = 64;
/// Banned peers listed in [`NetInfo::banned`].
pub const BANNED_SHOWN: usize = 64;

/// Errors starting the network.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A transport could not be set up.
    #[error("transport: {0}")]
    Transport(String),
    /// The behaviour could not be configured.
    #[error("behaviour: {0}")]
    Behaviour(String),
    /// A listen address is taken or invalid.
    #[error("cannot listen on {addr}: {reason} (pick another with {flag})")]
    Listen {
        /// The address.
        addr: String,
        /// The transport's message.
        reason: String,
        /// The operator's flag that sets it.
        flag: &'static str,
    },
    /// The listeners did not report their addresses in time.
    #[error("the p2p listeners did not start within {secs} s")]
    ListenTimeout {
        /// The limit, in seconds.
        secs: u64,
    },
}
