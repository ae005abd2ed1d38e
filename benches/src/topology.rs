//! The network under load: a publisher — a producer node whose blocks are squares encoded
//! before the run, signed and published at a fixed rate through `Node::publish_block` — and full
//! nodes that follow it, in this process (tests) or as `weft node start` processes (benchmarks,
//! so that their CPU and memory can be read from `/proc`).

use std::{path::PathBuf, process::Stdio, time::Duration};

use rand::{RngCore, SeedableRng};
use tempfile::TempDir;
use weft_encoding::layout::{largest_blob, Blob, Namespace};
use weft_node::{EncodedSquare, Node, NodeConfig};
use weft_p2p::{Multiaddr, PeerId, Protocol};
use weft_types::{api::NodeInfo, ProducerKey};

use crate::error::SwarmError;

/// How long a full node may take to answer its HTTP API after it starts.
const START_LIMIT: Duration = Duration::from_secs(60);

/// `count` squares of `k` rows, each one blob of random bytes filling it (seeded, so runs
/// compare), encoded with every core.
///
/// # Errors
/// [`SwarmError::Setup`] if encoding fails.
pub fn encode_squares(k: usize, count: usize) -> Result<Vec<EncodedSquare>, SwarmError> {
    let encoder = weft_node::Encoder::cpu(weft_node::shared_prover());
    let len = largest_blob(k);
    (0..count)
        .map(|i| {
            let mut data = vec![0u8; len];
            rand_chacha_seeded(i as u64).fill_bytes(&mut data);
            let blob = Blob::new(Namespace([i as u8 + 1; 16]), data);
            EncodedSquare::encode(&encoder, &[blob], k)
                .map_err(|e| SwarmError::Setup(format!("encoding square {i}: {e}")))
        })
        .collect()
}

