//! The DA server: the OP Stack Alt-DA HTTP interface (`POST /put`, `POST /put/<commitment>`,
//! `GET /get/<commitment>`) in front of one Weft node, as a task behind a [`DaServer`] handle.
//! Puts answer only once the blob is in a block signed by the trusted producer (checked by a
//! verified read); gets answer only bytes verified against such a block.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::{Path, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use tokio::{sync::Semaphore, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use weft_client::{submit_with_retry, Client, ClientError, Retry, VerifiedClient};
use weft_encoding::layout::{blob_commitment, BlobCommitment, Namespace};
use weft_types::Trust;

use crate::{
    commitment::{keccak256, AltDaCommitment},
    keccak_index::KeccakIndex,
    AltDaError,
};

/// Time one put may take by default: the body, the submission, its block, the verified read.
pub const DEFAULT_PUT_TIMEOUT: Duration = Duration::from_secs(120);
/// Time one get may take by default (a keccak lookup may scan up to
/// [`crate::MAX_SCAN_HEIGHTS`] heights).
pub const DEFAULT_GET_TIMEOUT: Duration = Duration::from_secs(60);
/// Time the node has to answer `GET /v1/node/info` when the server starts.
pub const NODE_PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// Puts in flight at once by default; more are answered 503 at once.
pub const DEFAULT_MAX_PUTS: usize = 16;
/// Gets in flight at once; more are answered 503 at once.
pub const MAX_GETS: usize = 64;
/// Time a put's body may take to arrive (a slow upload holds a put slot only this long).
pub const BODY_TIME_LIMIT: Duration = Duration::from_secs(30);
/// Submission tries per put (on 429 / 503 from the node, after its `Retry-After`).
const PUT_RETRY: Retry = Retry {
    attempts: 3,
    max_pause: Duration::from_secs(5),
};

/// How to run a DA server.
#[derive(Debug, Clone)]
pub struct DaServerConfig {
    /// The Weft node's HTTP URL (`http://host:port`).
    pub node: String,
    /// The namespace puts go to.
    pub namespace: Namespace,
    /// What every header must verify against: the producer's key, or the chain's validator
    /// set (its certificates).
    pub trust: Trust,
    /// Where to listen (port 0: any free port).
    pub listen: SocketAddr,
    /// Largest body accepted, in bytes; `None`: the node's `max_blob_size`.
    pub max_blob_size: Option<usize>,
    /// Time one put may take ([`DEFAULT_PUT_TIMEOUT`]).
    pub put_timeout: Duration,
    /// Time one get may take ([`DEFAULT_GET_TIMEOUT`]).
    pub get_timeout: Duration,
    /// Puts in flight at once ([`DEFAULT_MAX_PUTS`]).
    pub max_puts: usize,
    /// Blobs the keccak256 index remembers ([`crate::MAX_INDEXED_BLOBS`]); past it the lowest
    /// heights' are forgotten and found again by a rescan.
    pub keccak_index_blobs: usize,
}

impl DaServerConfig {
    /// Defaults for a node, namespace and trust root (a producer key or a validator set),
    /// listening on `listen`.
    pub fn new(
        node: String,
        namespace: Namespace,
        trust: impl Into<Trust>,
        listen: SocketAddr,
    ) -> Self {
        Self {
            node,
            namespace,
            trust: trust.into(),
            listen,
            max_blob_size: None,
            put_timeout: DEFAULT_PUT_TIMEOUT,
            get_timeout: DEFAULT_GET_TIMEOUT,
            max_puts: DEFAULT_MAX_PUTS,
            keccak_index_blobs: crate::MAX_INDEXED_BLOBS,
        }
    }
}

/// What every request shares.
#[derive(Debug)]
struct Shared {
    verified: VerifiedClient,
    namespace: Namespace,
    max_blob_size: usize,
    put_timeout: Duration,
    get_timeout: Duration,
    max_puts: usize,
    puts: Arc<Semaphore>,
    gets: Arc<Semaphore>,
    keccak: KeccakIndex,
}

