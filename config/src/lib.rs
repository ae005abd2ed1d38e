#![doc = include_str!("../README.md")]

mod defaults;
#[cfg(feature = "settings")]
pub mod genesis;
#[cfg(feature = "settings")]
pub mod light;
#[cfg(feature = "settings")]
pub mod node;

pub use defaults::{
    DEFAULT_CONFIDENCE, DEFAULT_LIGHT_DATA_DIR, DEFAULT_SAMPLE_TIMEOUT, DEFAULT_WINDOW,
};

/// A settings file or value that is not acceptable; the message names the field or flag.
#[cfg(feature = "settings")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Parses settings from TOML text; fields left out keep their defaults, unknown fields are
/// refused by name.
///
/// # Errors
/// [`ConfigError`] with the TOML parser's message (line, column, field).
#[cfg(feature = "settings")]
pub fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError(e.to_string()))
}
