//! The block producer: every block interval it takes pending blobs (oldest first, as many as
//! fit the largest square), encodes and signs the block, stores it atomically, tells the
//! submitters, and gossips the header. Empty intervals produce a header with k = 0.

use std::{sync::Arc, time::Duration};

use ed25519_dalek::SigningKey;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_p2p::NetworkHandle;

use crate::{
    block::build_block,
    error::Result,
    health::{supervise, Health, TaskError},
    mempool::{Mempool, Pending},
    metrics::Metrics,
    store::Store,
};

/// Block writes failing in a row after which the producer task gives up and dies (its
/// supervisor starts it again, and stops the node if that keeps happening).
const MAX_FAILED_BLOCKS: u32 = 3;

/// Everything the producer needs.
#[derive(Debug, Clone)]
pub(crate) struct ProducerArgs {
    /// Signs headers.
    pub key: SigningKey,
    /// Encodes squares.
    pub encoder: crate::Encoder,
    /// Where blocks go.
    pub store: Store,
    /// Where blobs wait.
    pub mempool: Arc<Mempool>,
    /// Gossips headers.
    pub network: NetworkHandle,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Block interval.
    pub block_time: Duration,
    /// Largest k.
    pub max_k: usize,
    /// Pruning window.
    pub prune_after: Option<u64>,
    /// Stops the producer (after the block in progress is stored).
    pub cancel: CancellationToken,
    /// Told of every stored block.
    pub health: Arc<Health>,
}

/// Starts the producer task under supervision (see [`crate::health::supervise`]).
pub(crate) fn spawn(args: ProducerArgs) -> JoinHandle<()> {
    let (health, cancel) = (args.health.clone(), args.cancel.clone());
    supervise("producer", health, cancel, move || run(args.clone()))
}

/// Produces a block every interval until cancelled; ends with an error after
/// [`MAX_FAILED_BLOCKS`] failed blocks in a row (a store that cannot be written).
async fn run(args: ProducerArgs) -> std::result::Result<(), TaskError> {
    let mut interval = tokio::time::interval(args.block_time);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    let mut failed = 0;
    loop {
        tokio::select! {
                    () = args.cancel.cancelled() => break,
        _ = interval.tick() => {
                        // Once our key is known to have signed someone else's blocks too, no more
                        // blocks from this node.
                        if args.health.equivocation().is_some() {
                            continue;
                        }
                        match produce(&args).await {
                        Ok(()) => failed = 0,
                        Err(e) => {
                            failed += 1;
                            tracing::error!("block production failed ({failed} in a row): {e}");
                            if failed >= MAX_FAILED_BLOCKS {
                                return Err(TaskError::Blocks { in_a_row: failed, last: e });
                            }
                        }
                    }
                    }
                }
    }
    tracing::debug!("producer stopped");
    Ok(())
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Produces and stores one block.
async fn produce(args: &ProducerArgs) -> Result<()> {
    let taken: Vec<Pending> = args
        .mempool
        .take(args.max_k, &std::collections::HashSet::new());
    let store = args.store.clone();
    let (encoder, key, max_k, prune) = (
        args.encoder.clone(),
        args.key.clone(),
        args.max_k,
        args.prune_after,
    );
    let blobs: Vec<_> = taken.iter().map(|p| p.blob.clone()).collect();
    // An acknowledged blob larger than today's --max-k allows still gets a block of its own.
    let needed = weft_encoding::layout::smallest_k(weft_encoding::layout::elements_needed(
        blobs.iter().map(|b| b.data.len()),
    ));
    let max_k = max_k.max(needed);
    let started = std::time::Instant::now();
    let encode_seconds = args.metrics.block_encode_seconds.clone();
    let store_seconds = args.metrics.block_store_seconds.clone();
    let mempool = args.mempool.clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<_> {
        let parent = store.header(store.head()?)?;
        let encoding = std::time::Instant::now();
        let (block, _) = build_block(&encoder, &key, parent.as_ref(), &blobs, max_k, now_ms())?;
        encode_seconds.observe(encoding.elapsed().as_secs_f64());
        mempool.observe(block.header.k(), encoding.elapsed());
        // The receipts of every id acknowledged for these blobs (a blob submitted twice is one).
        let included = mempool.receipts(block.header.height(), &block.index);
        let storing = std::time::Instant::now();
        store.put_block(&block, &included, prune)?;
        mempool.finalized(block.header.height(), &block.index);
        store_seconds.observe(storing.elapsed().as_secs_f64());
        Ok((block, included))
    })
    .await
    .expect("block production does not panic");
    let (block, included) = match outcome {
        Ok(done) => done,
        Err(e) => {
            args.mempool.restore(taken);
            return Err(e);
        }
    };
    let height = block.header.height();
    args.metrics
        .block_encode_ms
        .set(started.elapsed().as_millis() as u64);
    args.metrics
        .block_production_seconds
        .observe(started.elapsed().as_secs_f64());
    for pending in &taken {
        args.metrics
            .ingest_latency_seconds
            .observe(pending.accepted.elapsed().as_secs_f64());
    }
    args.health.block_stored();
    args.metrics.blocks_produced.inc();
    args.metrics.head_height.set(height);
    args.metrics.head_k.set(block.header.k() as u64);
    let (n, bytes) = args.mempool.len_and_bytes();
    args.metrics.pending_blobs.set(n as u64);
    args.metrics.pending_bytes.set(bytes as u64);
    tracing::info!(
        height,
        k = block.header.k(),
        blobs = included.len(),
        ms = started.elapsed().as_millis() as u64,
        "produced block"
    );
    args.mempool.notify(&included);
    args.network.publish(block.header).await;
    Ok(())
}
