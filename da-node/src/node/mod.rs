//! A running node: store, network, producer or syncer, and the HTTP API, each a task with a
//! shared cancellation token; [`Node::stop`] stops them all and waits.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use ed25519_dalek::SigningKey;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_encoding::RowProver;

use crate::Encoder;
use weft_p2p::{Listen, Multiaddr, NetInfo, NetworkConfig, NetworkHandle, Protocol, Role};
use weft_types::{Header, ProducerKey};

use crate::{
    admission::Pace,
    block::EncodedSquare,
    config::NodeConfig,
    equivocation::{watch_gossip, Watch},
    error::{NodeError, Result},
    fds::FdBudget,
    health::Health,
    http, keys,
    mempool::Mempool,
    metrics::Metrics,
    producer::{self, ProducerArgs},
    serve::{CellSource, DataServer},
    store::Store,
    sync::{self, SyncArgs},
};

/// Connections idle this long are closed.
const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// How often to run a Kademlia bootstrap.
const DISCOVERY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// Name of the RocksDB directory inside the data dir.
pub const DB_DIR: &str = "db";

/// One row prover per process: it holds the FK20 tables (building them takes seconds).
pub fn shared_prover() -> Arc<RowProver> {
    static PROVER: OnceLock<Arc<RowProver>> = OnceLock::new();
    PROVER.get_or_init(|| Arc::new(RowProver::new())).clone()
}

/// A running node.
#[derive(Debug)]
pub struct Node {
    http_addr: SocketAddr,
    producer_key: ProducerKey,
    store: Store,
    network: NetworkHandle,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    /// The signing key of a node started with [`Node::start_publisher`].
    publisher: Option<SigningKey>,
    prune_after: Option<u64>,
    encoder: Encoder,
}

/// Where a producer's blocks come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blocks {
    /// Its own pool, every block interval.
    FromMempool,
    /// [`Node::publish_block`].
    Published,
}

