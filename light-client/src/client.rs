//! The light client: a thin task over the shared network component. It feeds verified headers
//! to [`HeaderSync`], starts a [`Sampler`] job for each linked header with data, sends the
//! sampler's requests and hands back the answers, penalises the peers it blames, and reports
//! every height's progress and verdict (events, the status board, the record store).

use std::{pin::Pin, sync::Arc, time::Duration};

use futures::{
    channel::oneshot,
    future::FutureExt,
    stream::{FuturesUnordered, StreamExt},
    Future,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use web_time::Instant;
use weft_p2p::{
    exec, HeaderStream, Keypair, Misbehaviour, NetworkConfig, NetworkHandle, NetworkMetrics,
    NetworkTask, PeerId, RequestError, Role,
};
use weft_types::{
    wire::{CellsRequest, CellsResponse, HeadersRequest, HeadersResponse},
    EquivocationProof, Header,
};

use crate::{
    config::{LightConfig, LightError},
    events::{self, EventSender, Events, LightEvent, MAX_EVENTS},
    headers::HeaderSync,
    record::HeightRecord,
    sampler::{CellsAsk, Sampler},
    status::{SampleState, Status, StatusBoard, Totals},
    store::RecordStore,
};

/// How often the client re-dispatches samples, checks time-outs and refreshes the status.
const TICK: Duration = Duration::from_millis(200);
/// Connections idle this long are closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How often to ask Kademlia for more peers.
const DISCOVERY_INTERVAL: Duration = Duration::from_secs(10);

/// A running light client.
pub struct LightClient {
    status: StatusBoard,
    stop: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Receiver<()>>,
    events: Option<Events>,
    peer_id: PeerId,
}

impl std::fmt::Debug for LightClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LightClient")
            .field("peer_id", &self.peer_id)
            .finish_non_exhaustive()
    }
}

fn network_config(config: &LightConfig, key: Keypair) -> NetworkConfig {
    NetworkConfig {
        key,
        role: Role::Light,
        agent: format!("weft-light/{}", env!("CARGO_PKG_VERSION")),
        listen: Vec::new(),
        bootstrap: config.bootstrap.clone(),
        trust: config.trust.clone(),
        server: None,
        idle_timeout: IDLE_TIMEOUT,
        discovery_interval: DISCOVERY_INTERVAL,
        metrics: NetworkMetrics::default(),
        accept_light: true,
        connections: weft_p2p::ConnectionCaps::default(),
        blobs: weft_p2p::BlobGossip::Off,
    }
}

