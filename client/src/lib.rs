//! `weft-client`: a typed async client for a Weft node's HTTP API (docs/openapi.yaml) and
//! verified reads over it, so that a rollup never has to trust the node it talks to.
//!
//! - [`Client`]: one method per path; answers decoded, errors by whose fault ([`ClientError`]).
//! - [`VerifiedClient`]: headers against a trusted producer key (and linked to a trusted
//!   header), blobs against the signed index and their commitments (PROTOCOL §5, §7), and
//!   inclusion bundles with the no_std verifier (`VerifiedClient::inclusion`, §14).
//! - [`submit_with_retry`] and [`wait_included`]: submission with bounded retries on 429 / 503
//!   (after `Retry-After`), and waiting for a queued blob's inclusion.

mod error;
mod http;
mod inclusion;
mod submit;
mod verified;

pub use error::ClientError;
pub use http::{body_len, Client, Submitted, DEFAULT_TIMEOUT};
pub use inclusion::VerifiedInclusion;
pub use submit::{submit_with_retry, wait_included, Retry};
pub use verified::{VerifiedBlob, VerifiedClient, MAX_DESCENDANTS, MAX_LINK};
pub use weft_types::{
    api::{
        BlobReceipt, BlobState, BlobStatus, BlobView, CellView, HeaderView, NodeHealth, NodeInfo,
        SubmitAccepted,
    },
    Header, ProducerKey,
};
