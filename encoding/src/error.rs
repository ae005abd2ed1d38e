//! The encoding component's one error type. Each variant says whose fault it is, so a network
//! layer can score peers mechanically: see [`Error::fault`].

use crate::constants::{BYTES_PER_CELL, MAX_K};

/// Convenience alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who supplied the input that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The caller: a malformed request, a bad parameter, a bad header.
    Input,
    /// The party that served cells, proofs or rows: penalise it.
    Peer,
    /// Nobody lied, but not enough data was available.
    Unavailable,
}

/// Why a compressed G1 point was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointError {
    /// Bad flag bits or a coordinate that is not a canonical base-field element.
    Encoding,
    /// The x-coordinate has no point on the curve.
    NotOnCurve,
    /// On the curve but outside the prime-order subgroup.
    NotInSubgroup,
}

impl std::fmt::Display for PointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Encoding => "bad encoding",
            Self::NotOnCurve => "not on the curve",
            Self::NotInSubgroup => "not in the prime-order subgroup",
        })
    }
}

/// Everything that can go wrong in encoding, verification, reconstruction and layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// k must be a power of two in `1..=MAX_K`. Input fault.
    #[error("k = {k} is not a power of two in 1..={MAX_K}")]
    InvalidK {
        /// The k given.
        k: usize,
    },
    /// A byte string has the wrong length. Fault: whoever sent it (input for callers).
    #[error("{what} has {got} bytes, expected {expected}")]
    Length {
        /// What was measured.
        what: &'static str,
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        got: usize,
    },
    /// Parallel inputs differ in length. Input fault.
    #[error("inputs differ in length: {a} vs {b}")]
    CountMismatch {
        /// First length.
        a: usize,
        /// Second length.
        b: usize,
    },
    /// A 32-byte field element is not below the BLS12-381 scalar modulus. Peer fault (the cell
    /// came from a peer).
    #[error("item {item}: field element {element} is not canonical")]
    NonCanonicalFieldElement {
        /// Index of the cell or blob in the input.
        item: usize,
        /// Element within it.
        element: usize,
    },
    /// A 32-byte scalar given as input (an evaluation point z) is not below the BLS12-381
    /// group order. Input fault.
    #[error("{what} is not below the BLS12-381 group order")]
    NonCanonicalScalar {
        /// Which scalar ("z").
        what: &'static str,
    },
    /// A proof is not a valid G1 point. Peer fault.
    #[error("proof of item {item}: {reason}")]
    InvalidProofPoint {
        /// Index of the sample in the batch.
        item: usize,
        /// What is wrong with the point.
        reason: PointError,
    },
    /// A commitment is not a valid G1 point. Input fault (commitments come from the header).
    #[error("commitment {index}: {reason}")]
    InvalidCommitmentPoint {
        /// Index of the commitment.
        index: usize,
        /// What is wrong with the point.
        reason: PointError,
    },
    /// A row index is outside `0..rows`. Input fault.
    #[error("item {item}: row {row} is outside 0..{rows}")]
    RowOutOfRange {
        /// Index in the input.
        item: usize,
        /// Row given.
        row: usize,
        /// Rows in the square.
        rows: usize,
    },
    /// A column (cell index) is outside `0..128`. Input fault.
    #[error("item {item}: column {col} is outside 0..{cols}")]
    ColumnOutOfRange {
        /// Index in the input.
        item: usize,
        /// Column given.
        col: usize,
        /// Columns in a row.
        cols: usize,
    },
    /// The same cell was given twice where each must be unique, or cells were out of order.
    /// Input fault.
    #[error("cell indices must be unique and ascending (item {item})")]
    CellOrder {
        /// Index of the offending entry.
        item: usize,
    },
    /// The batched pairing check failed: at least one cell or proof is wrong. Peer fault.
    #[error("KZG proof check failed for a batch of {samples} cells")]
    InvalidProof {
        /// Cells in the failed batch.
        samples: usize,
    },
    /// Too few cells to recover one row. Unavailable.
    #[error("row needs {needed} of {cells} cells to recover, got {got}")]
    NotEnoughCells {
        /// Cells given.
        got: usize,
        /// Cells needed.
        needed: usize,
        /// Cells per row.
        cells: usize,
    },
    /// Iterative row/column decoding is stuck. Unavailable.
    #[error(
        "cannot reconstruct: {missing} of {total} cells missing after decoding; {stuck_rows} rows \
         have fewer than 64 of 128 cells and {stuck_cols} columns fewer than {k} of {rows} \
         (row {worst_row} has {worst_row_cells})"
    )]
    Unrecoverable {
        /// Cells still missing when decoding stopped.
        missing: usize,
        /// Cells in the extended square.
        total: usize,
        /// Incomplete rows that cannot be decoded.
        stuck_rows: usize,
        /// Incomplete columns that cannot be decoded.
        stuck_cols: usize,
        /// k of the square (cells a column needs).
        k: usize,
        /// Rows of the extended square (2k).
        rows: usize,
        /// An incomplete row with the most cells.
        worst_row: usize,
        /// Cells that row has.
        worst_row_cells: usize,
    },
    /// The given cells decode to data whose commitment differs from the header's. Peer fault.
    #[error("recovered row {row} does not match its commitment")]
    CommitmentMismatch {
        /// The row.
        row: usize,
    },
    /// Received cells are not a codeword (recovery left non-zero high coefficients). Peer fault.
    #[error("cells of row {row} are not consistent with one another")]
    InconsistentCells {
        /// The row.
        row: usize,
    },
    /// A blob has no data. Input fault.
    #[error("blob {index} is empty")]
    EmptyBlob {
        /// Index of the blob.
        index: usize,
    },
    /// The blobs do not fit in the largest square allowed. Input fault.
    #[error("blobs need {needed} field elements but a square of k = {max_k} holds {capacity}")]
    SquareFull {
        /// Elements needed.
        needed: usize,
        /// Elements available.
        capacity: usize,
        /// Largest k allowed.
        max_k: usize,
    },
    /// The square's layout (index and blob placement) is malformed. Fault of the producer.
    #[error("malformed square layout: {0}")]
    Layout(&'static str),
    /// A blob's data does not hash to the commitment in the index. Peer fault.
    #[error("blob {index} does not match its commitment")]
    BlobCommitmentMismatch {
        /// Index entry.
        index: usize,
    },
    /// A namespace proof does not check out against the header. Peer fault.
    #[error("namespace proof rejected: {0}")]
    NamespaceProof(&'static str),
}

impl Error {
    /// Whose fault this error is.
    pub const fn fault(&self) -> Fault {
        match self {
            Self::NonCanonicalFieldElement { .. }
            | Self::InvalidProofPoint { .. }
            | Self::InvalidProof { .. }
            | Self::CommitmentMismatch { .. }
            | Self::InconsistentCells { .. }
            | Self::Layout(_)
            | Self::BlobCommitmentMismatch { .. }
            | Self::NamespaceProof(_) => Fault::Peer,
            Self::NotEnoughCells { .. } | Self::Unrecoverable { .. } => Fault::Unavailable,
            _ => Fault::Input,
        }
    }

    /// The variant's name, for bindings that branch on it (the browser's `WeftError.kind`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::InvalidK { .. } => "InvalidK",
            Self::Length { .. } => "Length",
            Self::CountMismatch { .. } => "CountMismatch",
            Self::NonCanonicalFieldElement { .. } => "NonCanonicalFieldElement",
            Self::NonCanonicalScalar { .. } => "NonCanonicalScalar",
            Self::InvalidProofPoint { .. } => "InvalidProofPoint",
            Self::InvalidCommitmentPoint { .. } => "InvalidCommitmentPoint",
            Self::RowOutOfRange { .. } => "RowOutOfRange",
            Self::ColumnOutOfRange { .. } => "ColumnOutOfRange",
            Self::CellOrder { .. } => "CellOrder",
            Self::InvalidProof { .. } => "InvalidProof",
            Self::NotEnoughCells { .. } => "NotEnoughCells",
            Self::Unrecoverable { .. } => "Unrecoverable",
            Self::CommitmentMismatch { .. } => "CommitmentMismatch",
            Self::InconsistentCells { .. } => "InconsistentCells",
            Self::EmptyBlob { .. } => "EmptyBlob",
            Self::SquareFull { .. } => "SquareFull",
            Self::Layout(_) => "Layout",
            Self::BlobCommitmentMismatch { .. } => "BlobCommitmentMismatch",
            Self::NamespaceProof(_) => "NamespaceProof",
        }
    }

    /// True when the party that served the data lied or sent garbage.
    pub const fn is_peer_fault(&self) -> bool {
        matches!(self.fault(), Fault::Peer)
    }

    /// True when the batched KZG check itself failed (as opposed to malformed input).
    pub const fn is_proof_invalid(&self) -> bool {
        matches!(self, Self::InvalidProof { .. })
    }

    pub(crate) const fn cell_length(got: usize) -> Self {
        Self::Length {
            what: "cell",
            expected: BYTES_PER_CELL,
            got,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_is_the_variant_name_and_fault_follows_the_variant() {
        let errors = [
            Error::InvalidProof { samples: 3 },
            Error::cell_length(7),
            Error::Layout("bad"),
            Error::NamespaceProof("bad"),
            Error::InvalidK { k: 3 },
        ];
        for e in &errors {
            let debug = format!("{e:?}");
            assert!(debug.starts_with(e.kind()), "{debug} vs {}", e.kind());
        }
        assert!(errors[0].is_peer_fault() && errors[2].is_peer_fault());
        assert!(!errors[1].is_peer_fault() && !errors[4].is_peer_fault());
    }
}
