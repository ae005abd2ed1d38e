//! The actor's peer bookkeeping around [`PeerBook`](crate::network::peers::PeerBook): identify
//! (full node or light client, redial targets, Kademlia addresses), status answers, penalties
//! and bans, and the [`NetInfo`](crate::NetInfo) snapshot.

use libp2p::{identify, request_response, swarm::dial_opts::DialOpts, Multiaddr, PeerId};
use web_time::Instant;
use weft_types::wire::{StatusRequest, StatusResponse, ROW_PROTOCOL};

use super::Actor;
use crate::{network::peers::Penalty, scores::Misbehaviour, BANNED_SHOWN};

impl Actor {
    /// A peer identified itself: a light client is disconnected if this node leaves them to
    /// full nodes; a full node becomes a redial target, a full peer and is asked its status;
    /// its listen addresses go to Kademlia.
    pub(super) fn on_identify(&mut self, peer_id: PeerId, info: identify::Info) {
        let full = info.protocols.iter().any(|p| p.as_ref() == ROW_PROTOCOL);
        if !full && !self.accept_light {
            tracing::debug!(
                "light client {peer_id} disconnected: this node leaves light clients to full nodes"
            );
            self.metrics.light_clients_refused.inc();
            let _ = self.swarm.disconnect_peer_id(peer_id);
            return;
        }
        if full {
            let forgotten =
                self.redial
                    .full_node(peer_id, info.listen_addrs.clone(), Instant::now());
            // A forgotten node held off after a refusal would stay blocked for good.
            if let Some(old) = forgotten.filter(|p| !self.peers.is_banned(p)) {
                self.swarm.behaviour_mut().blocked.unblock_peer(old);
            }
        }
        for addr in info.listen_addrs {
            self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
        }
        if full && self.peers.add_full(peer_id) {
            let id = self
                .swarm
                .behaviour_mut()
                .status
                .send_request(&peer_id, StatusRequest);
            self.asked_status.insert(id, peer_id);
            self.publish_info();
        }
    }

    /// Kademlia learnt `peer`'s addresses (its routing table was updated, or a lookup's answer
    /// named them): a known full node seen at a new address (it moved) is dialled there at once;
    /// any other peer not connected is dialled by discovery, unless the redial holds it off.
    pub(super) fn on_addresses_seen(&mut self, peer: PeerId, addresses: Vec<Multiaddr>) {
        if peer == *self.swarm.local_peer_id()
            || self.swarm.is_connected(&peer)
            || self.peers.is_banned(&peer)
        {
            return;
        }
        let now = Instant::now();
        if let Some(addrs) = self.redial.seen_at(&peer, addresses, now) {
            tracing::debug!("full node {peer} seen at a new address: dialling it there");
            self.swarm.behaviour_mut().blocked.unblock_peer(peer);
            let _ = self
                .swarm
                .dial(DialOpts::peer_id(peer).addresses(addrs).build());
        } else if !self.redial.holds_off(&peer, now) && self.peers.should_dial(peer) {
            let _ = self.swarm.dial(peer);
        }
    }

    /// Status: answered at once from the server; a peer's answer is kept with its full-peer
    /// entry (a peer that does not answer is taken to hold every height at our own rate).
    pub(super) fn on_status(
        &mut self,
        event: request_response::Event<StatusRequest, StatusResponse>,
    ) {
        match event {
            request_response::Event::Message {
                message: request_response::Message::Request { channel, .. },
                ..
            } => {
                if let Some(server) = &self.server {
                    let status = server.status();
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .status
                        .send_response(channel, status);
                }
            }
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Response {
                        request_id,
                        response,
                    },
                ..
            } if self.asked_status.remove(&request_id).is_some() => {
                self.peers.set_status(peer, response);
                self.publish_info();
            }
            request_response::Event::OutboundFailure { request_id, .. } => {
                self.asked_status.remove(&request_id);
            }
            _ => {}
        }
    }

    /// Records a misbehaviour; past the score threshold the peer is banned: blocked,
    /// disconnected, forgotten as a redial target and listed in [`NetInfo`](crate::NetInfo).
    pub(super) fn penalise(&mut self, peer: PeerId, what: Misbehaviour) {
        self.metrics.peers_penalised.inc();
        tracing::warn!("peer {peer} penalised: {what:?}");
        let Penalty::Banned { lifted } = self.peers.penalise(peer, what, Instant::now()) else {
            return;
        };
        self.metrics.peers_banned.inc();
        self.redial.forget(&peer);
        tracing::warn!("peer {peer} banned");
        let blocked = &mut self.swarm.behaviour_mut().blocked;
        blocked.block_peer(peer);
        if let Some(old) = lifted {
            blocked.unblock_peer(old);
        }
        let _ = self.swarm.disconnect_peer_id(peer);
        {
            let mut info = self.info_mut();
            info.banned.push(peer);
            if info.banned.len() > BANNED_SHOWN {
                info.banned.remove(0);
            }
        }
        self.publish_info();
    }

    /// The [`NetInfo`](crate::NetInfo) snapshot, to change (a poisoned lock is taken over:
    /// the snapshot is only ever overwritten field by field).
    pub(super) fn info_mut(&self) -> std::sync::RwLockWriteGuard<'_, crate::NetInfo> {
        self.info
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Publishes the peers to [`NetInfo`](crate::NetInfo) and the connected-peers gauge.
    pub(super) fn publish_info(&self) {
        let mut info = self.info_mut();
        info.peers = self.swarm.connected_peers().copied().collect();
        info.full_peers = self.peers.full().to_vec();
        info.statuses = self.peers.statuses().clone();
        self.metrics.connected_peers.set(info.peers.len() as u64);
    }
}
