//! The network behaviour every Weft peer runs. Full nodes serve the request-response protocols;
//! light clients only ask.
// The NetworkBehaviour derive generates an event enum without docs.
#![allow(missing_docs)]

use std::time::Duration;

use libp2p::{
    allow_block_list, connection_limits, gossipsub, identify,
    identity::Keypair,
    kad, ping,
    request_response::{self, ProtocolSupport},
    swarm::NetworkBehaviour,
    StreamProtocol,
};
use sha2::{Digest, Sha256};
use weft_types::wire::{
    BLOB_GOSSIP_SIZE_LIMIT, BLOB_TOPIC, CELLS_TIME_LIMIT, HEADERS_TIME_LIMIT, HEADER_SIZE_LIMIT,
    HEADER_TOPIC, KAD_PROTOCOL, ROW_TIME_LIMIT, STATUS_TIME_LIMIT,
};

use crate::codec::{Cells, Headers, LimitedCodec, Rows, Spec, Status};

/// Identify protocol version string.
const IDENTIFY_PROTOCOL: &str = "/weft/id/1.0.0";
/// Connections allowed per peer.
const MAX_CONNECTIONS_PER_PEER: u32 = 2;
/// Connections allowed in all, at most: a full node serves thousands of light clients (each
/// holds one connection and one file descriptor). A node's file-descriptor budget may allow
/// fewer ([`ConnectionCaps::within`]).
pub const MAX_CONNECTIONS: u32 = 4096;
/// Incoming connections still in their handshake at once, at most; more are refused as they
/// are accepted (issue 25, fault 2: 600 half-open connections starved a node of descriptors).
pub const MAX_PENDING_INCOMING: u32 = 256;
/// Time a connection has for its whole handshake (multistream, Noise, yamux) before it is
/// dropped, so a half-open connection holds its descriptor at most this long.
pub const HANDSHAKE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Caps on a peer's libp2p connections, each holding a file descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionCaps {
    /// Connections established at once, all peers together.
    pub established: u32,
    /// Incoming connections in their handshake at once; more are refused at accept.
    pub pending_incoming: u32,
}

impl Default for ConnectionCaps {
    /// [`MAX_CONNECTIONS`] and [`MAX_PENDING_INCOMING`].
    fn default() -> Self {
        Self {
            established: MAX_CONNECTIONS,
            pending_incoming: MAX_PENDING_INCOMING,
        }
    }
}

impl ConnectionCaps {
    /// Caps that hold at most `descriptors` connections in all: three quarters for established
    /// connections, a quarter for handshakes (each at least 1, at most the defaults).
    pub fn within(descriptors: u64) -> Self {
        let cap = |share: u64, max: u32| u32::try_from(share).unwrap_or(max).clamp(1, max);
        Self {
            established: cap(descriptors * 3 / 4, MAX_CONNECTIONS),
            pending_incoming: cap(descriptors / 4, MAX_PENDING_INCOMING),
        }
    }
}
/// Heartbeats a gossiped message is kept: a full node holds a header back until its block is
/// stored (at most `network::hold::HOLD_LIMIT`, 20 s), and gossipsub must still have it then.
pub(crate) const GOSSIP_HISTORY: usize = 40;
/// Largest header mesh of a full node: every light client that grafts stays in it, so a header
/// reaches each of them in one hop (a light client has one to a few full nodes and no other
/// route). Light clients keep gossipsub's defaults.
const FULL_NODE_MESH_MAX: usize = 4096;
/// Concurrent inbound or outbound streams per request-response protocol and connection.
const MAX_CONCURRENT_STREAMS: usize = 64;

/// Whether this peer serves data or only asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A full node: serves headers, cells and rows; Kademlia server.
    Full,
    /// A light client: asks only; Kademlia client.
    Light,
}

/// The header gossip topic.
pub fn header_topic() -> gossipsub::IdentTopic {
    gossipsub::IdentTopic::new(HEADER_TOPIC)
}

/// The topic of submitted blobs ([`BLOB_TOPIC`]).
pub(crate) fn blob_topic() -> gossipsub::IdentTopic {
    gossipsub::IdentTopic::new(BLOB_TOPIC)
}

/// The topic of equivocation proofs (`weft_types::EQUIVOCATION_TOPIC`).
pub(crate) fn equivocation_topic() -> gossipsub::IdentTopic {
    gossipsub::IdentTopic::new(weft_types::EQUIVOCATION_TOPIC)
}

/// Everything a Weft peer speaks.
#[derive(NetworkBehaviour)]
pub struct Behaviour {
    /// Banned peers are refused here.
    pub blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    /// Connection caps.
    pub limits: connection_limits::Behaviour,
    /// Exchanges addresses and protocols.
    pub identify: identify::Behaviour,
    /// Liveness.
    pub ping: ping::Behaviour,
    /// Peer discovery.
    pub kad: kad::Behaviour<kad::store::MemoryStore>,
    /// Header gossip, validated before forwarding.
    pub gossipsub: gossipsub::Behaviour,
    /// Header ranges.
    pub headers: request_response::Behaviour<LimitedCodec<Headers>>,
    /// Batches of cells.
    pub cells: request_response::Behaviour<LimitedCodec<Cells>>,
    /// Whole rows.
    pub rows: request_response::Behaviour<LimitedCodec<Rows>>,
    pub status: request_response::Behaviour<LimitedCodec<Status>>,
}

