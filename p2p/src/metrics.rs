//! The network's counters, as `prometheus-client` metrics the owner registers under its names.

use std::sync::atomic::AtomicU64;

use prometheus_client::{metrics::counter::Counter, registry::Registry};

/// A gauge of whole numbers (peers, heights, bytes).
pub type Gauge = prometheus_client::metrics::gauge::Gauge<u64, AtomicU64>;

/// Counters the network actor keeps. Cheap to clone (each metric is shared).
#[derive(Debug, Clone, Default)]
pub struct NetworkMetrics {
    /// Cells served to peers.
    pub cells_served: Counter,
    /// Whole rows served to peers.
    pub rows_served: Counter,
    /// Gossiped headers that failed verification.
    pub headers_rejected: Counter,
    /// Penalties given to peers.
    pub peers_penalised: Counter,
    /// Peers banned.
    pub peers_banned: Counter,
    /// Inbound requests refused by the rate limit.
    pub requests_rate_limited: Counter,
    /// Connected peers.
    pub connected_peers: Gauge,
    /// Our requests held back to stay under a peer's advertised rate.
    pub requests_paced: Counter,
    /// Light clients disconnected because this node leaves them to its full nodes.
    pub light_clients_refused: Counter,
    /// Gossiped blobs that decoded and were forwarded (blob topic).
    pub blobs_gossiped: Counter,
    /// Gossiped blobs not forwarded: malformed, over a peer's rate, or (queued for the pool)
    /// dropped because the pool's queue was full.
    pub blobs_gossip_dropped: Counter,
}

impl NetworkMetrics {
    /// Registers every metric in `registry` under `weft_` names (counters get `_total`).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "weft_cells_served_p2p",
            "Cells served over libp2p",
            self.cells_served.clone(),
        );
        registry.register(
            "weft_rows_served_p2p",
            "Whole rows served over libp2p",
            self.rows_served.clone(),
        );
        registry.register(
            "weft_headers_rejected",
            "Gossiped headers that failed verification",
            self.headers_rejected.clone(),
        );
        registry.register(
            "weft_peers_penalised",
            "Penalties given to peers",
            self.peers_penalised.clone(),
        );
        registry.register(
            "weft_peers_banned",
            "Peers banned",
            self.peers_banned.clone(),
        );
        registry.register(
            "weft_requests_rate_limited",
            "Inbound p2p requests refused by the rate limit",
            self.requests_rate_limited.clone(),
        );
        registry.register(
            "weft_requests_paced",
            "Outbound p2p requests held back to stay under the peer's advertised rate",
            self.requests_paced.clone(),
        );
        registry.register(
            "weft_light_clients_refused",
            "Light-client connections closed at identify because this node leaves light clients to its full nodes (serve_light_clients = false)",
            self.light_clients_refused.clone(),
        );
        registry.register(
            "weft_blobs_gossiped",
            "Gossiped blobs received that decoded and were forwarded",
            self.blobs_gossiped.clone(),
        );
        registry.register(
            "weft_blobs_gossip_dropped",
            "Gossiped blobs dropped: malformed, over the peer's rate, or the pool's queue full",
            self.blobs_gossip_dropped.clone(),
        );
        registry.register(
            "weft_connected_peers",
            "Connected libp2p peers",
            self.connected_peers.clone(),
        );
    }
}
