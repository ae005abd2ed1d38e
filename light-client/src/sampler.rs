//! The sampler: for each header with data, draws the samples its target confidence needs
//! (distinct uniform positions of the `2k × 128` grid, from a CSPRNG), spreads them over full
//! peers, verifies each answer in one batch against the header, blames a peer whose cells fail
//! and asks another for them, and declares the height available once every sample verified, or
//! unavailable when its time runs out.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use rand::{seq::index::sample, Rng};
use rand_chacha::ChaCha20Rng;
use web_time::Instant;
use weft_encoding::{
    constants::{BYTES_PER_CELL, BYTES_PER_G1, CELLS_PER_ROW},
    Position, SquareCommitments, VerifyKey,
};
use weft_p2p::{Misbehaviour, PeerId};
use weft_types::{check_served, wire::CellWithProof, wire::MAX_CELLS_PER_REQUEST, Header};

use crate::{
    confidence::{confidence, samples_needed},
    record::{Availability, HeightRecord},
    status::{Counters, SampleState},
};

/// A position is retried with a peer that already failed it after this long.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// `s` distinct positions drawn uniformly from the `2k × 128` grid (without replacement).
pub fn draw<R: Rng + ?Sized>(rng: &mut R, k: usize, s: usize) -> Vec<Position> {
    let total = 2 * k * CELLS_PER_ROW;
    sample(rng, total, s.min(total))
        .into_iter()
        .map(|i| Position::new((i / CELLS_PER_ROW) as u16, (i % CELLS_PER_ROW) as u16))
        .collect()
}

/// A request to send: these cells of this height, from this peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CellsAsk {
    /// The block.
    pub(crate) height: u64,
    /// Who to ask.
    pub(crate) peer: PeerId,
    /// At most [`MAX_CELLS_PER_REQUEST`] positions.
    pub(crate) cells: Vec<Position>,
}

/// Sampling of one height.
#[derive(Debug)]
struct Job {
    header: Header,
    commitments: Arc<SquareCommitments>,
    cells: Vec<Position>,
    verified: HashSet<Position>,
    in_flight: HashSet<Position>,
    /// Peers that failed to serve a cell, and since when.
    tried: HashMap<Position, (HashSet<PeerId>, Instant)>,
    failed: usize,
    failed_cells: HashSet<Position>,
    peers: HashSet<PeerId>,
    started: Instant,
}

impl Job {
    fn record(&self, availability: Availability, now: Instant) -> HeightRecord {
        let k = self.header.k();
        HeightRecord {
            height: self.header.height(),
            k,
            samples: self.cells.len(),
            verified: self.verified.len(),
            failed: self.failed,
            peers: self.peers.len(),
            confidence: confidence(k, self.verified.len()),
            verdict: availability,
            ms: now.duration_since(self.started).as_millis() as u64,
        }
    }

    fn grid(&self) -> Vec<(u16, u16, SampleState)> {
        self.cells
            .iter()
            .map(|c| {
                let state = if self.verified.contains(c) {
                    SampleState::Verified
                } else if self.failed_cells.contains(c) {
                    SampleState::Failed
                } else {
                    SampleState::Pending
                };
                (c.row, c.col, state)
            })
            .collect()
    }
}

/// A height's record with its sampled cells' states (for the page's grid).
pub(crate) type Progress = (HeightRecord, Vec<(u16, u16, SampleState)>);

/// Every height being sampled.
#[derive(Debug)]
pub(crate) struct Sampler {
    target: f64,
    timeout: Duration,
    key: VerifyKey,
    rng: ChaCha20Rng,
    jobs: BTreeMap<u64, Job>,
    counters: Counters,
    bytes: u64,
}

impl Sampler {
    /// Samples each height to `target` confidence, giving up after `timeout`.
    pub(crate) fn new(target: f64, timeout: Duration, rng: ChaCha20Rng) -> Self {
        Self {
            target,
            timeout,
            key: VerifyKey::new(),
            rng,
            jobs: BTreeMap::new(),
            counters: Counters::default(),
            bytes: 0,
        }
    }

    /// Starts sampling the block of `header` (k > 0). Returns its first progress record.
    ///
    /// # Errors
    /// The header's commitments are not valid points (the header cannot have verified).
    pub(crate) fn start(
        &mut self,
        header: Header,
        now: Instant,
    ) -> Result<Progress, weft_encoding::Error> {
        let commitments = Arc::new(SquareCommitments::new(&header.unsigned.row_commitments)?);
        let cells = draw(
            &mut self.rng,
            header.k(),
            samples_needed(header.k(), self.target),
        );
        self.counters.samples_drawn += cells.len() as u64;
        let job = Job {
            header,
            commitments,
            cells,
            verified: HashSet::new(),
            in_flight: HashSet::new(),
            tried: HashMap::new(),
            failed: 0,
            failed_cells: HashSet::new(),
            peers: HashSet::new(),
            started: now,
        };
        let progress = (job.record(Availability::Sampling, now), job.grid());
        self.jobs.insert(job.header.height(), job);
        Ok(progress)
    }

    /// True while `height` is being sampled.
    pub(crate) fn is_sampling(&self, height: u64) -> bool {
        self.jobs.contains_key(&height)
    }

