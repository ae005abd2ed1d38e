//! Blob gossip on a validator chain (PROTOCOL §13): every blob acknowledged here is published
//! on the blob topic (again every [`REPUBLISH_EVERY`] until a stored block includes it, and at
//! once after a restart), so that it reaches every validator's pool whichever node took it; a
//! validator queues the blobs gossiped by others (`Mempool::gossiped`).

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_encoding::layout::Blob;
use weft_p2p::{BlobPublished, NetworkHandle};

use crate::mempool::Mempool;

/// How often a blob acknowledged here is published again while no stored block includes it
/// (a validator may have restarted, or had no room for it). Gossipsub does not send the same
/// message again within its duplicate window (a minute), so peers that have it pay nothing.
pub(crate) const REPUBLISH_EVERY: Duration = Duration::from_secs(30);
/// How soon a blob that found no peer subscribed to the topic is tried again.
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// Gossiped blobs queued between the network and the pool; more are forwarded but not queued.
pub(crate) const GOSSIP_QUEUE: usize = 64;

/// Publishes the pool's own blobs when they are acknowledged and when due again, until cancel.
pub(crate) fn spawn_publisher(
    pool: Arc<Mempool>,
    network: NetworkHandle,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            for (commitment, blob) in pool.due_for_gossip(REPUBLISH_EVERY) {
                match network.publish_blob(&blob).await {
                    Ok(BlobPublished::Sent | BlobPublished::AlreadySent) => {}
                    Ok(BlobPublished::NoPeers) => pool.unpublished(&commitment),
                    Ok(BlobPublished::Failed(reason)) => {
                        tracing::warn!(%commitment, "blob not gossiped: {reason}");
                    }
                    Err(_) => return,
                }
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = pool.submission() => {}
                () = tokio::time::sleep(RETRY_EVERY) => {}
            }
        }
    })
}

/// Queues the blobs gossiped by other nodes in a validator's pool, until cancel.
pub(crate) fn spawn_feeder(
    pool: Arc<Mempool>,
    mut blobs: futures::channel::mpsc::Receiver<Blob>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let blob = tokio::select! {
                () = cancel.cancelled() => return,
                blob = blobs.next() => match blob {
                    Some(blob) => blob,
                    None => return,
                },
            };
            let pool = pool.clone();
            match tokio::task::spawn_blocking(move || pool.gossiped(blob)).await {
                Ok(Err(e)) => tracing::warn!("a gossiped blob was not queued: {e}"),
                Ok(Ok(_)) => {}
                Err(e) => tracing::error!("queueing a gossiped blob failed: {e}"),
            }
        }
    })
}
