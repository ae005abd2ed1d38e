//! Blobs into the square: namespaces, packing, the index and its Merkle proofs.

mod blob;
mod index;
mod namespace_proof;
mod pack;
mod square_layout;

pub use blob::{blob_commitment, Blob, BlobCommitment, BlobHasher, Digest32, Namespace};
pub use index::{index_root, IndexEntry, INDEX_ENTRY_BYTES};
pub use namespace_proof::{prove_namespace, NamespaceProof};
pub use pack::{elements_for, pack, unpack};
#[cfg(any(test, feature = "test-utils"))]
pub use square_layout::lay_out_v1;
pub use square_layout::{
    blob_rows, elements_needed, elements_needed_in, largest_blob, lay_out, owns_rows, parse_layout,
    read_blob, smallest_k, Layout, LayoutSize, ELEMENTS_PER_INDEX_ENTRY, LAYOUT_V1, LAYOUT_VERSION,
    ROW_DATA_BYTES,
};
/// The index's Merkle tree (docs/PROTOCOL.md §5), shared with the no_std inclusion verifier.
pub use weft_inclusion::merkle;
pub use weft_inclusion::merkle::root_with_count;
