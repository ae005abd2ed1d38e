//! Blobs, namespaces and the offline blob commitment.

use sha2::{Digest, Sha256};

use crate::{constants::NAMESPACE_BYTES, hex_bytes};

hex_bytes!(
    /// A 16-byte namespace; blobs are laid into the square in namespace order. Shown as 32 hex
    /// characters without a prefix (a `0x` prefix is accepted when parsing).
    Namespace,
    NAMESPACE_BYTES,
    ""
);
hex_bytes!(
    /// A blob's commitment: `SHA-256("WEFT_BLOB_V1" ‖ namespace ‖ u64be(len) ‖ data)`.
    BlobCommitment,
    32
);
hex_bytes!(
    /// A SHA-256 digest (Merkle nodes and roots).
    Digest32,
    32
);

/// Domain tag of the blob commitment.
const BLOB_DOMAIN: &[u8] = b"WEFT_BLOB_V1";

/// The commitment of `(namespace, data)`, computable offline.
pub fn blob_commitment(namespace: &Namespace, data: &[u8]) -> BlobCommitment {
    let mut h = Sha256::new();
    h.update(BLOB_DOMAIN);
    h.update(namespace.0);
    h.update((data.len() as u64).to_be_bytes());
    h.update(data);
    BlobCommitment(h.finalize().into())
}

/// A blob as submitted: a namespace and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Its namespace.
    pub namespace: Namespace,
    /// Its bytes (at least one).
    pub data: Vec<u8>,
}

impl Blob {
    /// A blob.
    pub const fn new(namespace: Namespace, data: Vec<u8>) -> Self {
        Self { namespace, data }
    }

    /// Its commitment.
    pub fn commitment(&self) -> BlobCommitment {
        blob_commitment(&self.namespace, &self.data)
    }
}
