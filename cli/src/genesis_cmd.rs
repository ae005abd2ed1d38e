//! `weft genesis`: a new validator set — `DIR/genesis.toml` (the trust root every node and light
//! client of the chain is given) and one key folder per validator.

use std::path::PathBuf;

use clap::Args;
use weft_consensus::{
    genesis::{
        validator_dir, write_genesis, DEFAULT_CHAIN_ID, DEFAULT_CONSENSUS_PORT, GENESIS_FILE,
    },
    ConsensusError,
};
use weft_types::ValidatorSet;

use crate::error::CliError;

/// `weft genesis --validators N --out DIR [--chain-id ID]`.
#[derive(Debug, Args)]
pub(crate) struct GenesisArgs {
    /// Number of validators (1 to 1024). Finality needs more than two thirds of them.
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// Folder to write `genesis.toml` and `validator-0 … validator-{N-1}` into (created; an
    /// existing genesis there is never overwritten).
    #[arg(long)]
    out: PathBuf,
    /// The chain's id, bound into every signature (`[A-Za-z0-9._-]`, up to 64 characters).
    #[arg(long, default_value = DEFAULT_CHAIN_ID)]
    chain_id: String,
    /// Host written into each validator's consensus address (edit the file for other machines).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Consensus port of validator 0; validator i gets this + i.
    #[arg(long, default_value_t = DEFAULT_CONSENSUS_PORT)]
    base_port: u16,
}

pub(crate) fn run(args: GenesisArgs) -> Result<(), CliError> {
    let genesis = write_genesis(
        &args.out,
        args.validators,
        &args.chain_id,
        &args.host,
        args.base_port,
    )
    .map_err(|e| match e {
        ConsensusError::Genesis(m) if m.contains("chain id") => {
            CliError::usage(format!("--chain-id: {m}"))
        }
        ConsensusError::Genesis(m) if m.contains("--validators") => CliError::usage(m),
        ConsensusError::Genesis(m) if m.contains("exists") => {
            CliError::usage(format!("--out: {m}"))
        }
        ConsensusError::Genesis(m) => CliError::usage(format!("--base-port: {m}")),
        other => CliError::failure(format!("--out {}: {other}", args.out.display())),
    })?;
    let set = ValidatorSet::from_genesis(&genesis)
        .map_err(|e| CliError::failure(format!("the genesis just written does not check: {e}")))?;
    println!(
        "wrote {} ({} validators of chain {:?}, quorum {}, set {})",
        args.out.join(GENESIS_FILE).display(),
        set.len(),
        set.chain_id(),
        set.quorum(),
        set.digest()
    );
    println!(
        "keys: {} … {}",
        validator_dir(&args.out, 0).display(),
        validator_dir(&args.out, set.len() - 1).display()
    );
    Ok(())
}
