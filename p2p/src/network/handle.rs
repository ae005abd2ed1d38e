//! The handle the node and the light client use to reach the network actor: protocol methods,
//! peer penalties and a snapshot of the peers; and the task handle that stops it.

use std::sync::{Arc, RwLock};

use futures::{
    channel::{mpsc, oneshot},
    SinkExt,
};
use libp2p::{Multiaddr, PeerId};
use weft_types::{
    wire::{
        CellsRequest, CellsResponse, HeadersRequest, HeadersResponse, RowRequest, RowResponse,
        CELLS_PROTOCOL, HEADERS_PROTOCOL, PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST,
        ROW_PROTOCOL,
    },
    Header,
};

use crate::{metrics::NetworkMetrics, scores::Misbehaviour};

/// Why an outbound request got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The peer did not answer within the protocol's time limit (the peer is penalised).
    #[error("timed out")]
    Timeout,
    /// The answer was malformed or over the size limit (the peer is penalised).
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// Dial, stream or protocol failure (nobody's fault: the peer may be gone).
    #[error("request failed: {0}")]
    Failed(String),
    /// The network actor has stopped.
    #[error("network stopped")]
    Stopped,
    /// Sending now would exceed the peer's advertised rate by more than the pacing wait allows
    /// (nobody's fault: ask another peer, or later).
    #[error("paced: the peer's advertised rate is used up for the next {}s", crate::pacing::MAX_PACING_WAIT.as_secs())]
    Paced,
}

pub(crate) type Reply<T> = oneshot::Sender<Result<T, RequestError>>;

/// What became of a blob handed to [`NetworkHandle::publish_blob`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobPublished {
    /// Sent to the peers subscribed to the blob topic.
    Sent,
    /// Not sent again: this peer sent or forwarded the same message within gossipsub's
    /// duplicate window (a minute); peers that had it then still have it.
    AlreadySent,
    /// No connected peer is subscribed to the blob topic yet: try again later.
    NoPeers,
    /// Not sent, for another reason (too large, the send queues full).
    Failed(String),
}

/// Commands for the network actor.
#[derive(Debug)]
pub(crate) enum Command {
    Publish(Header),
    PublishBlob(Vec<u8>, oneshot::Sender<BlobPublished>),
    Stored(u64),
    Equivocation(Box<weft_types::EquivocationProof>),
    Headers(PeerId, HeadersRequest, Reply<HeadersResponse>),
    Row(PeerId, RowRequest, Reply<RowResponse>),
    Cells(PeerId, CellsRequest, Reply<CellsResponse>),
    Penalise(PeerId, Misbehaviour),
}

/// What the network knows about its peers right now.
#[derive(Debug, Clone, Default)]
pub struct NetInfo {
    /// Our peer id.
    pub peer_id: Option<PeerId>,
    /// Listening addresses (with `/p2p/<id>`).
    pub listen_addrs: Vec<Multiaddr>,
    /// The WebSocket address for browsers, if listening on one.
    pub ws_addr: Option<Multiaddr>,
    /// Connected peers.
    pub peers: Vec<PeerId>,
    /// Connected peers that serve Weft data (identified as full nodes), not banned.
    pub full_peers: Vec<PeerId>,
    /// The most recently banned peers (at most [`crate::BANNED_SHOWN`]).
    pub banned: Vec<PeerId>,
    /// Proof that the producer signed two headers for one height, from gossip or reported by
    /// the owner (the first one seen; it is gossiped again every
    /// `network::equivocation::PROOF_REGOSSIP_INTERVAL`, 5 s, for peers that join).
    pub equivocation: Option<weft_types::EquivocationProof>,
    /// What full peers advertised on `/weft/status/1` (their availability windows and rates).
    pub statuses: std::collections::HashMap<PeerId, weft_types::wire::StatusResponse>,
    /// Errors of the listeners (an accept failing for want of file descriptors), if any.
    pub listener_errors: Option<ListenerErrors>,
}

/// A listener's errors so far: how many, the latest and when (issue 25, fault 2: a node out of
/// descriptors failed every accept while `/health` said ok).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerErrors {
    /// Errors since start.
    pub count: u64,
    /// When the latest was.
    pub last: web_time::Instant,
    /// The latest, in words.
    pub reason: String,
}

impl ListenerErrors {
    /// Counts one more error in `errors`: `reason`, at `now`.
    pub fn record(errors: &mut Option<Self>, reason: String, now: web_time::Instant) {
        let count = errors.as_ref().map_or(0, |e| e.count) + 1;
        *errors = Some(Self {
            count,
            last: now,
            reason,
        });
    }
}

/// A cheap-to-clone handle on the network actor.
#[derive(Debug, Clone)]
pub struct NetworkHandle {
    /// One sender shared by every clone, so the queue's bound applies to all of them (each
    /// clone of a futures sender would add a slot of its own).
    pub(crate) cmd: Arc<futures::lock::Mutex<mpsc::Sender<Command>>>,
    pub(crate) info: Arc<RwLock<NetInfo>>,
    pub(crate) metrics: NetworkMetrics,
    /// Our requests' pace per peer and protocol, shared by every clone.
    pub(crate) pacer: Arc<std::sync::Mutex<crate::pacing::Pacer>>,
    /// Our open requests per peer and protocol, shared by every clone.
    pub(crate) in_flight: Arc<crate::pacing::InFlight>,
}