/// A running DA server.
#[derive(Debug)]
pub struct DaServer {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl DaServer {
    /// Binds `config.listen` and serves until [`Self::stop`]. Asks the node for its
    /// `max_blob_size` when the config does not give one.
    ///
    /// # Errors
    /// [`AltDaError::Start`] when the address cannot be bound or the node neither answers nor
    /// names its largest blob.
    pub async fn start(config: DaServerConfig) -> Result<Self, AltDaError> {
        let client = Client::with_timeout(&config.node, config.put_timeout.max(config.get_timeout))
            .map_err(|e| AltDaError::Start(format!("--node: {e}")))?;
        let info = tokio::time::timeout(NODE_PROBE_TIMEOUT, client.node_info())
            .await
            .unwrap_or_else(|_| {
                Err(weft_client::ClientError::Transport(format!(
                    "no answer within {NODE_PROBE_TIMEOUT:?}"
                )))
            });
        if let Ok(info) = &info {
            if info.role == weft_types::api::NodeRole::Full {
                tracing::warn!(
                    node = %config.node,
                    "this node follows the producer and takes no blobs: gets work, puts will be \
                     refused (503); op-batcher's DA server must point at the producer"
                );
            }
        }
        let max_blob_size = match config.max_blob_size {
            Some(max) => max,
            None => info
                .map_err(|e| AltDaError::Start(format!("--node {}: {e}", config.node)))?
                .max_blob_size
                .ok_or_else(|| {
                    AltDaError::Start(format!(
                        "--node {} does not name its max blob size: give --max-blob-size",
                        config.node
                    ))
                })?,
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| {
                AltDaError::Start(format!(
                    "--listen {}: {e} (pick another address)",
                    config.listen
                ))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| AltDaError::Start(e.to_string()))?;
        let shared = Arc::new(Shared {
            verified: VerifiedClient::with_trust(client, config.trust.clone()),
            namespace: config.namespace,
            max_blob_size,
            put_timeout: config.put_timeout,
            get_timeout: config.get_timeout,
            max_puts: config.max_puts.max(1),
            puts: Arc::new(Semaphore::new(config.max_puts.max(1))),
            gets: Arc::new(Semaphore::new(MAX_GETS)),
            keccak: KeccakIndex::with_capacity(config.keccak_index_blobs),
        });
        let app = Router::new()
            .route("/put", post(put))
            .route("/put/", post(put))
            .route("/put/{commitment}", post(put_keccak))
            .route("/get/{commitment}", get(get_data))
            .with_state(shared);
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await
                {
                    tracing::error!("DA server: {e}");
                }
            }
        });
        tracing::info!(%addr, node = %config.node, namespace = %config.namespace, max_blob_size, "Alt-DA server listening");
        Ok(Self { addr, stop, task })
    }

    /// The address it listens on.
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr`, for op-node's `--altda.da-server` and op-batcher's `--altda.da-server`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and returns when it has stopped.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// The body, refused past `max` bytes (by its Content-Length before it is kept, else as it
/// arrives) or when it takes longer than [`BODY_TIME_LIMIT`] to arrive.
async fn read_body(headers: &HeaderMap, body: Body, max: usize) -> Result<Bytes, AltDaError> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if let Some(len) = announced.filter(|&len| len > max) {
        // A client that is still sending may miss an answer given before it is done: a body up
        // to twice the limit is read and dropped first, so that it gets its 413; a larger one
        // is answered at once.
        if len <= max.saturating_mul(2) {
            let _ = tokio::time::timeout(BODY_TIME_LIMIT, axum::body::to_bytes(body, len)).await;
        }
        return Err(AltDaError::TooLarge { len, max });
    }
    let bytes = tokio::time::timeout(BODY_TIME_LIMIT, axum::body::to_bytes(body, max))
        .await
        .map_err(|_| AltDaError::SlowBody(BODY_TIME_LIMIT))?
        .map_err(|e| {
            let e = e.into_inner();
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                AltDaError::TooLarge {
                    len: announced.unwrap_or(max + 1),
                    max,
                }
            } else {
                AltDaError::BadBody(e.to_string())
            }
        })?;
    if bytes.is_empty() {
        return Err(AltDaError::Empty);
    }
    Ok(bytes)
}

/// Runs `work` within `limit`, one of at most `max` at once.
async fn bounded<T>(
    slots: &Arc<Semaphore>,
    what: &'static str,
    max: usize,
    limit: Duration,
    work: impl std::future::Future<Output = Result<T, AltDaError>>,
) -> Result<T, AltDaError> {
    let _slot = slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| AltDaError::Busy { what, max })?;
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| AltDaError::Timeout(limit))?
}

impl Shared {
    /// Submits `data`, and returns once a block signed by the trusted producer holds it: its
    /// height and blob commitment (computed here, never taken from the node).
    async fn store(&self, data: &[u8]) -> Result<(u64, BlobCommitment), AltDaError> {
        let expected = blob_commitment(&self.namespace, data);
        let receipt =
            submit_with_retry(self.verified.client(), self.namespace, data, PUT_RETRY).await?;
        let misbehaving = |what: String| {
            AltDaError::Node(ClientError::Misbehaving {
                node: self.verified.client().url().to_string(),
                what,
            })
        };
        if receipt.namespace != self.namespace || receipt.commitment != expected {
            return Err(misbehaving(format!(
                "receipt names blob {} of namespace {}; the bytes sent are blob {expected} of {}",
                receipt.commitment, receipt.namespace, self.namespace
            )));
        }
        // The receipt is the node's word; the signed index is the producer's. A node that just
        // said "included" and now has nothing at that height is not to be believed either way.
        let held = match self
            .verified
            .get_blobs(receipt.height, &self.namespace)
            .await
        {
            Ok(blobs) => blobs.iter().any(|b| b.commitment == expected),
            Err(ClientError::NotFound(what)) => {
                return Err(misbehaving(format!(
                    "receipt names block {}, which it does not serve: {what}",
                    receipt.height
                )))
            }
            Err(e) => return Err(e.into()),
        };
        if !held {
            return Err(misbehaving(format!(
                "receipt names block {} for blob {expected}, whose signed index does not hold it",
                receipt.height
            )));
        }
        tracing::info!(height = receipt.height, commitment = %expected, bytes = data.len(), "stored");
        Ok((receipt.height, expected))
    }

    /// The bytes a commitment names, verified against the trusted producer's block.
    async fn fetch(&self, commitment: AltDaCommitment) -> Result<Bytes, AltDaError> {
        let (height, namespace, blob) = match commitment {
            AltDaCommitment::Weft {
                height,
                namespace,
                commitment,
            } => (height, namespace, commitment),
            AltDaCommitment::Keccak(hash) => {
                let (height, blob) = self
                    .keccak
                    .find(&self.verified, &self.namespace, &hash)
                    .await?
                    .ok_or_else(|| {
                        AltDaError::NotFound(format!(
                            "no blob of namespace {} hashes to 0x{}",
                            self.namespace,
                            hex::encode(hash)
                        ))
                    })?;
                (height, self.namespace, blob)
            }
        };
        let blobs = match self.verified.get_blobs(height, &namespace).await {
            Ok(blobs) => blobs,
            Err(ClientError::NotFound(what)) => {
                let head = self.verified.client().node_info().await?.head;
                // A node behind the chain does not prove the blob absent: retry.
                if height > head {
                    return Err(AltDaError::Node(ClientError::Unavailable {
                        message: format!("the node's head is {head}, below height {height}"),
                        retry_after: None,
                    }));
                }
                return Err(AltDaError::NotFound(what));
            }
            Err(e) => return Err(e.into()),
        };
        let data = blobs
            .into_iter()
            .find(|b| b.commitment == blob)
            .ok_or_else(|| {
                AltDaError::NotFound(format!(
                    "the signed index of block {height} holds no blob {blob} in namespace {namespace}"
                ))
            })?
            .data;
        if let AltDaCommitment::Keccak(hash) = commitment {
            if keccak256(&data) != hash {
                return Err(AltDaError::NotFound(format!(
                    "no blob hashes to 0x{}",
                    hex::encode(hash)
                )));
            }
        }
        Ok(Bytes::from(data))
    }
}

fn octets(bytes: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        bytes.into(),
    )
        .into_response()
}

/// `POST /put`: stores the body as a blob; answers the type-1 commitment's bytes.
async fn put(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AltDaError> {
    bounded(&s.puts, "puts", s.max_puts, s.put_timeout, async {
        let data = read_body(&headers, body, s.max_blob_size).await?;
        let (height, commitment) = s.store(&data).await?;
        let commitment = AltDaCommitment::Weft {
            height,
            namespace: s.namespace,
            commitment,
        };
        Ok(octets(commitment.to_bytes()))
    })
    .await
}

/// `POST /put/0x00<keccak256>`: stores the body after checking its hash; answers 200.
async fn put_keccak(
    State(s): State<Arc<Shared>>,
    Path(text): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AltDaError> {
    let AltDaCommitment::Keccak(hash) = AltDaCommitment::from_hex(&text)? else {
        return Err(AltDaError::PutWithDaService);
    };
    bounded(&s.puts, "puts", s.max_puts, s.put_timeout, async {
        let data = read_body(&headers, body, s.max_blob_size).await?;
        let actual = keccak256(&data);
        if actual != hash {
            return Err(AltDaError::HashMismatch {
                path: hex::encode(hash),
                body: hex::encode(actual),
            });
        }
        // A batcher retrying a put that did land: it is stored already.
        if s.keccak.known(&hash).is_some() {
            return Ok(octets(Vec::new()));
        }
        let (height, commitment) = s.store(&data).await?;
        s.keccak.record(hash, (height, commitment));
        Ok(octets(Vec::new()))
    })
    .await
}

/// `GET /get/0x<commitment>`: the exact bytes, verified.
async fn get_data(
    State(s): State<Arc<Shared>>,
    Path(text): Path<String>,
) -> Result<Response, AltDaError> {
    let commitment = AltDaCommitment::from_hex(&text)?;
    bounded(&s.gets, "gets", MAX_GETS, s.get_timeout, async {
        Ok(octets(s.fetch(commitment).await?))
    })
    .await
}
