//! A signed block laid out from given blobs, with its original rows and its inclusion bundles
//! (docs/PROTOCOL.md §14): what every verifier — the no_std crate, c-kzg, the contract — is
//! tested against, on a single-producer chain or a validator chain.

use std::sync::{Arc, OnceLock};

use ed25519_dalek::SigningKey;
use weft_encoding::{
    constants::BYTES_PER_ROW,
    layout::{lay_out, Blob, Digest32, Layout},
    Kzg, RowProver,
};

use super::{certificate, validator_chain_of, Keys};
use crate::{
    inclusion::{inclusion_bundle, InclusionBundle, Opening},
    Header, ProducerKey, Trust, UnsignedHeader, GENESIS_PARENT,
};

/// The KZG functions, made once per process.
pub fn kzg() -> &'static Kzg {
    static KZG: OnceLock<Kzg> = OnceLock::new();
    KZG.get_or_init(|| Kzg::new(Arc::new(RowProver::new())))
}

/// An evaluation point below r, as a rollup's Fiat–Shamir hash would give.
pub const Z: [u8; 32] = [
    0x2a, 0x11, 0x5c, 0x03, 0x99, 0x41, 0x7e, 0x20, 0x10, 0x04, 0x77, 0x31, 0x0d, 0xee, 0x01, 0x52,
    0x63, 0x74, 0x85, 0x96, 0xa7, 0xb8, 0xc9, 0xda, 0xeb, 0xfc, 0x0d, 0x1e, 0x2f, 0x30, 0x41, 0x52,
];

/// The blobs every verifier is tested on: 0 fills one row exactly; 1 spans three rows, the
/// last partial; 2 is 1,000 bytes (shares its row with the layout's header and index).
pub fn rollup_blobs() -> Vec<Blob> {
    let data = |len: usize, seed: u8| -> Vec<u8> {
        (0..len).map(|i| ((i * 131 + i / 7) as u8) ^ seed).collect()
    };
    vec![
        Blob::new(
            weft_encoding::layout::Namespace([3; 16]),
            data(weft_encoding::layout::ROW_DATA_BYTES, 1),
        ),
        Blob::new(
            weft_encoding::layout::Namespace([1; 16]),
            data(3 * weft_encoding::layout::ROW_DATA_BYTES - 5_000, 2),
        ),
        Blob::new(weft_encoding::layout::Namespace([2; 16]), data(1_000, 3)),
    ]
}

/// A block at height 1 and what it was made from.
pub struct Block {
    /// What its header verifies against.
    pub trust: Trust,
    /// The blobs, in the order given.
    pub blobs: Vec<Blob>,
    /// Their layout (index, original rows, order).
    pub layout: Layout,
    /// The signed (on a validator chain, certified) header.
    pub header: Header,
    /// The validators' keys (validator chains).
    pub keys: Option<Keys>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block")
            .field("k", &self.layout.k)
            .finish_non_exhaustive()
    }
}

fn unsigned(layout: &Layout, producer: ProducerKey) -> UnsignedHeader {
    UnsignedHeader {
        height: 1,
        parent_hash: Digest32(GENESIS_PARENT),
        timestamp_ms: 1_700_000_000_000,
        k: layout.k as u16,
        row_commitments: layout
            .rows()
            .iter()
            .map(|row| kzg().blob_to_kzg_commitment(row).expect("a laid-out row"))
            .collect(),
        blob_count: layout.index.len() as u32,
        index_root: Digest32(layout.index_root),
        producer,
    }
}

impl Block {
    /// The block of a single producer (key `[7; 32]`).
    pub fn producer(blobs: Vec<Blob>) -> Self {
        let key = SigningKey::from_bytes(&[7; 32]);
        let layout = lay_out(&blobs, 128).expect("blobs fit a square");
        let header = unsigned(&layout, ProducerKey::of(&key)).sign(&key);
        Self {
            trust: Trust::Producer(ProducerKey::of(&key)),
            blobs,
            layout,
            header,
            keys: None,
        }
    }

    /// The block of a chain of `n` validators (`weft-test`), proposed by the first and certified
    /// by the first quorum of them.
    pub fn validators(n: usize, blobs: Vec<Blob>) -> Self {
        let (keys, set, signing) = validator_chain_of(n, "weft-test");
        let layout = lay_out(&blobs, 128).expect("blobs fit a square");
        let mut header = unsigned(&layout, ProducerKey::of(&signing[0])).sign(&signing[0]);
        let signers: Vec<u16> = (0..set.quorum() as u16).collect();
        header.certificate = Some(Box::new(certificate(&keys, &signers, header.hash())));
        Self {
            trust: Trust::from(set),
            blobs,
            layout,
            header,
            keys: Some(keys),
        }
    }

    /// Where blob `i` (in the order given) is in the index.
    pub fn position(&self, i: usize) -> usize {
        self.layout
            .order
            .iter()
            .position(|&j| j == i)
            .expect("a blob given")
    }

    /// Original row `r` (131,072 bytes, an EIP-4844 blob).
    pub fn row(&self, r: usize) -> &[u8] {
        &self.layout.data[r * BYTES_PER_ROW..(r + 1) * BYTES_PER_ROW]
    }

    /// The bundle of blob `i` (in the order given), its rows opened at `z` when given.
    pub fn bundle(&self, i: usize, z: Option<[u8; 32]>) -> InclusionBundle {
        let position = self.position(i);
        let rows = weft_encoding::layout::blob_rows(&self.layout.index[position]);
        let openings = z.map(|z| {
            let openings = rows
                .map(|r| {
                    let (proof, y) = kzg().compute_kzg_proof(self.row(r), &z).expect("a row");
                    Opening { y, proof: proof.0 }
                })
                .collect();
            (z, openings)
        });
        inclusion_bundle(&self.header, &[], &self.layout.index, position, openings)
            .expect("a bundle of a block made here")
    }

    /// The header with a certificate of `signers` (indices in canonical order) instead.
    ///
    /// # Panics
    /// On a single-producer chain.
    pub fn certified_by(&self, signers: &[u16]) -> Header {
        let keys = self.keys.as_ref().expect("a validator chain");
        let mut header = self.header.clone();
        header.certificate = Some(Box::new(certificate(keys, signers, header.hash())));
        header
    }
}