impl NetworkHandle {
    /// A snapshot of the peers.
    pub fn info(&self) -> NetInfo {
        self.info
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Connected full peers that are not banned.
    pub fn full_peers(&self) -> Vec<PeerId> {
        self.info
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .full_peers
            .clone()
    }

    /// The equivocation proof the network holds, if any (without copying the rest of
    /// [`NetInfo`]; owners poll it every tick).
    pub fn equivocation(&self) -> Option<weft_types::EquivocationProof> {
        self.info
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .equivocation
            .clone()
    }

    /// True if, by what the connected full peers advertised, none of them serves the cells of
    /// `height` once the chain's head is `head` (all pruned it). With no full peers, or a full
    /// peer that has not advertised, false: the height is tried.
    pub fn pruned_everywhere(&self, height: u64, head: u64) -> bool {
        let info = self
            .info
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        !info.full_peers.is_empty()
            && info
                .full_peers
                .iter()
                .all(|p| info.statuses.get(p).is_some_and(|s| s.pruned(height, head)))
    }

    /// The network's counters.
    pub const fn metrics(&self) -> &NetworkMetrics {
        &self.metrics
    }

    async fn send(&self, cmd: Command) -> Result<(), RequestError> {
        self.cmd
            .lock()
            .await
            .send(cmd)
            .await
            .map_err(|_| RequestError::Stopped)
    }

    /// Gossips a header (dropped quietly when nobody listens yet: peers catch up by range).
    pub async fn publish(&self, header: Header) {
        let _ = self.send(Command::Publish(header)).await;
    }

    /// Gossips a blob on the blob topic (on a network started with blob gossip on). Its message
    /// id is its content's hash, so the same blob published again within gossipsub's duplicate
    /// window is not sent twice.
    ///
    /// # Errors
    /// [`RequestError::Stopped`] when the network has stopped.
    pub async fn publish_blob(
        &self,
        blob: &weft_types::encoding::layout::Blob,
    ) -> Result<BlobPublished, RequestError> {
        let (tx, rx) = oneshot::channel();
        let bytes = weft_types::wire::encode_gossip_blob(blob);
        self.send(Command::PublishBlob(bytes, tx)).await?;
        rx.await.map_err(|_| RequestError::Stopped)
    }

    /// Tells the network that every block up to `height` is stored and can be served: gossiped
    /// headers a full node holds back until then are forwarded now (a full node forwards a
    /// header only once it can serve its block, PROTOCOL §8).
    pub async fn stored(&self, height: u64) {
        let _ = self.send(Command::Stored(height)).await;
    }

    /// Keeps and gossips a proof that the producer equivocated (checked by the caller).
    pub async fn report_equivocation(&self, proof: weft_types::EquivocationProof) {
        let _ = self.send(Command::Equivocation(Box::new(proof))).await;
    }

    /// Records a peer's misbehaviour; past the ban threshold it is disconnected and refused.
    pub async fn penalise(&self, peer: PeerId, what: Misbehaviour) {
        let _ = self.send(Command::Penalise(peer, what)).await;
    }

    /// Waits for an open-request slot to `peer` on `protocol` and then for a turn under the
    /// peer's advertised rate (see [`crate::pacing`]); the slot is held until the answer.
    async fn pace(
        &self,
        peer: PeerId,
        protocol: &'static str,
    ) -> Result<crate::pacing::Slot, RequestError> {
        let slot = self.in_flight.acquire(peer, protocol).await;
        let (per_second, burst) = self
            .info
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .statuses
            .get(&peer)
            .map_or((PEER_REQUESTS_PER_SECOND, PEER_REQUEST_BURST), |s| {
                (s.requests_per_second, s.burst)
            });
        let wait = self
            .pacer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .reserve(peer, protocol, per_second, burst, web_time::Instant::now())
            .ok_or(RequestError::Paced)?;
        if !wait.is_zero() {
            self.metrics.requests_paced.inc();
            crate::exec::sleep(wait).await;
        }
        Ok(slot)
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, RequestError> {
        let (tx, rx) = oneshot::channel();
        self.send(make(tx)).await?;
        rx.await.map_err(|_| RequestError::Stopped)?
    }

    /// Asks `peer` for a header range (answered within `HEADERS_TIME_LIMIT`).
    ///
    /// # Errors
    /// [`RequestError`]: no answer in time, a malformed answer, a failed stream, or a stopped
    /// network.
    pub async fn headers(
        &self,
        peer: PeerId,
        request: HeadersRequest,
    ) -> Result<HeadersResponse, RequestError> {
        let _slot = self.pace(peer, HEADERS_PROTOCOL).await?;
        self.ask(|tx| Command::Headers(peer, request, tx)).await
    }

    /// Asks `peer` for a whole row (answered within `ROW_TIME_LIMIT`).
    ///
    /// # Errors
    /// As [`Self::headers`].
    pub async fn row(
        &self,
        peer: PeerId,
        request: RowRequest,
    ) -> Result<RowResponse, RequestError> {
        let _slot = self.pace(peer, ROW_PROTOCOL).await?;
        self.ask(|tx| Command::Row(peer, request, tx)).await
    }

    /// Asks `peer` for a batch of cells (answered within `CELLS_TIME_LIMIT`).
    ///
    /// # Errors
    /// As [`Self::headers`].
    pub async fn cells(
        &self,
        peer: PeerId,
        request: CellsRequest,
    ) -> Result<CellsResponse, RequestError> {
        let _slot = self.pace(peer, CELLS_PROTOCOL).await?;
        self.ask(|tx| Command::Cells(peer, request, tx)).await
    }
}

/// The running actor: stop it with [`NetworkTask::stop`].
#[derive(Debug)]
pub struct NetworkTask {
    pub(crate) stop: Option<oneshot::Sender<()>>,
    pub(crate) done: oneshot::Receiver<()>,
}

impl NetworkTask {
    /// Stops the actor (connections close) and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.done.await;
    }
}
