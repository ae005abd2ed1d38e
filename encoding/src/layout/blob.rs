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
    let mut h = BlobHasher::new(namespace, data.len());
    h.update(data);
    h.finish()
}

/// A blob's commitment computed as its bytes go by (a blob streamed without being held whole):
/// [`BlobHasher::new`] with the namespace and the length, [`BlobHasher::update`] with the bytes
/// in order, [`BlobHasher::finish`]; equal to [`blob_commitment`] of the whole.
#[derive(Debug, Clone)]
pub struct BlobHasher(Sha256);

impl BlobHasher {
    /// The hasher of a blob of `len` bytes in `namespace`.
    pub fn new(namespace: &Namespace, len: usize) -> Self {
        let mut h = Sha256::new();
        h.update(BLOB_DOMAIN);
        h.update(namespace.0);
        h.update((len as u64).to_be_bytes());
        Self(h)
    }

    /// The next bytes of the blob.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The commitment (meaningful once exactly `len` bytes went in).
    pub fn finish(self) -> BlobCommitment {
        BlobCommitment(self.0.finalize().into())
    }
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
