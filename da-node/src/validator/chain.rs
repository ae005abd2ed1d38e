//! The validator's block store as consensus sees it ([`weft_consensus::Chain`]): a proposal is
//! built from the node's own pool, laid out and committed (row commitments only); another
//! validator's proposal is checked by laying its blobs out and committing to its rows again
//! (its commitments, blob count and index root must be the header's); a finalized block goes
//! to the [`Writer`], which encodes the whole square off the consensus thread and stores it
//! with its certificate, tells its submitters and announces its header. A finalized block is
//! kept in the store until then, and handed to the writer again after a restart.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
    time::{Duration, UNIX_EPOCH},
};

use ed25519_dalek::SigningKey;
use weft_consensus::{BlockId, Chain, Fault, Unready, Verdict};
use weft_encoding::{
    constants::MAX_K,
    layout::{BlobCommitment, Digest32},
};
use weft_p2p::NetworkHandle;
use weft_types::{FinalityCertificate, Header, Trust, GENESIS_PARENT, MAX_CLOCK_SKEW_MS};

use super::{
    proposal::Proposal,
    writer::{Finalized, Writer, WriterArgs},
};
use crate::{
    block::CommittedSquare,
    health::Health,
    mempool::{Mempool, Pending},
    metrics::Metrics,
    producer::now_ms,
    store::Store,
    Encoder,
};

/// Finalized block hashes remembered (to answer "is this final?" for a re-reported
/// finalization) and finalized proposals kept to answer validators that missed them.
const RECENT_FINALIZED: usize = 1_024;
/// Finalized proposals kept in memory to send to a validator that missed them.
const SERVED_PROPOSALS: usize = 64;
/// A leader waits while more finalized blocks than this are still being encoded and stored
/// here: it does not propose faster than it can store (its view may time out instead).
const MAX_WRITE_BACKLOG: usize = 1;
/// How long a leader waits before asking its writer again.
const BACKLOG_RETRY: Duration = Duration::from_millis(50);

/// A block built or checked here, not final yet.
struct Candidate {
    height: u64,
    timestamp_ms: u64,
    proposal: Proposal,
    square: CommittedSquare,
    /// The pool's blobs this node put in it (returned to the pool if it is not finalized).
    taken: Vec<Pending>,
}

/// What [`NodeChain`] needs from the node.
#[derive(Clone)]
pub(crate) struct NodeChainArgs {
    pub(crate) trust: Trust,
    pub(crate) key: SigningKey,
    pub(crate) encoder: Encoder,
    pub(crate) store: Store,
    pub(crate) mempool: Arc<Mempool>,
    pub(crate) network: NetworkHandle,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) health: Arc<Health>,
    pub(crate) max_k: usize,
    pub(crate) block_time: Duration,
    pub(crate) prune_after: Option<u64>,
}

/// The last finalized block as consensus sees it (it may still be in the writer's queue).
struct Tip {
    height: u64,
    digest: Digest32,
    timestamp_ms: u64,
    header: Option<Header>,
}

/// The validator's [`Chain`] over the node's store, pool and encoder.
pub(crate) struct NodeChain {
    args: NodeChainArgs,
    writer: Writer,
    tip: Tip,
    recent: VecDeque<Digest32>,
    recent_set: HashSet<Digest32>,
    served: VecDeque<(Digest32, Vec<u8>)>,
    pending: HashMap<Digest32, Candidate>,
}

