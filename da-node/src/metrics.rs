//! The node's metrics, kept with `prometheus-client` and rendered in the OpenMetrics text format
//! at `GET /metrics`. Names are a public interface (dashboards rely on them): counters end in
//! `_total`, durations are histograms in seconds.

use prometheus_client::{
    encoding::text::encode,
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};
use weft_p2p::{Gauge, NetworkMetrics};

/// Buckets for durations from 1 ms to about 65 s (17 doublings).
fn seconds_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.001, 2.0, 17)
}

/// Buckets for fast reads, from 10 µs to about 0.3 s.
fn fast_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.000_01, 2.0, 15)
}

/// Every metric the node exports; each field is shared with the registry that renders it.
#[derive(Debug)]
pub struct Metrics {
    /// Height of the newest stored block.
    pub head_height: Gauge,
    /// k of the newest stored block.
    pub head_k: Gauge,
    /// Blocks produced by this node.
    pub blocks_produced: Counter,
    /// Blocks fetched, verified and stored from peers.
    pub blocks_synced: Counter,
    /// Conflicting votes or proposals by a validator, reported by consensus and kept.
    pub validator_faults: Counter,
    /// Time to produce (encode, sign and store) the last block, in milliseconds.
    pub block_encode_ms: Gauge,
    /// Time to encode a block's square (commitments, cells, proofs), in seconds.
    pub block_encode_seconds: Histogram,
    /// Time to produce a block: take blobs, encode, sign and store, in seconds.
    pub block_production_seconds: Histogram,
    /// Time to write a produced block to the store (RocksDB), in seconds.
    pub block_store_seconds: Histogram,
    /// Time from a blob's acceptance to its inclusion in a stored block, in seconds.
    pub ingest_latency_seconds: Histogram,
    /// Time to look up one cell with its proof for a request (HTTP or p2p), in seconds.
    pub cell_serve_seconds: Histogram,
    /// Blobs accepted into the pending pool.
    pub blobs_submitted: Counter,
    /// Bytes of blobs accepted.
    pub blob_bytes_submitted: Counter,
    /// Blob submissions refused (too large, pool full, bad input).
    pub blobs_rejected: Counter,
    /// Blobs waiting for a block.
    pub pending_blobs: Gauge,
    /// Bytes waiting for a block.
    pub pending_bytes: Gauge,
    /// Cells served over HTTP.
    pub cells_served_http: Counter,
    /// Rows fetched and verified while syncing.
    pub rows_fetched: Counter,
    /// Single cells fetched and verified while syncing.
    pub cells_fetched: Counter,
    /// Blocks reconstructed from partial data.
    pub reconstructions: Counter,
    /// Rows or cells from peers that failed verification.
    pub invalid_data: Counter,
    /// HTTP requests handled.
    pub http_requests: Counter,
    /// 1 once the followed producer was caught signing two headers for one height.
    pub equivocations: Gauge,
    /// HTTP connections open now.
    pub http_connections: Gauge,
    /// HTTP connections closed at once because a connection cap was reached.
    pub http_connections_refused: Counter,
    /// The network's counters (cells and rows served over libp2p, penalties, bans, peers).
    pub network: NetworkMetrics,
    /// `weft_encoder{encoder="cuda",device="NVIDIA H200"} 1`: the square encoder in use.
    pub encoder: Family<Vec<(String, String)>, Gauge>,
    /// `weft_node_role{role="producer"} 1`: the role the node reports (`producer` or `full`,
    /// as `role` in `GET /v1/node/info` and `GET /health`).
    pub role: Family<Vec<(String, String)>, Gauge>,
    registry: Registry,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let network = NetworkMetrics::default();
        network.register(&mut registry);
        let counter = |registry: &mut Registry, name: &str, help: &str| {
            let c = Counter::default();
            registry.register(name, help, c.clone());
            c
        };
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let histogram =
            |registry: &mut Registry, name: &str, help: &str, buckets: &dyn Fn() -> Vec<f64>| {
                let h = Histogram::new(buckets());
                registry.register(name, help, h.clone());
                h
            };
        let slow = || seconds_buckets().collect::<Vec<_>>();
        let fast = || fast_buckets().collect::<Vec<_>>();
        let r = &mut registry;
        Self {
            head_height: gauge(r, "weft_head_height", "Height of the newest stored block"),
            head_k: gauge(r, "weft_head_k", "k of the newest stored block"),
            blocks_produced: counter(r, "weft_blocks_produced", "Blocks produced by this node"),
            validator_faults: counter(
                r,
                "weft_validator_faults",
                "Conflicting votes or proposals by a validator, reported by consensus and kept",
            ),
            blocks_synced: counter(
                r,
                "weft_blocks_synced",
                "Blocks fetched, verified and stored from peers",
            ),
            block_encode_ms: gauge(
                r,
                "weft_block_encode_milliseconds",
                "Time to produce the last block",
            ),
            block_encode_seconds: histogram(
                r,
                "weft_block_encode_seconds",
                "Time to encode a block's square",
                &slow,
            ),
            block_production_seconds: histogram(
                r,
                "weft_block_production_seconds",
                "Time to produce a block: encode, sign and store",
                &slow,
            ),
            block_store_seconds: histogram(
                r,
                "weft_block_store_seconds",
                "Time to write a produced block to the store",
                &slow,
            ),
            ingest_latency_seconds: histogram(
                r,
                "weft_ingest_latency_seconds",
                "Time from a blob's acceptance to its inclusion in a stored block",
                &slow,
            ),
            cell_serve_seconds: histogram(
                r,
                "weft_cell_serve_seconds",
                "Time to look up one cell with its proof",
                &fast,
            ),
            blobs_submitted: counter(
                r,
                "weft_blobs_submitted",
                "Blobs accepted into the pending pool",
            ),
            blob_bytes_submitted: counter(
                r,
                "weft_blob_bytes_submitted",
                "Bytes of blobs accepted",
            ),
            blobs_rejected: counter(
                r,
                "weft_blobs_rejected",
                "Blob submissions refused (too large, pool full, bad input)",
            ),
            pending_blobs: gauge(r, "weft_pending_blobs", "Blobs waiting for a block"),
            pending_bytes: gauge(r, "weft_pending_bytes", "Bytes waiting for a block"),
            cells_served_http: counter(r, "weft_cells_served_http", "Cells served over HTTP"),
            rows_fetched: counter(
                r,
                "weft_rows_fetched",
                "Rows fetched and verified while syncing",
            ),
            cells_fetched: counter(
                r,
                "weft_cells_fetched",
                "Single cells fetched and verified while syncing",
            ),
            reconstructions: counter(
                r,
                "weft_reconstructions",
                "Blocks reconstructed from partial data",
            ),
            invalid_data: counter(
                r,
                "weft_invalid_data",
                "Rows or cells from peers that failed verification",
            ),
            http_requests: counter(r, "weft_http_requests", "HTTP requests handled"),
            equivocations: gauge(
                r,
                "weft_equivocations",
                "1 once the producer was caught signing two headers for one height",
            ),
            http_connections: gauge(r, "weft_http_connections", "HTTP connections open now"),
            http_connections_refused: counter(
                r,
                "weft_http_connections_refused",
                "HTTP connections closed at once because a connection cap was reached",
            ),
            encoder: {
                let family = Family::<Vec<(String, String)>, Gauge>::default();
                r.register(
                    "weft_encoder",
                    "The square encoder in use (labels: encoder = cpu or cuda, device)",
                    family.clone(),
                );
                family
            },
            role: {
                let family = Family::<Vec<(String, String)>, Gauge>::default();
                r.register(
                    "weft_node_role",
                    "The node's role (label role = producer or full, as GET /v1/node/info says)",
                    family.clone(),
                );
                family
            },
            network,
            registry,
        }
    }
}