fn rand_chacha_seeded(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// A node in `dir`, HTTP on any free loopback port, squares up to `max_k` and blobs that fill
/// one.
fn loopback_config(dir: &TempDir, block_time: Duration, max_k: usize) -> NodeConfig {
    NodeConfig {
        data_dir: dir.path().to_path_buf(),
        http: "127.0.0.1:0".parse().expect("an address"),
        block_time,
        max_k,
        max_blob_size: largest_blob(max_k),
        ..NodeConfig::default()
    }
}

/// The producer of the run.
#[derive(Debug)]
pub struct Publisher {
    /// The node.
    pub node: Node,
    /// Its data dir.
    _dir: TempDir,
}

impl Publisher {
    /// Starts a publishing producer on loopback.
    ///
    /// # Errors
    /// [`SwarmError::Setup`] if the node does not start.
    pub async fn start(block_time: Duration, max_k: usize) -> Result<Self, SwarmError> {
        let dir = tempfile::tempdir().map_err(|e| SwarmError::Setup(e.to_string()))?;
        let config = NodeConfig {
            // Light clients hear of a header only from full nodes that hold its block.
            serve_light_clients: false,
            ..loopback_config(&dir, block_time, max_k)
        };
        let node = Node::start_publisher(config)
            .await
            .map_err(|e| SwarmError::Setup(format!("publisher: {e}")))?;
        Ok(Self { node, _dir: dir })
    }

    /// Its libp2p peer id.
    pub fn peer_id(&self) -> Option<PeerId> {
        self.node.net_info().peer_id
    }
}

/// Where full nodes run.
#[derive(Debug, Clone)]
pub enum FullNodeKind {
    /// In this process (their CPU and memory are not told apart from the harness's).
    InProcess,
    /// As `weft node start` processes of this binary, their niceness changed by `nice`
    /// (e.g. −10 to undo a harness's +10; ignored when not permitted).
    Process {
        /// The `weft` binary.
        bin: PathBuf,
        /// Niceness adjustment (`nice -n`), 0 for none.
        nice: i32,
    },
}

enum Running {
    Node(Box<Node>),
    Child(std::process::Child),
}

/// A full node following the publisher.
pub struct FullNode {
    /// HTTP URL.
    pub url: String,
    /// TCP multiaddr with `/p2p/<id>`.
    pub addr: Multiaddr,
    /// Process id (processes only).
    pub pid: Option<u32>,
    running: Running,
    _dir: TempDir,
}

impl std::fmt::Debug for FullNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FullNode")
            .field("url", &self.url)
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

fn tcp_with_id(addrs: &[String]) -> Option<Multiaddr> {
    addrs
        .iter()
        .filter_map(|a| a.parse::<Multiaddr>().ok())
        .find(|a| {
            a.iter()
                .all(|p| !matches!(p, Protocol::Ws(_) | Protocol::QuicV1))
                && a.iter().any(|p| matches!(p, Protocol::P2p(_)))
        })
}

impl FullNode {
    /// Starts a full node following `producer` (bootstrapped to `bootstrap`).
    ///
    /// # Errors
    /// [`SwarmError::Setup`] if it does not start or answer within a minute.
    pub async fn start(
        kind: &FullNodeKind,
        producer: ProducerKey,
        bootstrap: &Multiaddr,
        max_k: usize,
        block_time: Duration,
    ) -> Result<Self, SwarmError> {
        let dir = tempfile::tempdir().map_err(|e| SwarmError::Setup(e.to_string()))?;
        match kind {
            FullNodeKind::InProcess => {
                let config = NodeConfig {
                    bootstrap: vec![bootstrap.to_string()],
                    producer_key: Some(producer),
                    ..loopback_config(&dir, block_time, max_k)
                };
                let node = Node::start(config)
                    .await
                    .map_err(|e| SwarmError::Setup(format!("full node: {e}")))?;
                Ok(Self {
                    url: node.url(),
                    addr: node.tcp_addr(),
                    pid: None,
                    running: Running::Node(Box::new(node)),
                    _dir: dir,
                })
            }
            FullNodeKind::Process { bin, nice } => {
                let http = format!("127.0.0.1:{}", weft_testkit::free_port());
                let log = std::fs::File::create(dir.path().join("node.log"))
                    .map_err(|e| SwarmError::Setup(e.to_string()))?;
                let mut command = if *nice == 0 {
                    std::process::Command::new(bin)
                } else {
                    let mut c = std::process::Command::new("nice");
                    c.args(["-n", &nice.to_string()]).arg(bin);
                    c
                };
                let child = command
                    .args(["node", "start", "--data-dir"])
                    .arg(dir.path().join("data"))
                    .args(["--http", &http, "--producer-key", &producer.to_string()])
                    .args(["--bootstrap", &bootstrap.to_string()])
                    .args(["--max-k", &max_k.to_string()])
                    .args(["--max-blob-size", &largest_blob(max_k).to_string()])
                    .args([
                        "--block-time",
                        &humantime::format_duration(block_time).to_string(),
                    ])
                    .env(
                        "WEFT_LOG",
                        std::env::var("WEFT_LOG").unwrap_or_else(|_| "warn".into()),
                    )
                    .stdout(Stdio::null())
                    .stderr(log)
                    .spawn()
                    .map_err(|e| SwarmError::Setup(format!("{}: {e}", bin.display())))?;
                let url = format!("http://{http}");
                let pid = child.id();
                let mut node = Self {
                    url: url.clone(),
                    addr: Multiaddr::empty(),
                    pid: Some(pid),
                    running: Running::Child(child),
                    _dir: dir,
                };
                let deadline = tokio::time::Instant::now() + START_LIMIT;
                loop {
                    if let Ok(answer) = reqwest::get(format!("{url}/v1/node/info")).await {
                        if let Ok(info) = answer.json::<NodeInfo>().await {
                            if let Some(addr) = tcp_with_id(&info.listen_addrs) {
                                node.addr = addr;
                                return Ok(node);
                            }
                        }
                    }
                    if tokio::time::Instant::now() > deadline {
                        node.stop().await;
                        return Err(SwarmError::Setup(format!(
                            "{} did not answer within {START_LIMIT:?}",
                            bin.display()
                        )));
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    /// Its `weft_cells_served_p2p` counter.
    pub async fn cells_served(&self) -> u64 {
        self.counters(&["weft_cells_served_p2p"]).await[0]
    }

    /// The values of counters `names` in one read of its `/metrics` (0 for one that cannot be
    /// read).
    pub async fn counters(&self, names: &[&str]) -> Vec<u64> {
        let text = match reqwest::get(format!("{}/metrics", self.url)).await {
            Ok(answer) => answer.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        names
            .iter()
            .map(|name| {
                let (total, plain) = (format!("{name}_total "), format!("{name} "));
                text.lines()
                    .find(|l| l.starts_with(&total) || l.starts_with(&plain))
                    .and_then(|l| l.split_whitespace().last()?.parse::<f64>().ok())
                    .map_or(0, |v| v as u64)
            })
            .collect()
    }

    /// Stops it.
    pub async fn stop(self) {
        match self.running {
            Running::Node(node) => node.stop().await,
            Running::Child(mut child) => {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                for _ in 0..100 {
                    if child.try_wait().ok().flatten().is_some() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
