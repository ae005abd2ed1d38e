//! Genesis files: `weft genesis`'s output (a `genesis.toml` and one key folder per validator)
//! and the checked load every command that trusts a validator set starts with.

use std::{fs, path::Path};

use weft_types::{check_chain_id, Genesis, ValidatorSet, MAX_VALIDATORS};

use crate::{error::ConsensusError, keys::ValidatorKey};

/// Name of the genesis file `weft genesis` writes.
pub const GENESIS_FILE: &str = "genesis.toml";
pub use weft_config::genesis::MAX_GENESIS_BYTES;
/// Chain id `weft genesis` uses when none is given.
pub const DEFAULT_CHAIN_ID: &str = "weft-devnet";
/// First consensus port `weft genesis` assigns (validator i gets this + i, on 127.0.0.1).
pub const DEFAULT_CONSENSUS_PORT: u16 = 27_100;

/// The key folder of validator `i` under `dir`: `dir/validator-i`.
pub fn validator_dir(dir: &Path, i: usize) -> std::path::PathBuf {
    dir.join(format!("validator-{i}"))
}

/// Makes a validator set of `n` fresh validators: writes `dir/genesis.toml` and the key folders
/// `dir/validator-0 … dir/validator-{n-1}`, addresses `host:base_port + i`. Refuses to
/// overwrite an existing genesis file or key.
///
/// # Errors
/// [`ConsensusError::Genesis`] for a bad chain id, n of 0 or above `MAX_VALIDATORS`, or ports
/// past 65535; [`ConsensusError::Io`] naming the path that could not be written.
pub fn write_genesis(
    dir: &Path,
    n: usize,
    chain_id: &str,
    host: &str,
    base_port: u16,
) -> Result<Genesis, ConsensusError> {
    check_chain_id(chain_id).map_err(|e| ConsensusError::Genesis(e.to_string()))?;
    if n == 0 || n > MAX_VALIDATORS {
        return Err(ConsensusError::Genesis(format!(
            "--validators {n}: a genesis lists 1 to {MAX_VALIDATORS} validators"
        )));
    }
    if usize::from(base_port) + n - 1 > usize::from(u16::MAX) {
        return Err(ConsensusError::Genesis(format!(
            "ports {base_port}..{} do not fit below 65536",
            usize::from(base_port) + n
        )));
    }
    let path = dir.join(GENESIS_FILE);
    if path.exists() {
        return Err(ConsensusError::Genesis(format!(
            "{} exists; choose another --out",
            path.display()
        )));
    }
    let mut validators = Vec::with_capacity(n);
    for i in 0..n {
        let key = ValidatorKey::generate();
        key.save(&validator_dir(dir, i))?;
        let port = base_port + u16::try_from(i).expect("checked above");
        validators.push(key.genesis_entry(chain_id, format!("{host}:{port}")));
    }
    let genesis = Genesis {
        chain_id: chain_id.to_owned(),
        validators,
    };
    let text = toml::to_string_pretty(&genesis).expect("a genesis serializes");
    let text = format!(
        "# Weft genesis: the validator set every node and light client of chain {chain_id:?} trusts.\n\
         # Share it unchanged; edit each `address` to where that validator's consensus port is reachable.\n\n{text}"
    );
    fs::write(&path, text).map_err(|e| ConsensusError::io(&path, e))?;
    Ok(genesis)
}

/// Reads and checks a genesis file (`weft_config::genesis::load_genesis`, at most
/// [`MAX_GENESIS_BYTES`]).
///
/// # Errors
/// [`ConsensusError::Genesis`] naming the file and what is wrong (the validator, for a bad
/// key or proof of possession).
pub fn load_genesis(path: &Path) -> Result<(Genesis, ValidatorSet), ConsensusError> {
    weft_config::genesis::load_genesis(path).map_err(|e| ConsensusError::Genesis(e.0))
}
