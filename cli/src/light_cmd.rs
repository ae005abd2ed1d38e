//! `weft light start`: a sampling light client that prints one line (or one JSON object) per
//! height.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Subcommand};
use futures::StreamExt;
use weft_light::{FileRecords, LightClient, LightConfig, LightEvent, LightSettings};

use crate::{node_cmd::shutdown_signal, CliError};

/// Light-client subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum LightCommand {
    /// Follow the producer's headers and sample every block with data.
    Start(LightArgs),
}

/// Flags of `weft light start`. Each overrides the config file, which overrides the defaults
/// (`weft_light::LightSettings`).
#[derive(Debug, Args)]
pub(crate) struct LightArgs {
    /// Settings file (TOML, the flags' names with `_`); optional.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A full node to start from (multiaddr with /p2p/<id>, see `weft node info`); repeatable.
    #[arg(long)]
    bootstrap: Vec<String>,
    /// The producer's key (64 hex chars): only its headers are followed.
    #[arg(long)]
    producer_key: Option<String>,
    /// On a chain run by validators: its genesis file (`weft genesis`); only headers signed by a
    /// validator and certified by more than two thirds of them are followed. Instead of
    /// --producer-key.
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// Target confidence per height, strictly between 0 and 1 [default: 0.9999].
    #[arg(long)]
    confidence: Option<f64>,
    /// Where finished heights are kept, so a restart does not sample them again
    /// [default: ./weft-light].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// First height to sample [default: the head minus --window].
    #[arg(long)]
    from: Option<u64>,
    /// How many heights behind the head to start when --from is not given [default: 16].
    #[arg(long)]
    window: Option<u64>,
    /// Time to verify every sample of a height before declaring it unavailable [default: 30s].
    #[arg(long, value_parser = humantime::parse_duration)]
    sample_timeout: Option<Duration>,
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    json: bool,
    /// Serve /v1/status and /metrics on this address.
    #[arg(long)]
    http: Option<SocketAddr>,
}

impl LightArgs {
    /// The file's settings (or the defaults) with the flags on top.
    fn settings(&self) -> Result<LightSettings, CliError> {
        let mut s = match &self.config {
            Some(path) => {
                weft_light::load_settings(path).map_err(|e| CliError::usage(e.to_string()))?
            }
            None => LightSettings::default(),
        };
        if !self.bootstrap.is_empty() {
            s.bootstrap.clone_from(&self.bootstrap);
        }
        if let Some(key) = &self.producer_key {
            s.producer_key = Some(
                key.parse()
                    .map_err(|e| CliError::usage(format!("--producer-key: {e}")))?,
            );
        }
        // A flag wins over the file's choice of trust root; both flags at once are refused.
        if self.producer_key.is_some() && self.genesis.is_none() {
            s.genesis = None;
        }
        if let Some(path) = &self.genesis {
            s.genesis = Some(path.clone());
            if self.producer_key.is_none() {
                s.producer_key = None;
            }
        }
        s.confidence = self.confidence.unwrap_or(s.confidence);
        s.from = self.from.or(s.from);
        s.window = self.window.unwrap_or(s.window);
        s.sample_timeout = self.sample_timeout.unwrap_or(s.sample_timeout);
        s.data_dir = self.data_dir.clone().unwrap_or(s.data_dir);
        s.http = self.http.or(s.http);
        Ok(s)
    }
}

pub(crate) async fn run(cmd: LightCommand) -> Result<(), CliError> {
    let LightCommand::Start(args) = cmd;
    let settings = args.settings()?;
    let mut config =
        LightConfig::from_settings(&settings).map_err(|e| CliError::usage(e.to_string()))?;
    let records = FileRecords::open(&settings.data_dir, &config.trust)
        .map_err(|e| CliError::usage(format!("--data-dir {}: {e}", settings.data_dir.display())))?;
    config.records = Box::new(records);
    let confidence = config.confidence;
    let mut client = LightClient::start(config)
        .await
        .map_err(|e| CliError::usage(e.to_string()))?;
    let stop = tokio_util::sync::CancellationToken::new();
    if let Some(addr) = settings.http {
        let token = stop.clone();
        let (bound, _) = weft_light::http::serve(addr, client.status_handle(), async move {
            token.cancelled().await
        })
        .await
        .map_err(|e| CliError::usage(format!("--http {addr}: {e}")))?;
        eprintln!("status on http://{bound}/v1/status");
    }
    let mut events = client.events().expect("events are taken once");
    eprintln!(
        "weft light client {} sampling to confidence {}",
        client.peer_id(),
        confidence
    );
    let printer = async {
        while let Some(LightEvent::Height(record)) = events.next().await {
            if !record.verdict.is_final() {
                continue;
            }
            if args.json {
                println!("{}", serde_json::to_string(&record).expect("json"));
            } else {
                println!("{}", record.line());
            }
        }
    };
    tokio::select! {
        () = printer => {}
        () = shutdown_signal() => {}
    }
    stop.cancel();
    client.stop().await;
    Ok(())
}
