//! JSON bodies of the HTTP API (described in docs/openapi.yaml). Field names here are a public
//! interface: extend, never rename.

use serde::{Deserialize, Serialize};
use weft_encoding::{
    layout::{BlobCommitment, Namespace, NamespaceProof},
    Commitment, Proof,
};

use crate::{header::Header, ProducerKey};
use weft_encoding::layout::Digest32;

/// `POST /v1/blobs` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitBlob {
    /// 32 hex characters (`0x` optional).
    pub namespace: Namespace,
    /// Standard base64.
    pub data: String,
}

/// `200` answer to `POST /v1/blobs`: the blob is in a stored block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobReceipt {
    /// Height of the block.
    pub height: u64,
    /// The blob's namespace.
    pub namespace: Namespace,
    /// The blob's commitment.
    pub commitment: BlobCommitment,
    /// The blob's position in the block's index.
    pub index: u32,
}

/// `202` answer to `POST /v1/blobs?wait=false`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitAccepted {
    /// Id for `GET /v1/blobs/status/{id}`.
    pub id: String,
    /// The blob's commitment.
    pub commitment: BlobCommitment,
}

/// `GET /v1/blobs/status/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    /// The id.
    pub id: String,
    /// `pending` or `included`.
    pub status: BlobState,
    /// Where it was included, once it is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub receipt: Option<BlobReceipt>,
}

/// Where a submitted blob is (`BlobStatus.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobState {
    /// Waiting for a block.
    Pending,
    /// In a stored block (see the receipt).
    Included,
}

/// One blob as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobView {
    /// Height of its block.
    pub height: u64,
    /// Position in the block's index.
    pub index: u32,
    /// Namespace.
    pub namespace: Namespace,
    /// Commitment.
    pub commitment: BlobCommitment,
    /// Standard base64.
    pub data: String,
}

/// `GET /v1/blobs/{height}/{namespace}`: every blob of the namespace with the completeness proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceBlobs {
    /// Height.
    pub height: u64,
    /// Namespace.
    pub namespace: Namespace,
    /// The blobs, in index order.
    pub blobs: Vec<BlobView>,
    /// Proof against the header's `index_root` and `blob_count` (docs/PROTOCOL.md §5).
    pub proof: NamespaceProof,
}

/// `GET /v1/blobs/{height}/{namespace}/{commitment}/inclusion[?z=…]`: the inclusion bundle of
/// one blob (docs/PROTOCOL.md §14). `bundle` is what a verifier checks; the other fields repeat
/// its content for reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionView {
    /// Height of the blob's block.
    pub height: u64,
    /// The blob's namespace.
    pub namespace: Namespace,
    /// The blob's commitment.
    pub commitment: BlobCommitment,
    /// Its position in the block's index.
    pub blob_index: u32,
    /// Its length in bytes.
    pub len: u32,
    /// Whether it owns its rows (at least one row's data, starting at a row start): in a layout
    /// version 2 square each row is then the EIP-4844 blob of its data alone (in a version-1
    /// square such a blob may share its last row with the next one).
    pub owns_rows: bool,
    /// The evaluation point the rows are opened at, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<Digest32>,
    /// The blob's rows, in order.
    pub rows: Vec<InclusionRow>,
    /// The bundle's binary form (§14), `0x`-hex, at most `MAX_BUNDLE_BYTES` bytes.
    pub bundle: String,
}

/// One row of an [`InclusionView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionRow {
    /// The row (original rows, `0..k`).
    pub row: u16,
    /// Its KZG commitment (EIP-4844 `blob_to_kzg_commitment` of the row).
    pub commitment: Commitment,
    /// Its EIP-4844 versioned hash.
    pub versioned_hash: Digest32,
    /// `p(z)`, when z was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<Digest32>,
    /// The KZG proof of `p(z) = y`, when z was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Proof>,
}

impl InclusionView {
    /// The view of `bundle` for the blob `entry` at `height`.
    pub fn new(
        height: u64,
        entry: &weft_encoding::layout::IndexEntry,
        bundle: &crate::inclusion::InclusionBundle,
    ) -> Self {
        let rows = bundle
            .rows
            .iter()
            .enumerate()
            .map(|(i, (commitment, versioned))| {
                let opening = bundle.openings.get(i);
                InclusionRow {
                    row: bundle.first_row + i as u16,
                    commitment: Commitment(*commitment),
                    versioned_hash: Digest32(*versioned),
                    y: opening.map(|o| Digest32(o.y)),
                    proof: opening.map(|o| Proof(o.proof)),
                }
            })
            .collect();
        Self {
            height,
            namespace: entry.namespace,
            commitment: entry.commitment,
            blob_index: bundle.blob_index,
            len: entry.len,
            owns_rows: weft_inclusion::Entry::parse(&bundle.entry).owns_rows(),
            z: bundle.z.map(Digest32),
            rows,
            bundle: format!("0x{}", hex::encode(bundle.to_bytes())),
        }
    }

