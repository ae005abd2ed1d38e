//! `finality`: submit → receipt latency on a chain of validators against a single producer, at
//! one square size: one blob per block time, each filling a k-row square, submitted in turn to
//! each validator (or to the producer) and waited for (`POST /v1/blobs` answers 200 once the
//! blob's block is stored — on validators, once it is finalized and encoded). Prints p50, p99
//! and the largest latency, and the block time actually held (header timestamps), one line per
//! setup.
//!
//! `cargo run -p weft-benches --bin finality -- --k 8 --blobs 30`

use std::{path::Path, sync::Arc, time::Duration};

use clap::Parser;
use tokio::sync::Mutex;
use weft_client::{Client, Submitted};
use weft_encoding::{constants::FIELD_ELEMENTS_PER_ROW, layout::Namespace};
use weft_node::{Node, NodeConfig};

#[derive(Debug, Parser)]
#[command(about = "Submit → receipt latency: validators against a single producer")]
struct Args {
    /// Rows of each block's square: each blob fills a square of this k (a power of two ≤ 128).
    #[arg(long, default_value_t = 8)]
    k: usize,
    /// Blobs submitted per setup (one per block time).
    #[arg(long, default_value_t = 30)]
    blobs: usize,
    /// Block interval of both setups.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    block_time: Duration,
    /// Validators of the validator setup.
    #[arg(long, default_value_t = 4)]
    validators: usize,
}

/// Bytes of a blob that needs a square of `k` rows (more than half of it).
fn blob_size(k: usize) -> usize {
    // 31 bytes per field element; the index takes a few elements.
    (k / 2 * FIELD_ELEMENTS_PER_ROW + FIELD_ELEMENTS_PER_ROW / 2) * 31
}

/// One setup's figures.
struct Figures {
    latencies: Vec<Duration>,
    block_time_held: Duration,
}

async fn measure(nodes: &[Node], args: &Args) -> Result<Figures, String> {
    let clients: Vec<Client> = nodes
        .iter()
        .map(|n| Client::new(&n.url()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let first_height = clients[0].head().await.map_or(0, |h| h.header.height());
    let mut tasks = Vec::new();
    for i in 0..args.blobs {
        let client = clients[i % clients.len()].clone();
        let latencies = latencies.clone();
        let data: Vec<u8> = (0..blob_size(args.k))
            .map(|j| (j as u64 * 131 + i as u64) as u8)
            .collect();
        tasks.push(tokio::spawn(async move {
            let namespace = Namespace([(i % 250) as u8 + 1; 16]);
            let started = tokio::time::Instant::now();
            match client.submit(namespace, &data, true).await {
                Ok(Submitted::Included(_)) => latencies.lock().await.push(started.elapsed()),
                other => eprintln!("blob {i}: {other:?}"),
            }
        }));
        tokio::time::sleep(args.block_time).await;
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())?;
    }
    let last = clients[0].head().await.map_err(|e| e.to_string())?;
    let first = clients[0]
        .header(first_height.max(1))
        .await
        .map_err(|e| e.to_string())?;
    let blocks = last.header.height() - first.header.height();
    let span = last.header.unsigned.timestamp_ms - first.header.unsigned.timestamp_ms;
    let mut latencies = latencies.lock().await.clone();
    latencies.sort();
    Ok(Figures {
        latencies,
        block_time_held: Duration::from_millis(span / blocks.max(1)),
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn config(dir: &Path, args: &Args) -> NodeConfig {
    NodeConfig {
        data_dir: dir.to_path_buf(),
        http: "127.0.0.1:0".parse().expect("valid address"),
        block_time: args.block_time,
        max_k: args.k,
        max_blob_size: blob_size(args.k),
        ..NodeConfig::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let mut lines = Vec::new();
    {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let producer = Node::start(config(dir.path(), &args))
            .await
            .map_err(|e| e.to_string())?;
        let figures = measure(std::slice::from_ref(&producer), &args).await?;
        producer.stop().await;
        lines.push(("single producer".to_string(), figures));
    }
    {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (_, validators) =
            weft_testkit::start_validators_with(dir.path(), args.validators, |c| NodeConfig {
                block_time: args.block_time,
                max_k: args.k,
                max_blob_size: blob_size(args.k),
                ..c
            })
            .await;
        let figures = measure(&validators, &args).await?;
        for v in validators {
            v.stop().await;
        }
        lines.push((format!("{} validators", args.validators), figures));
    }
    println!(
        "k = {}, blob {} B, one blob per {:?}, {} blobs per setup",
        args.k,
        blob_size(args.k),
        args.block_time,
        args.blobs
    );
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>16}",
        "setup", "receipts", "p50 ms", "p99 ms", "max ms", "block time held"
    );
    for (name, f) in &lines {
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>13} ms",
            name,
            f.latencies.len(),
            percentile(&f.latencies, 0.5).as_millis(),
            percentile(&f.latencies, 0.99).as_millis(),
            f.latencies.last().copied().unwrap_or_default().as_millis(),
            f.block_time_held.as_millis()
        );
    }
    Ok(())
}
