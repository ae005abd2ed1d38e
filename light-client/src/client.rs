//! The light client: one task that owns the libp2p swarm, follows headers, samples each block
//! with data, and reports per height. The same code runs on tokio and in the browser.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::{channel::mpsc, FutureExt, StreamExt};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use web_time::Instant;
use weft_encoding::{Sample, SquareCommitments, VerifyKey};
use weft_p2p::{
    libp2p::{
        gossipsub, identify, kad, multiaddr::Protocol, request_response, swarm::SwarmEvent,
        Multiaddr, PeerId, Swarm,
    },
    Behaviour, BehaviourEvent, Misbehaviour, PeerScores, Role, Verdict as Ban,
};
use weft_types::{
    wire::{
        CellId, CellsRequest, CellsResponse, HeadersRequest, HeadersResponse,
        MAX_CELLS_PER_REQUEST, MAX_HEADERS_PER_REQUEST, ROW_PROTOCOL,
    },
    Header, ProducerKey,
};

use crate::{
    confidence::{confidence, samples_needed},
    exec,
    record::{HeightRecord, Verdict},
    sampler::{draw, Cell},
    store::RecordStore,
};

/// Default target confidence.
pub const DEFAULT_CONFIDENCE: f64 = 0.9999;
/// How often the client re-dispatches samples and checks timeouts.
const TICK: Duration = Duration::from_millis(200);
/// Connections idle this long are closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How often to ask Kademlia for more peers.
const DISCOVERY_INTERVAL: Duration = Duration::from_secs(10);
/// A position is retried with a peer that already failed it after this long.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Heights kept in the live status (the browser draws their grids).
const STATUS_HEIGHTS: usize = 32;

/// How to run a light client.
pub struct LightConfig {
    /// Full nodes to dial at start (multiaddrs with `/p2p/<id>`).
    pub bootstrap: Vec<Multiaddr>,
    /// Only headers signed by this producer are followed.
    pub producer: ProducerKey,
    /// Target confidence per height, in (0, 1).
    pub confidence: f64,
    /// First height to sample; default: the first head seen minus `window`.
    pub from: Option<u64>,
    /// How far behind the head to start when `from` is not given.
    pub window: u64,
    /// Time allowed to verify every sample of a height before it is declared unavailable.
    pub sample_timeout: Duration,
    /// Where finished heights persist.
    pub records: Box<dyn RecordStore>,
}

impl std::fmt::Debug for LightConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LightConfig")
            .field("producer", &self.producer)
            .field("confidence", &self.confidence)
            .finish_non_exhaustive()
    }
}

impl LightConfig {
    /// Defaults: target 0.9999, start 16 heights back, 30 s per height, records in memory.
    pub fn new(bootstrap: Vec<Multiaddr>, producer: ProducerKey) -> Self {
        Self {
            bootstrap,
            producer,
            confidence: DEFAULT_CONFIDENCE,
            from: None,
            window: 16,
            sample_timeout: Duration::from_secs(30),
            records: Box::new(crate::store::MemoryRecords::default()),
        }
    }
}

/// Why the light client could not start.
#[derive(Debug, thiserror::Error)]
pub enum LightError {
    /// Bad configuration; the message names the flag.
    #[error("{0}")]
    Config(String),
    /// The network could not be built.
    #[error("network: {0}")]
    Network(String),
}

/// What the client reports as it goes.
#[derive(Debug, Clone)]
pub enum LightEvent {
    /// A height's record changed (progress or final verdict).
    Height(HeightRecord),
}

/// The state of one sampled cell, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleState {
    /// Not yet verified.
    Pending,
    /// Verified against the header.
    Verified,
    /// A peer served it wrong (it may since have been verified from another peer).
    Failed,
}

/// A snapshot of the client, as `window.weft.status()` and `GET /v1/status` show it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Status {
    /// Newest verified header.
    pub head: u64,
    /// Recent heights, newest first.
    pub heights: Vec<HeightRecord>,
    /// Connected full nodes.
    pub peers: usize,
    /// Cell and proof bytes downloaded.
    pub bytes_downloaded: u64,
    /// Sampled positions and their states per recent height: `[row, col, state]` (keys are
    /// heights as strings, as JSON and JS objects need).
    #[serde(serialize_with = "string_keys")]
    pub grids: BTreeMap<u64, Vec<(u16, u16, SampleState)>>,
    /// Peers banned for serving bad data.
    pub banned: usize,
    /// Counters for `/metrics`.
    pub counters: Counters,
}

