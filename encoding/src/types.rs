//! Byte-level values that travel: commitments, proofs, cells and their positions.

use serde::{Deserialize, Serialize};

use crate::constants::{BYTES_PER_CELL, BYTES_PER_G1};

/// One cell: 64 field elements, 32 bytes each, big-endian.
pub type Cell = [u8; BYTES_PER_CELL];

/// Error from parsing a hex value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// Not hex at all.
    #[error("not valid hex: {0}")]
    Invalid(String),
    /// Hex of the wrong length.
    #[error("expected {expected} bytes ({} hex characters), got {got}", 2 * expected)]
    Length {
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        got: usize,
    },
}

/// Decodes hex, with or without a `0x` prefix, into exactly `N` bytes.
pub fn decode_hex_array<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    let bytes = hex::decode(s).map_err(|e| HexError::Invalid(e.to_string()))?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| HexError::Length {
        expected: N,
        got: bytes.len(),
    })
}

/// Declares a fixed-size byte newtype shown and parsed as `0x`-hex (`0x` optional when
/// parsing), serialised as a hex string. Used by this crate and by `weft-types` (the header's
/// key and signature).
#[macro_export]
macro_rules! hex_bytes {
    ($(#[$meta:meta])* $name:ident, $len:expr) => {
        $crate::hex_bytes!($(#[$meta])* $name, $len, "0x");
    };
    ($(#[$meta:meta])* $name:ident, $len:expr, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Number of bytes.
            pub const LEN: usize = $len;
            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
            /// Lower-case hex (with its `0x` prefix where the type has one).
            pub fn to_hex(&self) -> String {
                format!("{}{}", $prefix, $crate::__hex::encode(self.0))
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.to_hex())
            }
        }
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::HexError;
            fn from_str(s: &str) -> ::std::result::Result<Self, $crate::HexError> {
                $crate::decode_hex_array(s).map(Self)
            }
        }
        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}

hex_bytes!(
    /// A KZG commitment to one row: a compressed G1 point.
    Commitment,
    BYTES_PER_G1
);
hex_bytes!(
    /// A KZG proof for one cell: a compressed G1 point.
    Proof,
    BYTES_PER_G1
);

/// Where a cell sits in the extended square: row in `0..2k`, column in `0..128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    /// Row in `0..2k`; rows `k..2k` are the column extension.
    pub row: u16,
    /// Column (cell index within the row) in `0..128`.
    pub col: u16,
}

impl Position {
    /// A position; no range check (the square checks against its own k).
    pub const fn new(row: u16, col: u16) -> Self {
        Self { row, col }
    }
}
