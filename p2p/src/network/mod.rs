//! The network component every Weft peer runs, full node or light client, native or in the
//! browser: one actor that owns the libp2p swarm, behind a [`NetworkHandle`] with protocol
//! methods. It listens and dials bootstrap peers, finds more through identify and Kademlia,
//! tells full peers from light ones, validates gossiped headers before forwarding them (and
//! hands the verified ones to its owner), serves inbound requests through a [`RequestServer`]
//! under a per-peer rate limit, and scores and bans peers that misbehave.

mod actor;
mod equivocation;
mod handle;
mod hold;
mod inbound;
mod listen;
mod peers;
mod redial;

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use futures::channel::{mpsc, oneshot};
pub use handle::{
    BlobPublished, ListenerErrors, NetInfo, NetworkHandle, NetworkTask, RequestError,
};
use libp2p::{identity::Keypair, Multiaddr, Swarm};
use weft_types::{encoding::layout::Blob, Header, Trust};

use crate::{behaviour::Behaviour, metrics::NetworkMetrics, serve::RequestServer, Error, Role};

/// Queue depth of the command channel and of the verified-header stream.
const QUEUE: usize = 256;
/// How long to wait for the listeners to report their addresses.
#[cfg(not(target_arch = "wasm32"))]
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// An address to listen on, and the flag that sets it (named in the error if it is taken).
#[derive(Debug, Clone)]
pub struct Listen {
    /// The multiaddr (`/ip4/…/tcp/…`, `…/udp/…/quic-v1`, `…/tcp/…/ws`).
    pub addr: Multiaddr,
    /// The operator's flag for it, e.g. `--p2p-port`.
    pub flag: &'static str,
}

/// What a peer does with the blob topic (`weft_types::wire::BLOB_TOPIC`, PROTOCOL §13).
#[derive(Debug, Default)]
pub enum BlobGossip {
    /// Not subscribed (light clients, the nodes of a single producer's chain).
    #[default]
    Off,
    /// Subscribed: blobs that decode are forwarded, none kept (a full node of a validator
    /// chain, which gossips the blobs submitted to it).
    Relay,
    /// Subscribed, and every blob that decodes goes to this queue (a validator's pool); one
    /// arriving while the queue is full is forwarded but not queued.
    Deliver(mpsc::Sender<Blob>),
}

impl BlobGossip {
    const fn subscribed(&self) -> bool {
        !matches!(self, Self::Off)
    }
}

/// Everything the network needs.
pub struct NetworkConfig {
    /// This peer's identity.
    pub key: Keypair,
    /// Full node (serves, Kademlia server) or light client (asks only).
    pub role: Role,
    /// The identify agent string, e.g. `weft-node/0.1.0`.
    pub agent: String,
    /// Where to listen (none for a light client).
    pub listen: Vec<Listen>,
    /// Peers to dial at start, and again whenever this peer finds itself alone.
    pub bootstrap: Vec<Multiaddr>,
    /// Only headers that verify against this trust root (the producer's key, or the validator
    /// set and its certificates) are forwarded and handed on.
    pub trust: Trust,
    /// What answers inbound requests (a full node's store); `None` refuses them.
    pub server: Option<Arc<dyn RequestServer>>,
    /// Connections idle this long are closed.
    pub idle_timeout: Duration,
    /// How often to run a Kademlia bootstrap to find more peers.
    pub discovery_interval: Duration,
    /// Counters, registered by the owner where it exports metrics.
    pub metrics: NetworkMetrics,
    /// Keep connections of light clients (peers that serve nothing). A producer may leave
    /// them to its full nodes (`false`): it disconnects them once they identify, so headers
    /// reach light clients only from nodes that can serve the block.
    pub accept_light: bool,
    /// Caps on connections, established and in their handshake (a node sizes them from its
    /// file-descriptor budget).
    pub connections: crate::ConnectionCaps,
    /// Whether to take part in blob gossip, and where gossiped blobs go.
    pub blobs: BlobGossip,
}

impl std::fmt::Debug for NetworkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkConfig")
            .field("role", &self.role)
            .field("listen", &self.listen)
            .field("bootstrap", &self.bootstrap)
            .field("trust", &self.trust.to_string())
            .finish_non_exhaustive()
    }
}

/// Verified headers that arrived by gossip, in arrival order (at most 256 queued; more are
/// dropped, and the owner catches up by range requests).
pub type HeaderStream = mpsc::Receiver<Header>;

/// Starts the network: builds the swarm (TCP, QUIC and WebSocket), listens on every address in
/// `config.listen` and returns once each has reported its address.
///
/// # Errors
/// [`Error::Listen`] naming the flag when an address is taken or invalid, [`Error::Transport`]
/// or [`Error::Behaviour`] when the swarm cannot be built.
#[cfg(not(target_arch = "wasm32"))]
pub async fn start(
    config: NetworkConfig,
) -> Result<(NetworkHandle, HeaderStream, NetworkTask), Error> {
    let swarm = crate::native::build_swarm(
        config.key.clone(),
        config.role,
        &config.agent,
        config.idle_timeout,
        config.connections,
        config.blobs.subscribed(),
    )
    .await?;
    let mut swarm = swarm;
    let info = listen::listen(&mut swarm, &config.listen, LISTEN_TIMEOUT).await?;
    Ok(launch(config, swarm, info))
}

/// Starts the network in the browser (WebSocket; a browser peer listens nowhere).
///
/// # Errors
/// [`Error::Transport`] or [`Error::Behaviour`] when the swarm cannot be built.
#[cfg(target_arch = "wasm32")]
pub fn start(config: NetworkConfig) -> Result<(NetworkHandle, HeaderStream, NetworkTask), Error> {
    let swarm = crate::browser::build_swarm(
        config.key.clone(),
        config.role,
        &config.agent,
        config.idle_timeout,
        config.connections,
        config.blobs.subscribed(),
    )?;
    let info = NetInfo {
        peer_id: Some(*swarm.local_peer_id()),
        ..NetInfo::default()
    };
    Ok(launch(config, swarm, info))
}

fn launch(
    config: NetworkConfig,
    mut swarm: Swarm<Behaviour>,
    info: NetInfo,
) -> (NetworkHandle, HeaderStream, NetworkTask) {
    for addr in &config.bootstrap {
        listen::dial_bootstrap(&mut swarm, addr);
    }
    let info = Arc::new(RwLock::new(info));
    let (cmd_tx, cmd_rx) = mpsc::channel(QUEUE);
    let (header_tx, header_rx) = mpsc::channel(QUEUE);
    let (stop_tx, stop_rx) = oneshot::channel();
    let (done_tx, done_rx) = oneshot::channel();
    let handle = NetworkHandle {
        cmd: Arc::new(futures::lock::Mutex::new(cmd_tx)),
        info: info.clone(),
        metrics: config.metrics.clone(),
        pacer: Arc::default(),
        in_flight: Arc::default(),
    };
    let actor = actor::Actor::new(config, swarm, info, header_tx);
    crate::exec::spawn(async move {
        actor.run(cmd_rx, stop_rx).await;
        let _ = done_tx.send(());
    });
    (
        handle,
        header_rx,
        NetworkTask {
            stop: Some(stop_tx),
            done: done_rx,
        },
    )
}