fn string_keys<S: serde::Serializer, V: Serialize>(
    map: &BTreeMap<u64, V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(map.iter().map(|(k, v)| (k.to_string(), v)))
}

/// Running totals.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counters {
    /// Samples drawn.
    pub samples_drawn: u64,
    /// Samples verified.
    pub samples_verified: u64,
    /// Cells that failed verification.
    pub samples_failed: u64,
    /// Heights found available.
    pub heights_available: u64,
    /// Heights found unavailable.
    pub heights_unavailable: u64,
}

/// A running light client.
pub struct LightClient {
    status: Arc<Mutex<Status>>,
    stop: Option<futures::channel::oneshot::Sender<()>>,
    done: Option<futures::channel::oneshot::Receiver<()>>,
    events: Option<mpsc::UnboundedReceiver<LightEvent>>,
    peer_id: PeerId,
}

impl std::fmt::Debug for LightClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LightClient")
            .field("peer_id", &self.peer_id)
            .finish_non_exhaustive()
    }
}

impl LightClient {
    /// Starts a light client (native: TCP, QUIC and WebSocket).
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn start(config: LightConfig) -> Result<Self, LightError> {
        check(&config)?;
        let key = weft_p2p::libp2p::identity::Keypair::generate_ed25519();
        let swarm = weft_p2p::build_swarm(key, Role::Light, &agent(), IDLE_TIMEOUT)
            .await
            .map_err(|e| LightError::Network(e.to_string()))?;
        Ok(Self::launch(config, swarm))
    }

    /// Starts a light client (browser: WebSocket).
    #[cfg(target_arch = "wasm32")]
    pub fn start(config: LightConfig) -> Result<Self, LightError> {
        check(&config)?;
        let key = weft_p2p::libp2p::identity::Keypair::generate_ed25519();
        let swarm = weft_p2p::build_swarm(key, Role::Light, &agent(), IDLE_TIMEOUT)
            .map_err(|e| LightError::Network(e.to_string()))?;
        Ok(Self::launch(config, swarm))
    }

    fn launch(mut config: LightConfig, mut swarm: Swarm<Behaviour>) -> Self {
        let peer_id = *swarm.local_peer_id();
        for addr in &config.bootstrap {
            if let Err(e) = swarm.dial(addr.clone()) {
                tracing::warn!("cannot dial {addr}: {e}");
            }
            if let Some(Protocol::P2p(peer)) = addr.iter().last() {
                swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
            }
        }
        let status = Arc::new(Mutex::new(Status::default()));
        let (events_tx, events_rx) = mpsc::unbounded();
        let (stop_tx, stop_rx) = futures::channel::oneshot::channel();
        let (done_tx, done_rx) = futures::channel::oneshot::channel();
        let done: BTreeMap<u64, HeightRecord> = config
            .records
            .load()
            .into_iter()
            .map(|r| (r.height, r))
            .collect();
        let actor = Actor {
            swarm,
            producer: config.producer,
            target: config.confidence,
            from: config.from,
            window: config.window,
            sample_timeout: config.sample_timeout,
            records: config.records,
            verify_key: VerifyKey::new(),
            status: status.clone(),
            events: events_tx,
            rng: ChaCha20Rng::from_entropy(),
            full_peers: Vec::new(),
            scores: PeerScores::default(),
            banned: HashSet::new(),
            chain: BTreeMap::new(),
            floating: BTreeMap::new(),
            done,
            jobs: BTreeMap::new(),
            headers_pending: None,
            cells_pending: HashMap::new(),
            counters: Counters::default(),
            bytes: 0,
            last_discovery: Instant::now(),
        };
        exec::spawn(async move {
            actor.run(stop_rx).await;
            let _ = done_tx.send(());
        });
        Self {
            status,
            stop: Some(stop_tx),
            done: Some(done_rx),
            events: Some(events_rx),
            peer_id,
        }
    }

    /// This client's peer id.
    pub const fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// A snapshot of the current state.
    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The shared status (for status endpoints).
    pub fn status_handle(&self) -> Arc<Mutex<Status>> {
        self.status.clone()
    }

    /// The stream of events (can be taken once).
    pub fn events(&mut self) -> Option<mpsc::UnboundedReceiver<LightEvent>> {
        self.events.take()
    }