impl Metrics {
    /// Records the encoder in use as `weft_encoder{encoder, device} 1`.
    pub fn set_encoder(&self, encoder: &str, device: &str) {
        self.encoder
            .get_or_create(&vec![
                ("encoder".to_string(), encoder.to_string()),
                ("device".to_string(), device.to_string()),
            ])
            .set(1);
    }

    /// Records the node's role as `weft_node_role{role} 1`.
    pub fn set_role(&self, role: weft_types::api::NodeRole) {
        self.role
            .get_or_create(&vec![("role".to_string(), role.as_str().to_string())])
            .set(1);
    }

    /// The OpenMetrics text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String does not fail");
        out
    }
}

/// The content type of [`Metrics::render`]'s output.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric_with_its_public_name() {
        let m = Metrics::default();
        m.blocks_produced.inc_by(3);
        m.head_height.set(7);
        m.network.peers_banned.inc();
        m.cell_serve_seconds.observe(0.0002);
        m.set_encoder("cuda", "NVIDIA H200");
        m.set_role(weft_types::api::NodeRole::Full);
        let text = m.render();
        assert!(
            text.contains("\nweft_node_role{role=\"full\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("\nweft_encoder{encoder=\"cuda\",device=\"NVIDIA H200\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE weft_blocks_produced counter\n"));
        assert!(text.contains("\nweft_blocks_produced_total 3\n"), "{text}");
        assert!(text.contains("# TYPE weft_head_height gauge\nweft_head_height 7\n"));
        assert!(text.contains("\nweft_peers_banned_total 1\n"));
        assert!(text.contains("\nweft_cell_serve_seconds_count 1\n"));
        assert!(text.ends_with("# EOF\n"));
    }
}