impl std::fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Behaviour").finish_non_exhaustive()
    }
}

fn request_response<S: Spec>(
    role: Role,
    timeout: Duration,
) -> request_response::Behaviour<LimitedCodec<S>> {
    let support = match role {
        Role::Full => ProtocolSupport::Full,
        Role::Light => ProtocolSupport::Outbound,
    };
    request_response::Behaviour::new(
        [(StreamProtocol::new(S::PROTOCOL), support)],
        request_response::Config::default()
            .with_request_timeout(timeout)
            .with_max_concurrent_streams(MAX_CONCURRENT_STREAMS),
    )
}

impl Behaviour {
    /// The behaviour for a peer of the given role, its connections within `caps`. `agent` goes
    /// into identify. With `blobs`, it also subscribes to the blob topic ([`BLOB_TOPIC`]) and
    /// takes gossip messages up to [`BLOB_GOSSIP_SIZE_LIMIT`]; without, every message is limited
    /// to the largest header or equivocation proof.
    ///
    /// # Errors
    /// [`crate::Error::Behaviour`] when gossipsub cannot be configured.
    pub fn new(
        key: &Keypair,
        role: Role,
        agent: &str,
        caps: ConnectionCaps,
        blobs: bool,
    ) -> Result<Self, crate::Error> {
        let peer_id = key.public().to_peer_id();
        let mut gossip_config = gossipsub::ConfigBuilder::default();
        if role == Role::Full {
            gossip_config.mesh_n_high(FULL_NODE_MESH_MAX);
        }
        let largest = weft_types::EQUIVOCATION_SIZE_LIMIT.max(HEADER_SIZE_LIMIT);
        let largest = if blobs {
            largest.max(BLOB_GOSSIP_SIZE_LIMIT)
        } else {
            largest
        };
        let gossip_config = gossip_config
            .heartbeat_interval(Duration::from_millis(700))
            .history_length(GOSSIP_HISTORY)
            .validation_mode(gossipsub::ValidationMode::Strict)
            .validate_messages()
            .max_transmit_size(largest + 1024)
            // Content-addressed ids: the same header from two peers is one message.
            .message_id_fn(|m: &gossipsub::Message| {
                gossipsub::MessageId::from(Sha256::digest(&m.data)[..20].to_vec())
            })
            .build()
            .map_err(|e| crate::Error::Behaviour(e.to_string()))?;
        let mut gossipsub = gossipsub::Behaviour::new(
            gossipsub::MessageAuthenticity::Signed(key.clone()),
            gossip_config,
        )
        .map_err(|e| crate::Error::Behaviour(e.to_string()))?;
        let topics = [header_topic(), equivocation_topic()];
        let blob_topics = if blobs { vec![blob_topic()] } else { vec![] };
        for topic in topics.into_iter().chain(blob_topics) {
            gossipsub
                .subscribe(&topic)
                .map_err(|e| crate::Error::Behaviour(e.to_string()))?;
        }

        let mut kad = kad::Behaviour::with_config(
            peer_id,
            kad::store::MemoryStore::new(peer_id),
            kad::Config::new(StreamProtocol::new(KAD_PROTOCOL)),
        );
        kad.set_mode(Some(match role {
            Role::Full => kad::Mode::Server,
            Role::Light => kad::Mode::Client,
        }));

        Ok(Self {
            blocked: allow_block_list::Behaviour::default(),
            limits: connection_limits::Behaviour::new(
                connection_limits::ConnectionLimits::default()
                    .with_max_established_per_peer(Some(MAX_CONNECTIONS_PER_PEER))
                    .with_max_established(Some(caps.established))
                    .with_max_pending_incoming(Some(caps.pending_incoming)),
            ),
            identify: identify::Behaviour::new(
                identify::Config::new(IDENTIFY_PROTOCOL.to_string(), key.public())
                    .with_agent_version(agent.to_string()),
            ),
            ping: ping::Behaviour::new(ping::Config::new()),
            kad,
            gossipsub,
            headers: request_response(role, HEADERS_TIME_LIMIT),
            cells: request_response(role, CELLS_TIME_LIMIT),
            rows: request_response(role, ROW_TIME_LIMIT),
            status: request_response(role, STATUS_TIME_LIMIT),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_follow_the_descriptor_budget_within_the_defaults() {
        assert_eq!(
            ConnectionCaps::within(128),
            ConnectionCaps {
                established: 96,
                pending_incoming: 32
            }
        );
        assert_eq!(ConnectionCaps::within(1 << 30), ConnectionCaps::default());
        assert_eq!(
            ConnectionCaps::within(0),
            ConnectionCaps {
                established: 1,
                pending_incoming: 1
            }
        );
    }
}
