//! The validator's block store as consensus sees it ([`weft_consensus::Chain`]): a proposal is
//! built from the node's own pool and encoded as the producer does; another validator's
//! proposal is checked by laying its blobs out and encoding the square again (its commitments
//! and index root must be the header's); a finalized block is stored with its certificate,
//! its submitters told, and its header announced to full nodes and light clients.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
    time::{Duration, UNIX_EPOCH},
};

use ed25519_dalek::SigningKey;
use weft_consensus::{BlockId, Chain, Fault, Unready, Verdict};
use weft_encoding::{constants::MAX_K, layout::Digest32};
use weft_p2p::NetworkHandle;
use weft_types::{FinalityCertificate, Header, Trust, GENESIS_PARENT, MAX_CLOCK_SKEW_MS};

use super::proposal::Proposal;
use crate::{
    block::{build_block_on, EncodedSquare},
    health::Health,
    mempool::{Mempool, Pending},
    metrics::Metrics,
    producer::now_ms,
    store::{Inclusion, Store, StoredBlock},
    Encoder,
};

/// Finalized block hashes remembered (to answer "is this final?" for a re-reported
/// finalization) and finalized proposals kept to answer validators that missed them.
const RECENT_FINALIZED: usize = 1_024;
/// Finalized proposals kept in memory to send to a validator that missed them.
const SERVED_PROPOSALS: usize = 64;

/// A block built or checked here, not final yet.
struct Candidate {
    height: u64,
    timestamp_ms: u64,
    proposal: Proposal,
    block: StoredBlock,
    /// The pool's blobs this node put in it (returned to the pool if it is not finalized).
    taken: Vec<(Pending, Inclusion)>,
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

/// The validator's [`Chain`] over the node's store, pool and encoder.
pub(crate) struct NodeChain {
    args: NodeChainArgs,
    tip: (u64, Digest32, u64),
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
            Some(header) => (head, header.hash(), header.unsigned.timestamp_ms),
            None => (0, Digest32(GENESIS_PARENT), 0),
        };
        let mut chain = Self {
            args,
            tip,
            recent: VecDeque::new(),
            recent_set: HashSet::new(),
            served: VecDeque::new(),
            pending: HashMap::new(),
        };
        chain.remember(tip.1);
        for header in chain
            .args
            .store
            .headers(head.saturating_sub(256).max(1), 256)?
        {
            chain.remember(header.hash());
        }
        Ok(chain)
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
        if *parent == self.tip.1 {
            let header = self.args.store.header(self.tip.0).ok().flatten();
            return Some((self.tip.0, self.tip.2, header));
        }
        self.pending
            .get(parent)
            .map(|c| (c.height, c.timestamp_ms, Some(c.block.header.clone())))
    }

    fn candidate(
        &mut self,
        proposal: Proposal,
        block: StoredBlock,
        taken: Vec<(Pending, Inclusion)>,
    ) {
        let header = &block.header;
        self.pending.insert(
            header.hash(),
            Candidate {
                height: header.height(),
                timestamp_ms: header.unsigned.timestamp_ms,
                proposal,
                block,
                taken,
            },
        );
    }

    /// Encodes `proposal`'s square and checks it against its header.
    fn rebuild(&self, proposal: &Proposal) -> Result<StoredBlock, String> {
        let header = &proposal.header;
        let encoded = EncodedSquare::encode(&self.args.encoder, &proposal.blobs, MAX_K)
            .map_err(|e| format!("its blobs do not lay out: {e}"))?;
        let u = &header.unsigned;
        if usize::from(u.k) != encoded.k()
            || u.row_commitments != encoded.original_commitments()
            || u.blob_count as usize != encoded.blob_count()
            || u.index_root != encoded.index_root()
        {
            return Err("its row commitments or index root do not match its data".into());
        }
        Ok(encoded.with_header(header.clone()))
    }
}

