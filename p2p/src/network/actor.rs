//! The network actor's event loop: swarm events, commands from handles, answers computed off
//! the loop, and a housekeeping tick.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
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
        CellsRequest, CellsResponse, HeadersRequest, HeadersResponse, Refusal, RowRequest,
        RowResponse, StatusRequest, StatusResponse, CELLS_PROTOCOL, HEADERS_PROTOCOL,
        PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST, ROW_PROTOCOL,
    },
    EquivocationProof, Header, ProducerKey,
};

use super::{
    handle::{Command, NetInfo, Reply, RequestError},
    peers::{PeerBook, Penalty},
    redial::{Dial, Redial, REFUSED_REDIAL},
    NetworkConfig,
};
use crate::{
    behaviour::{equivocation_topic, header_topic, Behaviour, BehaviourEvent},
    codec::Spec,
    exec,
    metrics::NetworkMetrics,
    rate_limit::{Admission, RateLimiter},
    scores::Misbehaviour,
    serve::RequestServer,
    BANNED_SHOWN, MAX_SERVING,
};

/// How often housekeeping runs: rate-limit buckets pruned, lost full nodes and bootstrap peers
/// re-dialled when due (see [`Redial`]), discovery when due.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(1);

/// Longest a full node holds a gossiped header back while its block is not stored; then the
/// header is dropped unforwarded (peers catch up by range requests). Gossipsub keeps messages
/// awaiting validation for `behaviour::GOSSIP_HISTORY` heartbeats, longer than this.
pub(crate) const HOLD_LIMIT: Duration = Duration::from_secs(20);

/// Inbound requests waiting for an answer slot ([`MAX_SERVING`] answered at once); beyond it
/// they are refused (no penalty). Sized for a thousand light clients asking at once when a
/// header arrives.
pub(crate) const MAX_QUEUED: usize = 4096;

/// How often a kept equivocation proof is gossiped again, for peers that joined since.
const PROOF_REGOSSIP_INTERVAL: Duration = Duration::from_secs(5);

/// An inbound request with the channel its answer goes back on.
enum Inbound {
    Headers(HeadersRequest, ResponseChannel<HeadersResponse>),
    Cells(CellsRequest, ResponseChannel<CellsResponse>),
    Row(RowRequest, ResponseChannel<RowResponse>),
}

/// An answer on its way back to the swarm.
enum Answer {
    Headers(ResponseChannel<HeadersResponse>, HeadersResponse),
    Cells(ResponseChannel<CellsResponse>, CellsResponse),
    Row(ResponseChannel<RowResponse>, RowResponse),
    /// The server panicked: no answer (the requester times out), but the slot is freed.
    Lost,
}

impl Inbound {
    const fn protocol(&self) -> &'static str {
        match self {
            Self::Headers(..) => HEADERS_PROTOCOL,
            Self::Cells(..) => CELLS_PROTOCOL,
            Self::Row(..) => ROW_PROTOCOL,
        }
    }

    fn refuse(self, why: Refusal) -> Answer {
        match self {
            Self::Headers(_, ch) => Answer::Headers(ch, HeadersResponse::Refused(why)),
            Self::Cells(_, ch) => Answer::Cells(ch, CellsResponse::Refused(why)),
            Self::Row(_, ch) => Answer::Row(ch, RowResponse::Refused(why)),
        }
    }

    fn answer(self, server: &dyn RequestServer) -> Answer {
        match self {
            Self::Headers(req, ch) => Answer::Headers(ch, server.headers(&req)),
            Self::Cells(req, ch) => Answer::Cells(ch, server.cells(&req)),
            Self::Row(req, ch) => Answer::Row(ch, server.row(&req)),
        }
    }
}

/// Outbound requests of one protocol awaiting answers.
struct Outbound<T>(HashMap<OutboundRequestId, Reply<T>>);

impl<T> Default for Outbound<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