    /// The requests to send now: each unverified sample not in flight goes to a peer that has
    /// not failed it (round robin from a random offset, so samples spread over every peer); a
    /// sample every peer failed is retried after [`RETRY_AFTER`].
    pub(crate) fn dispatch(&mut self, peers: &[PeerId], now: Instant) -> Vec<CellsAsk> {
        if peers.is_empty() {
            return Vec::new();
        }
        let mut asks = Vec::new();
        for (&height, job) in &mut self.jobs {
            let offset = self.rng.gen_range(0..peers.len());
            let mut batches: BTreeMap<usize, Vec<Position>> = BTreeMap::new();
            let idle: Vec<Position> = job
                .cells
                .iter()
                .copied()
                .filter(|c| !job.verified.contains(c) && !job.in_flight.contains(c))
                .collect();
            for (i, cell) in idle.into_iter().enumerate() {
                let tried = job
                    .tried
                    .entry(cell)
                    .or_insert_with(|| (HashSet::new(), now));
                if tried.0.len() >= peers.len() && now.duration_since(tried.1) > RETRY_AFTER {
                    tried.0.clear();
                }
                let choice = (0..peers.len())
                    .map(|j| (offset + i + j) % peers.len())
                    .find(|&p| !tried.0.contains(&peers[p]));
                if let Some(p) = choice {
                    batches.entry(p).or_default().push(cell);
                }
            }
            for (p, cells) in batches {
                for chunk in cells.chunks(MAX_CELLS_PER_REQUEST) {
                    job.in_flight.extend(chunk.iter().copied());
                    job.peers.insert(peers[p]);
                    asks.push(CellsAsk {
                        height,
                        peer: peers[p],
                        cells: chunk.to_vec(),
                    });
                }
            }
        }
        asks
    }

    /// Takes a peer's answer to `ask` (`served` empty when it refused or failed): verified
    /// cells count, failed and missing ones are asked of another peer. Returns the penalty the
    /// peer earned (by its bad cells' faults), if any, and the height's progress.
    pub(crate) fn on_answer(
        &mut self,
        ask: &CellsAsk,
        served: Vec<CellWithProof>,
        now: Instant,
    ) -> (Option<Misbehaviour>, Option<Progress>) {
        let Some(job) = self.jobs.get_mut(&ask.height) else {
            return (None, None);
        };
        for cell in &ask.cells {
            job.in_flight.remove(cell);
        }
        let checked = check_served(&self.key, &job.commitments, &ask.cells, served);
        let checked_cells = checked.good.len() + checked.failed.len();
        self.bytes += (checked_cells * (BYTES_PER_CELL + BYTES_PER_G1)) as u64;
        for cell in &checked.good {
            job.verified.insert(cell.id);
        }
        self.counters.samples_verified += checked.good.len() as u64;
        self.counters.samples_failed += checked.failed.len() as u64;
        job.failed += checked.failed.len();
        job.failed_cells
            .extend(checked.failed.iter().map(|(cell, _)| *cell));
        let failed = checked.failed.iter().map(|(cell, _)| cell);
        for cell in failed.chain(&checked.missing) {
            let entry = job
                .tried
                .entry(*cell)
                .or_insert_with(|| (HashSet::new(), now));
            entry.0.insert(ask.peer);
            entry.1 = now;
        }
        let progress = (job.record(Availability::Sampling, now), job.grid());
        (Misbehaviour::for_answer(&checked), Some(progress))
    }

    /// Heights that are done: every sample verified (available) or out of time (unavailable).
    /// Each is removed and its final record returned.
    pub(crate) fn finished(&mut self, now: Instant, pruned: impl Fn(u64) -> bool) -> Vec<Progress> {
        let done: Vec<u64> = self
            .jobs
            .iter()
            .filter(|(_, j)| {
                j.verified.len() == j.cells.len() || now.duration_since(j.started) > self.timeout
            })
            .map(|(h, _)| *h)
            .collect();
        done.into_iter()
            .filter_map(|h| self.jobs.remove(&h))
            .map(|job| {
                let availability = if job.verified.len() == job.cells.len() {
                    self.counters.heights_available += 1;
                    Availability::Available
                } else if pruned(job.header.height()) {
                    // Every full node pruned it meanwhile: nobody withheld anything.
                    self.counters.heights_pruned += 1;
                    Availability::Pruned
                } else {
                    self.counters.heights_unavailable += 1;
                    Availability::Unavailable
                };
                (job.record(availability, now), job.grid())
            })
            .collect()
    }

    /// A height not sampled because every full node pruned it: its final record.
    pub(crate) fn skip_pruned(&mut self, header: &Header) -> HeightRecord {
        self.counters.heights_pruned += 1;
        HeightRecord {
            height: header.height(),
            k: header.k(),
            samples: 0,
            verified: 0,
            failed: 0,
            peers: 0,
            confidence: 0.0,
            verdict: Availability::Pruned,
            ms: 0,
        }
    }

    /// Running totals.
    pub(crate) const fn counters(&self) -> Counters {
        self.counters
    }

    /// Cell and proof bytes received and checked.
    pub(crate) const fn bytes(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
#[path = "sampler_tests.rs"]
mod tests;
