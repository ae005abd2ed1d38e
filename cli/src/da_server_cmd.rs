//! `weft da-server`: the OP Stack Alt-DA DA server (`weft-alt-da`) in front of a Weft node, for
//! op-batcher and op-node's `--altda.da-server` flag.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;
use weft_alt_da::{DaServer, DaServerConfig, DEFAULT_MAX_PUTS};

use crate::{
    node_cmd::shutdown_signal,
    reads::{parse_namespace, trusted},
    CliError,
};

/// Flags of `weft da-server`.
#[derive(Debug, Args)]
pub(crate) struct DaServerArgs {
    /// The Weft node's HTTP URL.
    #[arg(long, default_value = "http://127.0.0.1:7580")]
    node: String,
    /// Namespace the rollup's batches go to: 32 hex characters.
    #[arg(long)]
    namespace: String,
    /// The trusted producer's key (64 hex chars): every header read must be signed by it. Also
    /// read from $WEFT_PRODUCER_KEY, or `producer_key` in --config FILE; required (get it from a
    /// node you trust: `weft node info`).
    #[arg(long, env = "WEFT_PRODUCER_KEY")]
    producer_key: Option<String>,
    /// A settings file (TOML) whose `producer_key` is the trusted key.
    #[arg(long)]
    config: Option<PathBuf>,
    /// On a chain run by validators: its genesis file (`weft genesis`); every header read must
    /// be signed by a validator and carry a certificate of more than two thirds of them.
    /// Instead of --producer-key.
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// Where to listen for op-batcher and op-node.
    #[arg(long, default_value = "127.0.0.1:3100")]
    listen: SocketAddr,
    /// Largest put body in bytes [default: the node's max blob size].
    #[arg(long)]
    max_blob_size: Option<usize>,
    /// Time one put may take: the submission, its block and the verified read (as
    /// weft_alt_da::DEFAULT_PUT_TIMEOUT).
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    put_timeout: Duration,
    /// Time one get may take (as weft_alt_da::DEFAULT_GET_TIMEOUT).
    #[arg(long, default_value = "1m", value_parser = humantime::parse_duration)]
    get_timeout: Duration,
    /// Puts in flight at once; more are answered 503.
    #[arg(long, default_value_t = DEFAULT_MAX_PUTS)]
    max_puts: usize,
}

pub(crate) async fn run(args: DaServerArgs) -> Result<(), CliError> {
    let namespace = parse_namespace(&args.namespace)?;
    let trust = trusted(
        args.producer_key.as_deref(),
        args.genesis.as_deref(),
        args.config.as_deref(),
    )?;
    if args.max_puts == 0 {
        return Err(CliError::usage("--max-puts must be at least 1"));
    }
    if args.max_blob_size == Some(0) {
        return Err(CliError::usage("--max-blob-size must be at least 1"));
    }
    for (flag, value) in [
        ("--put-timeout", args.put_timeout),
        ("--get-timeout", args.get_timeout),
    ] {
        if value.is_zero() {
            return Err(CliError::usage(format!("{flag} must be more than 0s")));
        }
    }
    let config = DaServerConfig {
        max_blob_size: args.max_blob_size,
        put_timeout: args.put_timeout,
        get_timeout: args.get_timeout,
        max_puts: args.max_puts,
        ..DaServerConfig::new(args.node, namespace, trust, args.listen)
    };
    let server = DaServer::start(config)
        .await
        .map_err(|e| CliError::failure(e.to_string()))?;
    println!(
        "Alt-DA server for namespace {namespace} at {} (op-batcher and op-node: --altda.enabled=true --altda.da-service=true --altda.da-server={})",
        server.url(),
        server.url()
    );
    shutdown_signal().await;
    println!("stopping…");
    server.stop().await;
    Ok(())
}
