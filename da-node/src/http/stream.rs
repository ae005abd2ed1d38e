//! Blob answers streamed from the store (issue 25, fault 4): a namespace's blobs
//! (`GET /v1/blobs/{height}/{namespace}`) and one blob (`GET /v1/blobs/by-commitment/…`) are
//! written as their JSON a piece at a time, each piece of blob data read from the store only
//! when the client has taken the one before. A client that does not read holds one piece
//! ([`CHUNK_ELEMENTS`] field elements: about 42 KB of base64), not the whole answer: before,
//! 200 clients that never read a namespace of ~8 MB held 2.4 GB. The JSON is the same, field
//! for field, as serde's of `NamespaceBlobs` and `BlobView`.

use std::collections::VecDeque;

use axum::{
    body::{Body, Bytes},
    http::header,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use futures::stream;
use weft_encoding::layout::IndexEntry;

use super::{ApiError, AppState};
use crate::store::{BlobReader, Lookup};

/// Field elements of blob data read from the store and sent per piece (31 bytes each: about
/// 31 KiB of data, 42 KB of base64).
pub(crate) const CHUNK_ELEMENTS: usize = 1024;

/// One piece of an answer still to send.
#[derive(Debug)]
enum Part {
    /// JSON text.
    Text(String),
    /// A blob: `{"height":…,"index":…,"namespace":…,"commitment":…,"data":"` then its base64,
    /// then `"}`.
    Blob(u32, IndexEntry),
}

/// The answer being sent.
struct Answer {
    state: AppState,
    height: u64,
    parts: VecDeque<Part>,
    /// The blob being sent, and its bytes not yet encoded (fewer than 3).
    current: Option<(BlobReader, Vec<u8>)>,
}

/// A JSON answer of `parts`, streamed; the blobs among them are read at `height`.
fn answer(state: AppState, height: u64, parts: Vec<Part>) -> Response {
    let answer = Answer {
        state,
        height,
        parts: parts.into(),
        current: None,
    };
    let body = Body::from_stream(stream::unfold(answer, |mut answer| async move {
        match answer.next().await {
            Ok(Some(bytes)) => Some((Ok(bytes), answer)),
            Ok(None) => None,
            // The client gets a cut answer (its JSON does not parse): the node logs why.
            Err(e) => {
                tracing::warn!("streaming blobs of block {}: {e}", answer.height);
                answer.parts.clear();
                answer.current = None;
                Some((Err(std::io::Error::other(e.to_string())), answer))
            }
        }
    }));
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

impl Answer {
    /// The next piece; `None` at the end.
    async fn next(&mut self) -> Result<Option<Bytes>, ApiError> {
        if let Some((reader, carry)) = self.current.take() {
            let (reader, chunk) = self
                .state
                .read(move |_| {
                    let mut reader = reader;
                    let chunk = reader.next_chunk(CHUNK_ELEMENTS)?;
                    Ok((reader, chunk))
                })
                .await?;
            let mut pending = carry;
            return match chunk {
                Lookup::Found(Some(data)) => {
                    pending.extend_from_slice(&data);
                    let whole = pending.len() / 3 * 3;
                    let text = STANDARD.encode(&pending[..whole]);
                    pending.drain(..whole);
                    self.current = Some((reader, pending));
                    Ok(Some(Bytes::from(text)))
                }
                Lookup::Found(None) => {
                    let mut text = STANDARD.encode(&pending);
                    text.push_str("\"}");
                    Ok(Some(Bytes::from(text)))
                }
                Lookup::Missing | Lookup::Pruned => Err(ApiError::gone(self.height)),
            };
        }
        match self.parts.pop_front() {
            None => Ok(None),
            Some(Part::Text(text)) => Ok(Some(Bytes::from(text))),
            Some(Part::Blob(index, entry)) => {
                let height = self.height;
                let reader = self
                    .state
                    .read(
                        move |state| match state.store.blob_reader(height, &entry)? {
                            Lookup::Found(reader) => Ok(reader),
                            Lookup::Missing | Lookup::Pruned => Err(ApiError::gone(height)),
                        },
                    )
                    .await?;
                self.current = Some((reader, Vec::new()));
                Ok(Some(Bytes::from(blob_head(height, index, &entry)?)))
            }
        }
    }
}

/// `{"height":…,"index":…,"namespace":…,"commitment":…,"data":"`.
fn blob_head(height: u64, index: u32, entry: &IndexEntry) -> Result<String, ApiError> {
    Ok(format!(
        "{{\"height\":{height},\"index\":{index},\"namespace\":{},\"commitment\":{},\"data\":\"",
        json(&entry.namespace)?,
        json(&entry.commitment)?
    ))
}

fn json(value: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

/// `NamespaceBlobs` (`height`, `namespace`, `blobs`, `proof`), its blobs streamed.
pub(crate) fn namespace_blobs(
    state: AppState,
    height: u64,
    namespace: &weft_encoding::layout::Namespace,
    blobs: Vec<(u32, IndexEntry)>,
    proof: &weft_encoding::layout::NamespaceProof,
) -> Result<Response, ApiError> {
    let mut parts = vec![Part::Text(format!(
        "{{\"height\":{height},\"namespace\":{},\"blobs\":[",
        json(namespace)?
    ))];
    for (i, (index, entry)) in blobs.into_iter().enumerate() {
        if i > 0 {
            parts.push(Part::Text(",".into()));
        }
        parts.push(Part::Blob(index, entry));
    }
    parts.push(Part::Text(format!("],\"proof\":{}}}", json(proof)?)));
    Ok(answer(state, height, parts))
}

/// One `BlobView`, its data streamed.
pub(crate) fn blob(state: AppState, height: u64, index: u32, entry: IndexEntry) -> Response {
    answer(state, height, vec![Part::Blob(index, entry)])
}
