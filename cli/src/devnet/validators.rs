//! `weft devnet --validators N`: N validators of one genesis (written to DATA_DIR/net on the
//! first run) and a full node that follows them given only the genesis, all in this process,
//! consensus on loopback.

use weft_consensus::genesis::{validator_dir, write_genesis, GENESIS_FILE};
use weft_node::{Node, NodeConfig};
use weft_types::ValidatorSet;

use super::{demo, DevnetArgs};
use crate::{node_cmd::shutdown_signal, CliError};

/// Chain id of the devnet's validator chain.
const DEVNET_CHAIN_ID: &str = "weft-devnet";

/// The genesis in `DATA_DIR/net` (written with `--validators` fresh validators if absent).
fn genesis(args: &DevnetArgs) -> Result<ValidatorSet, CliError> {
    let net = args.data_dir.join("net");
    let path = net.join(GENESIS_FILE);
    let n = usize::from(args.validators);
    if !path.exists() {
        write_genesis(&net, n, DEVNET_CHAIN_ID, "127.0.0.1", args.consensus_port)
            .map_err(|e| CliError::usage(format!("--validators {n}: {e}")))?;
    }
    let (_, set) = weft_consensus::genesis::load_genesis(&path)
        .map_err(|e| CliError::failure(e.to_string()))?;
    if set.len() != n {
        return Err(CliError::usage(format!(
            "--validators {n}: {} holds a genesis of {} validators; give --validators {} or another --data-dir",
            path.display(),
            set.len(),
            set.len()
        )));
    }
    Ok(set)
}

pub(super) async fn run(args: &DevnetArgs) -> Result<(), CliError> {
    let set = genesis(args)?;
    let net = args.data_dir.join("net");
    let genesis_file = net.join(GENESIS_FILE);
    let mut validators: Vec<Node> = Vec::new();
    for i in 0..set.len() {
        let first = validators.first();
        let started = Node::start(NodeConfig {
            data_dir: args.data_dir.join(format!("validator-{i}")),
            http: if i == 0 {
                args.http
            } else {
                (args.http.ip(), 0).into()
            },
            p2p_port: if i == 0 { args.p2p_port } else { 0 },
            block_time: args.block_time,
            page_dir: crate::node_cmd::default_page_dir(),
            bootstrap: first
                .map(|v| vec![v.tcp_addr().to_string()])
                .unwrap_or_default(),
            genesis: Some(genesis_file.clone()),
            validator_key: Some(validator_dir(&net, i)),
            ..NodeConfig::default()
        })
        .await;
        match started {
            Ok(node) => validators.push(node),
            Err(e) => {
                for v in validators {
                    v.stop().await;
                }
                return Err(e.into());
            }
        }
    }
    let full = Node::start(NodeConfig {
        data_dir: args.data_dir.join("full"),
        http: args.full_http,
        bootstrap: vec![validators[0].tcp_addr().to_string()],
        genesis: Some(genesis_file.clone()),
        ..NodeConfig::default()
    })
    .await;
    let full = match full {
        Ok(full) => full,
        Err(e) => {
            for v in validators {
                v.stop().await;
            }
            return Err(e.into());
        }
    };
    println!(
        "weft devnet: {} validators of chain {:?} (quorum {}) and a full node on RocksDB in {}",
        set.len(),
        set.chain_id(),
        set.quorum(),
        args.data_dir.display()
    );
    for (i, v) in validators.iter().enumerate() {
        let page = if i == 0 {
            format!("   (light-client page: {}/)", v.url())
        } else {
            String::new()
        };
        println!("  validator {i}  {}{page}", v.url());
    }
    println!("  full node    {}", full.url());
    println!(
        "  genesis      {}   (--genesis of every node and light client)",
        genesis_file.display()
    );
    println!(
        "  bootstrap    {}   (another node's or a light client's --bootstrap)",
        validators[0].tcp_addr()
    );
    println!(
        "  submitting a {} B blob every {:?} to each validator in turn; Ctrl-C to stop",
        args.blob_size, args.blob_every
    );
    let result = tokio::select! {
        r = demo(&validators, &full, args) => r,
        () = shutdown_signal() => Ok(()),
    };
    println!("stopping…");
    full.stop().await;
    for v in validators {
        v.stop().await;
    }
    result
}
