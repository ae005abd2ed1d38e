//! Starting to listen, and dialling bootstrap peers: what the network does before its actor
//! runs.

use libp2p::{multiaddr::Protocol, Multiaddr, Swarm};

#[cfg(not(target_arch = "wasm32"))]
use super::handle::NetInfo;
use crate::behaviour::Behaviour;

/// Listens on every address and waits until each reports its bound address (ports chosen by
/// the OS become known).
#[cfg(not(target_arch = "wasm32"))]
pub(super) async fn listen(
    swarm: &mut Swarm<Behaviour>,
    wanted: &[super::Listen],
    limit: std::time::Duration,
) -> Result<NetInfo, crate::Error> {
    let peer_id = *swarm.local_peer_id();
    // Each listener must report at least one address (a wildcard IP reports several).
    let mut waiting = std::collections::HashSet::new();
    for l in wanted {
        let id = swarm
            .listen_on(l.addr.clone())
            .map_err(|e| crate::Error::Listen {
                addr: l.addr.to_string(),
                reason: e.to_string(),
                flag: l.flag,
            })?;
        waiting.insert(id);
    }
    let mut info = NetInfo {
        peer_id: Some(peer_id),
        ..NetInfo::default()
    };
    let deadline = tokio::time::Instant::now() + limit;
    while !waiting.is_empty() {
        let event = tokio::time::timeout_at(deadline, futures::StreamExt::select_next_some(swarm))
            .await
            .map_err(|_| crate::Error::ListenTimeout {
                secs: limit.as_secs(),
            })?;
        match event {
            libp2p::swarm::SwarmEvent::NewListenAddr {
                listener_id,
                address,
            } => {
                waiting.remove(&listener_id);
                let full = address.clone().with(Protocol::P2p(peer_id));
                if address.iter().any(|p| matches!(p, Protocol::Ws(_))) && info.ws_addr.is_none() {
                    info.ws_addr = Some(full.clone());
                }
                info.listen_addrs.push(full);
            }
            libp2p::swarm::SwarmEvent::ListenerError { error, .. }
            | libp2p::swarm::SwarmEvent::ListenerClosed {
                reason: Err(error), ..
            } => {
                return Err(crate::Error::Listen {
                    addr: "p2p listener".into(),
                    reason: error.to_string(),
                    flag: wanted.first().map_or("--p2p-port", |l| l.flag),
                });
            }
            _ => {}
        }
    }
    Ok(info)
}

/// Dials a bootstrap address and tells Kademlia where its peer lives.
pub(super) fn dial_bootstrap(swarm: &mut Swarm<Behaviour>, addr: &Multiaddr) {
    if let Err(e) = swarm.dial(addr.clone()) {
        tracing::warn!("cannot dial bootstrap peer {addr}: {e}");
    }
    if let Some(Protocol::P2p(peer)) = addr.iter().last() {
        swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
    }
}
