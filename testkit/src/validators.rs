//! A chain of validators in this process, for tests: a fresh genesis whose consensus addresses
//! are free loopback ports below Linux's ephemeral range (a validator's port must not be taken
//! by some process's outgoing connection), and one node per validator.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    time::Duration,
};

use weft_node::{Node, NodeConfig};

use crate::{TEST_MAX_BLOB, TEST_MAX_K};

/// A base port with the next `n` ports free on loopback now, in 20000–31999.
///
/// # Panics
/// If no such run is found in 200 tries.
pub fn consensus_ports(n: u16) -> u16 {
    let probe = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(1, |a| u32::from(a.port()));
    let mut seed = probe.wrapping_mul(2_654_435_761) ^ std::process::id();
    for _ in 0..200 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let base = 20_000 + (seed % 12_000) as u16;
        if (0..n).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no {n} consecutive free ports");
}

/// `n` validators of a new genesis in `dir/net` (chain `weft-test`), each a node on
/// `dir/validator-i` with HTTP on an ephemeral loopback port, blocks every `block_time`, small
/// squares, serving `page_dir` at `/` when given; validators after the first bootstrap from it.
/// Returns the genesis file and the nodes.
///
/// # Panics
/// If the genesis cannot be written or a node does not start.
pub async fn start_validators(
    dir: &Path,
    n: usize,
    block_time: Duration,
    page_dir: Option<PathBuf>,
) -> (PathBuf, Vec<Node>) {
    start_validators_with(dir, n, |c| NodeConfig {
        block_time,
        page_dir: page_dir.clone(),
        ..c
    })
    .await
}

/// As [`start_validators`], each node's configuration passed through `configure` (which gets
/// the data dir, loopback HTTP, genesis, key and bootstrap set, small squares, and may change
/// the rest: block time, squares, page).
///
/// # Panics
/// If the genesis cannot be written or a node does not start.
pub async fn start_validators_with(
    dir: &Path,
    n: usize,
    configure: impl Fn(NodeConfig) -> NodeConfig,
) -> (PathBuf, Vec<Node>) {
    let net = dir.join("net");
    let base = consensus_ports(u16::try_from(n).expect("n fits u16"));
    weft_consensus::genesis::write_genesis(&net, n, "weft-test", "127.0.0.1", base)
        .expect("the genesis is written");
    let genesis = net.join(weft_consensus::genesis::GENESIS_FILE);
    let mut nodes: Vec<Node> = Vec::new();
    for i in 0..n {
        let node = Node::start(configure(NodeConfig {
            data_dir: dir.join(format!("validator-{i}")),
            http: "127.0.0.1:0".parse().expect("valid address"),
            max_k: TEST_MAX_K,
            max_blob_size: TEST_MAX_BLOB,
            bootstrap: nodes
                .first()
                .map(|v| vec![v.tcp_addr().to_string()])
                .unwrap_or_default(),
            genesis: Some(genesis.clone()),
            validator_key: Some(weft_consensus::genesis::validator_dir(&net, i)),
            ..NodeConfig::default()
        }))
        .await
        .expect("a validator starts");
        nodes.push(node);
    }
    (genesis, nodes)
}
