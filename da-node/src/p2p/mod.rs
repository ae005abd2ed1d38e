//! The node's network actor. It owns the libp2p swarm: gossips headers (validated before they
//! are forwarded), serves the three request-response protocols from the store with a per-peer
//! rate limit, discovers peers through identify and Kademlia, and bans peers that misbehave.

mod handle;
mod serve;

use std::{
    collections::{HashMap, HashSet},
    net::IpAddr,
    sync::{Arc, RwLock},
    time::Duration,
};

use futures::StreamExt;
use handle::{NetCmd, Reply};
pub use handle::{NetEvent, NetInfo, NetworkHandle, RequestError};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use weft_p2p::{
    codec::Spec,
    header_topic,
    libp2p::{
        gossipsub, identify,
        identity::Keypair,
        kad,
        multiaddr::Protocol,
        request_response::{self, OutboundFailure, OutboundRequestId, ResponseChannel},
        swarm::SwarmEvent,
        Multiaddr, PeerId, Swarm,
    },
    Behaviour, BehaviourEvent, Misbehaviour, PeerScores, RateLimiter, Role, Verdict,
};
use weft_types::{
    wire::{
        CellsResponse, HeadersResponse, Refusal, RowResponse, CELLS_PROTOCOL, HEADERS_PROTOCOL,
        PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST, ROW_PROTOCOL,
    },
    Header, ProducerKey,
};

use crate::{
    error::{NodeError, Result},
    faults::Faults,
    metrics::Metrics,
    store::Store,
};

/// Connections idle this long are closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often to run a Kademlia bootstrap.
const DISCOVERY_INTERVAL: Duration = Duration::from_secs(30);
/// Most peers to dial from discovery.
const MAX_DIALS_FROM_DISCOVERY: usize = 32;
/// Queue depth of the command channel.
const COMMAND_QUEUE: usize = 256;
/// Inbound requests served at once; beyond this they are refused (no penalty), which bounds
/// the memory held by responses in flight.
const MAX_SERVING: usize = 64;
/// Bans kept; past this the oldest is lifted.
const MAX_BANS: usize = 4096;
/// Banned peers listed in the node's info.
const BANNED_SHOWN: usize = 64;
/// How often to prune rate-limit buckets and re-dial bootstrap peers when alone.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(5);
/// How long to wait for the listeners to report their addresses.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything the network actor needs.
#[derive(Debug)]
pub struct NetworkArgs {
    /// Node identity.
    pub key: Keypair,
    /// IP to listen on.
    pub listen_ip: IpAddr,
    /// TCP and QUIC port (0: any).
    pub p2p_port: u16,
    /// WebSocket port (0: any).
    pub ws_port: u16,
    /// Peers to dial at start.
    pub bootstrap: Vec<Multiaddr>,
    /// Only headers signed by this key are accepted.
    pub producer: ProducerKey,
    /// Where served data comes from.
    pub store: Store,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Stops the actor.
    pub cancel: CancellationToken,
    /// Injected faults (tests).
    pub faults: Faults,
}

/// A response computed on a blocking thread, on its way back to the swarm.
enum Served {
    Headers(ResponseChannel<HeadersResponse>, HeadersResponse),
    Cells(ResponseChannel<CellsResponse>, CellsResponse),
    Row(ResponseChannel<RowResponse>, RowResponse),
}

/// Outbound requests of one protocol awaiting answers.
struct Outbound<T>(HashMap<OutboundRequestId, Reply<T>>);

impl<T> Default for Outbound<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

struct Actor {
    swarm: Swarm<Behaviour>,
    producer: ProducerKey,
    store: Store,
    metrics: Arc<Metrics>,
    faults: Faults,
    info: Arc<RwLock<NetInfo>>,
    events: mpsc::Sender<NetEvent>,
    served: mpsc::UnboundedSender<Served>,
    limiter: RateLimiter,
    scores: PeerScores,
    full_peers: HashSet<PeerId>,
    dialled: HashSet<PeerId>,
    /// Bootstrap addresses, dialled again whenever the node finds itself alone.
    bootstrap: Vec<Multiaddr>,
    /// Bans in order, to lift the oldest past [`MAX_BANS`].
    bans: std::collections::VecDeque<PeerId>,
    /// Inbound requests being served on blocking threads.
    serving: usize,
    headers: Outbound<HeadersResponse>,
    rows: Outbound<RowResponse>,
    cells: Outbound<CellsResponse>,
}

