//! Whose chain a data dir holds and as what ([`ChainRecord`], in the store's metadata):
//! written at the first start, checked at every start (`crate::role`).

use weft_types::ProducerKey;

/// Whose chain a data dir holds and as what: kept in the store's metadata (33 bytes:
/// `u8(1 produced | 0 followed) ‖ producer key`), written at the first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainRecord {
    /// True when this node produced the chain, false when it followed it.
    pub producing: bool,
    /// The key that signs the chain.
    pub producer: ProducerKey,
}

impl ChainRecord {
    /// Bytes of the stored form.
    pub const BYTES: usize = 33;

    pub(crate) fn to_bytes(self) -> [u8; Self::BYTES] {
        let mut out = [0u8; Self::BYTES];
        out[0] = u8::from(self.producing);
        out[1..].copy_from_slice(&self.producer.0);
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let (&role, key) = bytes.split_first()?;
        Some(Self {
            producing: match role {
                1 => true,
                0 => false,
                _ => return None,
            },
            producer: ProducerKey(key.try_into().ok()?),
        })
    }
}

impl std::fmt::Display for ChainRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.producing {
            write!(f, "the chain this node produced with key {}", self.producer)
        } else {
            write!(
                f,
                "the chain of producer {}, which it followed",
                self.producer
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(producing: bool, byte: u8) -> ChainRecord {
        ChainRecord {
            producing,
            producer: ProducerKey([byte; 32]),
        }
    }

    #[test]
    fn the_record_round_trips_and_refuses_other_lengths_and_roles() {
        for r in [record(true, 7), record(false, 9)] {
            assert_eq!(ChainRecord::from_bytes(&r.to_bytes()), Some(r));
        }
        let mut bytes = record(true, 7).to_bytes();
        bytes[0] = 2;
        assert_eq!(ChainRecord::from_bytes(&bytes), None);
        assert_eq!(ChainRecord::from_bytes(&bytes[..32]), None);
        assert_eq!(ChainRecord::from_bytes(&[]), None);
    }
}