/// A chain dropped (consensus stopped or restarted) gives the pool back the blobs of its
/// candidates: they were taken for proposals that are now abandoned.
impl Drop for NodeChain {
    fn drop(&mut self) {
        for (_, candidate) in self.pending.drain() {
            if !candidate.taken.is_empty() {
                self.args
                    .mempool
                    .restore(candidate.taken.into_iter().map(|(p, _)| p).collect());
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
        let mut taken = self.args.mempool.take(self.args.max_k);
        let mut blobs: Vec<_> = taken.iter().map(|p| p.blob.clone()).collect();
        let needed = weft_encoding::layout::smallest_k(weft_encoding::layout::elements_needed(
            blobs.iter().map(|b| b.data.len()),
        ));
        let max_k = self.args.max_k.max(needed);
        let started = std::time::Instant::now();
        let built = build_block_on(
            &self.args.encoder,
            &self.args.key,
            parent_header.as_ref(),
            &blobs,
            max_k,
            now,
        );
        let (block, receipts) = match built {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(
                    "cannot build a proposal from the pool: {e}; proposing an empty block"
                );
                self.args.mempool.restore(std::mem::take(&mut taken));
                blobs.clear();
                build_block_on(
                    &self.args.encoder,
                    &self.args.key,
                    parent_header.as_ref(),
                    &[],
                    1,
                    now,
                )
                .expect("an empty block builds")
            }
        };
        self.args
            .metrics
            .block_encode_seconds
            .observe(started.elapsed().as_secs_f64());
        self.args
            .mempool
            .observe(block.header.k(), started.elapsed());
        let mut in_order: Vec<(usize, weft_encoding::layout::Blob)> = receipts
            .iter()
            .zip(&blobs)
            .map(|(r, b)| (r.index as usize, b.clone()))
            .collect();
        in_order.sort_by_key(|(i, _)| *i);
        let proposal = Proposal {
            header: block.header.clone(),
            blobs: in_order.into_iter().map(|(_, b)| b).collect(),
        };
        let bytes = proposal.encode();
        let taken = taken.into_iter().zip(receipts).collect();
        self.candidate(proposal, block, taken);
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
        match self.rebuild(&proposal) {
            Ok(built) => {
                self.candidate(proposal, built, Vec::new());
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
            None => match self.rebuild(&proposal) {
                Ok(built) => Candidate {
                    height: built.header.height(),
                    timestamp_ms: built.header.unsigned.timestamp_ms,
                    proposal,
                    block: built,
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
            mut block,
            taken,
        } = candidate;
        block.header.certificate = Some(Box::new(certificate.clone()));
        let included: Vec<(u64, Inclusion)> = taken.iter().map(|(p, i)| (p.id, *i)).collect();
        if let Err(e) = self
            .args
            .store
            .put_block(&block, &included, self.args.prune_after)
        {
            tracing::error!(height, "cannot store a finalized block: {e}");
            self.args.health.accept_failed(&e);
            return;
        }
        self.args.mempool.notify(&included);
        self.args.health.block_stored();
        self.args.metrics.head_height.set(height);
        self.args.metrics.head_k.set(block.header.k() as u64);
        if !taken.is_empty()
            || block.header.unsigned.producer == weft_types::ProducerKey::of(&self.args.key)
        {
            self.args.metrics.blocks_produced.inc();
        }
        tracing::info!(
            height,
            k = block.header.k(),
            blobs = block.index.len(),
            view = certificate.view,
            "finalized block"
        );
        let network = self.args.network.clone();
        let header = block.header.clone();
        self.args
            .runtime
            .spawn(async move { network.publish(header).await });
        self.tip = (height, digest, timestamp_ms);
        self.remember(digest);
        self.served.push_back((digest, proposal.encode()));
        while self.served.len() > SERVED_PROPOSALS {
            self.served.pop_front();
        }
        // Candidates at or below this height are off the chain now: their blobs go back.
        let stale: Vec<Digest32> = self
            .pending
            .iter()
            .filter(|(_, c)| c.height <= height)
            .map(|(d, _)| *d)
            .collect();
        for d in stale {
            if let Some(c) = self.pending.remove(&d) {
                if !c.taken.is_empty() {
                    self.args
                        .mempool
                        .restore(c.taken.into_iter().map(|(p, _)| p).collect());
                }
            }
        }
    }

    fn last_finalized(&self) -> Digest32 {
        self.tip.1
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
