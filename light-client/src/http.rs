//! The light client's small status server (native only): `GET /v1/status` (per-height records),
//! `GET /metrics` (sampling counters and the confidence of the latest heights), `GET /health`.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Json, Router};
use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};
use std::sync::atomic::AtomicU64;

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

/// Labels of a recent height's confidence.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HeightLabels {
    height: u64,
    verdict: &'static str,
}

/// The OpenMetrics text of a status snapshot.
fn render(status: &Status) -> String {
    let mut registry = Registry::default();
    let c = status.counters;
    let gauge = |registry: &mut Registry, name: &str, help: &str, value: u64| {
        let g: Gauge<u64, AtomicU64> = Gauge::default();
        g.set(value);
        registry.register(name, help, g);
    };
    let counter = |registry: &mut Registry, name: &str, help: &str, value: u64| {
        let m: Counter = Counter::default();
        m.inc_by(value);
        registry.register(name, help, m);
    };
    gauge(
        &mut registry,
        "weft_light_head_height",
        "Newest verified header",
        status.head,
    );
    counter(
        &mut registry,
        "weft_light_samples_drawn",
        "Samples drawn",
        c.samples_drawn,
    );
    counter(
        &mut registry,
        "weft_light_samples_verified",
        "Samples verified",
        c.samples_verified,
    );
    counter(
        &mut registry,
        "weft_light_samples_failed",
        "Served cells that failed verification",
        c.samples_failed,
    );
    counter(
        &mut registry,
        "weft_light_heights_available",
        "Heights that reached the target confidence",
        c.heights_available,
    );
    counter(
        &mut registry,
        "weft_light_heights_unavailable",
        "Heights declared unavailable",
        c.heights_unavailable,
    );
    gauge(
        &mut registry,
        "weft_light_peers",
        "Connected full nodes",
        status.peers as u64,
    );
    gauge(
        &mut registry,
        "weft_light_peers_banned",
        "Peers banned for bad data",
        status.banned as u64,
    );
    counter(
        &mut registry,
        "weft_light_bytes_downloaded",
        "Cell and proof bytes downloaded",
        status.bytes_downloaded,
    );
    let confidence = Family::<HeightLabels, Gauge<f64, AtomicU64>>::default();
    for r in status.heights.iter().take(METRIC_HEIGHTS) {
        confidence
            .get_or_create(&HeightLabels {
                height: r.height,
                verdict: r.verdict.as_str(),
            })
            .set(r.confidence);
    }
    registry.register(
        "weft_light_confidence",
        "Confidence reached at a recent height",
        confidence,
    );
    let mut out = String::new();
    encode(&mut out, &registry).expect("writing to a String does not fail");
    out
}

async fn metrics(State(s): State<Shared>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        render(&snapshot(&s)),
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::HeightRecord;

    #[test]
    fn metrics_render_the_snapshot_under_their_public_names() {
        let mut status = Status {
            head: 12,
            peers: 2,
            ..Status::default()
        };
        status.counters.samples_verified = 30;
        status.heights.push(HeightRecord::example(12));
        let text = render(&status);
        assert!(text.contains("\nweft_light_head_height 12\n"), "{text}");
        assert!(text.contains("\nweft_light_samples_verified_total 30\n"));
        assert!(text.contains("weft_light_confidence{height=\"12\",verdict=\"available\"} 0.9999"));
        assert!(text.ends_with("# EOF\n"));
    }
}
