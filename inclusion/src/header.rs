//! A header's wire form read without copying it (docs/PROTOCOL.md §7): the canonical encoding,
//! the producer's Ed25519 signature, and on a validator chain the finality certificate.

use sha2::{Digest, Sha256};

use crate::{certificate::CertificateView, error::InclusionError, reader::Reader};

/// `"WEFT_HEADER_V1"`, the canonical encoding's first 14 bytes.
pub const HEADER_DOMAIN: &[u8; 14] = b"WEFT_HEADER_V1";
/// Most original rows of a square (k ≤ 128).
pub(crate) const MAX_K: usize = 128;
/// Longest canonical encoding: the fixed fields and 128 row commitments (6,276 bytes).
pub const MAX_CANONICAL_BYTES: usize = 14 + 8 + 32 + 8 + 2 + MAX_K * 48 + 4 + 32 + 32;
/// Longest wire form: canonical encoding, signature (64) and the largest certificate.
pub const MAX_HEADER_BYTES: usize =
    MAX_CANONICAL_BYTES + 64 + crate::certificate::MAX_CERTIFICATE_BYTES;

/// A parsed header, borrowing its wire bytes.
#[derive(Debug, Clone)]
pub struct HeaderView<'a> {
    /// The canonical encoding (what is hashed and signed).
    pub canonical: &'a [u8],
    /// Height.
    pub height: u64,
    /// The parent's hash.
    pub parent_hash: [u8; 32],
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Original rows (0 or a power of two ≤ 128).
    pub k: usize,
    /// `k × 48` bytes: the rows' compressed KZG commitments.
    pub row_commitments: &'a [u8],
    /// Blobs in the block.
    pub blob_count: u32,
    /// The index root (§5).
    pub index_root: [u8; 32],
    /// The signer's Ed25519 key.
    pub producer: [u8; 32],
    /// Its signature over `canonical`.
    pub signature: [u8; 64],
    /// The finality certificate, on a validator chain.
    pub certificate: Option<CertificateView<'a>>,
}

impl<'a> HeaderView<'a> {
    /// Parses a wire form (all of `bytes`).
    ///
    /// # Errors
    /// [`InclusionError::Malformed`] naming what is wrong.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, InclusionError> {
        let mut r = Reader::new("header", bytes);
        if r.take(14)? != HEADER_DOMAIN {
            return Err(r.bad("not a WEFT_HEADER_V1 header"));
        }
        let height = r.u64()?;
        let parent_hash = r.array()?;
        let timestamp_ms = r.u64()?;
        let k = usize::from(r.u16()?);
        if k != 0 && (!k.is_power_of_two() || k > MAX_K) {
            return Err(r.bad("k is not 0 or a power of two up to 128"));
        }
        let row_commitments = r.take(48 * k)?;
        let blob_count = r.u32()?;
        let index_root = r.array()?;
        let producer = r.array()?;
        let canonical = &bytes[..r.position()];
        let signature = r.array()?;
        let rest = r.rest();
        let certificate = if rest.is_empty() {
            None
        } else {
            Some(CertificateView::parse(rest)?)
        };
        Ok(Self {
            canonical,
            height,
            parent_hash,
            timestamp_ms,
            k,
            row_commitments,
            blob_count,
            index_root,
            producer,
            signature,
            certificate,
        })
    }

    /// `SHA-256(canonical encoding)`: the block hash.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.canonical).into()
    }

    /// Row `row`'s commitment (48 bytes); `None` past k.
    pub fn row_commitment(&self, row: usize) -> Option<&'a [u8]> {
        self.row_commitments.get(48 * row..48 * (row + 1))
    }

    /// Whether `self` follows `parent`: the next height, the parent's hash, a timestamp not
    /// before the parent's.
    pub fn follows(&self, parent: &HeaderView<'_>) -> bool {
        parent.height.checked_add(1) == Some(self.height)
            && self.parent_hash == parent.hash()
            && self.timestamp_ms >= parent.timestamp_ms
    }

    /// Checks the Ed25519 signature by [`Self::producer`].
    ///
    /// # Errors
    /// [`InclusionError::BadHeaderSignature`].
    pub fn check_signature(&self) -> Result<(), InclusionError> {
        let bad = InclusionError::BadHeaderSignature {
            height: self.height,
        };
        use ed25519_dalek::Verifier;
        let key =
            ed25519_dalek::VerifyingKey::from_bytes(&self.producer).map_err(|_| bad.clone())?;
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.verify(self.canonical, &signature).map_err(|_| bad)
    }
}
