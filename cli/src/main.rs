//! `weft`: the one user-facing binary. `weft node start` runs a full node, `weft blob …` talks
//! to one, `weft da-server` serves OP Stack Alt-DA in front of one, `weft devnet` runs a producer and a full node in one process with demo traffic.

mod blob_cmd;
mod da_server_cmd;
mod devnet;
mod error;
mod genesis_cmd;
mod light_cmd;
mod node_cmd;
mod prove_cmd;
mod reads;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
pub use error::CliError;

/// Weft: a data-availability layer with a 2D KZG-committed data square.
#[derive(Debug, Parser)]
#[command(name = "weft", version, about, after_help = error::EXIT_CODES_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run or query a full node.
    #[command(subcommand)]
    Node(node_cmd::NodeCommand),
    /// Submit, fetch and commit to blobs.
    #[command(subcommand)]
    Blob(blob_cmd::BlobCommand),
    /// Run a sampling light client.
    #[command(subcommand)]
    Light(light_cmd::LightCommand),
    /// Read headers from a node.
    #[command(subcommand)]
    Header(blob_cmd::HeaderCommand),
    /// A producer and a full node in one process, with a demo blob every few seconds.
    Devnet(devnet::DevnetArgs),
    /// An OP Stack Alt-DA DA server in front of a node, for op-batcher and op-node.
    DaServer(da_server_cmd::DaServerArgs),
    /// Make a validator set: `genesis.toml` and one key folder per validator.
    Genesis(genesis_cmd::GenesisArgs),
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WEFT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,libp2p=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: logs piped to a file or a test stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Node(cmd) => node_cmd::run(cmd).await,
            Command::Blob(cmd) => blob_cmd::run(cmd).await,
            Command::Header(cmd) => blob_cmd::run_header(cmd).await,
            Command::Light(cmd) => light_cmd::run(cmd).await,
            Command::Devnet(args) => devnet::run(args).await,
            Command::DaServer(args) => da_server_cmd::run(args).await,
            Command::Genesis(args) => genesis_cmd::run(args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
