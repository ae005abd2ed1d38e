#![doc = include_str!("../README.md")]

pub mod column;
pub mod constants;
mod error;
pub mod field;
pub mod layout;
#[cfg(any(test, feature = "test-utils"))]
pub mod naive;
mod parallel;
pub mod reconstruct;
pub mod row;
pub mod spec;
pub mod square;
mod types;
pub mod verify;

pub use ekzg_bls12_381::Scalar;
pub use error::{Error, Fault, PointError, Result};
#[doc(hidden)]
pub use hex as __hex;
pub use reconstruct::{reconstruct, reconstruct_with};
pub use row::RowProver;
pub use spec::Kzg;
pub use square::{ExtendedSquare, SquareEncoder};
pub use types::{decode_hex_array, Cell, Commitment, HexError, Position, Proof};
pub use verify::{Sample, SquareCommitments, VerifyKey};
