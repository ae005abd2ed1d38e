//! The network actor's event loop: swarm events, commands from handles, answers computed off
//! the loop, and a housekeeping tick. Gossip validation is in [`gossip`], peer bookkeeping in
//! [`peering`], the serving of inbound requests in [`serving`]; the state machines they drive
//! are swarm-free, each in its own module of `network`.

mod gossip;
mod peering;
mod serving;

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use futures::{
    channel::{mpsc, oneshot},
    FutureExt, StreamExt,
};
use libp2p::{
    gossipsub, identify, kad,
    multiaddr::Protocol,
    request_response::{self, OutboundFailure, OutboundRequestId, ResponseChannel},
    swarm::{dial_opts::DialOpts, SwarmEvent},
    PeerId, Swarm,
};
use web_time::Instant;
use weft_types::{
    wire::{
        CellsResponse, HeadersResponse, RowResponse, PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST,
    },
    Header, Trust,
};

use super::{
    equivocation::EquivocationGossip,
    handle::{BlobPublished, Command, NetInfo, Reply, RequestError},
    hold::HeaderHold,
    inbound::{Answer, Inbound, Serving},
    peers::PeerBook,
    redial::{Dial, Redial, REFUSED_REDIAL},
    NetworkConfig,
};
use crate::{
    behaviour::{blob_topic, equivocation_topic, header_topic, Behaviour, BehaviourEvent},
    codec::Spec,
    exec,
    metrics::NetworkMetrics,
    rate_limit::RateLimiter,
    scores::Misbehaviour,
    serve::RequestServer,
};

/// How often housekeeping runs: rate-limit buckets pruned, lost full nodes and bootstrap peers
/// re-dialled when due (see [`Redial`]), discovery when due.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(1);

/// Outbound requests of one protocol awaiting answers.
struct Outbound<T>(HashMap<OutboundRequestId, Reply<T>>);

impl<T> Default for Outbound<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

pub(super) struct Actor {
    swarm: Swarm<Behaviour>,
    trust: Trust,
    server: Option<Arc<dyn RequestServer>>,
    info: Arc<RwLock<NetInfo>>,
    headers_out: mpsc::Sender<Header>,
    answers_tx: mpsc::UnboundedSender<Answer>,
    answers_rx: mpsc::UnboundedReceiver<Answer>,
    limiter: RateLimiter,
    peers: PeerBook,
    metrics: NetworkMetrics,
    redial: Redial,
    discovery_interval: Duration,
    penalise_timeouts: bool,
    last_discovery: Instant,
    /// Inbound requests being answered off the loop, and those waiting for a slot.
    serving: Serving<Inbound>,
    /// Gossiped headers held back until their blocks are stored (a full node).
    hold: HeaderHold,
    /// The kept equivocation proof and its re-gossip turns.
    equivocation: EquivocationGossip,
    headers: Outbound<HeadersResponse>,
    rows: Outbound<RowResponse>,
    cells: Outbound<CellsResponse>,
    /// Status requests sent to full peers, by request.
    asked_status: HashMap<OutboundRequestId, PeerId>,
    /// Keep light clients' connections.
    accept_light: bool,
    /// Blob gossip: off, relayed, or delivered to the owner's pool.
    blobs: super::BlobGossip,
    /// Each peer's rate of gossiped blobs (tokens by size, `weft_types::wire::BLOB_GOSSIP_*`).
    blob_limiter: RateLimiter,
}

impl Actor {
    pub(super) fn new(
        config: NetworkConfig,
        swarm: Swarm<Behaviour>,
        info: Arc<RwLock<NetInfo>>,
        headers_out: mpsc::Sender<Header>,
    ) -> Self {
        let (answers_tx, answers_rx) = mpsc::unbounded();
        let now = Instant::now();
        // A full node holds gossiped headers back until their block is stored.
        let hold = config.role == crate::Role::Full && config.server.is_some();
        Self {
            swarm,
            trust: config.trust,
            server: config.server,
            info,
            headers_out,
            answers_tx,
            answers_rx,
            limiter: RateLimiter::new(PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST),
            peers: PeerBook::default(),
            metrics: config.metrics,
            redial: Redial::new(config.bootstrap, now, config.role == crate::Role::Light),
            discovery_interval: config.discovery_interval,
            penalise_timeouts: config.role == crate::Role::Full,
            last_discovery: now,
            serving: Serving::new(),
            hold: HeaderHold::new(hold),
            equivocation: EquivocationGossip::new(now),
            headers: Outbound::default(),
            rows: Outbound::default(),
            cells: Outbound::default(),
            asked_status: HashMap::new(),
            accept_light: config.accept_light,
            blobs: config.blobs,
            blob_limiter: RateLimiter::new(
                weft_types::wire::BLOB_GOSSIP_TOKENS_PER_SECOND,
                weft_types::wire::BLOB_GOSSIP_TOKEN_BURST,
            ),
        }
    }

