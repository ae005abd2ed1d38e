//! A running node: store, network, producer or syncer, and the HTTP API, each a task with a
//! shared cancellation token; [`Node::stop`] stops them all and waits.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_encoding::{RowProver, SquareEncoder};
use weft_p2p::libp2p::Multiaddr;
use weft_types::ProducerKey;

use crate::{
    config::NodeConfig,
    error::{NodeError, Result},
    faults::Faults,
    http, keys,
    mempool::Mempool,
    metrics::Metrics,
    p2p::{self, NetInfo, NetworkArgs, NetworkHandle},
    producer::{self, ProducerArgs},
    store::Store,
    sync::{self, SyncArgs},
};

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
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Node {
    /// Starts a node.
    pub async fn start(config: NodeConfig) -> Result<Self> {
        Self::start_with_faults(config, Faults::none()).await
    }

    /// Starts a node that injects faults into what it serves (tests; needs the `faults` feature
    /// to have any effect).
    pub async fn start_with_faults(config: NodeConfig, faults: Faults) -> Result<Self> {
        config.validate()?;
        std::fs::create_dir_all(&config.data_dir).map_err(|source| NodeError::Io {
            path: config.data_dir.clone(),
            source,
        })?;
        let store = Store::open(&config.data_dir.join(DB_DIR))?;
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
        let cancel = CancellationToken::new();
        // Cancels whatever was started if a later step fails; disarmed once the node is up.
        let guard = cancel.clone().drop_guard();
        let signing = if config.is_producer() {
            Some(keys::producer_key(&config.data_dir)?)
        } else {
            None
        };
        let producer_key = match (&config.producer_key, &signing) {
            (Some(key), _) => *key,
            (None, Some(signing)) => ProducerKey::of(signing),
            (None, None) => unreachable!("a node without --producer-key is the producer"),
        };
        let bootstrap = config
            .bootstrap
            .iter()
            .map(|a| {
                a.parse::<Multiaddr>()
                    .map_err(|e| NodeError::Config(format!("--bootstrap {a}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;

        let (network, events, net_task) = p2p::spawn(NetworkArgs {
            key: keys::p2p_key(&config.data_dir)?,
            listen_ip: config.listen_ip,
            p2p_port: config.p2p_port,
            ws_port: config.ws_port,
            bootstrap,
            producer: producer_key,
            store: store.clone(),
            metrics: metrics.clone(),
            cancel: cancel.clone(),
            faults: faults.clone(),
        })
        .await?;
        let mut tasks = vec![net_task];

        let mempool = match signing {
            Some(key) => {
                let mempool = Arc::new(Mempool::new(
                    &store,
                    config.max_blob_size,
                    config.max_pending_bytes,
                )?);
                let prover = tokio::task::spawn_blocking(shared_prover)
                    .await
                    .expect("prover setup does not panic");
                tasks.push(producer::spawn(ProducerArgs {
                    key,
                    encoder: SquareEncoder::new(prover),
                    store: store.clone(),
                    mempool: mempool.clone(),
                    network: network.clone(),
                    metrics: metrics.clone(),
                    block_time: config.block_time,
                    max_k: config.max_k,
                    prune_after: config.prune_after,
                    cancel: cancel.clone(),
                }));
                Some(mempool)
            }
            None => {
                tasks.push(sync::spawn(SyncArgs {
                    store: store.clone(),
                    network: network.clone(),
                    events,
                    producer: producer_key,
                    metrics: metrics.clone(),
                    prune_after: config.prune_after,
                    cancel: cancel.clone(),
                }));
                None
            }
        };

        let http_addr = listener
            .local_addr()
            .map_err(|e| NodeError::Network(e.to_string()))?;
        if let Some(dir) = &config.page_dir {
            if !dir.join("pkg").join("weft_wasm.js").exists() {
                tracing::warn!(
                    "the light-client page in {} is not built: run scripts/build-wasm",
                    dir.display()
                );
            }
        }
        let state = http::AppState {
            store: store.clone(),
            mempool,
            network: network.clone(),
            config: Arc::new(config),
            metrics: metrics.clone(),
            producer: producer_key,
            faults,
            reads: Arc::new(tokio::sync::Semaphore::new(http::MAX_CONCURRENT_READS)),
        };
        let shutdown = cancel.clone();
        tasks.push(tokio::spawn(async move {
            let server = axum::serve(listener, http::router(state))
                .with_graceful_shutdown(shutdown.cancelled_owned());
            if let Err(e) = server.await {
                tracing::error!("http server: {e}");
            }
        }));
        let _ = guard.disarm();
        tracing::info!(%http_addr, producer = %producer_key, "node started");
        Ok(Self {
            http_addr,
            producer_key,
            store,
            network,
            metrics,
            cancel,
            tasks,
        })
    }

    /// Where the HTTP API listens.
    pub const fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.http_addr)
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
                a.iter().all(|p| {
                    !matches!(
                        p,
                        weft_p2p::libp2p::multiaddr::Protocol::Ws(_)
                            | weft_p2p::libp2p::multiaddr::Protocol::QuicV1
                    )
                })
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
