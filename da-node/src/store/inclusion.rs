//! Where an included pending blob went, as the store keeps it: a fixed-size binary record,
//! independent of the HTTP API's JSON (`api::BlobReceipt` is made from it at the edge), and the
//! migration of receipts a format-1 data dir kept as that JSON.

use weft_encoding::layout::{BlobCommitment, Namespace};
use weft_types::api::BlobReceipt;

/// A pending blob's place in a stored block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inclusion {
    /// Height of the block.
    pub height: u64,
    /// The blob's position in the block's index.
    pub index: u32,
    /// The blob's namespace.
    pub namespace: Namespace,
    /// The blob's commitment.
    pub commitment: BlobCommitment,
}

/// Version byte of the record below.
const RECORD_V1: u8 = 1;

impl Inclusion {
    /// Bytes of the record: version (1) ‖ height (u64 BE) ‖ index (u32 BE) ‖ namespace (16) ‖
    /// commitment (32).
    pub const BYTES: usize = 1 + 8 + 4 + 16 + 32;

    /// The record.
    pub fn to_bytes(&self) -> [u8; Self::BYTES] {
        let mut out = [0u8; Self::BYTES];
        out[0] = RECORD_V1;
        out[1..9].copy_from_slice(&self.height.to_be_bytes());
        out[9..13].copy_from_slice(&self.index.to_be_bytes());
        out[13..29].copy_from_slice(&self.namespace.0);
        out[29..].copy_from_slice(&self.commitment.0);
        out
    }

    /// Parses a record; `None` if it is not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::BYTES || bytes[0] != RECORD_V1 {
            return None;
        }
        Some(Self {
            height: u64::from_be_bytes(bytes[1..9].try_into().ok()?),
            index: u32::from_be_bytes(bytes[9..13].try_into().ok()?),
            namespace: Namespace(bytes[13..29].try_into().ok()?),
            commitment: BlobCommitment(bytes[29..].try_into().ok()?),
        })
    }

    /// Reads a receipt as a format-1 store kept it (the API's JSON).
    pub(super) fn from_format1(json: &[u8]) -> Option<Self> {
        let r: BlobReceipt = serde_json::from_slice(json).ok()?;
        Some(Self {
            height: r.height,
            index: r.index,
            namespace: r.namespace,
            commitment: r.commitment,
        })
    }
}

impl From<Inclusion> for BlobReceipt {
    fn from(i: Inclusion) -> Self {
        Self {
            height: i.height,
            namespace: i.namespace,
            commitment: i.commitment,
            index: i.index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_round_trips_and_refuses_other_bytes() {
        let i = Inclusion {
            height: 0x0102_0304_0506_0708,
            index: 9,
            namespace: Namespace([3; 16]),
            commitment: BlobCommitment([4; 32]),
        };
        let bytes = i.to_bytes();
        assert_eq!(bytes.len(), 61);
        assert_eq!(Inclusion::from_bytes(&bytes), Some(i));
        assert_eq!(Inclusion::from_bytes(&bytes[1..]), None);
        let mut other = bytes;
        other[0] = 2;
        assert_eq!(Inclusion::from_bytes(&other), None);
        let json = serde_json::to_vec(&BlobReceipt::from(i)).unwrap();
        assert_eq!(Inclusion::from_format1(&json), Some(i));
    }
}
