//! The check of a bundle (docs/PROTOCOL.md §14), in order: the header against the trust root
//! (and its finality), the index entry against the header's index root, the rows against the
//! entry and the header's commitments, then the openings with KZG (all rows in one pairing
//! product).

use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use crate::{
    bundle::{InclusionBundle, ENTRY_BYTES},
    certificate::ValidatorKeys,
    error::InclusionError,
    header::HeaderView,
    kzg, merkle,
};

/// Field elements per row (an EIP-4844 blob).
pub const FIELD_ELEMENTS_PER_ROW: usize = 4096;
/// Data bytes per field element (a zero byte, then 31 data bytes).
pub const DATA_BYTES_PER_ELEMENT: usize = 31;
/// Data bytes in one row: a blob at least this long owns whole rows (layout version 2, §5).
pub const ROW_DATA_BYTES: usize = FIELD_ELEMENTS_PER_ROW * DATA_BYTES_PER_ELEMENT;

/// What headers are checked against.
#[derive(Debug, Clone)]
pub enum TrustRoot {
    /// A single-producer chain: every header is signed by this Ed25519 key.
    Producer([u8; 32]),
    /// A chain run by validators: headers signed by one of them, final by a certificate of more
    /// than two thirds.
    Validators(ValidatorKeys),
}

/// An index entry (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Namespace (16 bytes).
    pub namespace: [u8; 16],
    /// First element of the blob in the square's element stream.
    pub start: u32,
    /// Length in bytes.
    pub len: u32,
    /// Blob commitment: `SHA-256("WEFT_BLOB_V1" ‖ namespace ‖ u64be(len) ‖ data)`.
    pub commitment: [u8; 32],
}

impl Entry {
    /// Reads the 56-byte form.
    pub fn parse(bytes: &[u8; ENTRY_BYTES]) -> Self {
        let word = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        Self {
            namespace: bytes[..16].try_into().expect("16 bytes"),
            start: word(16),
            len: word(20),
            commitment: bytes[24..].try_into().expect("32 bytes"),
        }
    }

    /// The original rows the blob touches, `first..end`.
    pub fn rows(&self) -> core::ops::Range<usize> {
        // In u64: start + ⌈len/31⌉ fits (< 2^33), where a 32-bit guest's usize would not.
        let per_row = FIELD_ELEMENTS_PER_ROW as u64;
        let start = u64::from(self.start);
        let end = start + u64::from(self.len).div_ceil(DATA_BYTES_PER_ELEMENT as u64);
        let clamp = |rows: u64| usize::try_from(rows).unwrap_or(usize::MAX);
        clamp(start / per_row)..clamp(end.div_ceil(per_row))
    }

    /// Whether the blob owns its rows (starts at a row start and is at least a row's data):
    /// each of its rows then is the EIP-4844 blob of its data alone, the last zero-padded.
    ///
    /// Inferred from the entry (the bundle does not carry the square's layout version): exact
    /// for layout version 2; in a version-1 square (§5) a long blob that happens to start at a
    /// row start may share its last row with the next blob.
    pub fn owns_rows(&self) -> bool {
        self.start as usize % FIELD_ELEMENTS_PER_ROW == 0 && self.len as usize >= ROW_DATA_BYTES
    }
}

/// What a bundle proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The block's height.
    pub height: u64,
    /// The block's header hash.
    pub header_hash: [u8; 32],
    /// The blob's index entry.
    pub entry: Entry,
    /// Its position in the index.
    pub blob_index: u32,
    /// The blob's first row.
    pub first_row: usize,
    /// The versioned hash of each of its rows, in order.
    pub versioned_hashes: Vec<[u8; 32]>,
    /// The evaluation point, when the bundle opens the rows.
    pub z: Option<[u8; 32]>,
    /// Each row's polynomial at z, in order (empty without z).
    pub evaluations: Vec<[u8; 32]>,
}

/// What the caller wants proven: the blob (namespace and commitment), and optionally its height
/// and the point its rows are opened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The blob's namespace.
    pub namespace: [u8; 16],
    /// The blob's commitment.
    pub commitment: [u8; 32],
    /// The height, when the caller knows it.
    pub height: Option<u64>,
    /// The evaluation point the caller needs openings at.
    pub z: Option<[u8; 32]>,
}