    pub(super) async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        stop: oneshot::Receiver<()>,
    ) {
        let mut stop = stop.fuse();
        // One timer across iterations, so a busy swarm cannot starve housekeeping.
        let mut tick = exec::sleep(HOUSEKEEPING_INTERVAL).boxed().fuse();
        loop {
            futures::select! {
                _ = stop => break,
                cmd = commands.select_next_some() => self.on_command(cmd),
                answer = self.answers_rx.select_next_some() => {
                    self.respond(answer);
                    if let Some(inbound) = self.serving.finished() {
                        self.answer_off_loop(inbound);
                    }
                }
                event = self.swarm.select_next_some() => self.on_event(event),
                () = tick => {
                    self.housekeeping();
                    tick = exec::sleep(HOUSEKEEPING_INTERVAL).boxed().fuse();
                }
            }
        }
        tracing::debug!("network stopped");
    }

    fn housekeeping(&mut self) {
        let now = Instant::now();
        self.limiter.prune(now);
        self.blob_limiter.prune(now);
        // Held too long: dropped unforwarded.
        let dropped = self.hold.expire(now);
        self.report_held(dropped, gossipsub::MessageAcceptance::Ignore);
        if let Some(bytes) = self.equivocation.due(now) {
            self.publish_equivocation(bytes);
        }
        let swarm = &self.swarm;
        let due = self
            .redial
            .due(now, self.peers.full().len(), |p| swarm.is_connected(p));
        for dial in due {
            tracing::debug!("re-dialling {dial:?}");
            let _ = match dial {
                Dial::Address(addr) => self.swarm.dial(addr),
                Dial::Peer(peer, addrs) => {
                    if !self.peers.is_banned(&peer) {
                        // Held off after a refusal, due now.
                        self.swarm.behaviour_mut().blocked.unblock_peer(peer);
                    }
                    self.swarm
                        .dial(DialOpts::peer_id(peer).addresses(addrs).build())
                }
            };
        }
        if now.duration_since(self.last_discovery) >= self.discovery_interval
            && self.swarm.connected_peers().next().is_some()
        {
            self.last_discovery = now;
            // The closest peers to ourselves (Kademlia's bootstrap lookup), asked for with
            // `get_closest_peers` because its result carries each peer's addresses as the
            // network knows them now: a full node that came back on new ports is found there
            // (`on_addresses_seen`); a bootstrap query's result names peers only.
            let local = *self.swarm.local_peer_id();
            self.swarm.behaviour_mut().kad.get_closest_peers(local);
        }
    }

    fn on_command(&mut self, cmd: Command) {
        let b = self.swarm.behaviour_mut();
        match cmd {
            Command::Publish(header) => {
                if let Err(e) = b.gossipsub.publish(header_topic(), header.to_bytes()) {
                    // With no peers yet there is nobody to tell; they catch up by range.
                    tracing::debug!("header {} not gossiped: {e}", header.height());
                }
            }
            Command::PublishBlob(bytes, reply) => {
                let published = match b.gossipsub.publish(blob_topic(), bytes) {
                    Ok(_) => BlobPublished::Sent,
                    Err(gossipsub::PublishError::Duplicate) => BlobPublished::AlreadySent,
                    Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {
                        BlobPublished::NoPeers
                    }
                    Err(e) => BlobPublished::Failed(e.to_string()),
                };
                let _ = reply.send(published);
            }
            Command::Stored(height) => {
                // Their blocks are stored: forwarded now.
                let due = self.hold.stored(height);
                self.report_held(due, gossipsub::MessageAcceptance::Accept);
            }
            Command::Headers(peer, req, reply) => {
                let id = b.headers.send_request(&peer, req);
                self.headers.0.insert(id, reply);
            }
            Command::Row(peer, req, reply) => {
                let id = b.rows.send_request(&peer, req);
                self.rows.0.insert(id, reply);
            }
            Command::Cells(peer, req, reply) => {
                let id = b.cells.send_request(&peer, req);
                self.cells.0.insert(id, reply);
            }
            Command::Penalise(peer, what) => self.penalise(peer, what),
            Command::Equivocation(proof) => {
                if self.equivocation.keep(*proof) {
                    self.equivocation_kept();
                }
            }
        }
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) if message.topic == equivocation_topic().hash() => {
                self.on_equivocation_gossip(propagation_source, &message_id, &message.data);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) if message.topic == blob_topic().hash() => {
                self.on_blob_gossip(propagation_source, &message_id, message.data);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => self.on_gossip(propagation_source, &message_id, &message.data),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => self.on_identify(peer_id, info),
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated {
                peer,
                addresses,
                ..
            })) => self.on_addresses_seen(peer, addresses.into_vec()),
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                result: kad::QueryResult::GetClosestPeers(result),
                ..
            })) => {
                let peers = match result {
                    Ok(kad::GetClosestPeersOk { peers, .. })
                    | Err(kad::GetClosestPeersError::Timeout { peers, .. }) => peers,
                };
                for kad::PeerInfo { peer_id, addrs } in peers {
                    self.on_addresses_seen(peer_id, addrs);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Headers(e)) => {
                self.on_protocol::<crate::codec::Headers>(e, Inbound::Headers, |a| &mut a.headers);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Rows(e)) => {
                self.on_protocol::<crate::codec::Rows>(e, Inbound::Row, |a| &mut a.rows);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Cells(e)) => {
                self.on_protocol::<crate::codec::Cells>(e, Inbound::Cells, |a| &mut a.cells);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Status(e)) => self.on_status(e),
            SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                self.redial.connected(&peer_id, Instant::now());
                self.publish_info();
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.peers.disconnected(&peer_id);
                if self.redial.lost(&peer_id, Instant::now()) {
                    tracing::debug!("full node {peer_id} refused this light client: held off for {REFUSED_REDIAL:?}");
                    self.swarm.behaviour_mut().blocked.block_peer(peer_id);
                }
                self.publish_info();
            }
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            } => {
                self.peers.dial_failed(&peer);
                // Every address failed: Kademlia keeps a peer's last address in its routing
                // table for good and dials only that one when a lookup reaches the peer, so a
                // node that came back on new ports would never be reached through lookups
                // (issue 25, fault 3). Dropped from the table, the peer is dialled at the
                // addresses the nodes answering a lookup give for it; the redial keeps its own.
                if matches!(error, libp2p::swarm::DialError::Transport(_))
                    && !self.swarm.is_connected(&peer)
                {
                    self.swarm.behaviour_mut().kad.remove_peer(&peer);
                }
            }
            SwarmEvent::ListenerError { error, .. } => {
                tracing::warn!("p2p listener: {error}");
                super::handle::ListenerErrors::record(
                    &mut self.info_mut().listener_errors,
                    error.to_string(),
                    Instant::now(),
                );
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                let peer = *self.swarm.local_peer_id();
                let mut info = self.info_mut();
                let is_ws = address.iter().any(|p| matches!(p, Protocol::Ws(_)));
                let full = address.with(Protocol::P2p(peer));
                if is_ws && info.ws_addr.is_none() {
                    info.ws_addr = Some(full.clone());
                }
                if !info.listen_addrs.contains(&full) {
                    info.listen_addrs.push(full);
                }
            }
            _ => {}
        }
    }

    /// One request-response behaviour's events: inbound requests are served, answers and
    /// failures go back to their waiters.
    fn on_protocol<S: Spec>(
        &mut self,
        event: request_response::Event<S::Request, S::Response>,
        inbound: fn(S::Request, ResponseChannel<S::Response>) -> Inbound,
        waiting: fn(&mut Self) -> &mut Outbound<S::Response>,
    ) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => self.serve(peer, inbound(request, channel)),
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(reply) = waiting(self).0.remove(&request_id) {
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
                if let Some(reply) = waiting(self).0.remove(&request_id) {
                    let _ = reply.send(Err(error));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(
                    "inbound {} request from {peer} failed: {error}",
                    S::PROTOCOL
                );
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn outbound_failure(&mut self, peer: PeerId, error: &OutboundFailure) -> RequestError {
        match error {
            OutboundFailure::Timeout => {
                if self.penalise_timeouts {
                    self.penalise(peer, Misbehaviour::Timeout);
                }
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
