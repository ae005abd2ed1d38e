//! The typed HTTP client: one method per path of docs/openapi.yaml, answers decoded into the
//! API's JSON types, errors mapped to [`ClientError`] by status. Nothing here verifies what the
//! node says: [`crate::VerifiedClient`] does.

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::de::DeserializeOwned;
use weft_encoding::layout::{BlobCommitment, Namespace};
use weft_types::api::{
    BlobReceipt, BlobStatus, BlobView, CellView, ErrorBody, HeaderView, NamespaceBlobs, NodeHealth,
    NodeInfo, SubmitAccepted, SubmitBlob,
};

use crate::ClientError;

/// Bytes of a submission body handed over at a time by [`Client::submit_with_progress`].
const UPLOAD_CHUNK: usize = 64 * 1024;

/// Bytes of the JSON body a submission of `len` bytes sends (for a progress bar's total):
/// the base64 of the data and the framing.
pub const fn body_len(len: usize) -> u64 {
    (len.div_ceil(3) * 4 + 64) as u64
}

/// Time allowed for one HTTP exchange by default (a waiting submission can take a few blocks).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// In a stored block (`200`, waited for).
    Included(BlobReceipt),
    /// Persisted in the pending pool (`202`, `wait = false`); it will be included.
    Queued(SubmitAccepted),
}

/// Why an exchange failed, without the URL (the caller names the node once): what the HTTP
/// stack says, then each underlying cause, e.g. `"client error (Connect): tcp connect error:
/// Connection refused (os error 111)"`.
fn cause(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    if e.is_timeout() {
        parts.push("timed out".to_string());
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        // reqwest's own message, without its `for url (…)` part.
        let text = e.to_string();
        parts.push(text.split(" for url (").next().unwrap_or(&text).to_string());
    }
    parts.dedup();
    parts.join(": ")
}