impl LightClient {
    /// Starts a light client (native: TCP, QUIC and WebSocket).
    ///
    /// # Errors
    /// A [`LightError`] naming the bad setting, or the network's.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn start(config: LightConfig) -> Result<Self, LightError> {
        config.check()?;
        let key = Keypair::generate_ed25519();
        let (net, headers, task) = weft_p2p::start(network_config(&config, key)).await?;
        Ok(Self::launch(config, net, headers, task))
    }

    /// Starts a light client (browser: WebSocket).
    ///
    /// # Errors
    /// A [`LightError`] naming the bad setting, or the network's.
    #[cfg(target_arch = "wasm32")]
    pub fn start(config: LightConfig) -> Result<Self, LightError> {
        config.check()?;
        let key = Keypair::generate_ed25519();
        let (net, headers, task) = weft_p2p::start(network_config(&config, key))?;
        Ok(Self::launch(config, net, headers, task))
    }

    fn launch(
        mut config: LightConfig,
        net: NetworkHandle,
        headers: HeaderStream,
        task: NetworkTask,
    ) -> Self {
        let peer_id = net.info().peer_id.expect("the network knows its peer id");
        let status = StatusBoard::default();
        let (events_tx, events_rx) = events::channel(MAX_EVENTS);
        let (stop_tx, stop_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let finished = config
            .records
            .load()
            .into_iter()
            .map(|r| r.height)
            .collect();
        let client = Client {
            net,
            sync: HeaderSync::new(config.trust.clone(), config.from, config.window),
            sampler: Sampler::new(
                config.confidence,
                config.sample_timeout,
                ChaCha20Rng::from_entropy(),
            ),
            records: config.records,
            finished,
            status: status.clone(),
            events: events_tx,
            requests: FuturesUnordered::new(),
            asking_headers: false,
            equivocation_reported: false,
        };
        exec::spawn(async move {
            client.run(headers, stop_rx).await;
            task.stop().await;
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
        self.status.snapshot()
    }

    /// The shared status (for status endpoints).
    pub fn status_handle(&self) -> Arc<std::sync::Mutex<Status>> {
        self.status.shared()
    }

    /// The stream of events (can be taken once): at most [`MAX_EVENTS`] wait unread, the
    /// oldest dropped beyond it ([`Events::dropped`] counts them).
    pub fn events(&mut self) -> Option<Events> {
        self.events.take()
    }

    /// Stops the client and its network, and waits until both have.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

/// An answer from the network, with what was asked.
enum Answer {
    Headers(PeerId, Result<HeadersResponse, RequestError>),
    Cells(CellsAsk, Result<CellsResponse, RequestError>),
}

#[cfg(not(target_arch = "wasm32"))]
type Request = Pin<Box<dyn Future<Output = Answer> + Send>>;
#[cfg(target_arch = "wasm32")]
type Request = Pin<Box<dyn Future<Output = Answer>>>;

/// The client task's state.
struct Client {
    net: NetworkHandle,
    sync: HeaderSync,
    sampler: Sampler,
    records: Box<dyn RecordStore>,
    /// Heights with a final record (this run or an earlier one): never sampled again.
    finished: std::collections::BTreeSet<u64>,
    status: StatusBoard,
    events: EventSender,
    requests: FuturesUnordered<Request>,
    asking_headers: bool,
    /// True once a proof found here was handed to the network to gossip.
    equivocation_reported: bool,
}

impl Client {
    async fn run(mut self, mut headers: HeaderStream, stop: oneshot::Receiver<()>) {
        let mut stop = stop.fuse();
        // One timer across iterations: a busy network must not starve the tick.
        let mut tick = exec::sleep(TICK).boxed().fuse();
        loop {
            futures::select! {
                _ = stop => break,
                header = headers.select_next_some() => {
                    self.on_header(header, None);
                }
                answer = self.requests.select_next_some() => self.on_answer(answer),
                () = tick => {
                    self.on_tick();
                    tick = exec::sleep(TICK).boxed().fuse();
                }
            }
        }
        tracing::debug!("light client stopped");
    }

    fn send(&mut self, request: impl Future<Output = Answer> + Send + 'static) {
        #[cfg(not(target_arch = "wasm32"))]
        self.requests.push(request.boxed());
        #[cfg(target_arch = "wasm32")]
        self.requests.push(request.boxed_local());
    }

    fn on_tick(&mut self) {
        self.check_equivocation();
        let now = Instant::now();
        if !self.asking_headers {
            if let (Some(request), Some(peer)) = (self.sync.missing(), self.pick_peer()) {
                self.ask_headers(peer, request);
            }
        }
        self.dispatch(now);
        let head = self.sync.head();
        let net = &self.net;
        for (record, grid) in self
            .sampler
            .finished(now, |h| net.pruned_everywhere(h, head))
        {
            self.finish(record, grid);
        }
        self.status.totals(self.totals());
    }

    fn pick_peer(&mut self) -> Option<PeerId> {
        let peers = self.net.full_peers();
        (!peers.is_empty()).then(|| peers[rand::random::<usize>() % peers.len()])
    }

    fn ask_headers(&mut self, peer: PeerId, request: HeadersRequest) {
        self.asking_headers = true;
        let net = self.net.clone();
        self.send(async move { Answer::Headers(peer, net.headers(peer, request).await) });
    }

    fn dispatch(&mut self, now: Instant) {
        let peers = self.net.full_peers();
        for ask in self.sampler.dispatch(&peers, now) {
            let net = self.net.clone();
            let request = CellsRequest {
                height: ask.height,
                cells: ask.cells.clone(),
            };
            self.send(async move {
                let answer = net.cells(ask.peer, request).await;
                Answer::Cells(ask, answer)
            });
        }
    }

    /// A verified header (from gossip, or from `peer`'s range answer).
    fn on_header(&mut self, header: Header, from: Option<PeerId>) -> bool {
        if let Err(e) = header.check_clock(exec::unix_ms()) {
            // Not yet: neither followed nor held against the peer.
            tracing::debug!("{e}; ignored for now");
            return false;
        }
        match self.sync.insert(header) {
            Ok(linked) => {
                let now = Instant::now();
                for header in linked {
                    let height = header.height();
                    if header.k() == 0
                        || self.finished.contains(&height)
                        || self.sampler.is_sampling(height)
                    {
                        continue;
                    }
                    if self.net.pruned_everywhere(height, self.sync.head()) {
                        let record = self.sampler.skip_pruned(&header);
                        self.finish(record, Vec::new());
                        continue;
                    }
                    match self.sampler.start(header, now) {
                        Ok((record, grid)) => self.report(record, grid),
                        Err(e) => tracing::warn!("header {height} has bad commitments: {e}"),
                    }
                }
                self.dispatch(now);
                true
            }
            Err(e) => {
                tracing::warn!("invalid header from {from:?}: {e}");
                if let Some(peer) = from {
                    self.penalise(peer, Misbehaviour::InvalidHeader);
                }
                false
            }
        }
    }

    fn on_answer(&mut self, answer: Answer) {
        match answer {
            Answer::Headers(peer, response) => {
                self.asking_headers = false;
                let Ok(HeadersResponse::Headers(raw)) = response else {
                    return;
                };
                for bytes in raw {
                    let ok = match Header::from_bytes(&bytes) {
                        Ok(header) => self.on_header(header, Some(peer)),
                        Err(e) => {
                            tracing::warn!("peer {peer} served a malformed header: {e}");
                            self.penalise(peer, Misbehaviour::InvalidHeader);
                            false
                        }
                    };
                    if !ok {
                        break;
                    }
                }
            }
            Answer::Cells(ask, response) => {
                let served = match response {
                    Ok(CellsResponse::Cells(cells)) => cells,
                    Ok(CellsResponse::Refused(_)) | Err(_) => Vec::new(),
                };
                let (blame, progress) = self.sampler.on_answer(&ask, served, Instant::now());
                if let Some(penalty) = blame {
                    tracing::warn!(
                        "peer {} served cells of height {} that fail verification ({penalty:?})",
                        ask.peer,
                        ask.height
                    );
                    self.penalise(ask.peer, penalty);
                }
                if let Some((record, grid)) = progress {
                    self.report(record, grid);
                }
                let head = self.sync.head();
                let net = &self.net;
                let finished = self
                    .sampler
                    .finished(Instant::now(), |h| net.pruned_everywhere(h, head));
                for (record, grid) in finished {
                    self.finish(record, grid);
                }
            }
        }
    }

    fn penalise(&self, peer: PeerId, what: Misbehaviour) {
        let net = self.net.clone();
        exec::spawn(async move { net.penalise(peer, what).await });
    }

    fn totals(&self) -> Totals {
        Totals {
            head: self.sync.head(),
            peers: self.net.full_peers().len(),
            bytes: self.sampler.bytes(),
            banned: self.net.metrics().peers_banned.get() as usize,
            counters: self.sampler.counters(),
            equivocation: self.sync.equivocation().map(EquivocationProof::height),
        }
    }

    /// Takes up a proof a peer gossiped, and gossips one found here.
    fn check_equivocation(&mut self) {
        if self.sync.equivocation().is_none() {
            if let Some(proof) = self.net.equivocation() {
                self.sync.adopt(proof);
            }
        } else if !self.equivocation_reported {
            self.equivocation_reported = true;
            if let Some(proof) = self.sync.equivocation().cloned() {
                let net = self.net.clone();
                exec::spawn(async move { net.report_equivocation(proof).await });
            }
        }
    }

    fn report(&self, record: HeightRecord, grid: Vec<(u16, u16, SampleState)>) {
        self.status.record(&record, grid, self.totals());
        self.events.send(LightEvent::Height(record));
    }

    fn finish(&mut self, record: HeightRecord, grid: Vec<(u16, u16, SampleState)>) {
        if let Err(e) = self.records.save(&record) {
            tracing::error!("cannot persist the record of height {}: {e}", record.height);
        }
        self.finished.insert(record.height);
        while self.finished.len() > crate::store::MAX_RECORDS {
            self.finished.pop_first();
        }
        self.report(record, grid);
    }
}
