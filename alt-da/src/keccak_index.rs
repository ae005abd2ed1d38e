//! Where type-0 (keccak256) commitments live on Weft: a map from keccak256 of a blob's bytes to
//! its height and blob commitment. Puts through this server record theirs; a miss scans the
//! namespace's blocks (verified reads, oldest available height to the head) and indexes every
//! blob found, so a DA server that never saw the put — a verifier's — finds it too. The map is
//! a cache of what the chain holds: losing it on a restart loses nothing but a rescan.

use std::collections::HashMap;

use tokio::sync::Mutex;
use weft_client::{ClientError, VerifiedClient};
use weft_encoding::layout::{BlobCommitment, Namespace};

use crate::{commitment::keccak256, AltDaError};

/// Most heights one lookup scans; past it the lookup answers "still indexing" (503) and the
/// next one goes on from there.
pub const MAX_SCAN_HEIGHTS: u64 = 512;

/// Where a blob is: height and blob commitment.
pub(crate) type Place = (u64, BlobCommitment);

/// keccak256 → place, and how far the namespace has been scanned.
#[derive(Debug, Default)]
pub(crate) struct KeccakIndex {
    inner: Mutex<Scanned>,
}

#[derive(Debug, Default)]
struct Scanned {
    places: HashMap<[u8; 32], Place>,
    /// Every height at or below this one has been indexed.
    through: u64,
}

impl KeccakIndex {
    /// Records a blob this server stored.
    pub(crate) async fn record(&self, hash: [u8; 32], place: Place) {
        self.inner.lock().await.places.insert(hash, place);
    }

    /// The place of a blob already indexed, without scanning.
    pub(crate) async fn known(&self, hash: &[u8; 32]) -> Option<Place> {
        self.inner.lock().await.places.get(hash).copied()
    }

    /// The place of the blob whose keccak256 is `hash`, scanning `namespace` up to the head when
    /// it is not known yet; `None` when the whole available chain holds no such blob.
    ///
    /// # Errors
    /// [`AltDaError::Indexing`] when more than [`MAX_SCAN_HEIGHTS`] heights remain to scan;
    /// [`AltDaError::Node`] when a read fails or does not verify.
    pub(crate) async fn find(
        &self,
        verified: &VerifiedClient,
        namespace: &Namespace,
        hash: &[u8; 32],
    ) -> Result<Option<Place>, AltDaError> {
        let mut scanned = self.inner.lock().await;
        if let Some(place) = scanned.places.get(hash) {
            return Ok(Some(*place));
        }
        let info = verified.client().node_info().await?;
        let from = (scanned.through + 1).max(info.oldest_available);
        let to = info.head.min(from.saturating_add(MAX_SCAN_HEIGHTS - 1));
        for height in from..=to {
            match verified.get_blobs(height, namespace).await {
                Ok(blobs) => {
                    for blob in blobs {
                        scanned
                            .places
                            .insert(keccak256(&blob.data), (height, blob.commitment));
                    }
                }
                // Pruned since the node said otherwise: nothing to index there any more.
                Err(ClientError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
            scanned.through = height;
        }
        if let Some(place) = scanned.places.get(hash) {
            return Ok(Some(*place));
        }
        if to < info.head {
            return Err(AltDaError::Indexing {
                through: scanned.through,
                head: info.head,
            });
        }
        Ok(None)
    }
}