impl NodeChain {
    /// The chain from the store's head on.
    ///
    /// # Errors
    /// A store error reading the head.
    pub(crate) fn new(args: NodeChainArgs) -> crate::error::Result<Self> {
        let head = args.store.head()?;
        let tip = match args.store.header(head)? {
            Some(header) => Tip {
                height: head,
                digest: header.hash(),
                timestamp_ms: header.unsigned.timestamp_ms,
                header: Some(header),
            },
            None => Tip {
                height: 0,
                digest: Digest32(GENESIS_PARENT),
                timestamp_ms: 0,
                header: None,
            },
        };
        let writer = Writer::spawn(
            WriterArgs {
                encoder: args.encoder.clone(),
                store: args.store.clone(),
                mempool: args.mempool.clone(),
                network: args.network.clone(),
                metrics: args.metrics.clone(),
                health: args.health.clone(),
                prune_after: args.prune_after,
            },
            &args.runtime,
        );
        let first = tip.digest;
        let mut chain = Self {
            args,
            writer,
            tip,
            recent: VecDeque::new(),
            recent_set: HashSet::new(),
            served: VecDeque::new(),
            pending: HashMap::new(),
        };
        chain.remember(first);
        for header in chain
            .args
            .store
            .headers(head.saturating_sub(256).max(1), 256)?
        {
            chain.remember(header.hash());
        }
        chain.resume_unstored()?;
        Ok(chain)
    }

    /// Hands the writer again the blocks finalized before a restart and not stored then (kept
    /// by `Store::put_finalized`): the engine's journal names them final, and no other
    /// validator may hold them (a chain of one, or all restarted together).
    fn resume_unstored(&mut self) -> crate::error::Result<()> {
        for (header, bytes) in self.args.store.finalized_unstored()? {
            let height = header.height();
            if height != self.tip.height + 1 || header.unsigned.parent_hash != self.tip.digest {
                tracing::warn!(
                    height,
                    "a kept finalized block does not extend the stored chain"
                );
                break;
            }
            let proposal = match Proposal::decode(&bytes) {
                Ok(p) => p,
                Err(reason) => {
                    tracing::error!(height, reason, "a kept finalized block does not decode");
                    break;
                }
            };
            let square = match self.recommit(&proposal) {
                Ok(square) => square,
                Err(reason) => {
                    tracing::error!(height, reason, "a kept finalized block does not check");
                    break;
                }
            };
            tracing::info!(height, "storing a block finalized before the restart");
            self.args.mempool.finalized(height, square.index());
            let digest = header.hash();
            let proposed_here =
                header.unsigned.producer == weft_types::ProducerKey::of(&self.args.key);
            self.writer.push(Finalized {
                square,
                header: header.clone(),
                own: proposed_here,
                announce: false,
            });
            self.tip = Tip {
                height,
                digest,
                timestamp_ms: header.unsigned.timestamp_ms,
                header: Some(header),
            };
            self.remember(digest);
            self.served.push_back((digest, bytes));
        }
        Ok(())
    }

    fn remember(&mut self, digest: Digest32) {
        if self.recent_set.insert(digest) {
            self.recent.push_back(digest);
        }
        while self.recent.len() > RECENT_FINALIZED {
            if let Some(old) = self.recent.pop_front() {
                self.recent_set.remove(&old);
            }
        }
    }

    /// Height and timestamp of `parent` if it is the last finalized block or a candidate.
    fn parent_info(&self, parent: &Digest32) -> Option<(u64, u64, Option<Header>)> {
        if *parent == Digest32(GENESIS_PARENT) {
            return Some((0, 0, None));
        }
        if *parent == self.tip.digest {
            return Some((
                self.tip.height,
                self.tip.timestamp_ms,
                self.tip.header.clone(),
            ));
        }
        self.pending
            .get(parent)
            .map(|c| (c.height, c.timestamp_ms, Some(c.proposal.header.clone())))
    }

    fn candidate(&mut self, proposal: Proposal, square: CommittedSquare, taken: Vec<Pending>) {
        let header = &proposal.header;
        self.pending.insert(
            header.hash(),
            Candidate {
                height: header.height(),
                timestamp_ms: header.unsigned.timestamp_ms,
                proposal,
                square,
                taken,
            },
        );
    }

    /// Commitments of the blobs in `parent` and its ancestors not final yet (proposals on the
    /// way from the last finalized block): a block built on `parent` leaves them out.
    fn in_ancestors(&self, parent: Digest32) -> HashSet<BlobCommitment> {
        let mut out = HashSet::new();
        let mut at = parent;
        while let Some(c) = self.pending.get(&at) {
            out.extend(c.square.index().iter().map(|e| e.commitment));
            at = c.proposal.header.unsigned.parent_hash;
        }
        out
    }

