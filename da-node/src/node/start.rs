//! Starting a node, one named step at a time: open the data dir and store (and decide the role
//! against the chain it holds) → bind HTTP and pick the encoder → start the network → spawn the
//! role's tasks → serve HTTP. A step that fails cancels whatever the earlier ones started.

use std::{sync::Arc, time::Duration};

use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use weft_p2p::{HeaderStream, Listen, Multiaddr, NetworkConfig, NetworkHandle};

use super::{Node, DB_DIR};
use crate::{
    admission::Pace,
    config::NodeConfig,
    encoder::shared_prover,
    equivocation::{watch_gossip, Watch},
    error::{NodeError, Result},
    fds::FdBudget,
    health::Health,
    http, keys,
    mempool::Mempool,
    metrics::Metrics,
    producer::{self, ProducerArgs},
    role::Role,
    serve::{CellSource, DataServer},
    store::Store,
    sync::{self, SyncArgs},
    Encoder,
};

/// Connections idle this long are closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often to run a Kademlia bootstrap.
const DISCOVERY_INTERVAL: Duration = Duration::from_secs(30);

/// Starts a node in the role `config` asks for (a publisher when `publisher`).
pub(super) async fn start(
    config: NodeConfig,
    source: impl FnOnce(Store) -> Arc<dyn CellSource>,
    publisher: bool,
) -> Result<Node> {
    config.validate()?;
    let (store, fds) = open_store(&config)?;
    let role = Role::decide(&config, &store, publisher)?;
    // Bind before any task starts, so a taken port fails cleanly with nothing to clean up.
    let listener = bind_http(&config).await?;
    let metrics = Arc::new(Metrics::default());
    metrics.head_height.set(store.head()?);
    metrics.set_role(role.report());
    let encoder = select_encoder(&config, &metrics).await?;
    let health = Arc::new(Health::new(config.block_time, role.report()));
    let cancel = CancellationToken::new();
    // Cancels whatever was started if a later step fails; disarmed once the node is up.
    let guard = cancel.clone().drop_guard();

    let data = DataServer::new(
        store.clone(),
        source(store.clone()),
        metrics.clone(),
        config.prune_after,
    );
    // A validator queues the blobs other nodes gossip; a full node of a validator chain only
    // relays them (and gossips its own); a single producer's chain has no blob gossip.
    let (gossip, gossiped) = match &role {
        Role::Validator { .. } => {
            let (tx, rx) = futures::channel::mpsc::channel(crate::gossip::GOSSIP_QUEUE);
            (weft_p2p::BlobGossip::Deliver(tx), Some(rx))
        }
        Role::Follower {
            trust: weft_types::Trust::Validators(_),
        } => (weft_p2p::BlobGossip::Relay, None),
        _ => (weft_p2p::BlobGossip::Off, None),
    };
    let (network, headers, mut tasks) = start_network(
        &config, &role, &store, &data, &metrics, &cancel, fds, gossip,
    )
    .await?;
    let watch = Watch {
        store: store.clone(),
        network: network.clone(),
        health: health.clone(),
        metrics: metrics.clone(),
        trust: role.trust(),
    };
    let shared = Shared {
        config: &config,
        store: &store,
        network: &network,
        metrics: &metrics,
        health: &health,
        encoder: &encoder,
        cancel: &cancel,
    };
    let mempool = spawn_role(&role, &shared, watch, headers, &mut tasks)?;
    if let (Some(pool), true) = (&mempool, role.trust().validators().is_some()) {
        tasks.push(crate::gossip::spawn_publisher(
            pool.clone(),
            network.clone(),
            cancel.clone(),
        ));
        if let Some(gossiped) = gossiped {
            tasks.push(crate::gossip::spawn_feeder(
                pool.clone(),
                gossiped,
                cancel.clone(),
            ));
        }
    }

    let state = http::AppState {
        store: store.clone(),
        mempool,
        role: role.report(),
        network: network.clone(),
        config: Arc::new(config.clone()),
        metrics: metrics.clone(),
        producer: role.producer_key(),
        trust: role.trust(),
        data,
        reads: Arc::new(tokio::sync::Semaphore::new(http::MAX_CONCURRENT_READS)),
        health: health.clone(),
        encoder: encoder.clone(),
    };
    let http_addr = serve_http(&config, listener, state, fds, &mut tasks, &shared)?;
    let _ = guard.disarm();
    tracing::info!(%http_addr, producer = %role.producer_key(), role = role.report().as_str(), "node started");
    Ok(Node {
        http_addr,
        role,
        store,
        network,
        metrics,
        health,
        cancel,
        tasks,
        prune_after: config.prune_after,
        encoder,
    })
}

