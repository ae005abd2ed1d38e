//! The validator's writer of finalized blocks: consensus hands over a committed square and its
//! certified header; the writer encodes the whole square (cells, FK20 proofs, the extension)
//! on the encoder's threads, off the consensus thread, and stores the blocks strictly in
//! height order, with the receipts of the blobs acknowledged here (by commitment: another
//! validator may have proposed it) — then tells the submitters, counts, and announces the header.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use tokio::sync::mpsc;
use weft_p2p::NetworkHandle;
use weft_types::Header;

use crate::{
    block::CommittedSquare, health::Health, mempool::Mempool, metrics::Metrics, store::Store,
    Encoder,
};

/// A finalized block waiting to be encoded and stored.
pub(crate) struct Finalized {
    /// Its square, laid out and committed (checked against the header).
    pub(crate) square: CommittedSquare,
    /// Its header, with the certificate that finalized it.
    pub(crate) header: Header,
    /// Whether this node proposed it (counted in `weft_blocks_produced`).
    pub(crate) own: bool,
    /// Whether to announce the header on gossip: by its proposer, and only a header carrying
    /// its own certificate (one finalized through a descendant is fetched by followers with
    /// the descendant).
    pub(crate) announce: bool,
}

/// What the writer needs from the node.
#[derive(Clone)]
pub(crate) struct WriterArgs {
    pub(crate) encoder: Encoder,
    pub(crate) store: Store,
    pub(crate) mempool: Arc<Mempool>,
    pub(crate) network: NetworkHandle,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) health: Arc<Health>,
    pub(crate) prune_after: Option<u64>,
}

/// Handle of the writer task: blocks go in, in height order.
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Finalized>,
    backlog: Arc<AtomicUsize>,
}

impl Writer {
    /// Starts the writer on `runtime`. It ends when the handle is dropped, after the blocks
    /// already handed over (a block not stored when the process dies is fetched again from the
    /// other validators on restart: the engine's journal still names it final).
    pub(crate) fn spawn(args: WriterArgs, runtime: &tokio::runtime::Handle) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<Finalized>();
        let backlog = Arc::new(AtomicUsize::new(0));
        let left = backlog.clone();
        runtime.spawn(async move {
            while let Some(block) = rx.recv().await {
                let args = args.clone();
                let stored = tokio::task::spawn_blocking(move || write(&args, block)).await;
                if let Err(e) = stored {
                    tracing::error!("the block writer failed: {e}");
                }
                left.fetch_sub(1, Ordering::SeqCst);
            }
        });
        Self { queue, backlog }
    }

    /// Hands over the next finalized block (the one after the last handed over).
    pub(crate) fn push(&self, block: Finalized) {
        self.backlog.fetch_add(1, Ordering::SeqCst);
        if self.queue.send(block).is_err() {
            self.backlog.fetch_sub(1, Ordering::SeqCst);
            tracing::error!("the block writer has stopped: a finalized block is not stored");
        }
    }

    /// Finalized blocks handed over and not stored yet.
    pub(crate) fn backlog(&self) -> usize {
        self.backlog.load(Ordering::SeqCst)
    }
}

/// Encodes and stores one block, then tells its submitters and announces it.
fn write(args: &WriterArgs, block: Finalized) {
    let Finalized {
        square,
        header,
        own,
        announce,
    } = block;
    let height = header.height();
    // Stored already (a writer of the consensus run before a restart in this process).
    if args.store.head().is_ok_and(|head| head >= height) {
        return;
    }
    let view = header.certificate.as_ref().map_or(0, |c| c.view);
    let started = std::time::Instant::now();
    let block = match square.encode(&args.encoder, header) {
        Ok(block) => block,
        Err(e) => {
            tracing::error!(height, "cannot encode a finalized block: {e}");
            return;
        }
    };
    let k = block.header.k();
    args.metrics
        .block_encode_seconds
        .observe(started.elapsed().as_secs_f64());
    args.mempool.observe(k, started.elapsed());
    // The receipts of the blobs acknowledged here, whoever proposed the block.
    let included = args.mempool.receipts(height, &block.index);
    if let Err(e) = args.store.put_block(&block, &included, args.prune_after) {
        tracing::error!(height, "cannot store a finalized block: {e}");
        args.health.accept_failed(&e);
        return;
    }
    args.mempool.notify(&included);
    args.health.block_stored();
    args.metrics.head_height.set(height);
    args.metrics.head_k.set(k as u64);
    if own {
        args.metrics.blocks_produced.inc();
    }
    tracing::info!(
        height,
        k,
        blobs = block.index.len(),
        view,
        "finalized block"
    );
    if announce {
        let network = args.network.clone();
        let header = block.header;
        tokio::runtime::Handle::current().spawn(async move { network.publish(header).await });
    }
}
