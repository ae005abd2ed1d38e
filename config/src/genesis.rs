//! Reading a chain's `genesis.toml` (written by `weft genesis`; PROTOCOL §12) into a checked
//! validator set: what `--genesis FILE` means to every command that trusts a validator set.

use std::path::Path;

use weft_types::{Genesis, ValidatorSet};

use crate::ConfigError;

/// Largest genesis file read, in bytes (1,024 validators take about 400 KiB).
pub const MAX_GENESIS_BYTES: u64 = 1 << 20;

/// Parses genesis TOML text and checks the set (keys, proofs of possession, chain id).
///
/// # Errors
/// [`ConfigError`] with the parser's message, or the validator and what is wrong with it.
pub fn parse_genesis(text: &str) -> Result<(Genesis, ValidatorSet), ConfigError> {
    let genesis: Genesis = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
    let set = ValidatorSet::from_genesis(&genesis).map_err(|e| ConfigError(e.to_string()))?;
    Ok((genesis, set))
}

/// Reads and checks the genesis file at `path` (at most [`MAX_GENESIS_BYTES`]).
///
/// # Errors
/// [`ConfigError`] naming the file: unreadable, too large, not TOML, or not a valid set.
pub fn load_genesis(path: &Path) -> Result<(Genesis, ValidatorSet), ConfigError> {
    let named = |what: String| ConfigError(format!("{}: {what}", path.display()));
    let size = std::fs::metadata(path)
        .map_err(|e| named(e.to_string()))?
        .len();
    if size > MAX_GENESIS_BYTES {
        return Err(named(format!(
            "{size} bytes; a genesis file is at most {MAX_GENESIS_BYTES}"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| named(e.to_string()))?;
    parse_genesis(&text).map_err(|e| named(e.0))
}