/// Starts the network actor; returns once its listeners are up.
pub async fn spawn(
    args: NetworkArgs,
) -> Result<(NetworkHandle, mpsc::Receiver<NetEvent>, JoinHandle<()>)> {
    let peer_id = args.key.public().to_peer_id();
    let agent = format!("weft-node/{}", env!("CARGO_PKG_VERSION"));
    let mut swarm = weft_p2p::build_swarm(args.key, Role::Full, &agent, IDLE_TIMEOUT)
        .await
        .map_err(|e| NodeError::Network(e.to_string()))?;
    let listen = |proto: &str, port: u16, flag: &'static str| -> Result<Multiaddr> {
        let addr: Multiaddr = match proto {
            "quic" => format!(
                "/{}/{}/udp/{port}/quic-v1",
                ip_proto(args.listen_ip),
                args.listen_ip
            ),
            "ws" => format!(
                "/{}/{}/tcp/{port}/ws",
                ip_proto(args.listen_ip),
                args.listen_ip
            ),
            _ => format!(
                "/{}/{}/tcp/{port}",
                ip_proto(args.listen_ip),
                args.listen_ip
            ),
        }
        .parse()
        .map_err(|e| NodeError::Config(format!("listen address: {e}")))?;
        let _ = flag;
        Ok(addr)
    };
    let wanted = [
        (listen("tcp", args.p2p_port, "--p2p-port")?, "--p2p-port"),
        (listen("quic", args.p2p_port, "--p2p-port")?, "--p2p-port"),
        (listen("ws", args.ws_port, "--ws-port")?, "--ws-port"),
    ];
    for (addr, flag) in &wanted {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NodeError::Listen {
                addr: addr.to_string(),
                reason: e.to_string(),
                flag,
            })?;
    }
    // Wait until each listener reports its address (ports chosen by the OS become known).
    let mut info = NetInfo {
        peer_id: Some(peer_id),
        ..NetInfo::default()
    };
    let deadline = tokio::time::Instant::now() + LISTEN_TIMEOUT;
    while info.listen_addrs.len() < wanted.len() {
        let event = tokio::time::timeout_at(deadline, swarm.select_next_some())
            .await
            .map_err(|_| NodeError::Network("listeners did not start in time".into()))?;
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                let full = address.clone().with(Protocol::P2p(peer_id));
                if address.iter().any(|p| matches!(p, Protocol::Ws(_))) {
                    info.ws_addr = Some(full.clone());
                }
                info.listen_addrs.push(full);
            }
            SwarmEvent::ListenerError { error, .. }
            | SwarmEvent::ListenerClosed {
                reason: Err(error), ..
            } => {
                return Err(NodeError::Listen {
                    addr: "p2p listener".into(),
                    reason: error.to_string(),
                    flag: "--p2p-port",
                });
            }
            _ => {}
        }
    }
    for addr in &args.bootstrap {
        if let Err(e) = swarm.dial(addr.clone()) {
            tracing::warn!("cannot dial bootstrap peer {addr}: {e}");
        }
        if let Some(Protocol::P2p(peer)) = addr.iter().last() {
            swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
        }
    }
    let info = Arc::new(RwLock::new(info));
    let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
    let (event_tx, event_rx) = mpsc::channel(COMMAND_QUEUE);
    let (served_tx, served_rx) = mpsc::unbounded_channel();
    let actor = Actor {
        swarm,
        producer: args.producer,
        store: args.store,
        metrics: args.metrics,
        faults: args.faults,
        info: info.clone(),
        events: event_tx,
        served: served_tx,
        limiter: RateLimiter::new(PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST),
        scores: PeerScores::default(),
        full_peers: HashSet::new(),
        dialled: HashSet::new(),
        bootstrap: args.bootstrap.clone(),
        bans: std::collections::VecDeque::new(),
        serving: 0,
        headers: Outbound::default(),
        rows: Outbound::default(),
        cells: Outbound::default(),
    };
    let task = tokio::spawn(actor.run(cmd_rx, served_rx, args.cancel));
    Ok((NetworkHandle { cmd: cmd_tx, info }, event_rx, task))
}

