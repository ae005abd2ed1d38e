//! The node's counters and gauges, rendered as Prometheus text at `GET /metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

/// A monotonically increasing counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    /// Current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    /// Sets it.
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }
    /// Current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Declares the metrics struct and its Prometheus rendering in one place.
macro_rules! metrics {
    ($($field:ident: $kind:ident = $name:literal, $help:literal;)*) => {
        /// Every metric the node exports.
        #[derive(Debug, Default)]
        pub struct Metrics {
            $(#[doc = $help] pub $field: $kind,)*
        }

        impl Metrics {
            /// Prometheus text exposition format.
            pub fn render(&self) -> String {
                let mut out = String::new();
                $(
                    out.push_str(&format!(
                        "# HELP {} {}\n# TYPE {} {}\n{} {}\n",
                        $name, $help, $name, metrics!(@type $kind), $name, self.$field.get()
                    ));
                )*
                out
            }
        }
    };
    (@type Counter) => { "counter" };
    (@type Gauge) => { "gauge" };
}

metrics! {
    head_height: Gauge = "weft_head_height", "Height of the newest stored block.";
    head_k: Gauge = "weft_head_k", "k of the newest stored block.";
    blocks_produced: Counter = "weft_blocks_produced_total", "Blocks produced by this node.";
    blocks_synced: Counter = "weft_blocks_synced_total", "Blocks fetched, verified and stored from peers.";
    block_encode_ms: Gauge = "weft_block_encode_milliseconds", "Time to encode the last produced block.";
    blobs_submitted: Counter = "weft_blobs_submitted_total", "Blobs accepted into the pending pool.";
    blob_bytes_submitted: Counter = "weft_blob_bytes_submitted_total", "Bytes of blobs accepted.";
    blobs_rejected: Counter = "weft_blobs_rejected_total", "Blob submissions refused (too large, pool full, bad input).";
    pending_blobs: Gauge = "weft_pending_blobs", "Blobs waiting for a block.";
    pending_bytes: Gauge = "weft_pending_bytes", "Bytes waiting for a block.";
    cells_served_http: Counter = "weft_cells_served_http_total", "Cells served over HTTP.";
    cells_served_p2p: Counter = "weft_cells_served_p2p_total", "Cells served over libp2p.";
    rows_served_p2p: Counter = "weft_rows_served_p2p_total", "Whole rows served over libp2p.";
    rows_fetched: Counter = "weft_rows_fetched_total", "Rows fetched and verified while syncing.";
    cells_fetched: Counter = "weft_cells_fetched_total", "Single cells fetched and verified while syncing.";
    reconstructions: Counter = "weft_reconstructions_total", "Blocks reconstructed from partial data.";
    invalid_data: Counter = "weft_invalid_data_total", "Rows or cells from peers that failed verification.";
    headers_rejected: Counter = "weft_headers_rejected_total", "Gossiped headers that failed verification.";
    peers_penalised: Counter = "weft_peers_penalised_total", "Penalties given to peers.";
    peers_banned: Counter = "weft_peers_banned_total", "Peers banned.";
    requests_rate_limited: Counter = "weft_requests_rate_limited_total", "Inbound p2p requests refused by the rate limit.";
    connected_peers: Gauge = "weft_connected_peers", "Connected libp2p peers.";
    http_requests: Counter = "weft_http_requests_total", "HTTP requests handled.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.blocks_produced.add(3);
        m.head_height.set(7);
        let text = m.render();
        assert!(text
            .contains("# TYPE weft_blocks_produced_total counter\nweft_blocks_produced_total 3\n"));
        assert!(text.contains("# TYPE weft_head_height gauge\nweft_head_height 7\n"));
    }
}