/// What every role's tasks share.
struct Shared<'a> {
    config: &'a NodeConfig,
    store: &'a Store,
    network: &'a NetworkHandle,
    metrics: &'a Arc<Metrics>,
    health: &'a Arc<Health>,
    encoder: &'a Encoder,
    cancel: &'a CancellationToken,
}

/// Creates the data dir, raises the file-descriptor limit and opens the store in it.
fn open_store(config: &NodeConfig) -> Result<(Store, FdBudget)> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| NodeError::Io {
        path: config.data_dir.clone(),
        source,
    })?;
    let fds = FdBudget::raise();
    let store = Store::open_with(&config.data_dir.join(DB_DIR), fds.rocksdb_files())?;
    Ok((store, fds))
}

/// Binds the HTTP listener (`--http`).
async fn bind_http(config: &NodeConfig) -> Result<TcpListener> {
    TcpListener::bind(config.http)
        .await
        .map_err(|e| NodeError::Listen {
            addr: config.http.to_string(),
            reason: e.to_string(),
            flag: "--http",
        })
}

/// The square encoder `--encoder` asks for, reported in the metrics and the log.
async fn select_encoder(config: &NodeConfig, metrics: &Metrics) -> Result<Encoder> {
    let choice = config.encoder;
    let encoder = tokio::task::spawn_blocking(move || Encoder::select(choice, shared_prover()))
        .await
        .map_err(|e| NodeError::Encoder {
            choice: choice.as_str(),
            reason: format!("setting up the encoder failed: {e}"),
        })??;
    metrics.set_encoder(encoder.kind(), encoder.device());
    tracing::info!(
        encoder = encoder.kind(),
        device = encoder.device(),
        "square encoder ready"
    );
    Ok(encoder)
}

