//! Blobs into the square: namespaces, packing, the index and its Merkle proofs.

mod blob;
mod index;
pub mod merkle;
mod namespace_proof;
mod pack;
mod square_layout;

pub use blob::{blob_commitment, Blob, BlobCommitment, BlobHasher, Digest32, Namespace};
pub use index::{index_root, root_with_count, IndexEntry, INDEX_ENTRY_BYTES};
pub use namespace_proof::{prove_namespace, NamespaceProof};
pub use pack::{elements_for, pack, unpack};
pub use square_layout::{
    elements_needed, lay_out, parse_layout, read_blob, smallest_k, Layout,
    ELEMENTS_PER_INDEX_ENTRY, LAYOUT_VERSION,
};
