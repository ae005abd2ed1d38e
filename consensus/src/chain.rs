//! What the consensus glue needs from a validator's block store: build a block, identify and
//! check one received from another validator, store a finalized one, record evidence.
//! The node implements it over RocksDB and the square encoder; the simulation over a map.

use weft_types::{encoding::layout::Digest32, FinalityCertificate};

/// A block's identity as its own bytes state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockId {
    /// The block's hash (its header's hash: what consensus orders).
    pub digest: Digest32,
    /// Its parent's hash (`GENESIS_PARENT` for the first block).
    pub parent: Digest32,
}

/// Why a block cannot be built yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unready {
    /// The parent is not known here yet: the glue fetches it and asks again.
    MissingParent(Digest32),
    /// Not before this time (the block time since the parent): the glue asks again then.
    NotBefore(std::time::SystemTime),
}

/// The verdict on a block received from a leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Consistent and built on its parent: vote for it.
    Valid,
    /// Permanently invalid (commitments that do not match the data, a wrong height, …):
    /// never vote for it. The reason is logged and counted.
    Invalid(String),
    /// Its parent is not known here yet: ask peers for the parent and check again.
    MissingParent(Digest32),
}

/// Conflicting messages one validator signed, reported by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// What kind: `conflicting_notarize`, `conflicting_finalize` or `nullify_finalize`.
    pub kind: &'static str,
    /// The validator's index in canonical order.
    pub signer: u32,
    /// The view it happened in.
    pub view: u64,
    /// The evidence: both signed messages in commonware's encoding.
    pub evidence: Vec<u8>,
}

/// A validator's block store as consensus sees it. Calls come from one task, in order; each
/// must return promptly (the node does its slow work — encoding, commitment checks — before
/// or on its own threads).
pub trait Chain: Send + 'static {
    /// Decodes just enough of `block` to name it and its parent.
    ///
    /// # Errors
    /// Why the bytes are not a block (the sender is at fault).
    fn identify(&self, block: &[u8]) -> Result<BlockId, String>;

    /// Builds a block on `parent` from what is waiting to be included; returns its bytes (what
    /// the other validators receive). An empty block when nothing waits. The block must be
    /// durable before this returns (see [`Chain::stored`]).
    ///
    /// # Errors
    /// [`Unready`]: the parent is not known here yet, or it is too early (the glue asks again).
    fn build(&mut self, parent: Digest32) -> Result<Vec<u8>, Unready>;

    /// Checks a block another validator proposed (its parent per [`Chain::identify`] matches
    /// the engine's), or an ancestor of one that this validator missed. A valid block is
    /// remembered: its children name it as parent.
    fn check(&mut self, block: &[u8]) -> Verdict;

    /// `block` is final. Called once per block, in height order, each block's parent the one
    /// before. `certificate` finalizes this block or a descendant (when the engine finalized a
    /// later view first, its ancestors are final through it).
    fn finalize(&mut self, block: &[u8], certificate: &FinalityCertificate);

    /// The hash of the last finalized block (`GENESIS_PARENT` before the first).
    fn last_finalized(&self) -> Digest32;

    /// Whether `digest` was finalized here (the engine can report a finalization again after a
    /// restart). True for `GENESIS_PARENT`.
    fn is_finalized(&self, digest: &Digest32) -> bool;

    /// The bytes of a block finalized here or built here (a proposer that restarts is asked
    /// to send its proposal again), to answer a validator that missed it.
    fn stored(&self, digest: &Digest32) -> Option<Vec<u8>>;

    /// A validator signed conflicting messages.
    fn fault(&mut self, fault: Fault);
}
