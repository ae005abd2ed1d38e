//! `weft devnet`: a producer (or, with `--validators N`, a chain of N validators) and a full
//! node in one process on embedded RocksDB stores, a demo blob every few seconds, and a line per
//! blob showing what each node stored and served.

mod validators;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use base64::{engine::general_purpose::STANDARD, Engine};
use clap::Args;
use rand::Rng;
use weft_client::{submit_with_retry, BlobReceipt, Client, Retry};
use weft_consensus::genesis::DEFAULT_CONSENSUS_PORT;
use weft_node::{Node, NodeConfig};

use crate::{blob_cmd::node_error, node_cmd::shutdown_signal, reads::client, CliError};

/// How long to wait for the full node to store a block.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(30);

/// Flags of `weft devnet`.
#[derive(Debug, Args)]
pub(crate) struct DevnetArgs {
    /// Where both nodes keep their stores and keys.
    #[arg(long, default_value = "./weft-devnet")]
    data_dir: PathBuf,
    /// The producer's HTTP address.
    #[arg(long, default_value = "127.0.0.1:7580")]
    http: SocketAddr,
    /// The full node's HTTP address.
    #[arg(long, default_value = "127.0.0.1:7590")]
    full_http: SocketAddr,
    /// The producer's p2p port (TCP and QUIC), fixed so that the bootstrap address it prints
    /// stays valid across restarts (0: any free port).
    #[arg(long, default_value_t = 7581)]
    p2p_port: u16,
    /// Block interval.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    block_time: Duration,
    /// Interval between demo blobs.
    #[arg(long, default_value = "3s", value_parser = humantime::parse_duration)]
    blob_every: Duration,
    /// Size of each demo blob in bytes.
    #[arg(long, default_value_t = 16 * 1024)]
    blob_size: usize,
    /// Stop after this many demo blobs (0: run until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    blobs: usize,
    /// Run a chain of this many validators instead of one producer (0), and the full node
    /// following it with the genesis: the genesis and keys are written to DATA_DIR/net on the
    /// first run and reused after; validator 0 serves --http and the page, the others any free
    /// port; demo blobs go to each validator in turn.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=64))]
    validators: u16,
    /// Consensus port of validator 0 with --validators (validator i: this + i, on 127.0.0.1).
    #[arg(long, default_value_t = DEFAULT_CONSENSUS_PORT)]
    consensus_port: u16,
}

pub(crate) async fn run(args: DevnetArgs) -> Result<(), CliError> {
    if args.blob_size == 0 {
        return Err(CliError::usage("--blob-size must be at least 1"));
    }
    if args.validators > 0 {
        return validators::run(&args).await;
    }
    let producer = Node::start(NodeConfig {
        data_dir: args.data_dir.join("producer"),
        http: args.http,
        p2p_port: args.p2p_port,
        block_time: args.block_time,
        page_dir: crate::node_cmd::default_page_dir(),
        ..NodeConfig::default()
    })
    .await?;
    let full = Node::start(NodeConfig {
        data_dir: args.data_dir.join("full"),
        http: args.full_http,
        bootstrap: vec![producer.tcp_addr().to_string()],
        producer_key: Some(producer.producer_key()),
        ..NodeConfig::default()
    })
    .await?;
    println!(
        "weft devnet: a producer and a full node on RocksDB in {}",
        args.data_dir.display()
    );
    println!(
        "  producer   {}   (light-client page: {}/)",
        producer.url(),
        producer.url()
    );
    println!("  full node  {}", full.url());
    println!("  producer key {}", producer.producer_key());
    println!(
        "  bootstrap  {}   (another node's or a light client's --bootstrap)",
        producer.tcp_addr()
    );
    println!(
        "  submitting a {} B blob every {:?}; Ctrl-C to stop",
        args.blob_size, args.blob_every
    );
    let result = tokio::select! {
        r = demo(std::slice::from_ref(&producer), &full, &args) => r,
        () = shutdown_signal() => Ok(()),
    };
    println!("stopping…");
    full.stop().await;
    producer.stop().await;
    result
}

/// Submits a demo blob every `--blob-every` to each of `to` in turn and checks what the full
/// node serves of it.
async fn demo(to: &[Node], full: &Node, args: &DevnetArgs) -> Result<(), CliError> {
    let clients = to
        .iter()
        .map(|n| client(&n.url()))
        .collect::<Result<Vec<_>, _>>()?;
    let f = client(&full.url())?;
    let mut tick = tokio::time::interval(args.blob_every);
    let mut sent = 0usize;
    loop {
        tick.tick().await;
        let p = &clients[sent % clients.len()];
        let (namespace, data) = {
            let mut rng = rand::thread_rng();
            let mut ns = [0u8; 16];
            ns[15] = rng.gen_range(1..=4);
            let data: Vec<u8> = (0..args.blob_size).map(|_| rng.gen()).collect();
            (weft_encoding::layout::Namespace(ns), data)
        };
        let receipt = submit_with_retry(p, namespace, &data, Retry::default())
            .await
            .map_err(|e| node_error(p.url(), e))?;
        let line = match check_full(&f, p, &receipt, &data).await {
            Ok(check) => check,
            Err(e) => format!("full node: {e}"),
        };
        println!(
            "height {:>5}  ns …{}  {} B  commitment {}…  {line}",
            receipt.height,
            &namespace.to_string()[28..],
            data.len(),
            &receipt.commitment.to_hex()[..14]
        );
        sent += 1;
        if args.blobs > 0 && sent >= args.blobs {
            return Ok(());
        }
    }
}

/// Waits for the full node to store the block, then compares what both nodes serve.
async fn check_full(
    full: &Client,
    producer: &Client,
    receipt: &BlobReceipt,
    data: &[u8],
) -> Result<String, CliError> {
    let deadline = tokio::time::Instant::now() + FOLLOW_TIMEOUT;
    let header = loop {
        if let Ok(h) = full.header(receipt.height).await {
            break h;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(CliError::failure(format!(
                "block {} not synced after {FOLLOW_TIMEOUT:?}",
                receipt.height
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let blob = full
        .blob_by_commitment(&receipt.commitment)
        .await
        .map_err(|e| node_error(full.url(), e))?;
    let same_blob = STANDARD
        .decode(&blob.data)
        .map_err(|e| CliError::failure(e.to_string()))?
        == data;
    let k = header.header.k() as u16;
    let (row, col) = {
        let mut rng = rand::thread_rng();
        (rng.gen_range(0..2 * k), rng.gen_range(0..128u16))
    };
    let cell = |c: &Client| {
        let c = c.clone();
        let height = receipt.height;
        async move {
            c.cell(height, row, col)
                .await
                .map_err(|e| node_error(c.url(), e))
        }
    };
    let (a, b) = (cell(producer).await?, cell(full).await?);
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    Ok(format!(
        "k={k}  full node: blob {}  cell ({row},{col}) {}",
        mark(same_blob),
        mark(a == b)
    ))
}
