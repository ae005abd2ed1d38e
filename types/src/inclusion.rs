//! Inclusion bundles assembled from a stored block (docs/PROTOCOL.md §14), and the trust root
//! the no_std verifier (`weft-inclusion`) checks them against. Openings are computed by the
//! caller (the node, with `weft_encoding::Kzg::compute_kzg_proof`); this module only lays the
//! parts out.

use weft_encoding::layout::{merkle, IndexEntry};
pub use weft_inclusion::kzg::{is_canonical, versioned_hash};
pub use weft_inclusion::{
    check_data, verify as verify_bundle, verify_claim, Claim, Entry, HeaderView, InclusionBundle,
    InclusionError, Opening, TrustRoot, ValidatorKeys, Verified, MAX_BUNDLE_BYTES, MAX_DESCENDANTS,
    MAX_HEADER_BYTES,
};

use crate::{
    error::{Error, Result},
    Header, Trust,
};

impl Trust {
    /// The same trust root for the no_std verifier: the producer's key, or the validators'
    /// keys in canonical order (their proofs of possession were checked by
    /// [`crate::ValidatorSet::from_genesis`]).
    pub fn inclusion_root(&self) -> TrustRoot {
        match self {
            Self::Producer(key) => TrustRoot::Producer(key.0),
            Self::Validators(set) => TrustRoot::Validators(
                weft_inclusion::ValidatorKeys::new(
                    set.chain_id().as_bytes(),
                    set.validators()
                        .iter()
                        .map(|v| (v.p2p_key.0, v.consensus_key.0)),
                )
                .expect("a checked validator set has valid keys"),
            ),
        }
    }
}

/// The bundle for blob `blob_index` of the block `header` heads, whose index is `index`:
/// header (wire form) and `descendants` (those above it up to one with its own certificate,
/// empty when it has its own or the chain has one producer), the entry and its Merkle path,
/// the blob's rows' commitments (the header's) and versioned hashes, and, with `openings`, z
/// and one opening per row in order.
///
/// # Errors
/// [`Error::Malformed`] when `blob_index` is past the index, the index does not match the
/// header's blob count, the blob's rows lie outside the header's k, there are more than
/// [`MAX_DESCENDANTS`] descendants, or the openings are not one per row.
pub fn inclusion_bundle(
    header: &Header,
    descendants: &[Header],
    index: &[IndexEntry],
    blob_index: usize,
    openings: Option<([u8; 32], Vec<Opening>)>,
) -> Result<InclusionBundle> {
    let bad = |reason: &str| Error::Malformed {
        what: "inclusion bundle",
        reason: reason.into(),
    };
    let entry = index.get(blob_index).ok_or_else(|| bad("no such blob"))?;
    if index.len() != header.unsigned.blob_count as usize {
        return Err(bad("the index does not have the header's blob count"));
    }
    if descendants.len() > MAX_DESCENDANTS {
        return Err(bad("more descendants than a bundle carries"));
    }
    let rows = weft_encoding::layout::blob_rows(entry);
    let commitments = header
        .unsigned
        .row_commitments
        .get(rows.clone())
        .ok_or_else(|| bad("the blob's rows are outside the square"))?;
    let (z, openings) = match openings {
        Some((z, openings)) if openings.len() == rows.len() => (Some(z), openings),
        Some(_) => return Err(bad("not one opening per row")),
        None => (None, Vec::new()),
    };
    let leaves: Vec<merkle::Hash> = index.iter().map(IndexEntry::leaf).collect();
    Ok(InclusionBundle {
        header: header.to_bytes(),
        descendants: descendants.iter().map(Header::to_bytes).collect(),
        blob_index: blob_index as u32,
        entry: entry.to_bytes(),
        index_path: merkle::range_proof(&leaves, blob_index, blob_index + 1),
        first_row: rows.start as u16,
        rows: commitments
            .iter()
            .map(|c| (c.0, weft_inclusion::kzg::versioned_hash(&c.0)))
            .collect(),
        z,
        openings,
    })
}
