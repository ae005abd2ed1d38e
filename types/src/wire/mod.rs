//! The p2p protocols: gossip of headers, and request-response for header ranges, batches of
//! cells with proofs, and whole rows. Each protocol's size and time limits are named here, next
//! to the codec that enforces them.

use std::time::Duration;

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use weft_encoding::{
    constants::{BYTES_PER_CELL, BYTES_PER_G1, CELLS_PER_ROW, MAX_K},
    Cell, Proof,
};

use crate::error::{Error, Result};

mod blob;
mod bytes;

pub use blob::{
    decode_gossip_blob, encode_gossip_blob, gossip_blob_tokens, BLOB_GOSSIP_DATA_LIMIT,
    BLOB_GOSSIP_SIZE_LIMIT, BLOB_GOSSIP_TOKENS_PER_SECOND, BLOB_GOSSIP_TOKEN_BURST,
    BLOB_GOSSIP_TOKEN_BYTES, BLOB_TOPIC,
};

/// Gossipsub topic for new headers.
pub const HEADER_TOPIC: &str = "/weft/headers/1";
/// Request-response protocol for header ranges.
pub const HEADERS_PROTOCOL: &str = "/weft/header-range/1";
/// Request-response protocol for batches of cells with proofs.
pub const CELLS_PROTOCOL: &str = "/weft/cells/1";
/// Request-response protocol for whole rows.
pub const ROW_PROTOCOL: &str = "/weft/row/1";
/// Kademlia protocol name.
pub const KAD_PROTOCOL: &str = "/weft/kad/1.0.0";
/// What a full node holds and how fast it may be asked ([`StatusRequest`] → [`StatusResponse`]).
pub const STATUS_PROTOCOL: &str = "/weft/status/1";
/// Largest status request frame, in bytes.
pub const STATUS_REQUEST_SIZE_LIMIT: usize = 16;
/// Largest status response frame, in bytes.
pub const STATUS_RESPONSE_SIZE_LIMIT: usize = 64;
/// Time allowed for a status answer.
pub const STATUS_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Largest header on the wire (k = 128, with the largest finality certificate), and the gossip
/// message limit.
pub const HEADER_SIZE_LIMIT: usize = crate::header::FIXED_BYTES
    + crate::header::SIGNATURE_BYTES
    + MAX_K * BYTES_PER_G1
    + crate::certificate::MAX_CERTIFICATE_BYTES;

/// Most headers one range request may ask for.
pub const MAX_HEADERS_PER_REQUEST: u32 = 64;
/// Largest header-range request, in bytes.
pub const HEADERS_REQUEST_SIZE_LIMIT: usize = 64;
/// Largest header-range response, in bytes.
pub const HEADERS_RESPONSE_SIZE_LIMIT: usize =
    MAX_HEADERS_PER_REQUEST as usize * (HEADER_SIZE_LIMIT + 8) + 64;
/// Time allowed for a header-range exchange.
pub const HEADERS_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Most cells one request may ask for.
pub const MAX_CELLS_PER_REQUEST: usize = 128;
/// Largest cells request, in bytes.
pub const CELLS_REQUEST_SIZE_LIMIT: usize = 16 + MAX_CELLS_PER_REQUEST * 8;
/// Largest cells response, in bytes.
pub const CELLS_RESPONSE_SIZE_LIMIT: usize =
    MAX_CELLS_PER_REQUEST * (BYTES_PER_CELL + BYTES_PER_G1 + 16) + 64;
/// Time allowed for a cells exchange.
pub const CELLS_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Largest row request, in bytes.
pub const ROW_REQUEST_SIZE_LIMIT: usize = 32;
/// Largest row response: 128 cells and 128 proofs.
pub const ROW_RESPONSE_SIZE_LIMIT: usize = CELLS_PER_ROW * (BYTES_PER_CELL + BYTES_PER_G1 + 8) + 64;
/// Time allowed for a row exchange.
pub const ROW_TIME_LIMIT: Duration = Duration::from_secs(20);

/// Requests a peer may make per second, per protocol, on average.
pub const PEER_REQUESTS_PER_SECOND: u32 = 50;
/// Requests a peer may make in a burst, per protocol.
pub const PEER_REQUEST_BURST: u32 = 200;

/// Why a request got no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The height is not known (yet) to the serving node.
    NotFound,
    /// The block's data was pruned; its header remains.
    Pruned,
    /// The peer exceeded its request rate; retry later.
    RateLimited,
    /// The request was malformed or out of range.
    BadRequest,
}

/// Asks a full node what it holds and how fast it may be asked. No fields; postcard encodes it
/// as zero bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest;

