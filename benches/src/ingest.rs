//! Node ingest end to end: HTTP submissions of equal blobs (2 MiB by default) to a producer
//! running in this process with a given encoder, each waiting until its blob is in a signed,
//! stored block; the sustained rate of included blob data, and where a block's time goes
//! (layout, encoding and signing; the RocksDB write) from the node's own metrics, beside the
//! rate the HTTP and JSON path alone accepts blobs (`?wait=false`).

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::{stream, StreamExt};
use serde::Serialize;
use weft_client::{submit_with_retry, Client, Retry, Submitted};
use weft_encoding::layout::Namespace;
use weft_node::{
    config::{EncoderChoice, HttpLimits},
    Node, NodeConfig,
};

/// One ingest run's settings.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// The node's encoder.
    pub encoder: EncoderChoice,
    /// Bytes per blob.
    pub blob_size: usize,
    /// Submissions in flight at once.
    pub concurrency: usize,
    /// How long blobs are submitted.
    pub duration: Duration,
    /// The node's largest square.
    pub max_k: usize,
    /// The node's block interval.
    pub block_time: Duration,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// `cpu` or `cuda` (what the node reports).
    pub encoder: String,
    /// The encoder's device.
    pub device: String,
    /// Bytes per blob.
    pub blob_size: usize,
    /// Blobs included in stored blocks during the run.
    pub blobs_included: u64,
    /// Included blob data per second over the run, MiB/s.
    pub sustained_mib_per_s: f64,
    /// Blocks produced.
    pub blocks: u64,
    /// Mean k of the blocks.
    pub mean_k: f64,
    /// Mean time to lay out, encode and sign a block, ms.
    pub encode_ms: f64,
    /// Mean time to write a block to RocksDB, ms.
    pub store_ms: f64,
    /// Mean time to produce a block (encode, sign, store and the rest), ms.
    pub production_ms: f64,
    /// Blob data the encoder alone could take, MiB/s (mean square data / mean encode time).
    pub encode_bound_mib_per_s: f64,
    /// Blob data the store alone could take, MiB/s.
    pub store_bound_mib_per_s: f64,
    /// Blob data the HTTP + JSON path accepted without waiting for blocks, MiB/s.
    pub http_accept_mib_per_s: f64,
    /// The smallest of the bounds: what limits ingest.
    pub limited_by: &'static str,
}

/// Errors of a run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The node would not start (e.g. `--encoder cuda` without a GPU).
    #[error("node: {0}")]
    Node(#[from] weft_node::NodeError),
    /// A submission failed.
    #[error("submission: {0}")]
    Submit(#[from] weft_client::ClientError),
    /// Setting up the run failed.
    #[error("setup: {0}")]
    Setup(String),
}

/// Sum and count of a histogram in the OpenMetrics text.
fn histogram(metrics: &str, name: &str) -> (f64, f64) {
    let value = |suffix: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}_{suffix} ")))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (value("sum"), value("count"))
}