    /// Lays `proposal`'s blobs out, commits to its rows and checks them against its header.
    fn recommit(&self, proposal: &Proposal) -> Result<CommittedSquare, String> {
        let square = CommittedSquare::commit(&self.args.encoder, &proposal.blobs, MAX_K)
            .map_err(|e| format!("its blobs do not lay out: {e}"))?;
        if !square.matches(&proposal.header) {
            return Err("its row commitments or index root do not match its data".into());
        }
        Ok(square)
    }
}

/// A chain dropped (consensus stopped or restarted) gives the pool back the blobs of its
/// candidates: they were taken for proposals that are now abandoned.
impl Drop for NodeChain {
    fn drop(&mut self) {
        for (_, candidate) in self.pending.drain() {
            if !candidate.taken.is_empty() {
                self.args.mempool.restore(candidate.taken);
            }
        }
    }
}

impl Chain for NodeChain {
    fn identify(&self, block: &[u8]) -> Result<BlockId, String> {
        let proposal = Proposal::decode(block)?;
        Ok(BlockId {
            digest: proposal.header.hash(),
            parent: proposal.header.unsigned.parent_hash,
        })
    }

    fn build(&mut self, parent: Digest32) -> Result<Vec<u8>, Unready> {
        let (_, parent_ms, parent_header) = self
            .parent_info(&parent)
            .ok_or(Unready::MissingParent(parent))?;
        let not_before = parent_ms + self.args.block_time.as_millis() as u64;
        let now = now_ms();
        if parent_header.is_some() && now < not_before {
            return Err(Unready::NotBefore(
                UNIX_EPOCH + Duration::from_millis(not_before),
            ));
        }
        if self.writer.backlog() > MAX_WRITE_BACKLOG {
            return Err(Unready::NotBefore(
                std::time::SystemTime::now() + BACKLOG_RETRY,
            ));
        }
        let mut taken = self
            .args
            .mempool
            .take(self.args.max_k, &self.in_ancestors(parent));
        let mut blobs: Vec<_> = taken.iter().map(|p| p.blob.clone()).collect();
        let needed = weft_encoding::layout::smallest_k(weft_encoding::layout::elements_needed(
            blobs.iter().map(|b| b.data.len()),
        ));
        let max_k = self.args.max_k.max(needed);
        let square = match CommittedSquare::commit(&self.args.encoder, &blobs, max_k) {
            Ok(square) => square,
            Err(e) => {
                tracing::error!(
                    "cannot build a proposal from the pool: {e}; proposing an empty block"
                );
                self.args.mempool.restore(std::mem::take(&mut taken));
                blobs.clear();
                CommittedSquare::commit(&self.args.encoder, &[], 1)
                    .expect("an empty square lays out")
            }
        };
        let (header, receipts) = square.sign_on(&self.args.key, parent_header.as_ref(), now);
        // The blobs in square order (the order their receipts give).
        let mut in_order: Vec<(usize, weft_encoding::layout::Blob)> = receipts
            .iter()
            .zip(&blobs)
            .map(|(r, b)| (r.index as usize, b.clone()))
            .collect();
        in_order.sort_by_key(|(i, _)| *i);
        let proposal = Proposal {
            header,
            blobs: in_order.into_iter().map(|(_, b)| b).collect(),
        };
        let bytes = proposal.encode();
        self.candidate(proposal, square, taken);
        Ok(bytes)
    }

