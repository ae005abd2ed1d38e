//! Blobs gossiped to the validators (`/weft/blobs/1`, PROTOCOL §13): a blob submitted to any
//! node of a validator chain reaches every validator's pool this way. One message is the blob's
//! namespace (16 bytes) followed by its data (1 to [`BLOB_GOSSIP_DATA_LIMIT`] bytes).

use weft_encoding::layout::{Blob, Namespace};

use crate::error::{Error, Result};

/// Gossipsub topic of submitted blobs, subscribed to by validators and the full nodes of a
/// validator chain (light clients do not subscribe).
pub const BLOB_TOPIC: &str = "/weft/blobs/1";
/// Largest blob data a gossip message carries, in bytes (4 MiB). A node of a validator chain
/// takes no larger `--max-blob-size`.
pub const BLOB_GOSSIP_DATA_LIMIT: usize = 4 * 1024 * 1024;
/// Largest gossiped blob message: namespace and data.
pub const BLOB_GOSSIP_SIZE_LIMIT: usize = 16 + BLOB_GOSSIP_DATA_LIMIT;
/// A gossiped blob costs one token per started [`BLOB_GOSSIP_TOKEN_BYTES`] of its message.
pub const BLOB_GOSSIP_TOKEN_BYTES: usize = 64 * 1024;
/// Tokens a peer may spend per second forwarding blobs to us (256 × 64 KiB: 16 MiB/s, or 256
/// small blobs a second). Past it a message is ignored (not forwarded, no penalty).
pub const BLOB_GOSSIP_TOKENS_PER_SECOND: u32 = 256;
/// Tokens a peer may spend at once.
pub const BLOB_GOSSIP_TOKEN_BURST: u32 = 512;

/// The gossip message of `blob`: namespace (16 bytes) ‖ data.
pub fn encode_gossip_blob(blob: &Blob) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + blob.data.len());
    out.extend_from_slice(&blob.namespace.0);
    out.extend_from_slice(&blob.data);
    out
}

/// Tokens a gossiped blob message of `len` bytes costs (at least 1).
pub const fn gossip_blob_tokens(len: usize) -> u32 {
    (len / BLOB_GOSSIP_TOKEN_BYTES + 1) as u32
}

/// Parses a gossiped blob message.
///
/// # Errors
/// [`Error::TooLarge`] past [`BLOB_GOSSIP_SIZE_LIMIT`]; [`Error::Length`] for a message of 16
/// bytes or fewer (no data).
pub fn decode_gossip_blob(bytes: &[u8]) -> Result<Blob> {
    if bytes.len() > BLOB_GOSSIP_SIZE_LIMIT {
        return Err(Error::TooLarge {
            what: "gossiped blob",
            got: bytes.len(),
            limit: BLOB_GOSSIP_SIZE_LIMIT,
        });
    }
    if bytes.len() <= 16 {
        return Err(Error::Length {
            what: "gossiped blob",
            expected: 17,
            got: bytes.len(),
        });
    }
    let namespace = Namespace(bytes[..16].try_into().expect("16 bytes"));
    Ok(Blob::new(namespace, bytes[16..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gossiped_blob_round_trips_and_empty_or_oversized_messages_are_refused() {
        let blob = Blob::new(Namespace([7; 16]), vec![1, 2, 3]);
        let bytes = encode_gossip_blob(&blob);
        assert_eq!(bytes.len(), 19);
        assert_eq!(decode_gossip_blob(&bytes).unwrap(), blob);
        assert!(matches!(
            decode_gossip_blob(&bytes[..16]),
            Err(Error::Length { got: 16, .. })
        ));
        let big = vec![0; BLOB_GOSSIP_SIZE_LIMIT + 1];
        assert!(matches!(
            decode_gossip_blob(&big),
            Err(Error::TooLarge { .. })
        ));
        assert!(decode_gossip_blob(&big[..BLOB_GOSSIP_SIZE_LIMIT]).is_ok());
        assert_eq!(gossip_blob_tokens(19), 1);
        assert_eq!(gossip_blob_tokens(BLOB_GOSSIP_SIZE_LIMIT), 65);
    }
}
