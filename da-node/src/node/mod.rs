//! A running node: store, network, the tasks of its role (producer, publisher or follower),
//! and the HTTP API, each a task with a shared cancellation token; [`Node::stop`] stops them
//! all and waits. How it starts, step by step, is in [`start`].

mod start;

use std::{net::SocketAddr, sync::Arc};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_p2p::{Multiaddr, NetInfo, NetworkHandle, Protocol};
use weft_types::{api::NodeRole, Header, ProducerKey};

use crate::{
    block::EncodedSquare,
    config::NodeConfig,
    error::{NodeError, Result},
    health::Health,
    metrics::Metrics,
    role::Role,
    serve::CellSource,
    store::Store,
    Encoder,
};

/// Name of the RocksDB directory inside the data dir.
pub const DB_DIR: &str = "db";

/// A running node.
#[derive(Debug)]
pub struct Node {
    http_addr: SocketAddr,
    role: Role,
    store: Store,
    network: NetworkHandle,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    prune_after: Option<u64>,
    encoder: Encoder,
}

impl Node {
    /// Starts a node: the producer when `config.producer_key` is unset, else a follower of
    /// that producer.
    ///
    /// # Errors
    /// [`NodeError`]: an invalid configuration, a data dir that holds another chain or was
    /// kept in the other role ([`NodeError::WrongChain`], naming the flag), a store that
    /// cannot be opened, a port in use (naming its flag), or a network that cannot be built.
    pub async fn start(config: NodeConfig) -> Result<Self> {
        Self::start_with(config, |store| Arc::new(store)).await
    }

    /// Starts a node whose served cells and rows (HTTP and p2p) are read through
    /// `source(store)` instead of the store itself: the seam tests use to build a withholding
    /// or lying node. Headers and the node's own work always use the store.
    ///
    /// # Errors
    /// As [`Self::start`].
    pub async fn start_with(
        config: NodeConfig,
        source: impl FnOnce(Store) -> Arc<dyn CellSource>,
    ) -> Result<Self> {
        start::start(config, source, false).await
    }

    /// Starts a producer whose blocks come from [`Self::publish_block`] instead of its pool:
    /// squares encoded elsewhere or ahead of time (a separate encoder, a load harness), signed
    /// and published here. `POST /v1/blobs` is refused as on a follower; the node reports the
    /// producer role. `config.producer_key` must be unset (the node signs with its own key, as
    /// a producer does).
    ///
    /// # Errors
    /// As [`Self::start`]; [`NodeError::Config`] when `config.producer_key` is set.
    pub async fn start_publisher(config: NodeConfig) -> Result<Self> {
        if config.producer_key.is_some() {
            return Err(NodeError::Config(
                "a publisher signs its own blocks: leave producer_key unset".into(),
            ));
        }
        start::start(config, |store| Arc::new(store), true).await
    }

    /// Signs `square` as the block after the head, stores it and gossips its header; returns
    /// the header. Only on a node started with [`Self::start_publisher`].
    ///
    /// # Errors
    /// [`NodeError::Config`] on any other node; [`NodeError::Block`] when the head was
    /// signed by another key; store errors.
    pub async fn publish_block(&self, square: &EncodedSquare) -> Result<Header> {
        let Role::Publisher { key } = &self.role else {
            return Err(NodeError::Config(
                "publish_block: this node was not started with Node::start_publisher".into(),
            ));
        };
        let (store, square, prune) = (self.store.clone(), square.clone(), self.prune_after);
        let key = key.clone();
        let header = tokio::task::spawn_blocking(move || -> Result<Header> {
            let parent = store.header(store.head()?)?;
            let block = square.sign(&key, parent.as_ref(), crate::producer::now_ms())?;
            store.put_block(&block, &[], prune)?;
            Ok(block.header)
        })
        .await
        .map_err(|e| NodeError::Config(format!("publish_block: {e}")))??;
        self.health.block_stored();
        self.metrics.blocks_produced.inc();
        self.metrics.head_height.set(header.height());
        self.metrics.head_k.set(header.k() as u64);
        self.network.publish(header.clone()).await;
        Ok(header)
    }

    /// Resolves when the node stops, by [`Self::stop`] or by itself; then
    /// [`Self::failure`] says why if it stopped itself.
    pub async fn stopped(&self) {
        self.cancel.cancelled().await;
    }

    /// Why the node stopped itself (a task that kept dying, e.g. a store that cannot be
    /// written), if it did: the process should exit with an error so that its supervisor
    /// restarts it.
    pub fn failure(&self) -> Option<String> {
        self.health.failure()
    }

    /// Where the HTTP API listens.
    pub const fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// The square encoder in use (`--encoder`).
    pub const fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The producer this node produces as or follows.
    pub fn producer_key(&self) -> ProducerKey {
        self.role.producer_key()
    }

    /// The role this node reports (`role` in `GET /v1/node/info` and `GET /health`,
    /// `weft_node_role` in `/metrics`).
    pub const fn role(&self) -> NodeRole {
        self.role.report()
    }

    /// Network state.
    pub fn net_info(&self) -> NetInfo {
        self.network.info()
    }

    /// The TCP multiaddr other nodes can bootstrap from (with `/p2p/<peer id>`).
    pub fn tcp_addr(&self) -> Multiaddr {
        let info = self.net_info();
        info.listen_addrs
            .iter()
            .find(|a| {
                a.iter()
                    .all(|p| !matches!(p, Protocol::Ws(_) | Protocol::QuicV1))
            })
            .cloned()
            .expect("a TCP listener is always started")
    }

    /// The store.
    pub const fn store(&self) -> &Store {
        &self.store
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// A token that stops the node when cancelled (e.g. on Ctrl-C).
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Stops every component and waits for them: the block in progress is finished and stored,
    /// the HTTP server drains, the network closes.
    pub async fn stop(self) {
        self.cancel.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