pub(super) struct Actor {
    swarm: Swarm<Behaviour>,
    producer: ProducerKey,
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
    last_proof_gossip: Instant,
    /// Inbound requests being answered off the loop.
    serving: usize,
    headers: Outbound<HeadersResponse>,
    rows: Outbound<RowResponse>,
    cells: Outbound<CellsResponse>,
    /// Status requests sent to full peers, by request.
    asked_status: HashMap<OutboundRequestId, PeerId>,
    /// A full node holds gossiped headers back until their block is stored.
    hold: bool,
    /// Every block up to this height is stored.
    stored_through: u64,
    /// Headers held back, by height: message, the peer it came from, when.
    held: BTreeMap<u64, Vec<(gossipsub::MessageId, PeerId, Instant)>>,
    /// Inbound requests waiting for an answer slot.
    queued: VecDeque<(PeerId, Inbound)>,
    /// Keep light clients' connections.
    accept_light: bool,
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
        let hold = config.role == crate::Role::Full && config.server.is_some();
        Self {
            swarm,
            producer: config.producer,
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
            last_proof_gossip: now,
            serving: 0,
            headers: Outbound::default(),
            rows: Outbound::default(),
            cells: Outbound::default(),
            asked_status: HashMap::new(),
            hold,
            stored_through: 0,
            held: BTreeMap::new(),
            queued: VecDeque::new(),
            accept_light: config.accept_light,
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
                    self.serving -= 1;
                    self.respond(answer);
                    if let Some((peer, inbound)) = self.queued.pop_front() {
                        self.answer_off_loop(peer, inbound);
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
        self.expire_held(now);
        if now.duration_since(self.last_proof_gossip) >= PROOF_REGOSSIP_INTERVAL {
            self.last_proof_gossip = now;
            self.gossip_equivocation();
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
            let _ = self.swarm.behaviour_mut().kad.bootstrap();
        }
    }

    fn publish_info(&self) {
        let mut info = self
            .info
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        info.peers = self.swarm.connected_peers().copied().collect();
        info.full_peers = self.peers.full().to_vec();
        info.statuses = self.peers.statuses().clone();
        self.metrics.connected_peers.set(info.peers.len() as u64);
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
            Command::Stored(height) => self.release_held(height),
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
            Command::Equivocation(proof) => self.keep_equivocation(*proof),
        }
    }

    /// Forwards the headers held back up to `height`, now that their blocks are stored.
    fn release_held(&mut self, height: u64) {
        self.stored_through = self.stored_through.max(height);
        let later = self.held.split_off(&(height + 1));
        let due = std::mem::replace(&mut self.held, later);
        let gossip = &mut self.swarm.behaviour_mut().gossipsub;
        for (id, source, _) in due.into_values().flatten() {
            gossip.report_message_validation_result(
                &id,
                &source,
                gossipsub::MessageAcceptance::Accept,
            );
        }
    }

    /// Drops (unforwarded) headers held back longer than [`HOLD_LIMIT`].
    fn expire_held(&mut self, now: Instant) {
        let gossip = &mut self.swarm.behaviour_mut().gossipsub;
        self.held.retain(|_, messages| {
            messages.retain(|(id, source, since)| {
                let keep = now.duration_since(*since) < HOLD_LIMIT;
                if !keep {
                    gossip.report_message_validation_result(
                        id,
                        source,
                        gossipsub::MessageAcceptance::Ignore,
                    );
                }
                keep
            });
            !messages.is_empty()
        });
    }