    /// Stops the client and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

fn agent() -> String {
    format!("weft-light/{}", env!("CARGO_PKG_VERSION"))
}

fn check(config: &LightConfig) -> Result<(), LightError> {
    if !(config.confidence > 0.0 && config.confidence < 1.0) {
        return Err(LightError::Config(format!(
            "--confidence {} must be strictly between 0 and 1",
            config.confidence
        )));
    }
    if config.bootstrap.is_empty() {
        return Err(LightError::Config(
            "--bootstrap: give at least one full node to start from".into(),
        ));
    }
    Ok(())
}

/// Sampling of one height.
struct Job {
    header: Header,
    commitments: Arc<SquareCommitments>,
    cells: Vec<Cell>,
    verified: HashSet<Cell>,
    in_flight: HashSet<Cell>,
    /// Peers that failed to serve a cell, and when.
    tried: HashMap<Cell, (HashSet<PeerId>, Instant)>,
    failed: usize,
    failed_cells: HashSet<Cell>,
    peers: HashSet<PeerId>,
    started: Instant,
}

struct Actor {
    swarm: Swarm<Behaviour>,
    producer: ProducerKey,
    target: f64,
    from: Option<u64>,
    window: u64,
    sample_timeout: Duration,
    records: Box<dyn RecordStore>,
    verify_key: VerifyKey,
    status: Arc<Mutex<Status>>,
    events: mpsc::UnboundedSender<LightEvent>,
    rng: ChaCha20Rng,
    full_peers: Vec<PeerId>,
    scores: PeerScores,
    banned: HashSet<PeerId>,
    /// Headers verified and linked to their parent (or the anchor).
    chain: BTreeMap<u64, Header>,
    /// Headers with a good signature, waiting for their parent.
    floating: BTreeMap<u64, Header>,
    /// Finished heights.
    done: BTreeMap<u64, HeightRecord>,
    jobs: BTreeMap<u64, Job>,
    headers_pending: Option<(request_response::OutboundRequestId, Instant)>,
    cells_pending: HashMap<request_response::OutboundRequestId, (u64, PeerId, Vec<Cell>)>,
    counters: Counters,
    bytes: u64,
    last_discovery: Instant,
}

impl Actor {
    async fn run(mut self, stop: futures::channel::oneshot::Receiver<()>) {
        let mut stop = stop.fuse();
        // One timer across iterations: a busy swarm must not starve the tick (retries,
        // timeouts and the status depend on it).
        let mut tick = exec::sleep(TICK).boxed().fuse();
        loop {
            let mut ticked = false;
            futures::select! {
                _ = stop => break,
                event = self.swarm.select_next_some() => self.on_event(event),
                () = tick => ticked = true,
            }
            if ticked {
                self.on_tick();
                tick = exec::sleep(TICK).boxed().fuse();
            }
        }
        tracing::debug!("light client stopped");
    }

    fn on_tick(&mut self) {
        let now = Instant::now();
        if now.duration_since(self.last_discovery) > DISCOVERY_INTERVAL
            && !self.full_peers.is_empty()
        {
            self.last_discovery = now;
            let _ = self.swarm.behaviour_mut().kad.bootstrap();
        }
        if self
            .headers_pending
            .is_some_and(|(_, at)| now.duration_since(at) > weft_types::wire::HEADERS_TIME_LIMIT)
        {
            self.headers_pending = None;
        }
        self.request_missing_headers();
        let heights: Vec<u64> = self.jobs.keys().copied().collect();
        for height in heights {
            self.dispatch(height);
            self.finish_if_done(height);
        }
        self.publish_status();
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => {
                let verdict = Header::from_bytes(&message.data)
                    .and_then(|h| h.verify(&self.producer).map(|()| h));
                let acceptance = if verdict.is_ok() {
                    gossipsub::MessageAcceptance::Accept
                } else {
                    gossipsub::MessageAcceptance::Reject
                };
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&message_id, &propagation_source, acceptance);
                match verdict {
                    Ok(header) => self.on_header(header),
                    Err(e) => {
                        tracing::warn!("rejected gossiped header from {propagation_source}: {e}");
                        self.penalise(propagation_source, Misbehaviour::InvalidHeader);
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
                if info.protocols.iter().any(|p| p.as_ref() == ROW_PROTOCOL)
                    && !self.full_peers.contains(&peer_id)
                    && !self.banned.contains(&peer_id)
                {
                    self.full_peers.push(peer_id);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated {
                peer, ..
            })) if !self.swarm.is_connected(&peer) && !self.banned.contains(&peer) => {
                let _ = self.swarm.dial(peer);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Headers(e)) => self.on_headers_event(e),
            SwarmEvent::Behaviour(BehaviourEvent::Cells(e)) => self.on_cells_event(e),
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.full_peers.retain(|p| *p != peer_id);
            }
            _ => {}
        }
    }