    fn check(&mut self, block: &[u8]) -> Verdict {
        let proposal = match Proposal::decode(block) {
            Ok(p) => p,
            Err(reason) => return Verdict::Invalid(reason),
        };
        let header = &proposal.header;
        if let Err(e) = header.verify_signed(&self.args.trust) {
            return Verdict::Invalid(e.to_string());
        }
        let parent = header.unsigned.parent_hash;
        let Some((parent_height, parent_ms, _)) = self.parent_info(&parent) else {
            return Verdict::MissingParent(parent);
        };
        if header.height() != parent_height + 1 {
            return Verdict::Invalid(format!(
                "height {} on a parent at {parent_height}",
                header.height()
            ));
        }
        let stamp = header.unsigned.timestamp_ms;
        if stamp < parent_ms || stamp > now_ms() + MAX_CLOCK_SKEW_MS {
            return Verdict::Invalid(format!(
                "timestamp {stamp} ms is before its parent's or too far ahead"
            ));
        }
        match self.recommit(&proposal) {
            Ok(square) => {
                self.candidate(proposal, square, Vec::new());
                Verdict::Valid
            }
            Err(reason) => Verdict::Invalid(reason),
        }
    }

    fn finalize(&mut self, block: &[u8], certificate: &FinalityCertificate) {
        let Ok(proposal) = Proposal::decode(block) else {
            tracing::error!("a finalized block does not decode; not stored");
            return;
        };
        let digest = proposal.header.hash();
        let candidate = match self.pending.remove(&digest) {
            Some(c) => c,
            None => match self.recommit(&proposal) {
                Ok(square) => Candidate {
                    height: proposal.header.height(),
                    timestamp_ms: proposal.header.unsigned.timestamp_ms,
                    proposal,
                    square,
                    taken: Vec::new(),
                },
                Err(reason) => {
                    tracing::error!(%digest, reason, "a finalized block does not check; not stored");
                    return;
                }
            },
        };
        let Candidate {
            height,
            timestamp_ms,
            proposal,
            square,
            taken,
        } = candidate;
        // Candidates at or below this height are off the chain now: their blobs go back, and
        // then every blob this block holds leaves the pool (whoever proposed it).
        let stale: Vec<Digest32> = self
            .pending
            .iter()
            .filter(|(_, c)| c.height <= height)
            .map(|(d, _)| *d)
            .collect();
        for d in stale {
            if let Some(c) = self.pending.remove(&d) {
                if !c.taken.is_empty() {
                    self.args.mempool.restore(c.taken);
                }
            }
        }
        self.args.mempool.finalized(height, square.index());
        drop(taken);
        let mut header = proposal.header.clone();
        header.certificate = Some(Box::new(certificate.clone()));
        // Kept until the writer has stored it: a crash before then loses nothing.
        if let Err(e) = self.args.store.put_finalized(&header, block) {
            tracing::error!(
                height,
                "cannot keep a finalized block before it is stored: {e}"
            );
        }
        let proposed_here = header.unsigned.producer == weft_types::ProducerKey::of(&self.args.key);
        self.writer.push(Finalized {
            square,
            header: header.clone(),
            own: proposed_here,
            // Its proposer announces it (every validator publishing the same header would only
            // add duplicates to gossip); a follower that misses it fetches it with the next.
            announce: proposed_here && certificate.payload == digest,
        });
        self.tip = Tip {
            height,
            digest,
            timestamp_ms,
            header: Some(header),
        };
        self.remember(digest);
        self.served.push_back((digest, proposal.encode()));
        while self.served.len() > SERVED_PROPOSALS {
            self.served.pop_front();
        }
    }

    fn last_finalized(&self) -> Digest32 {
        self.tip.digest
    }

    fn is_finalized(&self, digest: &Digest32) -> bool {
        *digest == Digest32(GENESIS_PARENT) || self.recent_set.contains(digest)
    }

    fn stored(&self, digest: &Digest32) -> Option<Vec<u8>> {
        self.served
            .iter()
            .find(|(d, _)| d == digest)
            .map(|(_, b)| b.clone())
            .or_else(|| self.pending.get(digest).map(|c| c.proposal.encode()))
    }

    fn fault(&mut self, fault: Fault) {
        tracing::warn!(
            kind = fault.kind,
            signer = fault.signer,
            view = fault.view,
            "validator fault recorded"
        );
        self.args.metrics.validator_faults.inc();
        if let Err(e) =
            self.args
                .store
                .put_evidence(fault.kind, fault.signer, fault.view, &fault.evidence)
        {
            tracing::error!("cannot keep the evidence: {e}");
        }
    }
}
