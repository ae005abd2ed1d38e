//! The light client's small status server (native only): `GET /v1/status` (per-height records),
//! `GET /metrics` (sampling counters and the confidence of the latest heights), `GET /health`.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Json, Router};

use crate::status::Status;

/// Heights whose confidence `/metrics` reports.
const METRIC_HEIGHTS: usize = 10;

type Shared = Arc<Mutex<Status>>;

fn snapshot(status: &Shared) -> Status {
    status
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

async fn status(State(s): State<Shared>) -> Json<serde_json::Value> {
    let status = snapshot(&s);
    Json(serde_json::json!({
        "head": status.head,
        "heights": status.heights,
        "peers": status.peers,
        "bytes_downloaded": status.bytes_downloaded,
        "banned": status.banned,
    }))
}

async fn metrics(State(s): State<Shared>) -> impl IntoResponse {
    let status = snapshot(&s);
    let c = status.counters;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: String| {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    };
    metric(
        "weft_light_head_height",
        "gauge",
        "Newest verified header.",
        status.head.to_string(),
    );
    metric(
        "weft_light_samples_drawn_total",
        "counter",
        "Samples drawn.",
        c.samples_drawn.to_string(),
    );
    metric(
        "weft_light_samples_verified_total",
        "counter",
        "Samples verified.",
        c.samples_verified.to_string(),
    );
    metric(
        "weft_light_samples_failed_total",
        "counter",
        "Served cells that failed verification.",
        c.samples_failed.to_string(),
    );
    metric(
        "weft_light_heights_available_total",
        "counter",
        "Heights that reached the target confidence.",
        c.heights_available.to_string(),
    );
    metric(
        "weft_light_heights_unavailable_total",
        "counter",
        "Heights declared unavailable.",
        c.heights_unavailable.to_string(),
    );
    metric(
        "weft_light_peers",
        "gauge",
        "Connected full nodes.",
        status.peers.to_string(),
    );
    metric(
        "weft_light_peers_banned",
        "gauge",
        "Peers banned for bad data.",
        status.banned.to_string(),
    );
    metric(
        "weft_light_bytes_downloaded_total",
        "counter",
        "Cell and proof bytes downloaded.",
        status.bytes_downloaded.to_string(),
    );
    out.push_str("# HELP weft_light_confidence Confidence reached at a recent height.\n# TYPE weft_light_confidence gauge\n");
    for r in status.heights.iter().take(METRIC_HEIGHTS) {
        out.push_str(&format!(
            "weft_light_confidence{{height=\"{}\",verdict=\"{}\"}} {}\n",
            r.height,
            r.verdict.as_str(),
            r.confidence
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

/// Serves the status endpoints on `addr` until `shutdown` resolves. Returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    shared: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/v1/status", get(status))
        .route("/metrics", get(metrics))
        .route(
            "/health",
            get(|| async { Json(serde_json::json!({ "status": "ok" })) }),
        )
        .with_state(shared);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
    });
    Ok((bound, task))
}
