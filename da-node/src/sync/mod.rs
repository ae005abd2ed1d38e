//! Following the producer. Headers come by gossip and, for anything missed (a node started
//! late, a gap), by range requests; each must verify and extend the stored chain. Each block's
//! data is then fetched from peers (see [`fetch`]), verified against the header, stored and
//! served in turn.

mod assemble;
mod error;
mod fetch;

pub(crate) use error::SyncError;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use futures::StreamExt;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_encoding::layout::Digest32;
use weft_p2p::{HeaderStream, Misbehaviour, NetworkHandle};
use weft_types::{
    wire::{HeadersRequest, HeadersResponse, MAX_HEADERS_PER_REQUEST},
    Header, Trust, GENESIS_PARENT,
};

use crate::{
    equivocation::Watch,
    health::{supervise, Health, TaskError},
    metrics::Metrics,
    store::Store,
};

/// How often to look for missed headers when gossip is quiet.
const SYNC_INTERVAL: Duration = Duration::from_millis(500);
/// Most verified headers kept ahead of the stored head.
const MAX_HEADERS_AHEAD: usize = 4096;

/// Store failures in a row after which the sync task gives up and dies (its supervisor starts
/// it again, and stops the node if that keeps happening).
const MAX_STORE_FAILURES: u32 = 3;

/// Everything the syncer needs.
#[derive(Debug, Clone)]
pub(crate) struct SyncArgs {
    /// Where blocks go.
    pub store: Store,
    /// Where data comes from.
    pub network: NetworkHandle,
    /// Verified gossiped headers (shared so a restarted task takes them up).
    pub headers: Arc<tokio::sync::Mutex<HeaderStream>>,
    /// What headers are checked against: the producer followed, or the validator set.
    pub trust: Trust,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Pruning window.
    pub prune_after: Option<u64>,
    /// Stops the syncer.
    pub cancel: CancellationToken,
    /// Re-encodes reconstructed squares (the node's encoder, GPU or CPU).
    pub encoder: crate::Encoder,
    /// Told of every stored block and every header heard of.
    pub health: Arc<Health>,
    /// Compares headers for equivocation.
    pub watch: Watch,
    /// The pool of blobs acknowledged here (a full node of a validator chain): told of each
    /// stored block, whose receipts are stored with it.
    pub mempool: Option<Arc<crate::mempool::Mempool>>,
}

/// Starts the syncer task under supervision (see [`crate::health::supervise`]).
pub(crate) fn spawn(args: SyncArgs) -> JoinHandle<()> {
    let (health, cancel) = (args.health.clone(), args.cancel.clone());
    supervise("sync", health, cancel, move || run(args.clone()))
}

/// Follows the producer until cancelled; ends with an error after [`MAX_STORE_FAILURES`]
/// store failures in a row. Every other failure is retried with backoff.
async fn run(args: SyncArgs) -> Result<(), TaskError> {
    let mut headers = args.headers.clone().lock_owned().await;
    let mut ahead: BTreeMap<u64, Header> = BTreeMap::new();
    let mut fetcher = fetch::Fetcher::new(
        args.network.clone(),
        args.metrics.clone(),
        args.encoder.clone(),
    );
    let mut backoff = Backoff::default();
    let mut tick = tokio::time::interval(SYNC_INTERVAL);
    let mut store_failures = 0;
    args.watch.resume().await;
    loop {
        tokio::select! {
            () = args.cancel.cancelled() => break,
            Some(header) = headers.next() => {
                args.health.header_seen(header.height());
                if !args.watch.check(&header, &ahead).await && ahead.len() < MAX_HEADERS_AHEAD {
                    ahead.insert(header.height(), header);
                }
            }
            _ = tick.tick() => {}
        }
        args.watch.take_gossiped().await;
        if args.watch.stopped() {
            // The producer signed two chains: following either would be a guess.
            continue;
        }
        match advance(&args, &mut ahead, &mut fetcher, &mut backoff).await {
            Ok(()) => store_failures = 0,
            Err(SyncError::Store(e)) => {
                store_failures += 1;
                tracing::error!("sync: store failed ({store_failures} in a row): {e}");
                if store_failures >= MAX_STORE_FAILURES {
                    return Err(TaskError::Store {
                        in_a_row: store_failures,
                        last: e,
                    });
                }
            }
            Err(e) => tracing::warn!("sync: {e}"),
        }
    }
    tracing::debug!("syncer stopped");
    Ok(())
}