    /// Decodes `bundle` (its shape only; verify it with `weft_inclusion::verify`).
    ///
    /// # Errors
    /// [`crate::inclusion::InclusionError`] for bad hex, a bundle too large or malformed.
    pub fn decode_bundle(
        &self,
    ) -> Result<crate::inclusion::InclusionBundle, crate::inclusion::InclusionError> {
        let hex = self.bundle.strip_prefix("0x").unwrap_or(&self.bundle);
        if hex.len() > 2 * crate::inclusion::MAX_BUNDLE_BYTES {
            return Err(crate::inclusion::InclusionError::TooLarge {
                got: hex.len() / 2,
                limit: crate::inclusion::MAX_BUNDLE_BYTES,
            });
        }
        let bytes = hex::decode(hex).map_err(|_| crate::inclusion::InclusionError::Malformed {
            what: "bundle",
            reason: "not hex",
        })?;
        crate::inclusion::InclusionBundle::from_bytes(&bytes)
    }
}

/// `GET /v1/headers/head` and `/v1/headers/{height}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderView {
    /// The header's fields (`height`, `k`, `row_commitments`, … and `signature`).
    #[serde(flatten)]
    pub header: Header,
    /// Its hash.
    pub hash: Digest32,
}

impl From<Header> for HeaderView {
    fn from(header: Header) -> Self {
        let hash = header.hash();
        Self { header, hash }
    }
}

/// `GET /v1/cells/{height}/{row}/{col}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellView {
    /// Row in `0..2k`.
    pub row: u16,
    /// Column in `0..128`.
    pub col: u16,
    /// That row's commitment (extended rows included).
    pub commitment: Commitment,
    /// The cell, `0x`-hex.
    pub cell: String,
    /// The proof.
    pub proof: Proof,
}

/// What a node does (`NodeInfo.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// Signs blocks: a producer takes blobs (`POST /v1/blobs`); a publisher (a load harness's
    /// producer) is handed squares encoded elsewhere and takes none.
    Producer,
    /// Follows a producer, stores and serves its blocks.
    Full,
    /// One of a chain's validators: takes blobs and agrees on every block with the others
    /// (PROTOCOL §12).
    Validator,
}

impl NodeRole {
    /// The word used in JSON and output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Producer => "producer",
            Self::Full => "full",
            Self::Validator => "validator",
        }
    }
}

/// `GET /v1/node/info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// libp2p peer id.
    pub peer_id: String,
    /// Multiaddrs with `/p2p/<peer id>`: TCP, QUIC and the browser-facing WebSocket one.
    pub listen_addrs: Vec<String>,
    /// The producer's key.
    pub producer_key: ProducerKey,
    /// `producer` or `full`.
    pub role: NodeRole,
    /// Height of the newest stored block (0 before the first).
    pub head: u64,
    /// The WebSocket multiaddr browsers dial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_addr: Option<String>,
    /// Connected peers.
    #[serde(default)]
    pub peers: usize,
    /// The availability window: cells are served for the newest this many blocks
    /// (`--prune-after`); `null` when every block's are kept. Headers are always kept.
    #[serde(default)]
    pub availability_window: Option<u64>,
    /// Oldest height whose cells this node serves (1 when nothing was pruned; above the head
    /// when it holds none).
    #[serde(default = "first_height")]
    pub oldest_available: u64,
    /// Largest blob the node accepts, in bytes (`max_blob_size`); `null` from nodes older than
    /// this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_blob_size: Option<usize>,
    /// The square encoder in use: `cpu` or `cuda`; `null` from nodes older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder: Option<String>,
    /// What the encoder runs on: the GPU's name (e.g. `NVIDIA H200`) or `N CPU threads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder_device: Option<String>,
    /// On a chain run by validators: its id (the genesis's `chain_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<String>,
    /// On a chain run by validators: how many validators its genesis lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validators: Option<usize>,
}

const fn first_height() -> u64 {
    1
}

/// Body of every 4xx/5xx answer: a message for people and a stable code for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong and why (wording may change between versions).
    pub error: String,
    /// What went wrong, as a stable machine-readable code (absent from nodes before it was
    /// added; a code this build does not know reads as [`ErrorCode::Other`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
}