/// Checks `bundle` against `trust`.
///
/// # Errors
/// The first refused check, as an [`InclusionError`].
pub fn verify(bundle: &InclusionBundle, trust: &TrustRoot) -> Result<Verified, InclusionError> {
    let header = HeaderView::parse(&bundle.header)?;
    check_header(&header, &bundle.descendants, trust)?;

    let entry = Entry::parse(&bundle.entry);
    if bundle.blob_index >= header.blob_count {
        return Err(InclusionError::NoSuchBlob {
            blob_index: bundle.blob_index,
            blob_count: header.blob_count,
        });
    }
    let leaf = merkle::leaf_hash(&bundle.entry);
    let tree = merkle::root_from_range(
        header.blob_count as usize,
        bundle.blob_index as usize,
        &[leaf],
        &bundle.index_path,
    );
    if tree.map(|t| merkle::root_with_count(header.blob_count, &t)) != Some(header.index_root) {
        return Err(InclusionError::WrongIndexPath);
    }

    let rows = entry.rows();
    if entry.len == 0
        || rows.end > header.k
        || usize::from(bundle.first_row) != rows.start
        || bundle.rows.len() != rows.len()
    {
        return Err(InclusionError::WrongRows {
            first: bundle.first_row,
            count: bundle.rows.len(),
            expected_first: rows.start,
            expected_count: rows.len(),
            k: header.k,
        });
    }
    for (row, (commitment, versioned)) in rows.clone().zip(&bundle.rows) {
        if header.row_commitment(row) != Some(commitment.as_slice()) {
            return Err(InclusionError::WrongRowCommitment { row });
        }
        if kzg::versioned_hash(commitment) != *versioned {
            return Err(InclusionError::WrongVersionedHash { row });
        }
    }

    let openings = bundle.openings.len();
    if openings != bundle.z.map_or(0, |_| rows.len()) {
        return Err(InclusionError::OpeningCount {
            openings,
            rows: rows.len(),
            z: bundle.z.is_some(),
        });
    }
    if let Some(z) = &bundle.z {
        if !kzg::is_canonical(z) {
            return Err(InclusionError::NonCanonical { what: "z" });
        }
        for (row, ((commitment, _), opening)) in
            rows.clone().zip(bundle.rows.iter().zip(&bundle.openings))
        {
            if !kzg::is_canonical(&opening.y) {
                return Err(InclusionError::NonCanonical { what: "y" });
            }
            if kzg::g1_point(commitment).is_none() {
                return Err(InclusionError::BadPoint {
                    row,
                    what: "commitment",
                });
            }
            if kzg::g1_point(&opening.proof).is_none() {
                return Err(InclusionError::BadPoint { row, what: "proof" });
            }
        }
        let openings = bundle.row_openings();
        if !kzg::verify_openings(z, &openings) {
            // Name the row: the first that fails alone (the batch fails only when one does).
            let row = rows
                .clone()
                .zip(&openings)
                .find(|(_, (c, y, proof))| !kzg::verify_opening(c, z, y, proof))
                .map_or(rows.start, |(row, _)| row);
            return Err(InclusionError::BadOpening { row });
        }
    }
    Ok(Verified {
        height: header.height,
        header_hash: header.hash(),
        entry,
        blob_index: bundle.blob_index,
        first_row: rows.start,
        versioned_hashes: bundle.rows.iter().map(|(_, v)| *v).collect(),
        z: bundle.z,
        evaluations: bundle.openings.iter().map(|o| o.y).collect(),
    })
}

/// [`verify`], then that the bundle proves `claim`.
///
/// # Errors
/// As [`verify`]; [`InclusionError::OtherClaim`] naming what differs.
pub fn verify_claim(
    bundle: &InclusionBundle,
    trust: &TrustRoot,
    claim: &Claim,
) -> Result<Verified, InclusionError> {
    let verified = verify(bundle, trust)?;
    let other = |what| Err(InclusionError::OtherClaim { what });
    if verified.entry.namespace != claim.namespace {
        return other("namespace");
    }
    if verified.entry.commitment != claim.commitment {
        return other("commitment");
    }
    if claim.height.is_some_and(|h| h != verified.height) {
        return other("height");
    }
    if claim.z.is_some() && claim.z != verified.z {
        return other("z");
    }
    Ok(verified)
}

/// Checks that `data` is the blob a verified bundle names: its length and
/// `SHA-256("WEFT_BLOB_V1" ‖ namespace ‖ u64be(len) ‖ data)`.
///
/// # Errors
/// [`InclusionError::WrongData`].
pub fn check_data(verified: &Verified, data: &[u8]) -> Result<(), InclusionError> {
    let entry = &verified.entry;
    let mut h = Sha256::new();
    h.update(b"WEFT_BLOB_V1");
    h.update(entry.namespace);
    h.update((data.len() as u64).to_be_bytes());
    h.update(data);
    if data.len() != entry.len as usize || <[u8; 32]>::from(h.finalize()) != entry.commitment {
        return Err(InclusionError::WrongData);
    }
    Ok(())
}

/// The header's signer, signature and finality against `trust`.
fn check_header(
    header: &HeaderView<'_>,
    descendants: &[Vec<u8>],
    trust: &TrustRoot,
) -> Result<(), InclusionError> {
    check_signer(header, trust)?;
    let TrustRoot::Validators(set) = trust else {
        return match descendants.len() {
            0 => Ok(()),
            count => Err(InclusionError::StrayDescendants { count }),
        };
    };
    if let Some(certificate) = own(header) {
        if !descendants.is_empty() {
            return Err(InclusionError::StrayDescendants {
                count: descendants.len(),
            });
        }
        return set.check(header.height, &header.hash(), certificate);
    }
    // Final through a descendant: a run by parent hashes to one with its own certificate.
    let mut parent = header.clone();
    for (i, bytes) in descendants.iter().enumerate() {
        let next = HeaderView::parse(bytes)?;
        if !next.follows(&parent) {
            return Err(InclusionError::BrokenLink {
                height: next.height,
            });
        }
        check_signer(&next, trust)?;
        if let Some(certificate) = own(&next) {
            if i + 1 != descendants.len() {
                return Err(InclusionError::StrayDescendants {
                    count: descendants.len() - i - 1,
                });
            }
            return set.check(next.height, &next.hash(), certificate);
        }
        parent = next;
    }
    Err(InclusionError::Uncertified {
        height: header.height,
    })
}

/// The header's certificate when it is its own (its payload is the header's hash).
fn own<'h, 'a>(header: &'h HeaderView<'a>) -> Option<&'h crate::CertificateView<'a>> {
    header
        .certificate
        .as_ref()
        .filter(|c| c.payload == header.hash())
}

fn check_signer(header: &HeaderView<'_>, trust: &TrustRoot) -> Result<(), InclusionError> {
    match trust {
        TrustRoot::Producer(key) if key != &header.producer => Err(InclusionError::WrongProducer {
            height: header.height,
        }),
        TrustRoot::Validators(set) if !set.has_p2p_key(&header.producer) => {
            Err(InclusionError::NotAValidator {
                height: header.height,
            })
        }
        _ => header.check_signature(),
    }
}
