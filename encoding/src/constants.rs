//! Sizes fixed by EIP-4844 / EIP-7594 and by the geometry of Weft's square.

/// Bytes in one serialised BLS12-381 scalar (big-endian, canonical).
pub const BYTES_PER_FIELD_ELEMENT: usize = 32;
/// Field elements in one original row (an EIP-4844 blob).
pub const FIELD_ELEMENTS_PER_ROW: usize = 4096;
/// Bytes in one original row.
pub const BYTES_PER_ROW: usize = FIELD_ELEMENTS_PER_ROW * BYTES_PER_FIELD_ELEMENT;
/// Field elements in one extended row (rate-1/2 Reed–Solomon along the row).
pub const FIELD_ELEMENTS_PER_EXT_ROW: usize = 2 * FIELD_ELEMENTS_PER_ROW;
/// Field elements in one cell.
pub const FIELD_ELEMENTS_PER_CELL: usize = 64;
/// Cells in one extended row (EIP-7594 `CELLS_PER_EXT_BLOB`).
pub const CELLS_PER_ROW: usize = FIELD_ELEMENTS_PER_EXT_ROW / FIELD_ELEMENTS_PER_CELL;
/// Cells of a row that suffice to recover it.
pub const CELLS_NEEDED_PER_ROW: usize = CELLS_PER_ROW / 2;
/// Bytes in one cell.
pub const BYTES_PER_CELL: usize = FIELD_ELEMENTS_PER_CELL * BYTES_PER_FIELD_ELEMENT;
/// Bytes in a compressed G1 point: a commitment or a proof.
pub const BYTES_PER_G1: usize = 48;
/// Largest number of original rows in a square.
pub const MAX_K: usize = 128;
/// Data bytes packed into one field element (the leading byte stays zero, so every element is
/// canonical).
pub const DATA_BYTES_PER_ELEMENT: usize = 31;
/// Bytes in a namespace.
pub const NAMESPACE_BYTES: usize = 16;
