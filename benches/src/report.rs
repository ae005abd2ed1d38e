//! What a run measured: per height and in total, for the fetch-only clients (header to all
//! samples served) and the verifying ones (header to target confidence), with refusals,
//! failures and the full nodes' CPU and memory.

use serde::Serialize;

/// The `p`-th percentile (0–100, nearest rank) of `values`; 0 for none.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// p50, p95, p99 of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Values.
    pub n: usize,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

impl Latency {
    /// Of these values (ms).
    pub fn of(mut values: Vec<f64>) -> Self {
        Self {
            n: values.len(),
            p50: percentile(&mut values, 50.0),
            p95: percentile(&mut values, 95.0),
            p99: percentile(&mut values, 99.0),
            max: values.last().copied().unwrap_or(0.0),
        }
    }
}

/// One height's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HeightReport {
    /// Block height.
    pub height: u64,
    /// Fetch-only clients that got every sample.
    pub fetch_done: usize,
    /// Fetch-only clients that did not within the sample timeout.
    pub fetch_timed_out: usize,
    /// Header arrival to all samples served, fetch-only clients (ms).
    pub fetch_ms: Latency,
    /// Header published to header arrival, fetch-only clients (ms).
    pub header_ms: Latency,
    /// Verifying clients that reached the target confidence.
    pub verify_available: usize,
    /// Verifying clients that called the height unavailable.
    pub verify_unavailable: usize,
    /// Header arrival to target confidence, verifying clients (ms).
    pub verify_ms: Latency,
    /// Cells that failed verification (verifying clients).
    pub failed_verifications: usize,
    /// Requests refused (rate limit) or not found, and requests that failed (timeouts, streams).
    pub refused: u64,
    /// Requests answered "not found" (the node did not hold the block yet).
    pub not_found: u64,
    /// Requests that failed outright.
    pub failed_requests: u64,
}

/// One full node's share of the work.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeReport {
    /// Its HTTP URL.
    pub url: String,
    /// Cells it served over p2p during the run.
    pub cells_served: u64,
    /// Its share of all cells served.
    pub share: f64,
    /// CPU used during the run, as a fraction of one core (processes only).
    pub cpu_cores: Option<f64>,
    /// Peak resident memory in MiB (processes only).
    pub peak_rss_mib: Option<f64>,
    /// Inbound requests it refused by the per-peer rate limit (`weft_requests_rate_limited`).
    pub rate_limited: u64,
    /// Penalties it gave peers (`weft_peers_penalised`).
    pub penalties: u64,
    /// Peers it banned (`weft_peers_banned`).
    pub banned: u64,
}

/// A whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Clients in all, and how many of them verify.
    pub clients: usize,
    /// Clients that verify every sample (the full light client).
    pub verifying: usize,
    /// Full nodes serving.
    pub full_nodes: usize,
    /// k of the squares.
    pub k: usize,
    /// Samples per height and client.
    pub samples: usize,
    /// Heights published with data during the run.
    pub heights: usize,
    /// Run length in seconds (publishing).
    pub seconds: f64,
    /// Time for every client to connect, in seconds.
    pub connect_seconds: f64,
    /// Header arrival to all samples served, fetch-only clients, every height (ms).
    pub fetch_ms: Latency,
    /// Header published to header arrival (ms).
    pub header_ms: Latency,
    /// Header arrival to target confidence, verifying clients, every height (ms).
    pub verify_ms: Latency,
    /// (client, height) pairs that did not get every sample in time.
    pub fetch_timed_out: usize,
    /// (client, height) pairs of verifying clients found unavailable.
    pub verify_unavailable: usize,
    /// (client, height) pairs never reported at all (header never arrived).
    pub missing: usize,
    /// Cells that failed verification.
    pub failed_verifications: usize,
    /// Requests refused by rate limits.
    pub refused: u64,
    /// Requests answered "not found".
    pub not_found: u64,
    /// Requests that failed outright.
    pub failed_requests: u64,
    /// Cells served per second (all full nodes, from their metrics).
    pub cells_per_second: f64,
    /// Each full node's share and resources.
    pub nodes: Vec<NodeReport>,
    /// The harness's own CPU over the run, in cores (clients, publisher, flooder).
    pub harness_cpu_cores: Option<f64>,
    /// Share of all the machine's cores busy over the run (0–1), from `/proc/stat`.
    pub machine_busy: Option<f64>,
    /// Share of all the machine's cores busy while samples were being served: in the 50 ms
    /// slices between a height's first header arrival and its last sample served (0–1).
    pub machine_busy_serving: Option<f64>,
    /// Flooding peer: requests sent, refused, and whether it was disconnected or banned.
    pub flood: Option<FloodReport>,
}