/// The stable codes of [`ErrorBody::code`] (docs/openapi.yaml `ErrorCode`). Programs act on
/// these, never on the message's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request is malformed (a path segment, a query, the JSON body); the message
    /// names what.
    InvalidRequest,
    /// 404: no such block, blob, cell, submission or endpoint.
    NotFound,
    /// 405: the method is not allowed on the path.
    MethodNotAllowed,
    /// 408: the request or its body did not arrive in time.
    Timeout,
    /// 410: the block's square was pruned (`--prune-after`); its header remains.
    Pruned,
    /// 413: the body or blob is over the node's limit (`--max-blob-size`).
    TooLarge,
    /// 429: the node's pool of waiting blobs is full; retry after `Retry-After`.
    PoolFull,
    /// 503: the producer cannot include the blob in time at its measured pace; retry after
    /// `Retry-After`.
    TooSlow,
    /// 503: this node takes no blobs (it follows a producer, or is handed squares encoded
    /// elsewhere); submit to the producer.
    NotProducer,
    /// 503: the node is at a connection or request cap; retry after `Retry-After`.
    Overloaded,
    /// 503: the node is shutting down (a submitted blob stays pending).
    ShuttingDown,
    /// 504: the submitted blob is not in a block yet within the node's wait; it stays pending
    /// (poll `/v1/blobs/status/{id}`).
    NotIncludedYet,
    /// 500: a fault inside the node (its store); the message says what.
    Internal,
    /// A code added after this build.
    #[serde(other)]
    Other,
}

impl ErrorCode {
    /// The code as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Timeout => "timeout",
            Self::Pruned => "pruned",
            Self::TooLarge => "too_large",
            Self::PoolFull => "pool_full",
            Self::TooSlow => "too_slow",
            Self::NotProducer => "not_producer",
            Self::Overloaded => "overloaded",
            Self::ShuttingDown => "shutting_down",
            Self::NotIncludedYet => "not_included_yet",
            Self::Internal => "internal",
            Self::Other => "other",
        }
    }

    /// Every code a node sends (all but [`Self::Other`]).
    pub const ALL: [Self; 13] = [
        Self::InvalidRequest,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Timeout,
        Self::Pruned,
        Self::TooLarge,
        Self::PoolFull,
        Self::TooSlow,
        Self::NotProducer,
        Self::Overloaded,
        Self::ShuttingDown,
        Self::NotIncludedYet,
        Self::Internal,
    ];
}

/// Overall state in [`NodeHealth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Every task runs and blocks are being stored (`200`).
    Ok,
    /// No block stored for longer than the node allows (`503`): a producer that cannot write,
    /// or a follower behind the network's head that cannot catch up.
    Stalled,
    /// A task died and could not be restarted; the node is stopping (`503`).
    Failed,
    /// The producer signed two different headers for one height; the node keeps the proof and
    /// has stopped following (or producing) (`503`).
    Equivocation,
    /// A listener (HTTP or p2p) failed to accept connections in the last minute, e.g. for want
    /// of file descriptors (`503`); `problems` says which and why.
    Overloaded,
}

/// One supervised task's state in [`NodeHealth`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskHealth {
    /// `producer` or `sync`.
    pub name: String,
    /// Times the task died and was started again since the node started.
    pub restarts: u32,
    /// Why it last died, if it did.
    pub last_error: Option<String>,
}

/// `GET /health`: `200` when [`HealthStatus::Ok`], `503` otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeHealth {
    /// Overall state.
    pub status: HealthStatus,
    /// The node's role, as `GET /v1/node/info` reports it (absent from nodes before it was
    /// added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<NodeRole>,
    /// Height of the newest stored block.
    pub head: u64,
    /// Highest verified header heard of from the network (followers), or the head.
    pub network_head: u64,
    /// Seconds since the node last stored a block (produced or synced); since start if none.
    pub last_block_seconds_ago: f64,
    /// Seconds without a stored block after which the node is `stalled`.
    pub stall_after_seconds: f64,
    /// The supervised tasks.
    pub tasks: Vec<TaskHealth>,
    /// What is wrong, in words (empty when ok).
    pub problems: Vec<String>,
    /// The height at which the producer equivocated, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivocation_height: Option<u64>,
    /// On a validator: how many pieces of evidence of conflicting votes by validators it keeps
    /// (reported by the consensus engine, kept across restarts; `weft_validator_faults` counts
    /// those reported since start). Absent on other roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator_faults: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_written_as_documented_and_unknown_ones_still_read() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        let newer: ErrorBody =
            serde_json::from_str(r#"{"error":"x","code":"added_later"}"#).unwrap();
        assert_eq!(newer.code, Some(ErrorCode::Other));
        let older: ErrorBody = serde_json::from_str(r#"{"error":"x"}"#).unwrap();
        assert_eq!(older.code, None);
    }
}