/// Talks to one node over HTTP.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for the node at `url` (`http://host:port`), each exchange within
    /// [`DEFAULT_TIMEOUT`].
    ///
    /// # Errors
    /// [`ClientError::Input`] for a URL that is not `http(s)://…`.
    pub fn new(url: &str) -> Result<Self, ClientError> {
        Self::with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// As [`Self::new`], each exchange within `timeout`.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn with_timeout(url: &str, timeout: Duration) -> Result<Self, ClientError> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Input(format!(
                "node URL {url:?}: expected http://host:port"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ClientError::Transport(cause(&e)))?;
        Ok(Self { base, http })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    pub(crate) fn misbehaving(&self, what: impl Into<String>) -> ClientError {
        ClientError::Misbehaving {
            node: self.base.clone(),
            what: what.into(),
        }
    }

    async fn answer(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Transport(cause(&e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .map(Duration::from_secs);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Transport(cause(&e)))?
            .to_vec();
        if (200..300).contains(&status) {
            return Ok((status, bytes));
        }
        let message = serde_json::from_slice::<ErrorBody>(&bytes).map_or_else(
            |_| String::from_utf8_lossy(&bytes).into_owned(),
            |b| b.error,
        );
        Err(match status {
            400 | 405 | 413 => ClientError::Input(message),
            404 | 410 => ClientError::NotFound(message),
            408 | 429 | 503 | 504 => ClientError::Unavailable {
                message,
                retry_after,
            },
            _ => ClientError::Status { status, message },
        })
    }

    fn json<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, ClientError> {
        serde_json::from_slice(bytes)
            .map_err(|e| self.misbehaving(format!("unreadable answer: {e}")))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let (_, bytes) = self
            .answer(self.http.get(format!("{}{path}", self.base)))
            .await?;
        self.json(&bytes)
    }

    /// `POST /v1/blobs` once: with `wait`, answers when the blob is in a stored block.
    ///
    /// # Errors
    /// [`ClientError::Input`] (empty, too large), [`ClientError::Unavailable`] (pool full, the
    /// producer cannot include it in time, a follower), transport errors.
    pub async fn submit(
        &self,
        namespace: Namespace,
        data: &[u8],
        wait: bool,
    ) -> Result<Submitted, ClientError> {
        let body = SubmitBlob {
            namespace,
            data: STANDARD.encode(data),
        };
        let url = format!(
            "{}/v1/blobs{}",
            self.base,
            if wait { "" } else { "?wait=false" }
        );
        let (status, bytes) = self.answer(self.http.post(url).json(&body)).await?;
        Ok(if status == 202 {
            Submitted::Queued(self.json(&bytes)?)
        } else {
            Submitted::Included(self.json(&bytes)?)
        })
    }

    /// As [`Self::submit`], telling `progress` how many body bytes have been handed to the
    /// connection after each 64 KiB chunk (for an upload bar), out of `body_len(data.len())`.
    ///
    /// # Errors
    /// As [`Self::submit`].
    pub async fn submit_with_progress(
        &self,
        namespace: Namespace,
        data: &[u8],
        wait: bool,
        progress: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<Submitted, ClientError> {
        let body = serde_json::to_vec(&SubmitBlob {
            namespace,
            data: STANDARD.encode(data),
        })
        .map_err(|e| ClientError::Input(e.to_string()))?;
        let chunks: Vec<Vec<u8>> = body.chunks(UPLOAD_CHUNK).map(<[u8]>::to_vec).collect();
        let stream = futures::stream::iter(chunks.into_iter().map(move |c| {
            progress(c.len() as u64);
            Ok::<_, std::io::Error>(c)
        }));
        let url = format!(
            "{}/v1/blobs{}",
            self.base,
            if wait { "" } else { "?wait=false" }
        );
        let request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream));
        let (status, bytes) = self.answer(request).await?;
        Ok(if status == 202 {
            Submitted::Queued(self.json(&bytes)?)
        } else {
            Submitted::Included(self.json(&bytes)?)
        })
    }

    /// `GET /v1/blobs/status/{id}`.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] for an unknown id; transport errors.
    pub async fn status(&self, id: &str) -> Result<BlobStatus, ClientError> {
        self.get(&format!("/v1/blobs/status/{id}")).await
    }

    /// `GET /v1/blobs/{height}/{namespace}`, unverified.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] (no such block, or pruned); transport errors.
    pub async fn blobs(
        &self,
        height: u64,
        namespace: &Namespace,
    ) -> Result<NamespaceBlobs, ClientError> {
        self.get(&format!("/v1/blobs/{height}/{namespace}")).await
    }

    /// `GET /v1/blobs/{height}/{namespace}/{commitment}/inclusion[?z=…]`, unverified: the
    /// blob's inclusion bundle (PROTOCOL §14), opened at `z` when given.
    ///
    /// # Errors
    /// [`ClientError::NotFound`]; [`ClientError::Input`] for a z the node refuses; transport
    /// errors.
    pub async fn inclusion(
        &self,
        height: u64,
        namespace: &Namespace,
        commitment: &BlobCommitment,
        z: Option<&[u8; 32]>,
    ) -> Result<weft_types::api::InclusionView, ClientError> {
        let query = z.map_or(String::new(), |z| format!("?z={}", hex::encode(z)));
        self.get(&format!(
            "/v1/blobs/{height}/{namespace}/{}/inclusion{query}",
            commitment.to_hex()
        ))
        .await
    }

    /// `GET /v1/blobs/by-commitment/{commitment}`, unverified.
    ///
    /// # Errors
    /// [`ClientError::NotFound`]; transport errors.
    pub async fn blob_by_commitment(
        &self,
        commitment: &BlobCommitment,
    ) -> Result<BlobView, ClientError> {
        self.get(&format!("/v1/blobs/by-commitment/{}", commitment.to_hex()))
            .await
    }

    /// `GET /v1/headers/{height}`, unverified.
    ///
    /// # Errors
    /// [`ClientError::NotFound`]; transport errors.
    pub async fn header(&self, height: u64) -> Result<HeaderView, ClientError> {
        self.get(&format!("/v1/headers/{height}")).await
    }

    /// `GET /v1/headers/head`, unverified.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] before the first block; transport errors.
    pub async fn head(&self) -> Result<HeaderView, ClientError> {
        self.get("/v1/headers/head").await
    }

    /// `GET /v1/cells/{height}/{row}/{col}`, unverified.
    ///
    /// # Errors
    /// [`ClientError::Input`] out of range, [`ClientError::NotFound`]; transport errors.
    pub async fn cell(&self, height: u64, row: u16, col: u16) -> Result<CellView, ClientError> {
        self.get(&format!("/v1/cells/{height}/{row}/{col}")).await
    }

    /// `GET /v1/node/info`.
    ///
    /// # Errors
    /// Transport errors.
    pub async fn node_info(&self) -> Result<NodeInfo, ClientError> {
        self.get("/v1/node/info").await
    }

    /// `GET /health` (a stalled node answers 503 with the same body, returned here as is).
    ///
    /// # Errors
    /// Transport errors.
    pub async fn health(&self) -> Result<NodeHealth, ClientError> {
        let response = self
            .http
            .get(format!("{}/health", self.base))
            .send()
            .await
            .map_err(|e| ClientError::Transport(cause(&e)))?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Transport(cause(&e)))?;
        self.json(&bytes)
    }

    /// `GET /metrics` (OpenMetrics text).
    ///
    /// # Errors
    /// Transport errors.
    pub async fn metrics(&self) -> Result<String, ClientError> {
        let (_, bytes) = self
            .answer(self.http.get(format!("{}/metrics", self.base)))
            .await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
