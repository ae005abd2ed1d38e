//! Where type-0 (keccak256) commitments live on Weft: a map from keccak256 of a blob's bytes to
//! its height and blob commitment. Puts through this server record theirs; a miss scans the
//! namespace's blocks (verified reads, from where the last scan stopped, or the node's oldest
//! available height, to its head) and indexes every blob found, so a DA server that never saw
//! the put — a verifier's — finds it too. The map is a cache of what the chain holds: losing it
//! on a restart loses nothing but a rescan.
//!
//! Anyone can submit blobs into a rollup's namespace, so the map is capped
//! ([`MAX_INDEXED_BLOBS`]): past it the blobs of the lowest indexed heights are forgotten and
//! the index's floor rises above them. Heights from the floor up are indexed whole; a lookup
//! that misses there also searches the heights below the floor (a rescan, [`MAX_SCAN_HEIGHTS`]
//! per lookup) before answering "not found". Each hash's search keeps its place across lookups
//! and, once done, how far the hash is proven absent ([`MAX_SEARCHES`] hashes remembered), so
//! lookups of different old blobs do not restart each other and a repeated miss is not a
//! repeated rescan.

use std::{
    collections::{BTreeMap, HashMap, HashSet, VecDeque},
    sync::{Mutex, MutexGuard, PoisonError},
};

use weft_client::{ClientError, VerifiedClient};
use weft_encoding::layout::{BlobCommitment, Namespace};

use crate::{commitment::keccak256, AltDaError};

/// Most heights one lookup scans; past it the lookup answers "still indexing" (503) and the
/// next one goes on from there.
pub const MAX_SCAN_HEIGHTS: u64 = 512;

/// Most blobs the index remembers (about 100 bytes each: 10 MB); past it the lowest heights'
/// are forgotten, and finding one of them again costs a rescan.
pub const MAX_INDEXED_BLOBS: usize = 100_000;

/// Hashes whose search below the floor is remembered (where it stopped, or how far the hash is
/// proven absent); past it the oldest search is forgotten and starts again if asked for.
pub const MAX_SEARCHES: usize = 1024;

/// Where a blob is: height and blob commitment.
pub(crate) type Place = (u64, BlobCommitment);

/// keccak256 → place for the blobs of heights `floor..`, at most `capacity` of them.
#[derive(Debug)]
struct Places {
    by_hash: HashMap<[u8; 32], Place>,
    /// The hashes recorded at each height (each hash at its place's height only), for
    /// forgetting the lowest first.
    by_height: BTreeMap<u64, HashSet<[u8; 32]>>,
    /// Blobs below this height may have been forgotten.
    floor: u64,
    capacity: usize,
}

impl Places {
    fn new(capacity: usize) -> Self {
        Self {
            by_hash: HashMap::new(),
            by_height: BTreeMap::new(),
            floor: 0,
            capacity: capacity.max(1),
        }
    }

    /// Records a blob (the same bytes seen again at a later height are kept at the later one);
    /// forgets the lowest heights' blobs while over capacity (never the height just recorded,
    /// so one height's blobs are kept whole).
    fn record(&mut self, hash: [u8; 32], place: Place) {
        if place.0 < self.floor {
            return;
        }
        match self.by_hash.insert(hash, place) {
            Some(known) if known.0 >= place.0 => {
                self.by_hash.insert(hash, known);
                return;
            }
            Some(known) => {
                // The same bytes again at a later height: kept there only.
                if let Some(set) = self.by_height.get_mut(&known.0) {
                    set.remove(&hash);
                    if set.is_empty() {
                        self.by_height.remove(&known.0);
                    }
                }
            }
            None => {}
        }
        self.by_height.entry(place.0).or_default().insert(hash);
        while self.by_hash.len() > self.capacity {
            let Some((&lowest, _)) = self.by_height.first_key_value() else {
                break;
            };
            if lowest >= place.0 {
                break;
            }
            for forgotten in self.by_height.remove(&lowest).unwrap_or_default() {
                self.by_hash.remove(&forgotten);
            }
            self.floor = lowest + 1;
        }
    }

    fn get(&self, hash: &[u8; 32]) -> Option<Place> {
        self.by_hash.get(hash).copied()
    }
}

/// How far the scans have gone: every height in `floor..=through` is indexed; below the floor,
/// each remembered hash has been searched for (and is absent) at every height below its entry.
#[derive(Debug, Default)]
struct Scan {
    through: u64,
    searched: HashMap<[u8; 32], u64>,
    /// The remembered hashes, oldest first (at most [`MAX_SEARCHES`]).
    order: VecDeque<[u8; 32]>,
}

