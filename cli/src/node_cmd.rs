//! `weft node start` and `weft node info`.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Subcommand};
use weft_node::{Node, NodeConfig};
use weft_types::ProducerKey;

use crate::CliError;

/// Node subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum NodeCommand {
    /// Run a full node (the block producer unless --producer-key is given).
    Start(Box<StartArgs>),
    /// Print a node's identity, addresses and head.
    Info {
        /// The node's HTTP URL.
        #[arg(long, default_value = "http://127.0.0.1:7580")]
        node: String,
    },
}

/// Flags of `weft node start`. Each overrides the config file, which overrides the defaults.
#[derive(Debug, Args, Default)]
pub(crate) struct StartArgs {
    /// Config file (TOML), written with defaults on first start [default: <data-dir>/weft.toml].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where the store and keys live [default: ./weft-data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// HTTP API address [default: 127.0.0.1:7580].
    #[arg(long)]
    pub http: Option<SocketAddr>,
    /// Block interval, e.g. 2s or 500ms [default: 2s].
    #[arg(long, value_parser = humantime::parse_duration)]
    pub block_time: Option<Duration>,
    /// Largest k of a square (a power of two up to 128) [default: 64].
    #[arg(long)]
    pub max_k: Option<usize>,
    /// Largest blob accepted, in bytes [default: 2097152].
    #[arg(long)]
    pub max_blob_size: Option<usize>,
    /// Bytes of blobs allowed to wait for a block [default: 67108864].
    #[arg(long)]
    pub max_pending_bytes: Option<usize>,
    /// Keep the squares of only the newest N blocks (headers are kept) [default: keep all].
    #[arg(long)]
    pub prune_after: Option<u64>,
    /// IP for the p2p listeners [default: 127.0.0.1].
    #[arg(long)]
    pub listen_ip: Option<std::net::IpAddr>,
    /// TCP and QUIC port for nodes [default: any free port].
    #[arg(long)]
    pub p2p_port: Option<u16>,
    /// WebSocket port for browsers [default: any free port].
    #[arg(long)]
    pub ws_port: Option<u16>,
    /// A peer to dial at start (multiaddr with /p2p/<id>); repeatable.
    #[arg(long)]
    pub bootstrap: Vec<String>,
    /// Follow this producer instead of producing blocks (its Ed25519 key, 64 hex chars).
    #[arg(long)]
    pub producer_key: Option<String>,
    /// A chain run by validators: its genesis file (`weft genesis`). Alone, follow it (every
    /// header must carry a certificate of more than two thirds of its validators); with
    /// --validator-key, be one of its validators.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// This node's validator key folder (`weft genesis --out DIR` writes DIR/validator-i);
    /// needs --genesis.
    #[arg(long)]
    pub validator_key: Option<PathBuf>,
    /// Directory of the light-client page served at / [default: $WEFT_PAGE_DIR, else the page
    /// embedded in the binary].
    #[arg(long)]
    pub page_dir: Option<PathBuf>,
    /// HTTP connections open at once, all clients together [default: 1024, and at most a
    /// quarter of the file-descriptor limit].
    #[arg(long)]
    pub http_max_connections: Option<usize>,
    /// HTTP connections open at once from one IP address [default: 64].
    #[arg(long)]
    pub http_max_connections_per_ip: Option<usize>,
    /// Square encoder: auto (the GPU when this binary has the CUDA encoder and the machine a
    /// GPU), cpu, or cuda (refuses to start without one) [default: auto].
    #[arg(long)]
    pub encoder: Option<weft_node::config::EncoderChoice>,
}

impl StartArgs {
    /// Loads the config file and applies the flags on top.
    pub(crate) fn resolve(&self) -> Result<NodeConfig, CliError> {
        let data_dir = self
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(weft_node::config::DEFAULT_DATA_DIR));
        let path = self
            .config
            .clone()
            .unwrap_or_else(|| data_dir.join("weft.toml"));
        let mut c = weft_node::config::load_or_create(&path)?;
        if self.data_dir.is_some() || self.config.is_none() {
            c.data_dir = data_dir;
        }
        macro_rules! set {
            ($($f:ident),*) => { $(if let Some(v) = self.$f.clone() { c.$f = v; })* };
        }
        set!(
            http,
            block_time,
            max_k,
            max_blob_size,
            max_pending_bytes,
            listen_ip,
            p2p_port,
            ws_port,
            encoder
        );
        if let Some(n) = self.http_max_connections {
            c.http_limits.max_connections = n;
        }
        if let Some(n) = self.http_max_connections_per_ip {
            c.http_limits.max_connections_per_ip = n;
        }
        if self.prune_after.is_some() {
            c.prune_after = self.prune_after;
        }
        if !self.bootstrap.is_empty() {
            c.bootstrap = self.bootstrap.clone();
        }
        if let Some(key) = &self.producer_key {
            c.producer_key = Some(
                key.parse::<ProducerKey>()
                    .map_err(|e| CliError::usage(format!("--producer-key: {e}")))?,
            );
        }
        if let Some(path) = &self.genesis {
            c.genesis = Some(path.clone());
        }
        if let Some(dir) = &self.validator_key {
            c.validator_key = Some(dir.clone());
        }
        if let Some(dir) = self
            .page_dir
            .clone()
            .or_else(|| c.page_dir.clone())
            .or_else(default_page_dir)
        {
            c.page_dir = Some(dir);
        }
        c.validate().map_err(weft_node::NodeError::from)?;
        Ok(c)
    }
}

/// A page directory to serve instead of the page embedded in the binary: `$WEFT_PAGE_DIR`
/// (for a page rebuilt without rebuilding the node).
pub(crate) fn default_page_dir() -> Option<PathBuf> {
    std::env::var_os("WEFT_PAGE_DIR").map(PathBuf::from)
}

pub(crate) async fn run(cmd: NodeCommand) -> Result<(), CliError> {
    match cmd {
        NodeCommand::Start(args) => start(*args).await,
        NodeCommand::Info { node } => {
            let info = crate::reads::client(&node)?
                .node_info()
                .await
                .map_err(|e| crate::blob_cmd::node_error(&node, e))?;
            println!("{}", serde_json::to_string_pretty(&info).expect("json"));
            Ok(())
        }
    }
}

async fn start(args: StartArgs) -> Result<(), CliError> {
    let config = args.resolve()?;
    let node = Node::start(config).await?;
    let info = node.net_info();
    let role = match node.role() {
        weft_types::api::NodeRole::Producer => "producer",
        weft_types::api::NodeRole::Full => "full node",
        weft_types::api::NodeRole::Validator => "validator",
    };
    println!("weft {role} running");
    println!("  http          {}", node.url());
    println!("  producer key  {}", node.producer_key());
    println!(
        "  encoder       {} ({})",
        node.encoder().kind(),
        node.encoder().device()
    );
    println!(
        "  peer id       {}",
        info.peer_id.map(|p| p.to_string()).unwrap_or_default()
    );
    for addr in &info.listen_addrs {
        println!("  listening     {addr}");
    }
    println!(
        "  bootstrap     {}   (give this to another node's or a light client's --bootstrap)",
        node.tcp_addr()
    );
    println!("  stop with Ctrl-C");
    tokio::select! {
        () = shutdown_signal() => println!("stopping…"),
        () = node.stopped() => {}
    }
    let failure = node.failure();
    node.stop().await;
    match failure {
        // Exit non-zero so that a process supervisor starts the node again.
        Some(why) => Err(CliError::failure(format!("the node stopped itself: {why}"))),
        None => Ok(()),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
