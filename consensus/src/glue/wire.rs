//! The block channel's two messages among validators, with their limits: a block (pushed by
//! its leader, or sent in answer) and a request for a block by hash.

use weft_types::encoding::layout::Digest32;

/// Largest block message, in bytes: k = 128 original rows of 128 KiB, the header and the blob
/// index fit well within it.
pub const MAX_BLOCK_MESSAGE_BYTES: usize = 24 << 20;

const BLOCK: u8 = 0;
const REQUEST: u8 = 1;

/// A message on the block channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BlockMessage {
    /// A block's bytes.
    Block(Vec<u8>),
    /// "Send me the block with this hash."
    Request(Digest32),
}

impl BlockMessage {
    pub(crate) fn encode(&self) -> Vec<u8> {
        match self {
            Self::Block(bytes) => [&[BLOCK][..], bytes].concat(),
            Self::Request(digest) => [&[REQUEST][..], &digest.0].concat(),
        }
    }

    /// Decodes a message a peer sent.
    ///
    /// # Errors
    /// What is wrong (empty, unknown tag, a request not 32 bytes, a block over the limit).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, String> {
        match bytes.split_first() {
            Some((&BLOCK, rest)) if rest.len() <= MAX_BLOCK_MESSAGE_BYTES => {
                Ok(Self::Block(rest.to_vec()))
            }
            Some((&BLOCK, rest)) => Err(format!(
                "block of {} bytes over the limit of {MAX_BLOCK_MESSAGE_BYTES}",
                rest.len()
            )),
            Some((&REQUEST, rest)) => rest
                .try_into()
                .map(|d| Self::Request(Digest32(d)))
                .map_err(|_| format!("block request of {} bytes, not 32", rest.len())),
            Some((tag, _)) => Err(format!("unknown block message tag {tag}")),
            None => Err("empty block message".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_bad_ones_are_named() {
        for m in [
            BlockMessage::Block(vec![1, 2, 3]),
            BlockMessage::Block(vec![]),
            BlockMessage::Request(Digest32([9; 32])),
        ] {
            assert_eq!(BlockMessage::decode(&m.encode()), Ok(m));
        }
        assert!(BlockMessage::decode(&[]).unwrap_err().contains("empty"));
        assert!(BlockMessage::decode(&[7]).unwrap_err().contains("tag 7"));
        assert!(BlockMessage::decode(&[REQUEST, 1])
            .unwrap_err()
            .contains("not 32"));
        let big = vec![0u8; MAX_BLOCK_MESSAGE_BYTES + 2];
        assert!(BlockMessage::decode(&big)
            .unwrap_err()
            .contains("over the limit"));
    }
}