    fn penalise(&mut self, peer: PeerId, what: Misbehaviour) {
        if self.scores.penalise(peer, what) == Ban::Ban {
            tracing::warn!("peer {peer} banned ({what:?})");
            self.banned.insert(peer);
            self.swarm.behaviour_mut().blocked.block_peer(peer);
            let _ = self.swarm.disconnect_peer_id(peer);
            self.full_peers.retain(|p| *p != peer);
        }
    }

    /// A header with a good signature: anchor the chain on it, or link it, or hold it.
    fn on_header(&mut self, header: Header) {
        let height = header.height();
        if self.chain.is_empty() {
            let anchor = self
                .from
                .unwrap_or_else(|| height.saturating_sub(self.window).max(1));
            if height < anchor {
                return;
            }
            if height == anchor {
                self.link(header);
            } else {
                self.floating.insert(height, header);
                // Remember where to start: the anchor is fetched by range request.
                self.from = Some(anchor);
            }
        } else if !self.chain.contains_key(&height) {
            self.floating.insert(height, header);
        }
        self.link_floating();
    }

    fn link(&mut self, header: Header) {
        let height = header.height();
        if header.k() > 0 && !self.done.contains_key(&height) && !self.jobs.contains_key(&height) {
            self.start_job(header.clone());
        }
        self.chain.insert(height, header);
        // Keep memory bounded: only the tail of the chain is needed for linking.
        while self.chain.len() > 1024 {
            self.chain.pop_first();
        }
    }

    fn link_floating(&mut self) {
        while let Some((&last, tip)) = self.chain.last_key_value() {
            let Some(next) = self.floating.remove(&(last + 1)) else {
                break;
            };
            if next.follows(tip) {
                self.link(next);
            } else {
                tracing::warn!("header {} does not link to {last}; dropped", last + 1);
            }
        }
        let tip = self.chain.last_key_value().map(|(h, _)| *h);
        if let Some(tip) = tip {
            self.floating.retain(|h, _| *h > tip);
        }
    }

    /// Asks a full peer for the headers between what is linked and what is floating.
    fn request_missing_headers(&mut self) {
        if self.headers_pending.is_some() || self.full_peers.is_empty() {
            return;
        }
        let from = match self.chain.last_key_value() {
            Some((tip, _)) => tip + 1,
            None => match self.from {
                Some(anchor) if !self.floating.is_empty() => anchor,
                _ => return,
            },
        };
        let Some((&newest, _)) = self.floating.last_key_value() else {
            return;
        };
        if newest < from {
            return;
        }
        let count = (newest - from).min(u64::from(MAX_HEADERS_PER_REQUEST) - 1) as u32 + 1;
        let peer = self.full_peers[self.rng.gen_index(self.full_peers.len())];
        let id = self
            .swarm
            .behaviour_mut()
            .headers
            .send_request(&peer, HeadersRequest { from, count });
        self.headers_pending = Some((id, Instant::now()));
    }