impl Node {
    /// Starts a node.
    ///
    /// # Errors
    /// [`NodeError`]: an invalid configuration, a store that cannot be opened, a port in use
    /// (naming its flag), or a network that cannot be built.
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
        Self::start_inner(config, source, Blocks::FromMempool).await
    }

    /// Starts a producer whose blocks come from [`Self::publish_block`] instead of its pool:
    /// squares encoded elsewhere or ahead of time (a separate encoder, a load harness), signed
    /// and published here. `POST /v1/blobs` is refused as on a follower. `config.producer_key`
    /// must be unset (the node signs with its own key, as a producer does).
    ///
    /// # Errors
    /// As [`Self::start`]; [`NodeError::Config`] when `config.producer_key` is set.
    pub async fn start_publisher(config: NodeConfig) -> Result<Self> {
        if config.producer_key.is_some() {
            return Err(NodeError::Config(
                "a publisher signs its own blocks: leave producer_key unset".into(),
            ));
        }
        Self::start_inner(config, |store| Arc::new(store), Blocks::Published).await
    }

    /// Signs `square` as the block after the head, stores it and gossips its header; returns
    /// the header. Only on a node started with [`Self::start_publisher`].
    ///
    /// # Errors
    /// [`NodeError::Config`] on any other node; store errors.
    pub async fn publish_block(&self, square: &EncodedSquare) -> Result<Header> {
        let Some(key) = self.publisher.clone() else {
            return Err(NodeError::Config(
                "publish_block: this node was not started with Node::start_publisher".into(),
            ));
        };
        let (store, square, prune) = (self.store.clone(), square.clone(), self.prune_after);
        let header = tokio::task::spawn_blocking(move || -> Result<Header> {
            let parent = store.header(store.head()?)?;
            let block = square.sign(&key, parent.as_ref(), crate::producer::now_ms());
            store.put_block(&block, &[], prune)?;
            Ok(block.header)
        })
        .await
        .expect("publishing does not panic")?;
        self.health.block_stored();
        self.metrics.blocks_produced.inc();
        self.metrics.head_height.set(header.height());
        self.metrics.head_k.set(header.k() as u64);
        self.network.publish(header.clone()).await;
        Ok(header)
    }

    async fn start_inner(
        config: NodeConfig,
        source: impl FnOnce(Store) -> Arc<dyn CellSource>,
        blocks: Blocks,
    ) -> Result<Self> {
        config.validate()?;
        std::fs::create_dir_all(&config.data_dir).map_err(|source| NodeError::Io {
            path: config.data_dir.clone(),
            source,
        })?;
        let fds = FdBudget::raise();
        let store = Store::open_with(&config.data_dir.join(DB_DIR), fds.rocksdb_files())?;
        // Bind before any task starts, so a taken port fails cleanly with nothing to clean up.
        let listener = tokio::net::TcpListener::bind(config.http)
            .await
            .map_err(|e| NodeError::Listen {
                addr: config.http.to_string(),
                reason: e.to_string(),
                flag: "--http",
            })?;
        let metrics = Arc::new(Metrics::default());
        metrics.head_height.set(store.head()?);
        let choice = config.encoder;
        let encoder = tokio::task::spawn_blocking(move || Encoder::select(choice, shared_prover()))
            .await
            .expect("encoder setup does not panic")?;
        metrics.set_encoder(encoder.kind(), encoder.device());
        tracing::info!(
            encoder = encoder.kind(),
            device = encoder.device(),
            "square encoder ready"
        );
        let health = Arc::new(Health::new(config.block_time, config.is_producer()));
        let cancel = CancellationToken::new();
        // Cancels whatever was started if a later step fails; disarmed once the node is up.
        let guard = cancel.clone().drop_guard();
        // A producer signs with its own key; a follower only knows the key it follows.
        let (signing, producer_key) = match config.producer_key {
            Some(key) => (None, key),
            None => {
                let signing = keys::producer_key(&config.data_dir)?;
                let key = ProducerKey::of(&signing);
                (Some(signing), key)
            }
        };
        let bootstrap = config
            .bootstrap
            .iter()
            .map(|a| {
                a.parse::<Multiaddr>()
                    .map_err(|e| NodeError::Config(format!("--bootstrap {a}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;

        let data = DataServer::new(
            store.clone(),
            source(store.clone()),
            metrics.clone(),
            config.prune_after,
        );
        let (network, headers, net_task) = weft_p2p::start(NetworkConfig {
            key: keys::p2p_key(&config.data_dir)?,
            role: Role::Full,
            agent: format!("weft-node/{}", env!("CARGO_PKG_VERSION")),
            listen: listen_addrs(&config)?,
            bootstrap,
            producer: producer_key,
            server: Some(Arc::new(data.clone())),
            idle_timeout: IDLE_TIMEOUT,
            discovery_interval: DISCOVERY_INTERVAL,
            metrics: metrics.network.clone(),
            accept_light: config.serve_light_clients,
        })
        .await?;
        // What is stored already may be forwarded at once (PROTOCOL §8).
        network.stored(store.head()?).await;
        let stop_network = cancel.clone();
        let mut tasks = vec![tokio::spawn(async move {
            stop_network.cancelled().await;
            net_task.stop().await;
        })];

        let watch = Watch {
            store: store.clone(),
            network: network.clone(),
            health: health.clone(),
            metrics: metrics.clone(),
            producer: producer_key,
        };
        let mut publisher = None;
        let mempool = match signing {
            Some(key) if blocks == Blocks::Published => {
                publisher = Some(key);
                let stop = cancel.clone();
                tasks.push(tokio::spawn(async move {
                    tokio::select! {
                        () = stop.cancelled() => {}
                        () = watch_gossip(watch, headers) => {}
                    }
                }));
                None
            }
            Some(key) => {
                let mempool = Arc::new(Mempool::new(
                    store.clone(),
                    config.max_blob_size,
                    config.max_pending_bytes,
                    Pace::new(config.block_time, config.max_k),
                )?);
                tasks.push(producer::spawn(ProducerArgs {
                    key,
                    encoder: encoder.clone(),
                    store: store.clone(),
                    mempool: mempool.clone(),
                    network: network.clone(),
                    metrics: metrics.clone(),
                    block_time: config.block_time,
                    max_k: config.max_k,
                    prune_after: config.prune_after,
                    cancel: cancel.clone(),
                    health: health.clone(),
                }));
                // Headers signed with our key that we did not store: someone else has it.
                let stop = cancel.clone();
                tasks.push(tokio::spawn(async move {
                    tokio::select! {
                        () = stop.cancelled() => {}
                        () = watch_gossip(watch, headers) => {}
                    }
                }));
                Some(mempool)
            }
            None => {
                tasks.push(sync::spawn(SyncArgs {
                    store: store.clone(),
                    network: network.clone(),
                    headers: Arc::new(tokio::sync::Mutex::new(headers)),
                    producer: producer_key,
                    metrics: metrics.clone(),
                    prune_after: config.prune_after,
                    cancel: cancel.clone(),
                    health: health.clone(),
                    watch,
                    encoder: encoder.clone(),
                }));
                None
            }
        };

        let http_addr = listener.local_addr().map_err(|e| NodeError::Listen {
            addr: config.http.to_string(),
            reason: e.to_string(),
            flag: "--http",
        })?;
        if config.page_dir.is_none() && !http::page_embedded() {
            tracing::warn!(
                "this node was built without the light-client page (run scripts/build-wasm and \
                 rebuild): / says how to build it"
            );
        }
        if let Some(dir) = &config.page_dir {
            if !dir.join("weft-light/pkg/weft_wasm.js").exists() {
                tracing::warn!(
                    "the light-client page in {} is not built: run scripts/build-wasm",
                    dir.display()
                );
            }
        }
        let prune_after = config.prune_after;
        let mut limits = config.http_limits;
        limits.max_connections = fds.http_connections(limits.max_connections);
        let state = http::AppState {
            store: store.clone(),
            mempool,
            network: network.clone(),
            config: Arc::new(config),
            metrics: metrics.clone(),
            producer: producer_key,
            data,
            reads: Arc::new(tokio::sync::Semaphore::new(http::MAX_CONCURRENT_READS)),
            health: health.clone(),
            encoder: encoder.clone(),
        };
        tasks.push(tokio::spawn(http::serve(
            listener,
            http::router(state),
            limits,
            metrics.clone(),
            cancel.clone(),
        )));
        let _ = guard.disarm();
        tracing::info!(%http_addr, producer = %producer_key, "node started");
        Ok(Self {
            http_addr,
            producer_key,
            store,
            network,
            metrics,
            health,
            cancel,
            tasks,
            publisher,
            prune_after,
            encoder,
        })
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
    pub const fn producer_key(&self) -> ProducerKey {
        self.producer_key
    }

    /// Network state.
    pub fn net_info(&self) -> NetInfo {
        self.network.info()
    }

    /// The TCP multiaddr other nodes can bootstrap from.
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

/// The p2p listen addresses: TCP and QUIC on `--p2p-port`, WebSocket on `--ws-port`.
fn listen_addrs(config: &NodeConfig) -> Result<Vec<Listen>> {
    let ip = config.listen_ip;
    let proto = if ip.is_ipv4() { "ip4" } else { "ip6" };
    [
        (
            format!("/{proto}/{ip}/tcp/{}", config.p2p_port),
            "--p2p-port",
        ),
        (
            format!("/{proto}/{ip}/udp/{}/quic-v1", config.p2p_port),
            "--p2p-port",
        ),
        (
            format!("/{proto}/{ip}/tcp/{}/ws", config.ws_port),
            "--ws-port",
        ),
    ]
    .into_iter()
    .map(|(addr, flag)| {
        Ok(Listen {
            addr: addr
                .parse()
                .map_err(|e| NodeError::Config(format!("{flag}: listen address {addr}: {e}")))?,
            flag,
        })
    })
    .collect()
}
