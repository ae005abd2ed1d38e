//! The handle other components use to reach the network actor.

use std::sync::{Arc, RwLock};

use tokio::sync::{mpsc, oneshot};
use weft_p2p::{
    libp2p::{Multiaddr, PeerId},
    Misbehaviour,
};
use weft_types::{
    wire::{CellsRequest, CellsResponse, HeadersRequest, HeadersResponse, RowRequest, RowResponse},
    Header,
};

/// Why an outbound request got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The peer did not answer within the protocol's time limit.
    #[error("timed out")]
    Timeout,
    /// The answer was malformed or over the size limit.
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// Dial, stream or protocol failure.
    #[error("request failed: {0}")]
    Failed(String),
    /// The network actor has stopped.
    #[error("network stopped")]
    Stopped,
}

pub(crate) type Reply<T> = oneshot::Sender<Result<T, RequestError>>;

/// Commands for the network actor.
#[derive(Debug)]
pub(crate) enum NetCmd {
    Publish(Header),
    Headers(PeerId, HeadersRequest, Reply<HeadersResponse>),
    Row(PeerId, RowRequest, Reply<RowResponse>),
    Cells(PeerId, CellsRequest, Reply<CellsResponse>),
    Penalise(PeerId, Misbehaviour),
    Dial(Multiaddr),
}

/// What the network actor tells the rest of the node.
#[derive(Debug, Clone)]
pub enum NetEvent {
    /// A verified header arrived by gossip.
    Header {
        /// The header.
        header: Header,
        /// The peer that forwarded it.
        from: PeerId,
    },
}

/// What the node knows about its network right now.
#[derive(Debug, Clone, Default)]
pub struct NetInfo {
    /// Our peer id.
    pub peer_id: Option<PeerId>,
    /// Listening addresses (with `/p2p/<id>`).
    pub listen_addrs: Vec<Multiaddr>,
    /// The WebSocket address for browsers.
    pub ws_addr: Option<Multiaddr>,
    /// Connected peers.
    pub peers: Vec<PeerId>,
    /// Connected peers that serve Weft data (identified as full nodes).
    pub full_peers: Vec<PeerId>,
    /// The most recently banned peers (at most 64).
    pub banned: Vec<PeerId>,
}

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct NetworkHandle {
    pub(crate) cmd: mpsc::Sender<NetCmd>,
    pub(crate) info: Arc<RwLock<NetInfo>>,
}

impl NetworkHandle {
    /// A snapshot of the network's state.
    pub fn info(&self) -> NetInfo {
        self.info
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Gossips a header.
    pub async fn publish(&self, header: Header) {
        let _ = self.cmd.send(NetCmd::Publish(header)).await;
    }

    /// Records a peer's misbehaviour (it may be banned).
    pub async fn penalise(&self, peer: PeerId, what: Misbehaviour) {
        let _ = self.cmd.send(NetCmd::Penalise(peer, what)).await;
    }

    /// Dials an address.
    pub async fn dial(&self, addr: Multiaddr) {
        let _ = self.cmd.send(NetCmd::Dial(addr)).await;
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> NetCmd) -> Result<T, RequestError> {
        let (tx, rx) = oneshot::channel();
        self.cmd
            .send(make(tx))
            .await
            .map_err(|_| RequestError::Stopped)?;
        rx.await.map_err(|_| RequestError::Stopped)?
    }

    /// Asks a peer for a header range.
    pub async fn headers(
        &self,
        peer: PeerId,
        req: HeadersRequest,
    ) -> Result<HeadersResponse, RequestError> {
        self.ask(|tx| NetCmd::Headers(peer, req, tx)).await
    }

    /// Asks a peer for a whole row.
    pub async fn row(&self, peer: PeerId, req: RowRequest) -> Result<RowResponse, RequestError> {
        self.ask(|tx| NetCmd::Row(peer, req, tx)).await
    }

    /// Asks a peer for some cells.
    pub async fn cells(
        &self,
        peer: PeerId,
        req: CellsRequest,
    ) -> Result<CellsResponse, RequestError> {
        self.ask(|tx| NetCmd::Cells(peer, req, tx)).await
    }
}