    fn on_headers_event(
        &mut self,
        event: request_response::Event<HeadersRequest, HeadersResponse>,
    ) {
        match event {
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Response {
                        request_id,
                        response,
                    },
                ..
            } => {
                if self.headers_pending.is_some_and(|(id, _)| id == request_id) {
                    self.headers_pending = None;
                }
                let HeadersResponse::Headers(raw) = response else {
                    return;
                };
                for bytes in raw {
                    match Header::from_bytes(&bytes)
                        .and_then(|h| h.verify(&self.producer).map(|()| h))
                    {
                        Ok(header) => self.on_header(header),
                        Err(e) => {
                            tracing::warn!("peer {peer} served an invalid header: {e}");
                            self.penalise(peer, Misbehaviour::InvalidHeader);
                            break;
                        }
                    }
                }
            }
            request_response::Event::OutboundFailure { request_id, .. }
                if self.headers_pending.is_some_and(|(id, _)| id == request_id) =>
            {
                self.headers_pending = None;
            }
            _ => {}
        }
    }

    fn start_job(&mut self, header: Header) {
        let height = header.height();
        let commitments = match SquareCommitments::new(&header.unsigned.row_commitments) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                tracing::warn!("header {height} has bad commitments: {e}");
                return;
            }
        };
        let s = samples_needed(header.k(), self.target);
        let cells = draw(&mut self.rng, header.k(), s);
        self.counters.samples_drawn += cells.len() as u64;
        self.jobs.insert(
            height,
            Job {
                header,
                commitments,
                cells,
                verified: HashSet::new(),
                in_flight: HashSet::new(),
                tried: HashMap::new(),
                failed: 0,
                failed_cells: HashSet::new(),
                peers: HashSet::new(),
                started: Instant::now(),
            },
        );
        self.dispatch(height);
        self.emit(height);
    }

    /// Sends each unverified, idle sample to a full peer that has not failed it, spreading the
    /// samples over all peers.
    fn dispatch(&mut self, height: u64) {
        let peers: Vec<PeerId> = self
            .full_peers
            .iter()
            .copied()
            .filter(|p| !self.banned.contains(p))
            .collect();
        let Some(job) = self.jobs.get_mut(&height) else {
            return;
        };
        if peers.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut batches: HashMap<PeerId, Vec<Cell>> = HashMap::new();
        let offset = self.rng.gen_index(peers.len());
        let idle: Vec<Cell> = job
            .cells
            .iter()
            .copied()
            .filter(|c| !job.verified.contains(c) && !job.in_flight.contains(c))
            .collect();
        for (i, cell) in idle.into_iter().enumerate() {
            let tried = job
                .tried
                .entry(cell)
                .or_insert_with(|| (HashSet::new(), now));
            if tried.0.len() >= peers.len() && now.duration_since(tried.1) > RETRY_AFTER {
                tried.0.clear();
            }
            let choice = (0..peers.len())
                .map(|j| peers[(offset + i + j) % peers.len()])
                .find(|p| !tried.0.contains(p));
            if let Some(peer) = choice {
                batches.entry(peer).or_default().push(cell);
            }
        }
        for (peer, cells) in batches {
            for chunk in cells.chunks(MAX_CELLS_PER_REQUEST) {
                let request = CellsRequest {
                    height,
                    cells: chunk
                        .iter()
                        .map(|&(row, col)| CellId { row, col })
                        .collect(),
                };
                let id = self
                    .swarm
                    .behaviour_mut()
                    .cells
                    .send_request(&peer, request);
                job.in_flight.extend(chunk.iter().copied());
                job.peers.insert(peer);
                self.cells_pending
                    .insert(id, (height, peer, chunk.to_vec()));
            }
        }
    }

    fn on_cells_event(&mut self, event: request_response::Event<CellsRequest, CellsResponse>) {
        match event {
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Response {
                        request_id,
                        response,
                    },
                ..
            } => {
                let Some((height, _, asked)) = self.cells_pending.remove(&request_id) else {
                    return;
                };
                let served = match response {
                    CellsResponse::Cells(cells) => cells,
                    CellsResponse::Refused(_) => Vec::new(),
                };
                self.on_cells(height, peer, &asked, served);
            }
            request_response::Event::OutboundFailure {
                peer, request_id, ..
            } => {
                if let Some((height, _, asked)) = self.cells_pending.remove(&request_id) {
                    self.on_cells(height, peer, &asked, Vec::new());
                }
            }
            _ => {}
        }
    }

    /// Verifies a peer's answer in one batch; on failure, finds the bad cells, bans the peer and
    /// leaves those cells to be fetched from another peer.
    fn on_cells(
        &mut self,
        height: u64,
        peer: PeerId,
        asked: &[Cell],
        served: Vec<weft_types::wire::CellWithProof>,
    ) {
        let Some(job) = self.jobs.get_mut(&height) else {
            return;
        };
        let now = Instant::now();
        for cell in asked {
            job.in_flight.remove(cell);
        }
        let wanted: HashSet<Cell> = asked.iter().copied().collect();
        let usable: Vec<_> = served
            .iter()
            .filter(|c| wanted.contains(&(c.id.row, c.id.col)) && c.check_lengths().is_ok())
            .collect();
        self.bytes += usable
            .iter()
            .map(|c| (c.cell.len() + c.proof.len()) as u64)
            .sum::<u64>();
        let samples: Vec<Sample<'_>> = usable.iter().map(|c| c.sample()).collect();
        let ok = self.verify_key.verify_locating(&job.commitments, &samples);
        let mut bad = 0;
        let mut got = HashSet::new();
        for (c, ok) in usable.iter().zip(ok) {
            let cell = (c.id.row, c.id.col);
            got.insert(cell);
            if ok {
                job.verified.insert(cell);
                self.counters.samples_verified += 1;
            } else {
                bad += 1;
                job.failed += 1;
                job.failed_cells.insert(cell);
                self.counters.samples_failed += 1;
                job.tried
                    .entry(cell)
                    .or_insert_with(|| (HashSet::new(), now))
                    .0
                    .insert(peer);
            }
        }
        // Cells the peer did not serve: try another peer for them.
        for cell in asked.iter().filter(|c| !got.contains(c)) {
            let entry = job
                .tried
                .entry(*cell)
                .or_insert_with(|| (HashSet::new(), now));
            entry.0.insert(peer);
            entry.1 = now;
        }
        if bad > 0 {
            tracing::warn!(
                "peer {peer} served {bad} cells of height {height} that fail verification"
            );
            self.penalise(peer, Misbehaviour::InvalidCell);
        }
        self.finish_if_done(height);
        self.emit(height);
    }

    fn finish_if_done(&mut self, height: u64) {
        let Some(job) = self.jobs.get(&height) else {
            return;
        };
        let complete = job.verified.len() == job.cells.len();
        let expired = job.started.elapsed() > self.sample_timeout;
        if !complete && !expired {
            return;
        }
        let job = self.jobs.remove(&height).expect("present");
        let record = record_of(
            &job,
            if complete {
                Verdict::Available
            } else {
                Verdict::Unavailable
            },
        );
        if complete {
            self.counters.heights_available += 1;
        } else {
            self.counters.heights_unavailable += 1;
        }
        self.cells_pending.retain(|_, (h, _, _)| *h != height);
        if let Err(e) = self.records.save(&record) {
            tracing::error!("cannot persist the record of height {height}: {e}");
        }
        self.done.insert(height, record.clone());
        self.update_status(&record, Some(&job));
        let _ = self.events.unbounded_send(LightEvent::Height(record));
    }

    fn emit(&mut self, height: u64) {
        if let Some(job) = self.jobs.get(&height) {
            let record = record_of(job, Verdict::Sampling);
            self.update_status(&record, Some(job));
            let _ = self.events.unbounded_send(LightEvent::Height(record));
        }
    }

    fn update_status(&self, record: &HeightRecord, job: Option<&Job>) {
        let mut status = self
            .status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Totals move with the record, so no snapshot shows a record ahead of its head or bytes.
        self.fill_totals(&mut status);
        status.heights.retain(|r| r.height != record.height);
        status.heights.push(record.clone());
        status.heights.sort_by_key(|r| std::cmp::Reverse(r.height));
        status.heights.truncate(STATUS_HEIGHTS);
        if let Some(job) = job {
            let grid = job
                .cells
                .iter()
                .map(|c| {
                    let state = if job.verified.contains(c) {
                        SampleState::Verified
                    } else if job.failed_cells.contains(c) {
                        SampleState::Failed
                    } else {
                        SampleState::Pending
                    };
                    (c.0, c.1, state)
                })
                .collect();
            status.grids.insert(record.height, grid);
            while status.grids.len() > STATUS_HEIGHTS {
                status.grids.pop_first();
            }
        }
    }

    fn publish_status(&self) {
        let mut status = self
            .status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.fill_totals(&mut status);
    }

    /// Head, peers, bytes and counters into the shared status.
    fn fill_totals(&self, status: &mut Status) {
        status.head = self
            .chain
            .last_key_value()
            .map_or(0, |(h, _)| *h)
            .max(self.floating.last_key_value().map_or(0, |(h, _)| *h));
        status.peers = self.full_peers.len();
        status.bytes_downloaded = self.bytes;
        status.banned = self.banned.len();
        status.counters = self.counters;
    }
}

fn record_of(job: &Job, verdict: Verdict) -> HeightRecord {
    let k = job.header.k();
    HeightRecord {
        height: job.header.height(),
        k,
        samples: job.cells.len(),
        verified: job.verified.len(),
        failed: job.failed,
        peers: job.peers.len(),
        confidence: confidence(k, job.verified.len()),
        verdict,
        ms: job.started.elapsed().as_millis() as u64,
    }
}

/// Uniform index below `n` (n > 0).
trait GenIndex {
    fn gen_index(&mut self, n: usize) -> usize;
}

impl GenIndex for ChaCha20Rng {
    fn gen_index(&mut self, n: usize) -> usize {
        rand::Rng::gen_range(self, 0..n)
    }
}
