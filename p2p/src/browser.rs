//! The browser swarm: WebSocket (websys) with noise and yamux.

use std::time::Duration;

use libp2p::{
    core::upgrade::Version, identity::Keypair, noise, websocket_websys, yamux, Swarm, SwarmBuilder,
    Transport,
};

use crate::{
    behaviour::{Behaviour, ConnectionCaps, HANDSHAKE_TIME_LIMIT},
    Error, Role,
};

/// Builds a swarm for the browser: WebSocket only, each handshake within
/// [`HANDSHAKE_TIME_LIMIT`], its connections within `caps` (subscribed to the blob topic with `blobs`:
/// see [`Behaviour::new`]).
///
/// # Errors
/// [`Error::Transport`] when the transport cannot be set up, [`Error::Behaviour`] when the
/// behaviour cannot.
pub fn build_swarm(
    key: Keypair,
    role: Role,
    agent: &str,
    idle_timeout: Duration,
    caps: ConnectionCaps,
    blobs: bool,
) -> Result<Swarm<Behaviour>, Error> {
    Ok(SwarmBuilder::with_existing_identity(key)
        .with_wasm_bindgen()
        .with_other_transport(|key| {
            Ok(websocket_websys::Transport::default()
                .upgrade(Version::V1Lazy)
                .authenticate(noise::Config::new(key)?)
                .multiplex(yamux::Config::default())
                .timeout(HANDSHAKE_TIME_LIMIT)
                .boxed())
        })
        .map_err(|e| Error::Transport(e.to_string()))?
        .with_behaviour(|key| {
            Behaviour::new(key, role, agent, caps, blobs)
                .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
        })
        .map_err(|e| Error::Behaviour(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle_timeout))
        .build())
}
