//! Where type-0 (keccak256) commitments live on Weft: a map from keccak256 of a blob's bytes to
//! its height and blob commitment. Puts through this server record theirs; a miss scans the
//! namespace's blocks (verified reads, from where the last scan stopped, or the node's oldest
//! available height, to its head) and indexes every blob found, so a DA server that never saw
//! the put — a verifier's — finds it too. The map is a cache of what the chain holds: losing it
//! on a restart loses nothing but a rescan.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

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
    /// Never held across an await: puts and found hashes are answered while a scan runs.
    places: Mutex<HashMap<[u8; 32], Place>>,
    /// Every height at or below this one has been indexed; held by the one scan running.
    through: tokio::sync::Mutex<u64>,
}

impl KeccakIndex {
    /// Records a blob this server stored.
    pub(crate) fn record(&self, hash: [u8; 32], place: Place) {
        self.places
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(hash, place);
    }

    /// The place of a blob already indexed, without scanning.
    pub(crate) fn known(&self, hash: &[u8; 32]) -> Option<Place> {
        self.places
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(hash)
            .copied()
    }

    /// The place of the blob whose keccak256 is `hash`, scanning `namespace` up to the head when
    /// it is not known yet; `None` when the whole available chain holds no such blob.
    ///
    /// # Errors
    /// [`AltDaError::Indexing`] when more than [`MAX_SCAN_HEIGHTS`] heights remain to scan, or a
    /// height the node should serve could not be read; [`AltDaError::Node`] when a read fails
    /// or does not verify.
    pub(crate) async fn find(
        &self,
        verified: &VerifiedClient,
        namespace: &Namespace,
        hash: &[u8; 32],
    ) -> Result<Option<Place>, AltDaError> {
        if let Some(place) = self.known(hash) {
            return Ok(Some(place));
        }
        let mut through = self.through.lock().await;
        // Another lookup may have scanned while this one waited.
        if let Some(place) = self.known(hash) {
            return Ok(Some(place));
        }
        let info = verified.client().node_info().await?;
        let from = through.saturating_add(1).max(info.oldest_available);
        let to = info.head.min(from.saturating_add(MAX_SCAN_HEIGHTS - 1));
        for height in from..=to {
            match verified.get_blobs(height, namespace).await {
                Ok(blobs) => {
                    for blob in blobs {
                        self.record(keccak256(&blob.data), (height, blob.commitment));
                    }
                }
                // Pruned since the node said otherwise: nothing to index there any more. Any
                // other reason a served height is missing is not a proof of absence.
                Err(ClientError::NotFound(_)) => {
                    let now = verified.client().node_info().await?;
                    if height >= now.oldest_available {
                        return Err(AltDaError::Indexing {
                            through: *through,
                            head: info.head,
                        });
                    }
                }
                Err(e) => return Err(e.into()),
            }
            *through = height;
        }
        if let Some(place) = self.known(hash) {
            return Ok(Some(place));
        }
        if to < info.head {
            return Err(AltDaError::Indexing {
                through: *through,
                head: info.head,
            });
        }
        Ok(None)
    }
}
