//! The full node's settings: a TOML file (`weft.toml` in the data dir, written with defaults
//! on first start) overridden by flags. Precedence, highest first: command-line flag, config
//! file, built-in default. Reading and writing the file is the node's (`weft_node::config`).

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use serde::{Deserialize, Serialize};

use weft_types::ProducerKey;

use crate::ConfigError;

/// Default HTTP address.
pub const DEFAULT_HTTP: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 7580);
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./weft-data";
/// Default largest blob.
pub const DEFAULT_MAX_BLOB_SIZE: usize = 2 * 1024 * 1024;
/// Default bound on bytes waiting for a block.
pub const DEFAULT_MAX_PENDING_BYTES: usize = 64 * 1024 * 1024;
/// Default largest k.
pub const DEFAULT_MAX_K: usize = 64;

/// Limits on the HTTP API's connections, each a named bound on what one client can hold
/// (issue 11, fault 4). A TOML table `[http_limits]` in the config file; durations in
/// humantime (`"10s"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpLimits {
    /// Connections open at once, all clients together (also capped at a quarter of the
    /// process's file-descriptor limit at start). Over it a connection is answered 503 and
    /// closed.
    pub max_connections: usize,
    /// Connections open at once from one IP address.
    pub max_connections_per_ip: usize,
    /// Total time for a request's line and headers to arrive; an idle keep-alive connection
    /// is closed after it too.
    #[serde(with = "humantime_serde")]
    pub header_timeout: Duration,
    /// Total time for a request body to arrive (408 after it), however it trickles in.
    #[serde(with = "humantime_serde")]
    pub body_timeout: Duration,
    /// Total time for a client to take a response; after it the connection is closed and
    /// the response freed.
    #[serde(with = "humantime_serde")]
    pub write_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_connections_per_ip: 64,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// Which square encoder a node uses (`--encoder`, `encoder = "..."` in `weft.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncoderChoice {
    /// The GPU when the binary has the CUDA encoder and the machine a CUDA device, else the
    /// CPU (the default).
    #[default]
    Auto,
    /// The CPU encoder, on all cores.
    Cpu,
    /// The CUDA encoder; the node refuses to start without it.
    Cuda,
}

impl EncoderChoice {
    /// The name used in flags, the config file and `GET /v1/node/info`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }
}

impl std::fmt::Display for EncoderChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EncoderChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" => Ok(Self::Cuda),
            other => Err(format!("unknown encoder {other:?}: auto, cpu or cuda")),
        }
    }
}

/// Everything a node needs to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Where the store and keys live.
    pub data_dir: PathBuf,
    /// HTTP API address.
    pub http: SocketAddr,
    /// IP the p2p listeners bind (loopback by default).
    pub listen_ip: IpAddr,
    /// TCP and QUIC port for nodes (0: any free port).
    pub p2p_port: u16,
    /// WebSocket port for browsers (0: any free port).
    pub ws_port: u16,
    /// Block interval.
    #[serde(with = "humantime_serde")]
    pub block_time: Duration,
    /// Largest k of a square.
    pub max_k: usize,
    /// Largest blob accepted.
    pub max_blob_size: usize,
    /// Bytes of blobs allowed to wait for a block.
    pub max_pending_bytes: usize,
    /// Keep the squares of the newest this many blocks (headers are always kept).
    pub prune_after: Option<u64>,
    /// Peers to dial at start.
    pub bootstrap: Vec<String>,
    /// The producer to follow (`--producer-key`); none: this node produces blocks (on a data
    /// dir that holds no other chain, see `weft_node::ChainRecord`).
    pub producer_key: Option<ProducerKey>,
    /// A chain run by validators: its genesis file (`weft genesis`). Alone: follow the chain
    /// (headers must carry certificates of its validators); with `validator_key`: be one of
    /// its validators.
    pub genesis: Option<PathBuf>,
    /// This validator's key folder (`weft genesis`'s `validator-i`); needs `genesis`.
    pub validator_key: Option<PathBuf>,
    /// Directory of the light-client page served at `/` (built by `scripts/build-wasm`).
    pub page_dir: Option<PathBuf>,
    /// Limits on HTTP connections.
    pub http_limits: HttpLimits,
    /// How long `POST /v1/blobs` (without `?wait=false`) waits for the blob's block; by default
    /// 30 block times and at least 60 s. Submissions the producer cannot include in four fifths
    /// of it, at its measured pace, are refused at once with 503 and `Retry-After`.
    #[serde(with = "humantime_serde", default)]
    pub submit_timeout: Option<Duration>,
    /// Keep light clients' p2p connections (default). A producer whose full nodes serve the
    /// light clients may set `false`: it then disconnects light clients once they identify,
    /// so that they hear of a header only from nodes that hold its block.
    pub serve_light_clients: bool,
    /// The square encoder: `auto` (the GPU when there is one), `cpu` or `cuda`.
    pub encoder: EncoderChoice,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            http: DEFAULT_HTTP,
            listen_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            p2p_port: 0,
            ws_port: 0,
            block_time: Duration::from_secs(2),
            max_k: DEFAULT_MAX_K,
            max_blob_size: DEFAULT_MAX_BLOB_SIZE,
            max_pending_bytes: DEFAULT_MAX_PENDING_BYTES,
            prune_after: None,
            bootstrap: Vec::new(),
            producer_key: None,
            genesis: None,
            validator_key: None,
            page_dir: None,
            http_limits: HttpLimits::default(),
            submit_timeout: None,
            serve_light_clients: true,
            encoder: EncoderChoice::Auto,
        }
    }
}

