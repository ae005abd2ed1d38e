//! A proxy in front of a real node that lies about `GET /v1/blobs/{height}/{namespace}` or
//! about submission receipts, and passes everything else through: for tests that a client
//! catches a node misbehaving.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::{Request, State},
    http::StatusCode,
    response::IntoResponse,
    Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::Value;

/// How the proxy lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lie {
    /// Flips a byte of the first blob served.
    BlobBytes,
    /// Leaves the last blob out of the list.
    OmitBlob,
    /// Leaves the last blob out of the list and its entry out of the namespace proof.
    OmitFromProof,
    /// Forwards the first `POST /v1/blobs`; answers every later one with the first one's
    /// receipt, storing nothing (a receipt for a blob that is in the chain, but not this one).
    ReplayReceipt,
}

/// Starts a proxy on loopback in front of `upstream` (`http://host:port`) that tells `lie`;
/// returns its address.
pub async fn lying_proxy(upstream: String, lie: Lie) -> SocketAddr {
    type Shared = (Arc<String>, Lie, Arc<Mutex<Option<Bytes>>>);
    async fn handle(
        State((upstream, lie, first)): State<Shared>,
        request: Request,
    ) -> impl IntoResponse {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let uri = parts.uri;
        let is_submit = parts.method == axum::http::Method::POST && uri.path() == "/v1/blobs";
        if lie == Lie::ReplayReceipt && is_submit {
            if let Some(receipt) = first.lock().unwrap().clone() {
                return (StatusCode::OK, receipt);
            }
        }
        let answer = reqwest::Client::new()
            .request(parts.method, format!("{upstream}{uri}"))
            .headers(parts.headers)
            .body(body)
            .send()
            .await;
        let Ok(answer) = answer else {
            return (StatusCode::BAD_GATEWAY, Bytes::new());
        };
        let status = answer.status().as_u16();
        let body = answer.bytes().await.unwrap_or_default();
        if lie == Lie::ReplayReceipt && is_submit && status == 200 {
            *first.lock().unwrap() = Some(body.clone());
        }
        let is_blobs = uri.path().starts_with("/v1/blobs/")
            && !uri.path().contains("status")
            && !uri.path().contains("by-commitment");
        if !is_blobs || status != 200 || lie == Lie::ReplayReceipt {
            return (StatusCode::from_u16(status).unwrap(), body);
        }
        let mut json: Value = serde_json::from_slice(&body).unwrap();
        let blobs = json["blobs"].as_array_mut().unwrap();
        if blobs.is_empty() {
            return (StatusCode::OK, body);
        }
        match lie {
            Lie::BlobBytes => {
                let mut data = STANDARD.decode(blobs[0]["data"].as_str().unwrap()).unwrap();
                data[0] ^= 1;
                blobs[0]["data"] = Value::String(STANDARD.encode(data));
            }
            Lie::OmitBlob => {
                blobs.pop();
            }
            Lie::ReplayReceipt => unreachable!("passed through above"),
            Lie::OmitFromProof => {
                blobs.pop();
                let namespace = json["namespace"].clone();
                let entries = json["proof"]["entries"].as_array_mut().unwrap();
                let last = entries.iter().rposition(|e| e["namespace"] == namespace);
                entries.remove(last.unwrap());
            }
        }
        (
            StatusCode::OK,
            Bytes::from(serde_json::to_vec(&json).unwrap()),
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(handle).with_state((
        Arc::new(upstream),
        lie,
        Arc::new(Mutex::new(None)),
    ));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}