const fn ip_proto(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "ip4",
        IpAddr::V6(_) => "ip6",
    }
}

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<NetCmd>,
        mut served: mpsc::UnboundedReceiver<Served>,
        cancel: CancellationToken,
    ) {
        let mut discovery = tokio::time::interval(DISCOVERY_INTERVAL);
        let mut housekeeping = tokio::time::interval(HOUSEKEEPING_INTERVAL);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                Some(cmd) = commands.recv() => self.on_command(cmd),
                Some(done) = served.recv() => {
                    self.serving -= 1;
                    self.respond(done);
                }
                event = self.swarm.select_next_some() => self.on_event(event),
                _ = discovery.tick() => { let _ = self.swarm.behaviour_mut().kad.bootstrap(); }
                _ = housekeeping.tick() => self.housekeeping(),
            }
        }
        tracing::debug!("network actor stopped");
    }

    fn publish_info(&self) {
        let mut info = self
            .info
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        info.peers = self.swarm.connected_peers().copied().collect();
        info.full_peers = self.full_peers.iter().copied().collect();
        self.metrics.connected_peers.set(info.peers.len() as u64);
    }

    fn on_command(&mut self, cmd: NetCmd) {
        let b = self.swarm.behaviour_mut();
        match cmd {
            NetCmd::Publish(header) => {
                if let Err(e) = b.gossipsub.publish(header_topic(), header.to_bytes()) {
                    // With no peers yet there is nobody to tell; they catch up by range requests.
                    tracing::debug!("header {} not gossiped: {e}", header.height());
                }
            }
            NetCmd::Headers(peer, req, reply) => {
                let id = b.headers.send_request(&peer, req);
                self.headers.0.insert(id, reply);
            }
            NetCmd::Row(peer, req, reply) => {
                let id = b.rows.send_request(&peer, req);
                self.rows.0.insert(id, reply);
            }
            NetCmd::Cells(peer, req, reply) => {
                let id = b.cells.send_request(&peer, req);
                self.cells.0.insert(id, reply);
            }
            NetCmd::Penalise(peer, what) => self.penalise(peer, what),
            NetCmd::Dial(addr) => {
                if let Err(e) = self.swarm.dial(addr.clone()) {
                    tracing::warn!("cannot dial {addr}: {e}");
                }
            }
        }
    }

    fn housekeeping(&mut self) {
        self.limiter.prune(web_time::Instant::now());
        if self.swarm.connected_peers().next().is_none() {
            for addr in self.bootstrap.clone() {
                let _ = self.swarm.dial(addr);
            }
        }
    }

    fn penalise(&mut self, peer: PeerId, what: Misbehaviour) {
        self.metrics.peers_penalised.inc();
        tracing::warn!("peer {peer} penalised: {what:?}");
        if self.scores.penalise(peer, what) == Verdict::Ban {
            self.metrics.peers_banned.inc();
            tracing::warn!("peer {peer} banned");
            self.swarm.behaviour_mut().blocked.block_peer(peer);
            let _ = self.swarm.disconnect_peer_id(peer);
            self.full_peers.remove(&peer);
            self.bans.push_back(peer);
            if self.bans.len() > MAX_BANS {
                if let Some(oldest) = self.bans.pop_front() {
                    self.swarm.behaviour_mut().blocked.unblock_peer(oldest);
                }
            }
            {
                let mut info = self
                    .info
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                info.banned.push(peer);
                if info.banned.len() > BANNED_SHOWN {
                    info.banned.remove(0);
                }
            }
            self.publish_info();
        }
    }

    fn respond(&mut self, done: Served) {
        let b = self.swarm.behaviour_mut();
        let sent = match done {
            Served::Headers(ch, r) => b.headers.send_response(ch, r).is_ok(),
            Served::Cells(ch, r) => {
                if let CellsResponse::Cells(cells) = &r {
                    self.metrics.cells_served_p2p.add(cells.len() as u64);
                }
                b.cells.send_response(ch, r).is_ok()
            }
            Served::Row(ch, r) => {
                if matches!(r, RowResponse::Row { .. }) {
                    self.metrics.rows_served_p2p.inc();
                }
                b.rows.send_response(ch, r).is_ok()
            }
        };
        if !sent {
            tracing::debug!("requester went away before the response");
        }
    }

    /// Serves an inbound request on a blocking thread, unless the peer is over its rate.
    #[allow(clippy::too_many_arguments)] // one generic server for all three protocols
    fn serve<Req: Send + 'static, Resp: Send + 'static>(
        &mut self,
        peer: PeerId,
        protocol: &'static str,
        request: Req,
        channel: ResponseChannel<Resp>,
        refuse: impl FnOnce(ResponseChannel<Resp>, Resp) -> Served + Send + 'static,
        refused: Resp,
        work: impl FnOnce(&Store, &Faults, &Req) -> Resp + Send + 'static,
    ) {
        if self.serving >= MAX_SERVING {
            self.respond(refuse(channel, refused));
            return;
        }
        if !self.limiter.allow(peer, protocol, web_time::Instant::now()) {
            self.metrics.requests_rate_limited.inc();
            self.respond(refuse(channel, refused));
            self.penalise(peer, Misbehaviour::RateLimited);
            return;
        }
        let (store, faults, tx) = (self.store.clone(), self.faults.clone(), self.served.clone());
        self.serving += 1;
        tokio::task::spawn_blocking(move || {
            let response = work(&store, &faults, &request);
            let _ = tx.send(refuse(channel, response));
        });
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => self.on_gossip(propagation_source, &message_id, &message.data),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
                if info.protocols.iter().any(|p| p.as_ref() == ROW_PROTOCOL) {
                    self.full_peers.insert(peer_id);
                    self.publish_info();
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated {
                peer, ..
            })) if !self.swarm.is_connected(&peer)
                && self.dialled.len() < MAX_DIALS_FROM_DISCOVERY
                && self.dialled.insert(peer) =>
            {
                let _ = self.swarm.dial(peer);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Headers(e)) => self.on_headers(e),
            SwarmEvent::Behaviour(BehaviourEvent::Rows(e)) => self.on_rows(e),
            SwarmEvent::Behaviour(BehaviourEvent::Cells(e)) => self.on_cells(e),
            SwarmEvent::ConnectionEstablished { .. } => self.publish_info(),
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.full_peers.remove(&peer_id);
                self.dialled.remove(&peer_id);
                self.publish_info();
            }
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                ..
            } => {
                self.dialled.remove(&peer);
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                let peer = *self.swarm.local_peer_id();
                let mut info = self
                    .info
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let full = address.with(Protocol::P2p(peer));
                if !info.listen_addrs.contains(&full) {
                    info.listen_addrs.push(full);
                }
            }
            _ => {}
        }
    }

    fn on_gossip(&mut self, source: PeerId, id: &gossipsub::MessageId, data: &[u8]) {
        let verdict = Header::from_bytes(data).and_then(|h| h.verify(&self.producer).map(|()| h));
        let acceptance = match &verdict {
            Ok(_) => gossipsub::MessageAcceptance::Accept,
            Err(_) => gossipsub::MessageAcceptance::Reject,
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(id, &source, acceptance);
        match verdict {
            Ok(header) => {
                let _ = self.events.try_send(NetEvent::Header {
                    header,
                    from: source,
                });
            }
            Err(e) => {
                tracing::warn!("rejected gossiped header from {source}: {e}");
                self.metrics.headers_rejected.inc();
                self.penalise(source, Misbehaviour::InvalidHeader);
            }
        }
    }

    fn outbound_failure(&mut self, peer: PeerId, error: &OutboundFailure) -> RequestError {
        match error {
            OutboundFailure::Timeout => {
                self.penalise(peer, Misbehaviour::Timeout);
                RequestError::Timeout
            }
            OutboundFailure::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                self.penalise(peer, Misbehaviour::MalformedMessage);
                RequestError::Malformed(e.to_string())
            }
            other => RequestError::Failed(other.to_string()),
        }
    }
}

