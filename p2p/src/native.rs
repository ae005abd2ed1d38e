//! The native swarm: TCP and QUIC for nodes, WebSocket for browsers; noise and yamux. Every
//! handshake must finish within [`HANDSHAKE_TIME_LIMIT`] (QUIC's within its own 5 s), so a
//! connection that never completes one holds its descriptor only that long.

use std::time::Duration;

use libp2p::{
    core::{muxing::StreamMuxerBox, transport::Boxed, upgrade::Version},
    identity::Keypair,
    noise, tcp, websocket, yamux, PeerId, Swarm, SwarmBuilder, Transport,
};

use crate::{
    behaviour::{Behaviour, ConnectionCaps, HANDSHAKE_TIME_LIMIT},
    Error, Role,
};

/// TCP and WebSocket-over-TCP, each upgraded with noise and yamux within
/// [`HANDSHAKE_TIME_LIMIT`].
fn tcp_and_websocket(
    key: &Keypair,
) -> Result<Boxed<(PeerId, StreamMuxerBox)>, Box<dyn std::error::Error + Send + Sync>> {
    let tcp_config = || tcp::Config::default().nodelay(true);
    let tcp = tcp::tokio::Transport::new(tcp_config())
        .upgrade(Version::V1Lazy)
        .authenticate(noise::Config::new(key)?)
        .multiplex(yamux::Config::default())
        .timeout(HANDSHAKE_TIME_LIMIT)
        .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)));
    let ws = websocket::Config::new(tcp::tokio::Transport::new(tcp_config()))
        .upgrade(Version::V1Lazy)
        .authenticate(noise::Config::new(key)?)
        .multiplex(yamux::Config::default())
        .timeout(HANDSHAKE_TIME_LIMIT)
        .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)));
    Ok(ws
        .or_transport(tcp)
        .map(|either, _| either.into_inner())
        .boxed())
}

/// Builds a swarm on tokio with TCP, QUIC, DNS and WebSocket transports, its connections
/// within `caps` (subscribed to the blob topic with `blobs`: see [`Behaviour::new`]).
///
/// # Errors
/// [`Error::Transport`] when a transport cannot be set up, [`Error::Behaviour`] when the
/// behaviour cannot.
pub async fn build_swarm(
    key: Keypair,
    role: Role,
    agent: &str,
    idle_timeout: Duration,
    caps: ConnectionCaps,
    blobs: bool,
) -> Result<Swarm<Behaviour>, Error> {
    let transport = |e: &dyn std::fmt::Display| Error::Transport(e.to_string());
    Ok(SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_quic()
        .with_other_transport(tcp_and_websocket)
        .map_err(|e| transport(&e))?
        .with_dns()
        .map_err(|e| transport(&e))?
        .with_behaviour(|key| {
            Behaviour::new(key, role, agent, caps, blobs)
                .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
        })
        .map_err(|e| Error::Behaviour(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle_timeout))
        .build())
}