    fn penalise(&mut self, peer: PeerId, what: Misbehaviour) {
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

    fn respond(&mut self, answer: Answer) {
        let b = self.swarm.behaviour_mut();
        let sent = match answer {
            Answer::Headers(ch, r) => b.headers.send_response(ch, r).is_ok(),
            Answer::Cells(ch, r) => {
                if let CellsResponse::Cells(cells) = &r {
                    self.metrics.cells_served.inc_by(cells.len() as u64);
                }
                b.cells.send_response(ch, r).is_ok()
            }
            Answer::Row(ch, r) => {
                if matches!(r, RowResponse::Row { .. }) {
                    self.metrics.rows_served.inc();
                }
                b.rows.send_response(ch, r).is_ok()
            }
            Answer::Lost => true,
        };
        if !sent {
            tracing::debug!("requester went away before the response");
        }
    }

    /// Answers an inbound request off the loop, unless the peer is over its rate (refused;
    /// penalised only when flooding); queued while [`MAX_SERVING`] answers are in progress,
    /// refused when [`MAX_QUEUED`] already wait.
    fn serve(&mut self, peer: PeerId, inbound: Inbound) {
        if self.server.is_none() {
            self.respond(inbound.refuse(Refusal::NotFound));
            return;
        }
        let admission = self.limiter.admit(peer, inbound.protocol(), Instant::now());
        if admission != Admission::Allowed {
            self.metrics.requests_rate_limited.inc();
            self.respond(inbound.refuse(Refusal::RateLimited));
            if admission == Admission::Flooding {
                self.penalise(peer, Misbehaviour::Flooding);
            }
            return;
        }
        if self.serving >= MAX_SERVING {
            if self.queued.len() >= MAX_QUEUED {
                self.metrics.requests_rate_limited.inc();
                self.respond(inbound.refuse(Refusal::RateLimited));
            } else {
                self.queued.push_back((peer, inbound));
            }
            return;
        }
        self.answer_off_loop(peer, inbound);
    }

    /// Answers one admitted request on the blocking pool; the answer comes back through
    /// `answers_rx`.
    fn answer_off_loop(&mut self, _peer: PeerId, inbound: Inbound) {
        let Some(server) = self.server.clone() else {
            self.respond(inbound.refuse(Refusal::NotFound));
            return;
        };
        self.serving += 1;
        let tx = self.answers_tx.clone();
        exec::blocking(move || {
            // A panicking server must not leak the slot: the loop always hears back.
            let answer =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inbound.answer(&*server)))
                    .unwrap_or_else(|_| {
                        tracing::error!("the request server panicked; the request goes unanswered");
                        Answer::Lost
                    });
            let _ = tx.unbounded_send(answer);
        });
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
            })) => self.on_gossip(propagation_source, &message_id, &message.data),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                let full = info.protocols.iter().any(|p| p.as_ref() == ROW_PROTOCOL);
                if !full && !self.accept_light {
                    tracing::debug!("light client {peer_id} disconnected: this node leaves light clients to full nodes");
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
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated {
                peer, ..
            })) if !self.swarm.is_connected(&peer)
                && !self.redial.holds_off(&peer, Instant::now())
                && self.peers.should_dial(peer) =>
            {
                let _ = self.swarm.dial(peer);
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
                ..
            } => self.peers.dial_failed(&peer),
            SwarmEvent::NewListenAddr { address, .. } => {
                let peer = *self.swarm.local_peer_id();
                let mut info = self
                    .info
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
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

    /// A gossiped equivocation proof: forwarded and kept if it verifies against our producer's
    /// key, else rejected and its sender penalised.
    fn on_equivocation_gossip(&mut self, source: PeerId, id: &gossipsub::MessageId, data: &[u8]) {
        let verdict = EquivocationProof::decode_verified(data, &self.producer);
        let acceptance = if verdict.is_ok() {
            gossipsub::MessageAcceptance::Accept
        } else {
            gossipsub::MessageAcceptance::Reject
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(id, &source, acceptance);
        match verdict {
            Ok(proof) => self.keep_equivocation(proof),
            Err(e) => {
                tracing::warn!("rejected equivocation proof from {source}: {e}");
                self.penalise(source, Misbehaviour::InvalidHeader);
            }
        }
    }

    /// Keeps the first proof of equivocation and gossips it.
    fn keep_equivocation(&mut self, proof: EquivocationProof) {
        {
            let mut info = self
                .info
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if info.equivocation.is_some() {
                return;
            }
            tracing::error!(
                height = proof.height(),
                "the producer signed two different headers for one height (equivocation)"
            );
            info.equivocation = Some(proof);
        }
        self.gossip_equivocation();
    }

    /// Gossips the kept proof (again: peers that joined since have not seen it).
    fn gossip_equivocation(&mut self) {
        let bytes = self
            .info
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .equivocation
            .as_ref()
            .map(EquivocationProof::to_bytes);
        if let Some(bytes) = bytes {
            if let Err(e) = self
                .swarm
                .behaviour_mut()
                .gossipsub
                .publish(equivocation_topic(), bytes)
            {
                tracing::debug!("equivocation proof not gossiped now: {e}");
            }
        }
    }

    fn on_gossip(&mut self, source: PeerId, id: &gossipsub::MessageId, data: &[u8]) {
        let verdict = Header::decode_verified(data, &self.producer);
        let acceptance = match &verdict {
            // Ahead of our clock: neither forwarded nor punished (range sync fetches it later).
            Ok(h) if h.check_clock(exec::unix_ms()).is_err() => {
                tracing::debug!("header {} is ahead of the local clock; ignored", h.height());
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(
                        id,
                        &source,
                        gossipsub::MessageAcceptance::Ignore,
                    );
                return;
            }
            // A full node forwards a header only once it can serve the block.
            Ok(h) if self.hold && h.height() > self.stored_through => {
                self.held
                    .entry(h.height())
                    .or_default()
                    .push((id.clone(), source, Instant::now()));
                None
            }
            Ok(_) => Some(gossipsub::MessageAcceptance::Accept),
            Err(_) => Some(gossipsub::MessageAcceptance::Reject),
        };
        if let Some(acceptance) = acceptance {
            self.swarm
                .behaviour_mut()
                .gossipsub
                .report_message_validation_result(id, &source, acceptance);
        }
        match verdict {
            Ok(header) => {
                if self.headers_out.try_send(header).is_err() {
                    tracing::debug!("verified header dropped: the owner is behind");
                }
            }
            Err(e) => {
                tracing::warn!("rejected gossiped header from {source}: {e}");
                self.metrics.headers_rejected.inc();
                self.penalise(source, Misbehaviour::InvalidHeader);
            }
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

    /// Status: answered at once from the server; a peer's answer is kept with its full-peer
    /// entry (a peer that does not answer is taken to hold every height at our own rate).
    fn on_status(&mut self, event: request_response::Event<StatusRequest, StatusResponse>) {
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