/// What happened to the flooding peer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FloodReport {
    /// Requests per second it tried to send.
    pub rate: u32,
    /// Requests sent.
    pub sent: u64,
    /// Answered with cells.
    pub served: u64,
    /// Refused (rate limited).
    pub refused: u64,
    /// Failed (the node closed the stream or the connection, or banned it).
    pub failed: u64,
    /// Times the node closed its connection.
    pub disconnected: u64,
    /// Dials the node refused or that failed (a banned peer's).
    pub dial_failures: u64,
}

impl Summary {
    /// A human table.
    pub fn table(&self) -> String {
        let mut t = format!(
            "clients {} ({} verifying) · full nodes {} · k {} · s {} · {} heights in {:.0} s · connect {:.1} s\n",
            self.clients, self.verifying, self.full_nodes, self.k, self.samples, self.heights, self.seconds, self.connect_seconds
        );
        t += "                               p50      p95      p99      max       n\n";
        for (name, l) in [
            ("header published → arrived", self.header_ms),
            ("header → all samples served", self.fetch_ms),
            ("header → target confidence", self.verify_ms),
        ] {
            t += &format!(
                "{name:<28} {:>7.1}  {:>7.1}  {:>7.1}  {:>7.1}  {:>6}\n",
                l.p50, l.p95, l.p99, l.max, l.n
            );
        }
        t += &format!(
            "timed out {} · unavailable {} · missing {} · failed verifications {} · refused {} · not found {} · failed requests {} · {:.0} cells/s\n",
            self.fetch_timed_out, self.verify_unavailable, self.missing, self.failed_verifications,
            self.refused, self.not_found, self.failed_requests, self.cells_per_second
        );
        for n in &self.nodes {
            t += &format!(
                "node {}: {} cells ({:.0} %), CPU {}, peak RSS {}, {} requests rate-limited, {} penalties, {} bans\n",
                n.url,
                n.cells_served,
                n.share * 100.0,
                n.cpu_cores
                    .map_or("n/a".into(), |c| format!("{:.0} % of a core", c * 100.0)),
                n.peak_rss_mib
                    .map_or("n/a".into(), |m| format!("{m:.0} MiB")),
                n.rate_limited,
                n.penalties,
                n.banned,
            );
        }
        let pct = |v: Option<f64>| v.map_or("n/a".into(), |b| format!("{:.0} %", b * 100.0));
        t += &format!(
            "machine ({} cores) busy {} over the run, {} while samples were served · harness {}\n",
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
            pct(self.machine_busy),
            pct(self.machine_busy_serving),
            self.harness_cpu_cores
                .map_or("n/a".into(), |c| format!("{:.0} % of a core", c * 100.0)),
        );
        if let Some(f) = &self.flood {
            t += &format!(
                "flooder at {}/s: sent {}, served {}, refused {}, failed {}, disconnected {} times, {} dials refused\n",
                f.rate, f.sent, f.served, f.refused, f.failed, f.disconnected, f.dial_failures
            );
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let l = Latency::of(values);
        assert_eq!(
            (l.p50, l.p95, l.p99, l.max, l.n),
            (50.0, 95.0, 99.0, 100.0, 100)
        );
        assert_eq!(Latency::of(vec![]).p99, 0.0);
        assert_eq!(Latency::of(vec![7.0]).p50, 7.0);
    }
}
