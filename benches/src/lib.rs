//! Weft's load harness (`cargo run --release -p weft-benches --bin swarm`): N sampling light
//! clients in one process against full nodes that follow a producer publishing pre-encoded
//! squares at a fixed rate, and what it measured — per height and in total, as JSON lines and a
//! table. See docs/BENCHMARKS.md ("Scale") for runs and results.
//!
//! - [`topology`]: the publisher (a producer node fed squares encoded before the run, through
//!   `weft_node::Node::publish_block`) and the full nodes, in this process or as `weft`
//!   processes (whose CPU and RSS are then read from `/proc`);
//! - [`fetcher`]: a fetch-only client — its own libp2p identity and connection, following
//!   headers and asking for every height's `s` samples (s from the target confidence) spread
//!   over the full nodes it knows, without verifying them;
//! - [`flooder`]: a peer that floods one full node with cell requests, unpaced;
//! - [`report`]: percentiles, per-height and total figures;
//! - [`run_swarm`]: one run; [`plot`]: p99 latency against client count, and square time
//!   against k;
//! - [`encoders`]: the square encoders side by side (`square` binary): Weft CPU on 1 … N
//!   threads, Weft CUDA with per-stage times, the c-kzg all-rows baseline, reconstruction;
//! - [`ingest`]: node ingest end to end per encoder (`ingest` binary), and what limits it;
//! - [`layout_mix`]: layout version 2's extra rows against version 1 on rollup batch mixes
//!   (`layout` binary).

pub mod encoders;
mod error;
pub mod fetcher;
pub mod flooder;
pub mod ingest;
pub mod layout_mix;
pub mod plot;
pub mod procstat;
pub mod report;
mod run;
pub mod topology;

pub use error::SwarmError;
pub use run::{run_swarm, SwarmConfig};