/// A full node's advertisement (docs/PROTOCOL.md §8): its availability window and the request
/// rate it serves each peer per protocol. Every full node keeps every header; cells and rows
/// only for the newest `window` heights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// Newest stored height.
    pub head: u64,
    /// Heights whose cells are served: the newest this many (`head - window + 1 ..= head`);
    /// `None` for every height from 1.
    pub window: Option<u64>,
    /// Requests per second served to one peer, per protocol (steady rate).
    pub requests_per_second: u32,
    /// Requests served to one peer in a burst, per protocol.
    pub burst: u32,
}

impl StatusResponse {
    /// True if, once the chain's head is `head`, the node no longer serves the cells of
    /// `height`: `height + window <= head` (the rule by which it prunes).
    pub const fn pruned(&self, height: u64, head: u64) -> bool {
        match self.window {
            Some(window) => height.saturating_add(window) <= head,
            None => false,
        }
    }
}

/// Asks for headers `from .. from + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadersRequest {
    /// First height.
    pub from: u64,
    /// How many (at most [`MAX_HEADERS_PER_REQUEST`]).
    pub count: u32,
}

/// Headers in wire form (see `Header::to_bytes`), ascending, possibly fewer than asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeadersResponse {
    /// The headers.
    Headers(Vec<Vec<u8>>),
    /// None served.
    Refused(Refusal),
}

/// A cell's position on the wire is the square's [`Position`] (`{row: u16, col: u16}`, postcard
/// encodes it as two varints).
pub use weft_encoding::Position;

/// Asks for some cells of one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellsRequest {
    /// The block.
    pub height: u64,
    /// The cells (at most [`MAX_CELLS_PER_REQUEST`]).
    pub cells: Vec<Position>,
}

/// One cell with its proof. On the wire each is a byte string (a varint length, then the
/// bytes); one of the wrong length does not decode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellWithProof {
    /// Position.
    pub id: Position,
    /// 2048 bytes.
    #[serde(with = "bytes::array")]
    pub cell: Cell,
    /// 48 bytes.
    #[serde(with = "bytes::proof")]
    pub proof: Proof,
}

/// The cells asked for that the node has (a node that lacks some omits them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CellsResponse {
    /// Cells with proofs.
    Cells(Vec<CellWithProof>),
    /// None served.
    Refused(Refusal),
}

/// Asks for one whole row (128 cells and proofs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowRequest {
    /// The block.
    pub height: u64,
    /// Row in `0..2k`.
    pub row: u16,
}

/// A whole row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowResponse {
    /// 128 cells and 128 proofs.
    Row {
        /// Cells, 2048 bytes each.
        #[serde(with = "bytes::cells")]
        cells: Vec<Cell>,
        /// Proofs, 48 bytes each.
        #[serde(with = "bytes::proofs")]
        proofs: Vec<Proof>,
    },
    /// Not served.
    Refused(Refusal),
}

/// Encodes a message (postcard).
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_allocvec(message).expect("in-memory serialisation cannot fail")
}

/// Decodes a message, refusing anything over `limit` bytes before looking at it.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], limit: usize, what: &'static str) -> Result<T> {
    if bytes.len() > limit {
        return Err(Error::TooLarge {
            what,
            got: bytes.len(),
            limit,
        });
    }
    postcard::from_bytes(bytes).map_err(|e| Error::Malformed {
        what,
        reason: e.to_string(),
    })
}