impl NodeConfig {
    /// Checks the values against each other.
    ///
    /// # Errors
    /// [`ConfigError`] naming the flag (or file field) that is out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(m));
        if !self.max_k.is_power_of_two() || self.max_k > weft_encoding::constants::MAX_K {
            return bad(format!(
                "--max-k {} must be a power of two up to 128",
                self.max_k
            ));
        }
        if self.block_time < Duration::from_millis(50) {
            return bad(format!("--block-time {:?} is below 50ms", self.block_time));
        }
        let capacity = self.max_k * weft_encoding::constants::FIELD_ELEMENTS_PER_ROW;
        let needed = weft_encoding::layout::elements_needed([self.max_blob_size]);
        if needed > capacity {
            let fits = weft_encoding::layout::largest_blob(self.max_k);
            return bad(format!(
                "--max-blob-size {} does not fit a square of --max-k {} ({} elements needed, {} available): use --max-blob-size {fits} or less, or a larger --max-k",
                self.max_blob_size, self.max_k, needed, capacity
            ));
        }
        if self.max_blob_size == 0 || self.max_pending_bytes < self.max_blob_size {
            return bad(format!(
                "--max-pending-bytes {} must be at least --max-blob-size {}",
                self.max_pending_bytes, self.max_blob_size
            ));
        }
        // On a validator chain blobs travel by gossip, whose messages have a fixed limit.
        let gossip_limit = weft_types::wire::BLOB_GOSSIP_DATA_LIMIT;
        if self.genesis.is_some() && self.max_blob_size > gossip_limit {
            return bad(format!(
                "--max-blob-size {} exceeds {gossip_limit} bytes, the largest blob gossiped to the validators of a chain run with --genesis",
                self.max_blob_size
            ));
        }
        let l = &self.http_limits;
        if l.max_connections == 0 || l.max_connections_per_ip == 0 {
            return bad(
                "--http-max-connections and --http-max-connections-per-ip must be at least 1"
                    .into(),
            );
        }
        if [l.header_timeout, l.body_timeout, l.write_timeout].contains(&Duration::ZERO) {
            return bad(
                "http_limits: header_timeout, body_timeout and write_timeout must be above 0"
                    .into(),
            );
        }
        if self.prune_after == Some(0) {
            return bad("--prune-after must be at least 1 block".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inconsistent_values_name_the_flag() {
        let c = NodeConfig {
            max_k: 3,
            ..NodeConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("--max-k"));
        let c = NodeConfig {
            max_k: 1,
            max_blob_size: 200_000,
            max_pending_bytes: 1 << 30,
            ..NodeConfig::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--max-blob-size"));
        // The suggested size is exactly the largest that fits.
        let message = c.validate().unwrap_err().to_string();
        let suggested: usize = message
            .split("use --max-blob-size ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        NodeConfig {
            max_blob_size: suggested,
            ..c.clone()
        }
        .validate()
        .unwrap();
        assert!(NodeConfig {
            max_blob_size: suggested + 1,
            ..c
        }
        .validate()
        .is_err());
        let c = NodeConfig {
            max_pending_bytes: 10,
            ..NodeConfig::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--max-pending-bytes"));
    }
}