/// Starts the p2p network (serving `data`, its connections within the p2p share of `fds`, on
/// blob gossip as `blobs` says) and tells it what is stored already; returns its handle, the
/// verified gossiped headers and the task that stops it on cancel.
#[allow(clippy::too_many_arguments)]
async fn start_network(
    config: &NodeConfig,
    role: &Role,
    store: &Store,
    data: &DataServer,
    metrics: &Metrics,
    cancel: &CancellationToken,
    fds: FdBudget,
    blobs: weft_p2p::BlobGossip,
) -> Result<(NetworkHandle, HeaderStream, Vec<JoinHandle<()>>)> {
    let bootstrap = config
        .bootstrap
        .iter()
        .map(|a| {
            a.parse::<Multiaddr>()
                .map_err(|e| NodeError::Config(format!("--bootstrap {a}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let (network, headers, net_task) = weft_p2p::start(NetworkConfig {
        key: keys::p2p_key(&config.data_dir)?,
        role: weft_p2p::Role::Full,
        agent: format!("weft-node/{}", env!("CARGO_PKG_VERSION")),
        listen: listen_addrs(config)?,
        bootstrap,
        trust: role.trust(),
        server: Some(Arc::new(data.clone())),
        idle_timeout: IDLE_TIMEOUT,
        discovery_interval: DISCOVERY_INTERVAL,
        metrics: metrics.network.clone(),
        accept_light: config.serve_light_clients,
        connections: weft_p2p::ConnectionCaps::within(fds.p2p_connections()),
        blobs,
    })
    .await?;
    // What is stored already may be forwarded at once (PROTOCOL §8).
    network.stored(store.head()?).await;
    let stop = cancel.clone();
    let task = tokio::spawn(async move {
        stop.cancelled().await;
        net_task.stop().await;
    });
    Ok((network, headers, vec![task]))
}

/// Spawns the tasks of `role`: a producer's block production, a follower's sync, and for a
/// node that signs, the watch on gossip for headers signed with its key that it did not store.
/// Returns the pool of a role that takes blobs (producer, validator, full node of a validator
/// chain).
fn spawn_role(
    role: &Role,
    shared: &Shared<'_>,
    watch: Watch,
    headers: HeaderStream,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<Option<Arc<Mempool>>> {
    let config = shared.config;
    let mempool = match role {
        Role::Follower { trust } => {
            // A full node of a validator chain takes blobs too, and gossips them on.
            let pool = trust
                .validators()
                .is_some()
                .then(|| new_mempool(shared))
                .transpose()?;
            tasks.push(sync::spawn(SyncArgs {
                store: shared.store.clone(),
                network: shared.network.clone(),
                headers: Arc::new(tokio::sync::Mutex::new(headers)),
                trust: role.trust(),
                metrics: shared.metrics.clone(),
                prune_after: config.prune_after,
                cancel: shared.cancel.clone(),
                health: shared.health.clone(),
                watch,
                encoder: shared.encoder.clone(),
                mempool: pool.clone(),
            }));
            return Ok(pool);
        }
        Role::Publisher { .. } => None,
        Role::Validator {
            key,
            validator,
            set,
        } => {
            let mempool = new_mempool(shared)?;
            let listen = own_address(set, validator)?;
            tasks.push(crate::validator::spawn(crate::validator::ValidatorArgs {
                chain: crate::validator::chain::NodeChainArgs {
                    trust: role.trust(),
                    key: key.clone(),
                    encoder: shared.encoder.clone(),
                    store: shared.store.clone(),
                    mempool: mempool.clone(),
                    network: shared.network.clone(),
                    runtime: tokio::runtime::Handle::current(),
                    metrics: shared.metrics.clone(),
                    health: shared.health.clone(),
                    max_k: config.max_k,
                    block_time: config.block_time,
                    prune_after: config.prune_after,
                },
                set: set.clone(),
                key: (**validator).clone(),
                data_dir: config.data_dir.clone(),
                listen,
                cancel: shared.cancel.clone(),
            }));
            Some(mempool)
        }
        Role::Producer { key } => {
            let mempool = new_mempool(shared)?;
            tasks.push(producer::spawn(ProducerArgs {
                key: key.clone(),
                encoder: shared.encoder.clone(),
                store: shared.store.clone(),
                mempool: mempool.clone(),
                network: shared.network.clone(),
                metrics: shared.metrics.clone(),
                block_time: config.block_time,
                max_k: config.max_k,
                prune_after: config.prune_after,
                cancel: shared.cancel.clone(),
                health: shared.health.clone(),
            }));
            Some(mempool)
        }
    };
    // Headers signed with our key that we did not store: someone else has it.
    let stop = shared.cancel.clone();
    tasks.push(tokio::spawn(async move {
        tokio::select! {
            () = stop.cancelled() => {}
            () = watch_gossip(watch, headers) => {}
        }
    }));
    Ok(mempool)
}

/// Serves the HTTP API on `listener` until cancelled; returns the address it listens on.
/// The pool of a role that takes blobs (producer, validator, full node of a validator chain).
fn new_mempool(shared: &Shared<'_>) -> Result<Arc<Mempool>> {
    let config = shared.config;
    Ok(Arc::new(Mempool::new(
        shared.store.clone(),
        config.max_blob_size,
        config.max_pending_bytes,
        Pace::new(config.block_time, config.max_k),
    )?))
}

/// Where this validator's consensus network listens: its address in the genesis.
fn own_address(
    set: &weft_types::ValidatorSet,
    validator: &weft_consensus::keys::ValidatorKey,
) -> Result<std::net::SocketAddr> {
    let entry = set
        .validators()
        .iter()
        .find(|v| v.p2p_key == validator.peer_key())
        .ok_or_else(|| NodeError::Config("--validator-key: not in --genesis".into()))?;
    std::net::ToSocketAddrs::to_socket_addrs(&entry.address)
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            NodeError::Config(format!(
                "--genesis: this validator's address {:?} does not resolve",
                entry.address
            ))
        })
}

fn serve_http(
    config: &NodeConfig,
    listener: TcpListener,
    state: http::AppState,
    fds: FdBudget,
    tasks: &mut Vec<JoinHandle<()>>,
    shared: &Shared<'_>,
) -> Result<std::net::SocketAddr> {
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
    let mut limits = config.http_limits;
    limits.max_connections = fds.http_connections(limits.max_connections);
    tasks.push(tokio::spawn(http::serve(
        listener,
        http::router(state),
        http::Serving {
            limits,
            lingering: fds.lingering(),
            metrics: shared.metrics.clone(),
            health: shared.health.clone(),
        },
        shared.cancel.clone(),
    )));
    Ok(http_addr)
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
