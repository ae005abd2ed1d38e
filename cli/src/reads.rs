//! What every verified read of the CLI shares: the client for `--node URL`, `--namespace`, and
//! what headers are checked against (`--producer-key`, `--config`, `--genesis`).

use std::path::PathBuf;

use clap::Args;
use weft_encoding::layout::Namespace;
use weft_types::{ProducerKey, Trust};

use crate::CliError;

/// What headers are checked against: the flags every verified read takes.
#[derive(Debug, Args)]
pub(crate) struct TrustArgs {
    /// The trusted producer's key (64 hex chars): the header must be signed by it. Also read
    /// from $WEFT_PRODUCER_KEY, or `producer_key` in --config FILE; required (get it from a
    /// node you trust: `weft node info`).
    #[arg(long, env = "WEFT_PRODUCER_KEY")]
    pub(crate) producer_key: Option<String>,
    /// A settings file (TOML) whose `producer_key` is the trusted key (a node's
    /// `weft.toml` or a light client's settings).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// On a chain run by validators: its genesis file (`weft genesis`); the header must be
    /// signed by a validator and carry a certificate of more than two thirds of them.
    /// Instead of --producer-key.
    #[arg(long)]
    pub(crate) genesis: Option<PathBuf>,
}

pub(crate) fn parse_namespace(raw: &str) -> Result<Namespace, CliError> {
    raw.parse().map_err(|e| {
        CliError::usage(format!(
            "--namespace {raw:?}: expected 32 hex characters: {e}"
        ))
    })
}

/// A client for `--node URL`.
pub(crate) fn client(node: &str) -> Result<weft_client::Client, CliError> {
    weft_client::Client::new(node).map_err(|e| {
        CliError::usage(format!(
            "--node {node}: expected a URL like http://127.0.0.1:7580 ({e})"
        ))
    })
}

/// What headers are checked against: the validator set of `--genesis FILE`, or the trusted
/// producer key ([`trusted_key`]); never both.
pub(crate) fn trusted(
    flag: Option<&str>,
    genesis: Option<&std::path::Path>,
    config: Option<&std::path::Path>,
) -> Result<Trust, CliError> {
    match (genesis, flag) {
        (Some(_), Some(_)) => Err(CliError::usage(
            "--genesis and --producer-key: give one (--genesis for a chain run by validators, \
             --producer-key for a single producer's)",
        )),
        (Some(path), None) => weft_config::genesis::load_genesis(path)
            .map(|(_, set)| Trust::from(set))
            .map_err(|e| CliError::usage(format!("--genesis {e}"))),
        (None, _) => trusted_key(flag, config).map(Trust::from),
    }
}

/// The trusted producer key: `--producer-key` (or `$WEFT_PRODUCER_KEY`), else `producer_key`
/// in `--config FILE`; never the key a header carries.
pub(crate) fn trusted_key(
    flag: Option<&str>,
    config: Option<&std::path::Path>,
) -> Result<ProducerKey, CliError> {
    if let Some(raw) = flag {
        return raw
            .parse()
            .map_err(|e| CliError::usage(format!("--producer-key: {e}")));
    }
    if let Some(path) = config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("--config {}: {e}", path.display())))?;
        /// The one field read; the file's others are its owner's.
        #[derive(serde::Deserialize)]
        struct KeyOnly {
            producer_key: Option<ProducerKey>,
        }
        let settings: KeyOnly = weft_config::parse(&text)
            .map_err(|e| CliError::usage(format!("--config {}: {e}", path.display())))?;
        if let Some(key) = settings.producer_key {
            return Ok(key);
        }
        return Err(CliError::usage(format!(
            "--config {}: no producer_key in it",
            path.display()
        )));
    }
    Err(CliError::usage(
        "--producer-key: no trusted producer key given (nor $WEFT_PRODUCER_KEY, nor producer_key \
         in --config FILE, nor --genesis), so nothing can be verified; get the key from a node you \
         trust with `weft node info --node URL` and pass it with --producer-key, or pass the \
         chain's genesis file with --genesis",
    ))
}
