//! The simulation's pieces: a toy block store implementing `Chain` (blocks of a height, a
//! parent, a validity flag; certificates checked with weft-types' verifier on every
//! finalization) and a simulated network of validators under commonware's deterministic runtime.

#![allow(dead_code, unreachable_pub)]

pub mod net;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use sha2::{Digest as _, Sha256};
use weft_consensus::{BlockId, Chain, Fault, Unready, Verdict};
use weft_types::{encoding::layout::Digest32, FinalityCertificate, ValidatorSet, GENESIS_PARENT};

/// A toy block: `u64be(height) ‖ parent ‖ valid ‖ proposer ‖ u64be(nonce)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToyBlock {
    pub height: u64,
    pub parent: Digest32,
    pub valid: bool,
    pub proposer: u8,
    pub nonce: u64,
}

impl ToyBlock {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.height.to_be_bytes().to_vec();
        out.extend_from_slice(&self.parent.0);
        out.push(u8::from(self.valid));
        out.push(self.proposer);
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() != 8 + 32 + 2 + 8 {
            return Err(format!("{} bytes", bytes.len()));
        }
        Ok(Self {
            height: u64::from_be_bytes(bytes[..8].try_into().unwrap()),
            parent: Digest32(bytes[8..40].try_into().unwrap()),
            valid: bytes[40] == 1,
            proposer: bytes[41],
            nonce: u64::from_be_bytes(bytes[42..50].try_into().unwrap()),
        })
    }
}

pub fn digest(bytes: &[u8]) -> Digest32 {
    Digest32(Sha256::digest(bytes).into())
}

/// What a validator's store saw, for the test to inspect (survives the store: a restarted
/// validator's new store starts from it).
#[derive(Debug, Default)]
pub struct Record {
    /// Finalized blocks in height order: (digest, block, certificate).
    pub finalized: Vec<(Digest32, ToyBlock, FinalityCertificate)>,
    /// Evidence reported.
    pub faults: Vec<Fault>,
    /// Proposals refused as invalid.
    pub refused: usize,
    /// Blocks this validator built (durable, like the node's).
    pub built: HashMap<Digest32, Vec<u8>>,
}

pub type Shared = Arc<Mutex<Record>>;

/// A toy block store. `byzantine` makes it build blocks whose "commitments do not match".
pub struct ToyChain {
    me: u8,
    byzantine: bool,
    set: ValidatorSet,
    heights: HashMap<Digest32, u64>,
    finalized: HashMap<Digest32, Vec<u8>>,
    finalized_set: HashSet<Digest32>,
    nonce: u64,
    record: Shared,
}

impl ToyChain {
    pub fn new(me: u8, byzantine: bool, set: ValidatorSet, record: Shared) -> Self {
        let mut chain = Self {
            me,
            byzantine,
            set,
            heights: HashMap::from([(Digest32(GENESIS_PARENT), 0)]),
            finalized: HashMap::new(),
            finalized_set: HashSet::from([Digest32(GENESIS_PARENT)]),
            nonce: 0,
            record,
        };
        let finalized: Vec<_> = chain.record.lock().unwrap().finalized.clone();
        for (d, block, _) in finalized {
            chain.heights.insert(d, block.height);
            chain.finalized.insert(d, block.encode());
            chain.finalized_set.insert(d);
        }
        chain
    }
}

impl Chain for ToyChain {
    fn identify(&self, block: &[u8]) -> Result<BlockId, String> {
        let parsed = ToyBlock::decode(block)?;
        Ok(BlockId {
            digest: digest(block),
            parent: parsed.parent,
        })
    }

    fn build(&mut self, parent: Digest32) -> Result<Vec<u8>, Unready> {
        let height = *self
            .heights
            .get(&parent)
            .ok_or(Unready::MissingParent(parent))?;
        self.nonce += 1;
        let block = ToyBlock {
            height: height + 1,
            parent,
            valid: !self.byzantine,
            proposer: self.me,
            nonce: self.nonce,
        }
        .encode();
        self.heights.insert(digest(&block), height + 1);
        self.record
            .lock()
            .unwrap()
            .built
            .insert(digest(&block), block.clone());
        Ok(block)
    }

    fn check(&mut self, block: &[u8]) -> Verdict {
        let Ok(parsed) = ToyBlock::decode(block) else {
            return Verdict::Invalid("not a block".into());
        };
        let Some(&parent_height) = self.heights.get(&parsed.parent) else {
            return Verdict::MissingParent(parsed.parent);
        };
        if parsed.height != parent_height + 1 {
            return Verdict::Invalid(format!(
                "height {} on a parent at {parent_height}",
                parsed.height
            ));
        }
        if !parsed.valid {
            self.record.lock().unwrap().refused += 1;
            return Verdict::Invalid("row commitments do not match the data".into());
        }
        self.heights.insert(digest(block), parsed.height);
        Verdict::Valid
    }

    fn finalize(&mut self, block: &[u8], certificate: &FinalityCertificate) {
        let d = digest(block);
        let parsed = ToyBlock::decode(block).expect("finalized blocks were identified");
        let mut record = self.record.lock().unwrap();
        let tip = record
            .finalized
            .last()
            .map_or(Digest32(GENESIS_PARENT), |f| f.0);
        assert_eq!(
            parsed.parent, tip,
            "validator {} finalized a block off its chain",
            self.me
        );
        assert_eq!(parsed.height, record.finalized.len() as u64 + 1);
        // The certificate verifies with the light clients' verifier (for this block, or for the
        // descendant that finalized it).
        self.set
            .verify(&certificate.payload, certificate)
            .unwrap_or_else(|e| panic!("engine certificate refused: {e}"));
        record.finalized.push((d, parsed, certificate.clone()));
        self.heights.insert(d, parsed.height);
        self.finalized.insert(d, block.to_vec());
        self.finalized_set.insert(d);
    }

    fn last_finalized(&self) -> Digest32 {
        self.record
            .lock()
            .unwrap()
            .finalized
            .last()
            .map_or(Digest32(GENESIS_PARENT), |f| f.0)
    }

    fn is_finalized(&self, digest: &Digest32) -> bool {
        self.finalized_set.contains(digest)
    }

    fn stored(&self, digest: &Digest32) -> Option<Vec<u8>> {
        self.finalized
            .get(digest)
            .cloned()
            .or_else(|| self.record.lock().unwrap().built.get(digest).cloned())
    }

    fn fault(&mut self, fault: Fault) {
        self.record.lock().unwrap().faults.push(fault);
    }
}

/// Every pair of records agrees at every height both have (no fork), and no invalid block was
/// finalized. Returns the shortest chain's length.
pub fn assert_one_chain(records: &[Shared]) -> usize {
    let chains: Vec<Vec<Digest32>> = records
        .iter()
        .map(|r| r.lock().unwrap().finalized.iter().map(|f| f.0).collect())
        .collect();
    for r in records {
        assert!(
            r.lock().unwrap().finalized.iter().all(|f| f.1.valid),
            "an invalid block was finalized"
        );
    }
    for a in &chains {
        for b in &chains {
            let n = a.len().min(b.len());
            assert_eq!(a[..n], b[..n], "two finalized blocks at one height");
        }
    }
    chains.iter().map(Vec::len).min().unwrap_or(0)
}
