//! The light client's settings file (`weft light start --config FILE`): the fields a file or the
//! flags set, with their defaults. The client turns them into what it runs with
//! (`weft_light::LightConfig`).

use std::{path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

use weft_types::ProducerKey;

pub use crate::defaults::{
    DEFAULT_CONFIDENCE, DEFAULT_LIGHT_DATA_DIR as DEFAULT_DATA_DIR, DEFAULT_SAMPLE_TIMEOUT,
    DEFAULT_WINDOW,
};

/// The settings a file or flags give (TOML field names; every field optional in the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LightSettings {
    /// Full nodes to start from (multiaddrs with `/p2p/<id>`).
    pub bootstrap: Vec<String>,
    /// Only headers signed by this producer are followed.
    pub producer_key: Option<ProducerKey>,
    /// Or, on a chain run by validators: its genesis file; only headers signed by a validator
    /// and certified by more than two thirds of them are followed.
    pub genesis: Option<PathBuf>,
    /// Target confidence per height, in (0, 1).
    pub confidence: f64,
    /// First height to sample; default: the first head seen minus `window`.
    pub from: Option<u64>,
    /// How far behind the head to start when `from` is not given.
    pub window: u64,
    /// Time allowed to verify every sample of a height.
    #[serde(with = "humantime_serde")]
    pub sample_timeout: Duration,
    /// Where finished heights are kept (native).
    pub data_dir: PathBuf,
    /// Serve `/v1/status` and `/metrics` here (native; none by default).
    pub http: Option<std::net::SocketAddr>,
}

impl Default for LightSettings {
    fn default() -> Self {
        Self {
            bootstrap: Vec::new(),
            producer_key: None,
            genesis: None,
            confidence: DEFAULT_CONFIDENCE,
            from: None,
            window: DEFAULT_WINDOW,
            sample_timeout: DEFAULT_SAMPLE_TIMEOUT,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            http: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_overrides_defaults_and_names_bad_fields() {
        let settings: LightSettings =
            crate::parse("window = 4\nsample_timeout = \"5s\"\n").unwrap();
        assert_eq!(settings.window, 4);
        assert_eq!(settings.sample_timeout, Duration::from_secs(5));
        assert_eq!(settings.confidence, DEFAULT_CONFIDENCE);
        let bad = crate::parse::<LightSettings>("windw = 3").unwrap_err();
        assert!(bad.to_string().contains("windw"), "{bad}");
    }
}
