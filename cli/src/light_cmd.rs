//! `weft light start`: a sampling light client that prints one line (or one JSON object) per
//! height.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Subcommand};
use futures::StreamExt;
use weft_light::{FileRecords, LightClient, LightConfig, LightEvent, DEFAULT_CONFIDENCE};
use weft_types::ProducerKey;

use crate::{node_cmd::shutdown_signal, CliError};

/// Light-client subcommands.
#[derive(Debug, Subcommand)]
pub enum LightCommand {
    /// Follow the producer's headers and sample every block with data.
    Start(LightArgs),
}

/// Flags of `weft light start`.
#[derive(Debug, Args)]
pub struct LightArgs {
    /// A full node to start from (multiaddr with /p2p/<id>, see `weft node info`); repeatable.
    #[arg(long, required = true)]
    bootstrap: Vec<String>,
    /// The producer's key (64 hex chars): only its headers are followed.
    #[arg(long)]
    producer_key: String,
    /// Target confidence per height, strictly between 0 and 1.
    #[arg(long, default_value_t = DEFAULT_CONFIDENCE)]
    confidence: f64,
    /// Where finished heights are kept, so a restart does not sample them again.
    #[arg(long, default_value = "./weft-light")]
    data_dir: PathBuf,
    /// First height to sample [default: the head minus --window].
    #[arg(long)]
    from: Option<u64>,
    /// How many heights behind the head to start when --from is not given.
    #[arg(long, default_value_t = 16)]
    window: u64,
    /// Time to verify every sample of a height before declaring it unavailable.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    sample_timeout: Duration,
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    json: bool,
    /// Serve /v1/status and /metrics on this address.
    #[arg(long)]
    http: Option<SocketAddr>,
}

pub async fn run(cmd: LightCommand) -> Result<(), CliError> {
    let LightCommand::Start(args) = cmd;
    let producer: ProducerKey = args
        .producer_key
        .parse()
        .map_err(|e| CliError::new(format!("--producer-key: {e}")))?;
    let bootstrap = args
        .bootstrap
        .iter()
        .map(|a| {
            a.parse()
                .map_err(|e| CliError::new(format!("--bootstrap {a}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let records = FileRecords::open(&args.data_dir, &producer)
        .map_err(|e| CliError::new(format!("--data-dir {}: {e}", args.data_dir.display())))?;
    let config = LightConfig {
        confidence: args.confidence,
        from: args.from,
        window: args.window,
        sample_timeout: args.sample_timeout,
        records: Box::new(records),
        ..LightConfig::new(bootstrap, producer)
    };
    let mut client = LightClient::start(config)
        .await
        .map_err(|e| CliError::new(e.to_string()))?;
    let stop = tokio_util::sync::CancellationToken::new();
    if let Some(addr) = args.http {
        let token = stop.clone();
        let (bound, _) = weft_light::http::serve(addr, client.status_handle(), async move {
            token.cancelled().await
        })
        .await
        .map_err(|e| CliError::new(format!("--http {addr}: {e}")))?;
        eprintln!("status on http://{bound}/v1/status");
    }
    let mut events = client.events().expect("events are taken once");
    eprintln!(
        "weft light client {} sampling to confidence {}",
        client.peer_id(),
        args.confidence
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