/// Runs one ingest measurement on a fresh node in a temporary directory.
///
/// # Errors
/// [`IngestError`]: the node does not start, a submission fails.
pub async fn run_ingest(config: &IngestConfig) -> Result<IngestReport, IngestError> {
    let dir = tempfile::tempdir().map_err(|e| IngestError::Setup(e.to_string()))?;
    let node = Node::start(NodeConfig {
        data_dir: dir.path().into(),
        http: "127.0.0.1:0".parse().expect("an address"),
        block_time: config.block_time,
        max_k: config.max_k,
        max_blob_size: config.blob_size,
        max_pending_bytes: 1 << 30,
        submit_timeout: Some(Duration::from_secs(600)),
        http_limits: HttpLimits {
            max_connections_per_ip: 4 * config.concurrency,
            ..HttpLimits::default()
        },
        encoder: config.encoder,
        ..NodeConfig::default()
    })
    .await?;
    let (encoder, device) = (
        node.encoder().kind().to_string(),
        node.encoder().device().to_string(),
    );
    let client = Client::with_timeout(&node.url(), Duration::from_secs(900))?;

    // Sustained: workers submit and wait for inclusion until the deadline.
    let included = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + config.duration;
    stream::iter(0..config.concurrency)
        .map(|w| {
            let (client, included) = (client.clone(), included.clone());
            let size = config.blob_size;
            async move {
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let namespace = Namespace([(w % 200 + 1) as u8; 16]);
                    let data = random_blob(size, (w as u64) << 32 | i);
                    let retry = Retry {
                        attempts: 50,
                        ..Retry::default()
                    };
                    submit_with_retry(&client, namespace, &data, retry).await?;
                    included.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
                Ok::<(), IngestError>(())
            }
        })
        .buffer_unordered(config.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<()>, _>>()?;
    let elapsed = started.elapsed().as_secs_f64();
    let blobs_included = included.load(Ordering::Relaxed);
    let metrics = client.metrics().await?;
    let head = client.head().await?.header.height();
    let mut ks = Vec::new();
    for height in 1..=head {
        let k = client.header(height).await?.header.k();
        if k > 0 {
            ks.push(k as f64);
        }
    }
    let mean_k = ks.iter().sum::<f64>() / ks.len().max(1) as f64;

    // The HTTP + JSON path alone: queued submissions (202), answered before any block.
    let queued = config.concurrency.max(16);
    let accepting = Instant::now();
    stream::iter(0..queued)
        .map(|i| {
            let client = client.clone();
            let data = random_blob(config.blob_size, u64::MAX - i as u64);
            async move {
                match client.submit(Namespace([250; 16]), &data, false).await? {
                    Submitted::Queued(_) | Submitted::Included(_) => Ok::<(), IngestError>(()),
                }
            }
        })
        .buffer_unordered(config.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<()>, _>>()?;
    let accept_s = accepting.elapsed().as_secs_f64();
    node.stop().await;

    let mib = |bytes: f64| bytes / f64::from(1 << 20);
    let (encode_sum, blocks) = histogram(&metrics, "weft_block_encode_seconds");
    let (store_sum, _) = histogram(&metrics, "weft_block_store_seconds");
    let (production_sum, _) = histogram(&metrics, "weft_block_production_seconds");
    let per_block = |sum: f64| if blocks > 0.0 { sum / blocks } else { 0.0 };
    let bytes_per_block = if blocks > 0.0 {
        blobs_included as f64 * config.blob_size as f64 / blocks
    } else {
        0.0
    };
    let bound = |seconds: f64| {
        if seconds > 0.0 {
            mib(bytes_per_block) / seconds
        } else {
            f64::INFINITY
        }
    };
    let encode_bound = bound(per_block(encode_sum));
    let store_bound = bound(per_block(store_sum));
    let http_accept = mib((queued * config.blob_size) as f64) / accept_s;
    let limited_by = [
        ("encoding", encode_bound),
        ("store", store_bound),
        ("http_json", http_accept),
    ]
    .into_iter()
    .min_by(|a, b| a.1.total_cmp(&b.1))
    .map_or("encoding", |(name, _)| name);
    Ok(IngestReport {
        encoder,
        device,
        blob_size: config.blob_size,
        blobs_included,
        sustained_mib_per_s: mib(blobs_included as f64 * config.blob_size as f64) / elapsed,
        blocks: blocks as u64,
        mean_k,
        encode_ms: per_block(encode_sum) * 1e3,
        store_ms: per_block(store_sum) * 1e3,
        production_ms: per_block(production_sum) * 1e3,
        encode_bound_mib_per_s: encode_bound,
        store_bound_mib_per_s: store_bound,
        http_accept_mib_per_s: http_accept,
        limited_by,
    })
}

/// `size` random bytes, seeded (runs compare). Random, not a repeated byte: a constant blob is
/// a constant polynomial, whose FK20 and extension work is almost all zeros and encodes several
/// times faster than the high-entropy data rollups post.
fn random_blob(size: usize, seed: u64) -> Vec<u8> {
    use rand::{RngCore, SeedableRng};
    let mut data = vec![0u8; size];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut data);
    data
}
