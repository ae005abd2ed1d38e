//! What the light client shows: a snapshot (`window.weft.status()`, `GET /v1/status`) of the
//! head, recent heights' records with their sampled cells' states, peers, bytes and counters.
//! Totals move with each record under one lock, so no snapshot shows a record ahead of its
//! head or bytes.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use serde::Serialize;

use crate::record::HeightRecord;

/// Heights kept in the live status (the browser draws their grids).
const STATUS_HEIGHTS: usize = 32;

/// The state of one sampled cell, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleState {
    /// Not yet verified.
    Pending,
    /// Verified against the header.
    Verified,
    /// A peer served it wrong (it may since have been verified from another peer).
    Failed,
}

/// Running totals.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counters {
    /// Samples drawn.
    pub samples_drawn: u64,
    /// Samples verified.
    pub samples_verified: u64,
    /// Cells that failed verification.
    pub samples_failed: u64,
    /// Heights found available.
    pub heights_available: u64,
    /// Heights found unavailable.
    pub heights_unavailable: u64,
    /// Heights not sampled because every full node had pruned them.
    pub heights_pruned: u64,
}

/// A snapshot of the client. Field names are a public interface (the page and scripts read
/// them).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Status {
    /// Newest verified header.
    pub head: u64,
    /// Recent heights, newest first (at most 32).
    pub heights: Vec<HeightRecord>,
    /// Connected full nodes.
    pub peers: usize,
    /// Cell and proof bytes downloaded.
    pub bytes_downloaded: u64,
    /// Sampled positions and their states per recent height: `[row, col, state]` (keys are
    /// heights as strings, as JSON and JS objects need).
    #[serde(serialize_with = "string_keys")]
    pub grids: BTreeMap<u64, Vec<(u16, u16, SampleState)>>,
    /// Peers banned for serving bad data.
    pub banned: usize,
    /// Counters for `/metrics`.
    pub counters: Counters,
    /// What keeps the client from sampling, in words (`"no full nodes connected: …"`, or the
    /// producer's equivocation), or `null` when nothing does.
    pub problem: Option<String>,
    /// The height at which the producer signed two different headers, once one is known: the
    /// client has stopped following it (the proof is kept and gossiped).
    pub equivocation_height: Option<u64>,
}

/// [`Status::problem`] while no full node is connected.
pub const NO_FULL_NODES: &str =
    "no full nodes connected: re-dialling bootstrap peers and known full nodes with backoff";

fn string_keys<S: serde::Serializer, V: Serialize>(
    map: &BTreeMap<u64, V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(map.iter().map(|(k, v)| (k.to_string(), v)))
}

/// The totals written into every snapshot.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Totals {
    pub(crate) head: u64,
    pub(crate) peers: usize,
    pub(crate) bytes: u64,
    pub(crate) banned: usize,
    pub(crate) counters: Counters,
    pub(crate) equivocation: Option<u64>,
}

/// The shared, always-consistent status.
#[derive(Debug, Clone, Default)]
pub(crate) struct StatusBoard(Arc<Mutex<Status>>);

impl StatusBoard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Status> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A copy of the current status.
    pub(crate) fn snapshot(&self) -> Status {
        self.lock().clone()
    }

    /// The shared status itself (for a status server).
    pub(crate) fn shared(&self) -> Arc<Mutex<Status>> {
        self.0.clone()
    }

    /// Refreshes the totals.
    pub(crate) fn totals(&self, totals: Totals) {
        fill(&mut self.lock(), totals);
    }

    /// Records a height's progress or verdict with its grid, and the totals with it.
    pub(crate) fn record(
        &self,
        record: &HeightRecord,
        grid: Vec<(u16, u16, SampleState)>,
        totals: Totals,
    ) {
        let mut status = self.lock();
        fill(&mut status, totals);
        status.heights.retain(|r| r.height != record.height);
        status.heights.push(record.clone());
        status.heights.sort_by_key(|r| std::cmp::Reverse(r.height));
        status.heights.truncate(STATUS_HEIGHTS);
        status.grids.insert(record.height, grid);
        while status.grids.len() > STATUS_HEIGHTS {
            status.grids.pop_first();
        }
    }
}

fn fill(status: &mut Status, t: Totals) {
    status.head = t.head;
    status.peers = t.peers;
    status.bytes_downloaded = t.bytes;
    status.banned = t.banned;
    status.counters = t.counters;
    status.equivocation_height = t.equivocation;
    status.problem = match t.equivocation {
        Some(height) => Some(format!(
            "the producer signed two different headers at height {height} (equivocation): \
             stopped following it"
        )),
        None => (t.peers == 0).then(|| NO_FULL_NODES.to_string()),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Availability;

    fn record(height: u64) -> HeightRecord {
        HeightRecord {
            height,
            k: 1,
            samples: 2,
            verified: 1,
            failed: 0,
            peers: 1,
            confidence: 0.5,
            verdict: Availability::Sampling,
            ms: 1,
        }
    }

    #[test]
    fn recent_heights_are_kept_newest_first_with_their_totals() {
        let board = StatusBoard::default();
        for h in 1..=40 {
            let totals = Totals {
                head: h,
                bytes: h * 10,
                ..Totals::default()
            };
            board.record(&record(h), vec![(0, 1, SampleState::Verified)], totals);
        }
        let status = board.snapshot();
        assert_eq!(status.heights.len(), STATUS_HEIGHTS);
        assert_eq!(status.heights[0].height, 40);
        assert_eq!((status.head, status.bytes_downloaded), (40, 400));
        assert_eq!(status.grids.len(), STATUS_HEIGHTS);
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json["grids"]["40"][0],
            serde_json::json!([0, 1, "verified"])
        );
    }
}