/// Handles one request-response behaviour's events: inbound requests are served, answers and
/// failures are routed back to their waiters.
macro_rules! on_protocol {
    ($name:ident, $field:ident, $spec:ty, $served:ident, $protocol:expr, $work:path) => {
        impl Actor {
            fn $name(
                &mut self,
                event: request_response::Event<<$spec as Spec>::Request, <$spec as Spec>::Response>,
            ) {
                match event {
                    request_response::Event::Message { peer, message, .. } => match message {
                        request_response::Message::Request {
                            request, channel, ..
                        } => self.serve(
                            peer,
                            $protocol,
                            request,
                            channel,
                            Served::$served,
                            <$spec as Spec>::Response::Refused(Refusal::RateLimited),
                            $work,
                        ),
                        request_response::Message::Response {
                            request_id,
                            response,
                        } => {
                            if let Some(reply) = self.$field.0.remove(&request_id) {
                                let _ = reply.send(Ok(response));
                            }
                        }
                    },
                    request_response::Event::OutboundFailure {
                        peer,
                        request_id,
                        error,
                        ..
                    } => {
                        let error = self.outbound_failure(peer, &error);
                        if let Some(reply) = self.$field.0.remove(&request_id) {
                            let _ = reply.send(Err(error));
                        }
                    }
                    request_response::Event::InboundFailure { peer, error, .. } => {
                        tracing::debug!(
                            "inbound {} request from {peer} failed: {error}",
                            $protocol
                        );
                    }
                    request_response::Event::ResponseSent { .. } => {}
                }
            }
        }
    };
}

fn serve_headers(
    store: &Store,
    _: &Faults,
    req: &weft_types::wire::HeadersRequest,
) -> HeadersResponse {
    serve::headers(store, req)
}

on_protocol!(
    on_headers,
    headers,
    weft_p2p::codec::Headers,
    Headers,
    HEADERS_PROTOCOL,
    serve_headers
);
on_protocol!(
    on_rows,
    rows,
    weft_p2p::codec::Rows,
    Row,
    ROW_PROTOCOL,
    serve::row
);
on_protocol!(
    on_cells,
    cells,
    weft_p2p::codec::Cells,
    Cells,
    CELLS_PROTOCOL,
    serve::cells
);
