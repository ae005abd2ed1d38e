//! The light client's settings, with their defaults in one place: [`LightSettings`] is what a
//! TOML file (`weft light start --config FILE`) and the flags set, [`LightConfig`] what the
//! client runs with. Precedence, highest first: flag, file, default.

use std::{path::PathBuf, time::Duration};

#[cfg(not(target_arch = "wasm32"))]
pub use weft_config::light::LightSettings;
pub use weft_config::{
    DEFAULT_CONFIDENCE, DEFAULT_LIGHT_DATA_DIR as DEFAULT_DATA_DIR, DEFAULT_SAMPLE_TIMEOUT,
    DEFAULT_WINDOW,
};
use weft_p2p::Multiaddr;
use weft_types::{ProducerKey, Trust};

use crate::store::{MemoryRecords, RecordStore};

/// Why the light client could not start. Each message names the flag (or file field) to fix.
#[derive(Debug, thiserror::Error)]
pub enum LightError {
    /// The target confidence is not strictly between 0 and 1.
    #[error("--confidence {0} must be strictly between 0 and 1")]
    Confidence(f64),
    /// No full node to start from.
    #[error("--bootstrap: give at least one full node to start from")]
    NoBootstrap,
    /// A bootstrap address does not parse.
    #[error("--bootstrap {addr}: {reason}")]
    Bootstrap {
        /// The address given.
        addr: String,
        /// The parser's message.
        reason: String,
    },
    /// Neither a producer key nor a genesis file was given.
    #[error("--producer-key: give the producer's key (64 hex characters), or the genesis file of a chain run by validators with --genesis")]
    NoProducer,
    /// Both a producer key and a genesis file were given.
    #[error("--genesis and --producer-key: give one (--genesis for a chain run by validators)")]
    ProducerAndGenesis,
    /// The genesis file cannot be read or is not a valid validator set.
    #[error("--genesis {0}")]
    Genesis(String),
    /// The settings file cannot be read or parsed.
    #[error("--config {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The network could not start.
    #[error(transparent)]
    Network(#[from] weft_p2p::Error),
}

/// Reads a settings file (TOML); fields it leaves out keep their defaults.
///
/// # Errors
/// [`LightError::File`] naming the file when it cannot be read or parsed.
#[cfg(not(target_arch = "wasm32"))]
pub fn load_settings(path: &std::path::Path) -> Result<LightSettings, LightError> {
    let file = |reason: String| LightError::File {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file(e.to_string()))?;
    weft_config::parse(&text).map_err(|e| file(e.to_string()))
}

#[cfg(not(target_arch = "wasm32"))]
impl LightConfig {
    /// The configuration to run with from `settings`, records kept in memory (swap in others
    /// after).
    ///
    /// # Errors
    /// A [`LightError`] naming the setting that is missing or out of range.
    pub fn from_settings(settings: &LightSettings) -> Result<Self, LightError> {
        let trust = match (settings.producer_key, &settings.genesis) {
            (Some(_), Some(_)) => return Err(LightError::ProducerAndGenesis),
            (Some(producer), None) => Trust::Producer(producer),
            (None, Some(path)) => weft_config::genesis::load_genesis(path)
                .map(|(_, set)| Trust::from(set))
                .map_err(|e| LightError::Genesis(e.0))?,
            (None, None) => return Err(LightError::NoProducer),
        };
        let bootstrap = settings
            .bootstrap
            .iter()
            .map(|a| {
                a.parse()
                    .map_err(|e: weft_p2p::MultiaddrError| LightError::Bootstrap {
                        addr: a.clone(),
                        reason: e.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let config = LightConfig {
            confidence: settings.confidence,
            from: settings.from,
            window: settings.window,
            sample_timeout: settings.sample_timeout,
            ..Self::with_trust(bootstrap, trust)
        };
        config.check()?;
        Ok(config)
    }
}

/// How a light client runs.
pub struct LightConfig {
    /// Full nodes to dial at start (multiaddrs with `/p2p/<id>`).
    pub bootstrap: Vec<Multiaddr>,
    /// Only headers that verify against this are followed: the producer's key, or a chain's
    /// validator set (its genesis) whose certificates every header must carry.
    pub trust: Trust,
    /// Target confidence per height, in (0, 1).
    pub confidence: f64,
    /// First height to sample; default: the first head seen minus `window`.
    pub from: Option<u64>,
    /// How far behind the head to start when `from` is not given.
    pub window: u64,
    /// Time allowed to verify every sample of a height before it is declared unavailable.
    pub sample_timeout: Duration,
    /// Where finished heights persist.
    pub records: Box<dyn RecordStore>,
}

impl std::fmt::Debug for LightConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LightConfig")
            .field("trust", &self.trust.to_string())
            .field("confidence", &self.confidence)
            .finish_non_exhaustive()
    }
}

impl LightConfig {
    /// The defaults ([`DEFAULT_CONFIDENCE`], [`DEFAULT_WINDOW`], [`DEFAULT_SAMPLE_TIMEOUT`],
    /// from the first head seen) for these peers and producer, records in memory.
    pub fn new(bootstrap: Vec<Multiaddr>, producer: ProducerKey) -> Self {
        Self::with_trust(bootstrap, Trust::Producer(producer))
    }

    /// As [`Self::new`], following whatever verifies against `trust` (a validator set: the
    /// chain's genesis).
    pub fn with_trust(bootstrap: Vec<Multiaddr>, trust: Trust) -> Self {
        Self {
            bootstrap,
            trust,
            confidence: DEFAULT_CONFIDENCE,
            from: None,
            window: DEFAULT_WINDOW,
            sample_timeout: DEFAULT_SAMPLE_TIMEOUT,
            records: Box::new(MemoryRecords::default()),
        }
    }

    /// Checks the settings a client cannot run without.
    ///
    /// # Errors
    /// [`LightError::Confidence`] or [`LightError::NoBootstrap`].
    pub fn check(&self) -> Result<(), LightError> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(LightError::Confidence(self.confidence));
        }
        if self.bootstrap.is_empty() {
            return Err(LightError::NoBootstrap);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_overrides_defaults_and_names_bad_fields() {
        let key = ProducerKey([7; 32]);
        let text = format!(
            "producer_key = \"{}\"\nbootstrap = [\"/ip4/127.0.0.1/tcp/1\"]\nwindow = 4\nsample_timeout = \"5s\"\n",
            key.to_hex()
        );
        let settings: LightSettings = weft_config::parse(&text).unwrap();
        assert_eq!(settings.window, 4);
        assert_eq!(settings.confidence, DEFAULT_CONFIDENCE);
        let config = LightConfig::from_settings(&settings).unwrap();
        assert_eq!(config.sample_timeout, Duration::from_secs(5));
        assert_eq!(config.trust.producer(), Some(&key));

        let out_of_range = LightSettings {
            confidence: 1.0,
            ..settings
        };
        assert!(LightConfig::from_settings(&out_of_range)
            .unwrap_err()
            .to_string()
            .contains("--confidence"));
        assert!(matches!(
            LightConfig::from_settings(&LightSettings::default()),
            Err(LightError::NoProducer)
        ));
    }
}