/// Stores as many consecutive blocks as are available.
async fn advance(
    args: &SyncArgs,
    ahead: &mut BTreeMap<u64, Header>,
    fetcher: &mut fetch::Fetcher,
    backoff: &mut Backoff,
) -> Result<(), SyncError> {
    loop {
        if args.cancel.is_cancelled() {
            return Ok(());
        }
        let head = args.store.head()?;
        ahead.retain(|h, _| *h > head);
        let next = head + 1;
        if !ahead.contains_key(&next) {
            request_headers(args, next, ahead).await;
        }
        if !backoff.ready(next) {
            return Ok(());
        }
        let Some(header) = ahead.remove(&next) else {
            return Ok(());
        };
        let parent = args.store.header(head)?;
        let linked = match &parent {
            Some(p) => header.follows(p),
            None => next == 1 && header.unsigned.parent_hash == Digest32(GENESIS_PARENT),
        };
        if !linked {
            // Either a peer's chain forked below us — its header at our head differs from
            // ours, which the range request from our head shows (an equivocation) — or a stray
            // header: retried with backoff, not at once.
            tracing::warn!("header {next} does not extend the stored chain; dropped");
            backoff.failed(next);
            request_headers(args, head, ahead).await;
            return Ok(());
        }
        // Outside the availability window of every peer (or our own): the header alone.
        let network_head = ahead
            .keys()
            .next_back()
            .copied()
            .unwrap_or(next)
            .max(args.health.network_head());
        let own_pruned = args
            .prune_after
            .is_some_and(|keep| next + keep <= network_head);
        if own_pruned || args.network.pruned_everywhere(next, network_head) {
            let store = args.store.clone();
            let stored = header.clone();
            tokio::task::spawn_blocking(move || store.put_header_only(&stored))
                .await
                .expect("store write does not panic")?;
            args.health.block_stored();
            args.metrics.head_height.set(next);
            args.network.stored(next).await;
            tracing::debug!(
                height = next,
                network_head,
                "header stored; its data is outside the availability window"
            );
            continue;
        }
        let block = match fetcher.block(&header).await {
            Ok(block) => block,
            Err(e) => {
                ahead.insert(next, header);
                backoff.failed(next);
                return Err(e);
            }
        };
        let store = args.store.clone();
        let prune = args.prune_after;
        let pool = args.mempool.clone();
        tokio::task::spawn_blocking(move || {
            let Some(pool) = pool else {
                return store.put_block(&block, &[], prune);
            };
            let included = pool.receipts(next, &block.index);
            store.put_block(&block, &included, prune)?;
            pool.finalized(next, &block.index);
            pool.notify(&included);
            Ok(())
        })
        .await
        .expect("store write does not panic")?;
        args.health.block_stored();
        args.network.stored(next).await;
        args.metrics.blocks_synced.inc();
        args.metrics.head_height.set(next);
        args.metrics.head_k.set(header.k() as u64);
        tracing::info!(height = next, k = header.k(), "synced block");
    }
}

/// Retry spacing for a block whose data cannot be completed yet (withheld, or no peer has it):
/// doubles from [`Backoff::FIRST`] up to [`Backoff::MAX`], per height.
#[derive(Debug, Default)]
struct Backoff {
    height: u64,
    pauses: Option<backon::ExponentialBackoff>,
    until: Option<tokio::time::Instant>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(500);
    const MAX: Duration = Duration::from_secs(16);

    fn ready(&self, height: u64) -> bool {
        self.height != height || self.until.is_none_or(|t| tokio::time::Instant::now() >= t)
    }

    fn failed(&mut self, height: u64) {
        if self.height != height || self.pauses.is_none() {
            self.height = height;
            self.pauses = Some(backon::BackoffBuilder::build(
                backon::ExponentialBuilder::new()
                    .with_min_delay(Self::FIRST)
                    .with_max_delay(Self::MAX)
                    .without_max_times(),
            ));
        }
        let wait = self
            .pauses
            .as_mut()
            .and_then(Iterator::next)
            .unwrap_or(Self::MAX);
        self.until = Some(tokio::time::Instant::now() + wait);
    }
}

/// Asks full peers for verified headers from `from` on.
async fn request_headers(args: &SyncArgs, from: u64, ahead: &mut BTreeMap<u64, Header>) {
    for peer in args.network.full_peers() {
        let req = HeadersRequest {
            from,
            count: MAX_HEADERS_PER_REQUEST,
        };
        let Ok(HeadersResponse::Headers(raw)) = args.network.headers(peer, req).await else {
            continue;
        };
        // On a validator chain a header the engine finalized through a descendant is final
        // only with that descendant: the range is checked as a run (`verify_run`), and headers
        // after its last certified one are asked for again later.
        let run: Result<Vec<Header>, _> = raw.iter().map(|b| Header::from_bytes(b)).collect();
        let checked = run.and_then(|run| Ok((weft_types::verify_run(&run, &args.trust)?, run)));
        let (final_count, run) = match checked {
            Ok(checked) => checked,
            Err(e) => {
                tracing::warn!("peer {peer} served an invalid header: {e}");
                args.network
                    .penalise(peer, Misbehaviour::InvalidHeader)
                    .await;
                continue;
            }
        };
        let mut got = false;
        for h in run.into_iter().take(final_count) {
            // Ahead of our clock: not yet (the rest of the range is later still).
            if h.check_clock(weft_p2p::exec::unix_ms()).is_err() {
                break;
            }
            if args.watch.check(&h, ahead).await {
                return;
            }
            if h.height() >= from {
                args.health.header_seen(h.height());
                got |= h.height() == from;
                ahead.insert(h.height(), h);
            }
        }
        if got {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_failing_height_waits_longer_each_time_and_another_starts_afresh() {
        let mut backoff = Backoff::default();
        assert!(backoff.ready(5));
        let mut waits = Vec::new();
        for _ in 0..7 {
            backoff.failed(5);
            let started = tokio::time::Instant::now();
            while !backoff.ready(5) {
                tokio::time::advance(Duration::from_millis(50)).await;
            }
            waits.push(started.elapsed().as_millis());
        }
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 16000, 16000]);
        backoff.failed(6);
        assert!(backoff.ready(5), "another height is not held");
        assert!(!backoff.ready(6));
        tokio::time::advance(Backoff::FIRST).await;
        assert!(backoff.ready(6), "a new height starts at the first pause");
    }
}