impl CellWithProof {
    /// The cell as a sample for verification.
    pub fn sample(&self) -> weft_encoding::Sample<'_> {
        weft_encoding::Sample {
            row: self.id.row.into(),
            col: self.id.col.into(),
            cell: &self.cell,
            proof: &self.proof.0,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_status_is_a_small_frame_and_its_window_follows_the_pruning_rule() {
        let status = StatusResponse {
            head: u64::MAX,
            window: Some(u64::MAX),
            requests_per_second: u32::MAX,
            burst: u32::MAX,
        };
        assert!(encode(&status).len() <= STATUS_RESPONSE_SIZE_LIMIT);
        assert!(encode(&StatusRequest).len() <= STATUS_REQUEST_SIZE_LIMIT);
        let three = StatusResponse {
            head: 0,
            window: Some(3),
            requests_per_second: 1,
            burst: 1,
        };
        // At head 80 a node keeping 3 blocks serves 78, 79 and 80.
        assert!(three.pruned(77, 80) && !three.pruned(78, 80) && !three.pruned(80, 80));
        assert!(!StatusResponse {
            window: None,
            ..three
        }
        .pruned(1, 1_000_000));
    }

    use super::*;

    #[test]
    fn limits_admit_the_largest_honest_messages_and_refuse_one_byte_more() {
        let full = CellsResponse::Cells(
            (0..MAX_CELLS_PER_REQUEST)
                .map(|i| CellWithProof {
                    id: Position {
                        row: 255,
                        col: i as u16,
                    },
                    cell: [0xff; BYTES_PER_CELL],
                    proof: Proof([0xff; BYTES_PER_G1]),
                })
                .collect(),
        );
        let bytes = encode(&full);
        assert!(bytes.len() <= CELLS_RESPONSE_SIZE_LIMIT);
        assert_eq!(
            decode::<CellsResponse>(&bytes, CELLS_RESPONSE_SIZE_LIMIT, "cells").unwrap(),
            full
        );
        let over = vec![0u8; CELLS_RESPONSE_SIZE_LIMIT + 1];
        assert_eq!(
            decode::<CellsResponse>(&over, CELLS_RESPONSE_SIZE_LIMIT, "cells"),
            Err(Error::TooLarge {
                what: "cells",
                got: CELLS_RESPONSE_SIZE_LIMIT + 1,
                limit: CELLS_RESPONSE_SIZE_LIMIT
            })
        );

        let request = CellsRequest {
            height: u64::MAX,
            cells: (0..MAX_CELLS_PER_REQUEST)
                .map(|i| Position {
                    row: u16::MAX,
                    col: i as u16,
                })
                .collect(),
        };
        assert!(encode(&request).len() <= CELLS_REQUEST_SIZE_LIMIT);

        let row = RowResponse::Row {
            cells: vec![[0xff; BYTES_PER_CELL]; CELLS_PER_ROW],
            proofs: vec![Proof([0xff; BYTES_PER_G1]); CELLS_PER_ROW],
        };
        assert!(encode(&row).len() <= ROW_RESPONSE_SIZE_LIMIT);
        assert!(
            encode(&RowRequest {
                height: u64::MAX,
                row: u16::MAX
            })
            .len()
                <= ROW_REQUEST_SIZE_LIMIT
        );
        assert!(
            encode(&HeadersRequest {
                from: u64::MAX,
                count: u32::MAX
            })
            .len()
                <= HEADERS_REQUEST_SIZE_LIMIT
        );
        let headers = HeadersResponse::Headers(vec![
            vec![0xff; HEADER_SIZE_LIMIT];
            MAX_HEADERS_PER_REQUEST as usize
        ]);
        assert!(encode(&headers).len() <= HEADERS_RESPONSE_SIZE_LIMIT);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        assert!(matches!(
            decode::<CellsResponse>(&[7, 7, 7], 100, "cells"),
            Err(Error::Malformed { .. })
        ));
    }

    /// The shapes of format 1 of the cells and row protocols (byte vectors).
    mod format1 {
        use serde::{Deserialize, Serialize};

        #[derive(Serialize, Deserialize)]
        pub(super) struct CellWithProof {
            pub(super) id: super::Position,
            pub(super) cell: Vec<u8>,
            pub(super) proof: Vec<u8>,
        }

        #[derive(Serialize, Deserialize)]
        pub(super) enum RowResponse {
            Row {
                cells: Vec<Vec<u8>>,
                proofs: Vec<Vec<u8>>,
            },
        }
    }

    #[test]
    fn typed_cells_and_proofs_keep_the_wire_bytes_and_refuse_wrong_lengths() {
        let cell = CellWithProof {
            id: Position::new(3, 70),
            cell: [7; BYTES_PER_CELL],
            proof: Proof([9; BYTES_PER_G1]),
        };
        let old = format1::CellWithProof {
            id: cell.id,
            cell: cell.cell.to_vec(),
            proof: cell.proof.0.to_vec(),
        };
        assert_eq!(encode(&cell), encode(&old), "same bytes on the wire");
        let row = RowResponse::Row {
            cells: vec![[1; BYTES_PER_CELL]; 3],
            proofs: vec![Proof([2; BYTES_PER_G1]); 3],
        };
        let old_row = format1::RowResponse::Row {
            cells: vec![vec![1; BYTES_PER_CELL]; 3],
            proofs: vec![vec![2; BYTES_PER_G1]; 3],
        };
        assert_eq!(encode(&row), encode(&old_row));
        assert_eq!(
            decode::<RowResponse>(&encode(&old_row), ROW_RESPONSE_SIZE_LIMIT, "row").unwrap(),
            row
        );
        let short = format1::CellWithProof {
            proof: vec![9; BYTES_PER_G1 - 1],
            ..old
        };
        assert!(matches!(
            decode::<CellWithProof>(&encode(&short), CELLS_RESPONSE_SIZE_LIMIT, "cells"),
            Err(Error::Malformed { .. })
        ));
    }
}
