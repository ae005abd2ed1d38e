//! Assembling a synced block: from all 2k fetched rows, or from a reconstructed square, after
//! checking the square's layout against the header's blob index; an empty block from its
//! header alone.

use weft_encoding::{layout::parse_layout, Cell, ExtendedSquare, Proof, SquareCommitments};
use weft_types::Header;

use super::SyncError;
use crate::store::StoredBlock;

/// Assembles a block from all 2k rows (already verified against the header) and checks its
/// layout against the header's index root and blob count.
pub(super) fn assemble_block(
    header: Header,
    rows: Vec<(Vec<Cell>, Vec<Proof>)>,
) -> Result<StoredBlock, SyncError> {
    let k = header.k();
    let commitments = SquareCommitments::new(&header.unsigned.row_commitments)?.extended();
    let (cells, proofs): (Vec<Vec<Cell>>, Vec<Vec<Proof>>) = rows.into_iter().unzip();
    let square = ExtendedSquare::from_parts(k, commitments, cells.concat(), proofs.concat())?;
    block_of_square(header, square)
}

/// A block from its header and its square (assembled from rows, or reconstructed), after
/// checking that the square's layout matches the header: a producer that signs a square whose
/// blob index disagrees with the header is caught here.
pub(super) fn block_of_square(
    header: Header,
    square: ExtendedSquare,
) -> Result<StoredBlock, SyncError> {
    let original: Vec<u8> = (0..square.k()).flat_map(|r| square.row_blob(r)).collect();
    let index = parse_layout(&original)?;
    let root = weft_encoding::layout::index_root(&index);
    if root != header.unsigned.index_root.0 || index.len() as u32 != header.unsigned.blob_count {
        return Err(SyncError::LayoutMismatch {
            height: header.height(),
            blobs: index.len(),
            claimed: header.unsigned.blob_count,
        });
    }
    Ok(StoredBlock {
        commitments: square.commitments().to_vec(),
        header,
        square: Some(square),
        index,
    })
}

/// An empty block (k = 0) from its header.
pub(super) fn empty_block(header: Header) -> StoredBlock {
    StoredBlock {
        header,
        commitments: Vec::new(),
        square: None,
        index: Vec::new(),
    }
}