impl Scan {
    /// Every height below this one is known not to hold `hash` (0: nothing known).
    fn searched_below(&self, hash: &[u8; 32]) -> u64 {
        self.searched.get(hash).copied().unwrap_or(0)
    }

    /// Records that no height below `below` holds `hash`.
    fn searched(&mut self, hash: [u8; 32], below: u64) {
        if self.searched.insert(hash, below).is_none() {
            self.order.push_back(hash);
            while self.order.len() > MAX_SEARCHES {
                if let Some(oldest) = self.order.pop_front() {
                    self.searched.remove(&oldest);
                }
            }
        }
    }

    /// Forgets `hash`'s search (it was found).
    fn found(&mut self, hash: &[u8; 32]) {
        if self.searched.remove(hash).is_some() {
            self.order.retain(|h| h != hash);
        }
    }
}

/// keccak256 → place, and how far the namespace has been scanned.
#[derive(Debug)]
pub(crate) struct KeccakIndex {
    /// Never held across an await: puts and found hashes are answered while a scan runs.
    places: Mutex<Places>,
    /// Held by the one scan running.
    scan: tokio::sync::Mutex<Scan>,
}

impl KeccakIndex {
    /// An index remembering at most `capacity` blobs.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            places: Mutex::new(Places::new(capacity)),
            scan: tokio::sync::Mutex::default(),
        }
    }

    /// The workspace's lock policy: a poisoned lock is taken over (the map is whole after
    /// every critical section).
    fn places(&self) -> MutexGuard<'_, Places> {
        self.places.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a blob this server stored.
    pub(crate) fn record(&self, hash: [u8; 32], place: Place) {
        self.places().record(hash, place);
    }

    /// The place of a blob already indexed, without scanning.
    pub(crate) fn known(&self, hash: &[u8; 32]) -> Option<Place> {
        self.places().get(hash)
    }

    /// Blobs remembered now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.places().by_hash.len()
    }

    /// The place of the blob whose keccak256 is `hash`, scanning `namespace` up to the head when
    /// it is not known yet (and below the index's floor when blobs were forgotten); `None` when
    /// the whole available chain holds no such blob.
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
        let mut scan = self.scan.lock().await;
        // Another lookup may have scanned while this one waited.
        if let Some(place) = self.known(hash) {
            return Ok(Some(place));
        }
        let info = verified.client().node_info().await?;
        let from = scan.through.saturating_add(1).max(info.oldest_available);
        let to = info.head.min(from.saturating_add(MAX_SCAN_HEIGHTS - 1));
        let mut found = None;
        for height in from..=to {
            for (blob_hash, place) in self.read(verified, namespace, height, &info).await? {
                self.record(blob_hash, place);
                found = found.or((blob_hash == *hash).then_some(place));
            }
            scan.through = height;
        }
        if let Some(place) = found.or_else(|| self.known(hash)) {
            return Ok(Some(place));
        }
        if to < info.head {
            return Err(AltDaError::Indexing {
                through: scan.through,
                head: info.head,
            });
        }
        self.search_below_floor(verified, namespace, hash, &mut scan, &info)
            .await
    }

    /// Searches the heights below the floor (whose blobs were forgotten) for `hash`, resuming
    /// the last search of the same hash; `None` once they are all searched.
    async fn search_below_floor(
        &self,
        verified: &VerifiedClient,
        namespace: &Namespace,
        hash: &[u8; 32],
        scan: &mut Scan,
        info: &weft_types::api::NodeInfo,
    ) -> Result<Option<Place>, AltDaError> {
        let floor = self.places().floor;
        let start = scan.searched_below(hash).max(info.oldest_available);
        let end = floor.min(start.saturating_add(MAX_SCAN_HEIGHTS));
        for height in start..end {
            for (blob_hash, place) in self.read(verified, namespace, height, info).await? {
                if blob_hash == *hash {
                    scan.found(hash);
                    return Ok(Some(place));
                }
            }
            scan.searched(*hash, height + 1);
        }
        if end < floor {
            return Err(AltDaError::Indexing {
                through: end.saturating_sub(1),
                head: info.head,
            });
        }
        // Absent below the floor, and the index holds every height from it to `through`: a
        // later miss of this hash searches only what is forgotten after now.
        let through = scan.through;
        scan.searched(*hash, through.saturating_add(1));
        Ok(None)
    }

    /// The (keccak256, place) of every blob of `namespace` at `height`; none when the height
    /// was pruned since `info` was read.
    async fn read(
        &self,
        verified: &VerifiedClient,
        namespace: &Namespace,
        height: u64,
        info: &weft_types::api::NodeInfo,
    ) -> Result<Vec<([u8; 32], Place)>, AltDaError> {
        match verified.get_blobs(height, namespace).await {
            Ok(blobs) => Ok(blobs
                .into_iter()
                .map(|b| (keccak256(&b.data), (height, b.commitment)))
                .collect()),
            // Pruned since the node said otherwise: nothing to index there any more. Any other
            // reason a served height is missing is not a proof of absence.
            Err(ClientError::NotFound(_)) => {
                let now = verified.client().node_info().await?;
                if height >= now.oldest_available {
                    return Err(AltDaError::Indexing {
                        through: height.saturating_sub(1),
                        head: info.head,
                    });
                }
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(height: u64, byte: u8) -> Place {
        (height, BlobCommitment([byte; 32]))
    }

    #[test]
    fn the_index_forgets_the_lowest_heights_past_its_capacity() {
        let index = KeccakIndex::with_capacity(10);
        // A third party floods the namespace: 4 blobs a height for 100 heights.
        for height in 1..=100u64 {
            for i in 0..4u8 {
                let mut hash = [i; 32];
                hash[..8].copy_from_slice(&height.to_be_bytes());
                index.record(hash, place(height, i));
            }
        }
        assert!(index.len() <= 10 + 3, "bounded: {}", index.len());
        let places = index.places();
        assert!(places.floor > 90, "floor {}", places.floor);
        assert_eq!(
            places.by_height.values().map(HashSet::len).sum::<usize>(),
            places.by_hash.len(),
            "the height index holds exactly the remembered hashes"
        );
        let mut newest = [3u8; 32];
        newest[..8].copy_from_slice(&100u64.to_be_bytes());
        assert_eq!(places.get(&newest), Some(place(100, 3)));
        let mut oldest = [0u8; 32];
        oldest[..8].copy_from_slice(&1u64.to_be_bytes());
        assert_eq!(
            places.get(&oldest),
            None,
            "forgotten: found again by a rescan"
        );
    }

    #[test]
    fn a_height_is_never_split_and_nothing_below_the_floor_is_recorded() {
        let mut places = Places::new(2);
        for i in 0..5u8 {
            places.record([i; 32], place(7, i));
        }
        assert_eq!(places.by_hash.len(), 5, "one height's blobs are kept whole");
        places.record([9; 32], place(8, 9));
        assert_eq!(places.floor, 8);
        assert_eq!(places.by_hash.len(), 1);
        places.record([10; 32], place(3, 10));
        assert_eq!(places.get(&[10; 32]), None, "below the floor");
        // The same blob recorded twice (a put, then a scan) counts once.
        places.record([9; 32], place(8, 9));
        assert_eq!(places.by_height[&8].len(), 1);
        // The same bytes at later heights: kept at the latest only, and still bounded when
        // several blobs are repeated at every height.
        let mut places = Places::new(10);
        for height in 1..1_000u64 {
            for blob in 0..4u8 {
                places.record([blob; 32], place(height, blob));
            }
        }
        assert_eq!(places.get(&[3; 32]), Some(place(999, 3)));
        assert_eq!(places.by_hash.len(), 4);
        assert_eq!(
            places.by_height.values().map(HashSet::len).sum::<usize>(),
            4,
            "no stale entries left at earlier heights"
        );
    }

    #[test]
    fn searches_below_the_floor_are_kept_per_hash_and_bounded() {
        let mut scan = Scan::default();
        scan.searched([1; 32], 40);
        scan.searched([2; 32], 7);
        assert_eq!(
            scan.searched_below(&[1; 32]),
            40,
            "not restarted by another hash"
        );
        scan.searched([1; 32], 90);
        assert_eq!(scan.searched_below(&[1; 32]), 90);
        scan.found(&[1; 32]);
        assert_eq!(scan.searched_below(&[1; 32]), 0);
        for i in 0..(MAX_SEARCHES as u32 + 10) {
            let mut hash = [0u8; 32];
            hash[..4].copy_from_slice(&i.to_be_bytes());
            hash[31] = 9;
            scan.searched(hash, 5);
        }
        assert_eq!(scan.searched.len(), MAX_SEARCHES);
        assert_eq!(scan.order.len(), MAX_SEARCHES);
        assert_eq!(scan.searched_below(&[2; 32]), 0, "the oldest was forgotten");
    }
}
