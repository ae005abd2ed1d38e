//! The native swarm: TCP and QUIC for nodes, WebSocket for browsers; noise and yamux.

use std::time::Duration;

use libp2p::{identity::Keypair, noise, tcp, yamux, Swarm, SwarmBuilder};

use crate::{behaviour::Behaviour, Error, Role};

/// Builds a swarm on tokio with TCP, QUIC, DNS and WebSocket transports.
pub async fn build_swarm(
    key: Keypair,
    role: Role,
    agent: &str,
    idle_timeout: Duration,
) -> Result<Swarm<Behaviour>, Error> {
    let transport = |e: &dyn std::fmt::Display| Error::Transport(e.to_string());
    Ok(SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| transport(&e))?
        .with_quic()
        .with_dns()
        .map_err(|e| transport(&e))?
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .map_err(|e| transport(&e))?
        .with_behaviour(|key| {
            Behaviour::new(key, role, agent)
                .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
        })
        .map_err(|e| Error::Behaviour(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle_timeout))
        .build())
}
