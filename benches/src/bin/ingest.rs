//! `ingest`: node ingest end to end with each encoder — blobs submitted over HTTP, each waited
//! for until it is in a signed, stored block — and what limits it. Prints one JSON line per
//! encoder and a table.
//!
//! `cargo run -p weft-benches --bin ingest -- --encoder cpu --duration 60s --max-k 32`

use std::time::Duration;

use clap::Parser;
use weft_benches::ingest::{run_ingest, IngestConfig};
use weft_node::config::EncoderChoice;

#[derive(Debug, Parser)]
#[command(about = "Node ingest (HTTP submit → signed, stored block) per encoder")]
struct Args {
    /// Encoders to measure, comma-separated: cpu, cuda, auto.
    #[arg(long, value_delimiter = ',', default_value = "cpu")]
    encoder: Vec<EncoderChoice>,
    /// Bytes per blob.
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    blob_size: usize,
    /// Submissions in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// How long to submit, e.g. 60s.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "60s")]
    duration: Duration,
    /// The node's largest square (a power of two up to 128).
    #[arg(long, default_value_t = 128)]
    max_k: usize,
    /// The node's block interval. Short by default: a block holds at most k × 128 KiB, so one
    /// block per interval caps ingest (16 MiB per second at k = 128 and 1 s); at 100 ms the
    /// producer starts the next block as soon as the last one is stored.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "100ms")]
    block_time: Duration,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let mut reports = Vec::new();
    for &encoder in &args.encoder {
        let report = run_ingest(&IngestConfig {
            encoder,
            blob_size: args.blob_size,
            concurrency: args.concurrency,
            duration: args.duration,
            max_k: args.max_k,
            block_time: args.block_time,
        })
        .await
        .map_err(|e| format!("--encoder {encoder}: {e}"))?;
        println!("{}", serde_json::to_string(&report).expect("json"));
        reports.push(report);
    }
    println!();
    println!(
        "{:<8} {:<22} {:>10} {:>7} {:>6} {:>10} {:>9} {:>12} {:>11} {:>10}",
        "encoder",
        "device",
        "MiB/s",
        "blocks",
        "k",
        "encode ms",
        "store ms",
        "encode-bound",
        "store-bound",
        "http-json"
    );
    for r in &reports {
        println!(
            "{:<8} {:<22} {:>10.2} {:>7} {:>6.1} {:>10.1} {:>9.1} {:>12.1} {:>11.1} {:>10.1}  limited by {}",
            r.encoder,
            r.device,
            r.sustained_mib_per_s,
            r.blocks,
            r.mean_k,
            r.encode_ms,
            r.store_ms,
            r.encode_bound_mib_per_s,
            r.store_bound_mib_per_s,
            r.http_accept_mib_per_s,
            r.limited_by
        );
    }
    Ok(())
}
