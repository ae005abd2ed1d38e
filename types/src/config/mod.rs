//! Settings files of the full node ([`node::NodeConfig`]) and the light client
//! ([`light::LightSettings`]): the fields, their defaults and checks, and their parsing from
//! TOML. Reading files is left to the binaries; parsing lives here so that tools and the fuzz
//! targets take the same path without the node (and its RocksDB).

pub mod light;
pub mod node;

use serde::de::DeserializeOwned;

/// A settings file or value that is not acceptable; the message names the field or flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Parses settings from TOML text; fields left out keep their defaults, unknown fields are
/// refused by name.
///
/// # Errors
/// [`ConfigError`] with the TOML parser's message (line, column, field).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError(e.to_string()))
}
