//! `swarm`: the load harness's command line. Runs the harness once per client count in
//! `--clients` (e.g. `--clients 100,250,500,1000`), printing a table per run and writing JSON
//! lines (one per height, then the summary) and, for several counts, a plot of p99 latency
//! against client count.

use std::{io::Write, path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;
use weft_benches::{plot, run_swarm, topology::FullNodeKind, SwarmConfig};

/// A swarm of sampling light clients against full nodes following a publishing producer.
#[derive(Debug, Parser)]
#[command(name = "swarm")]
struct Args {
    /// Clients per run; several (comma-separated) make one run each and a plot.
    #[arg(long, value_delimiter = ',', default_value = "100")]
    clients: Vec<usize>,
    /// Of each run's clients, how many verify every sample (the full light client).
    #[arg(long, default_value_t = 20)]
    verifying: usize,
    /// Full nodes following the producer.
    #[arg(long, default_value_t = 1)]
    full_nodes: usize,
    /// Run full nodes in this process instead of as `weft` processes.
    #[arg(long)]
    in_process: bool,
    /// The `weft` binary for full nodes [default: `weft` beside this binary].
    #[arg(long)]
    weft_bin: Option<PathBuf>,
    /// k of every square (a power of two).
    #[arg(long, default_value_t = 32)]
    k: usize,
    /// Distinct squares encoded before the run and published in turn.
    #[arg(long, default_value_t = 4)]
    squares: usize,
    /// Interval between blocks.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    block_time: Duration,
    /// Publishing time per run.
    #[arg(long, default_value = "120s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Target confidence per height.
    #[arg(long, default_value_t = weft_light::DEFAULT_CONFIDENCE)]
    confidence: f64,
    /// Time allowed per height and client.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    sample_timeout: Duration,
    /// Directory for the JSON lines and the plot.
    #[arg(long, default_value = "target/swarm")]
    out: PathBuf,
    /// Niceness of the harness (the clients): on one machine the load generator must not
    /// starve the node it measures. Full-node processes are started back at the default
    /// priority (needs the right to lower niceness, e.g. root; else they inherit it). 0: off.
    #[arg(long, default_value_t = 10)]
    harness_nice: i32,
    /// Requests per second of a flooding peer aimed at the first full node (0: none).
    #[arg(long, default_value_t = 0)]
    flood: u32,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // The publisher's runtime first, at the default priority: its threads (and the blocking
    // threads they start) keep it when the rest of the harness is niced below.
    let publisher = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("publisher")
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // Every thread made from here on inherits the niceness.
    if args.harness_nice != 0 {
        let me = std::process::id().to_string();
        let ok = std::process::Command::new("renice")
            .args(["-n", &args.harness_nice.to_string(), "-p", &me])
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "warning: --harness-nice {}: renice failed; running at the default priority",
                args.harness_nice
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(args, publisher.handle().clone()))
}

async fn run(args: Args, publisher: tokio::runtime::Handle) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WEFT_LOG")
                .unwrap_or_else(|_| "error".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    if !args.k.is_power_of_two() || args.k > 128 {
        eprintln!("error: --k {} must be a power of two up to 128", args.k);
        return ExitCode::from(2);
    }
    if args.clients.iter().any(|&c| c < args.verifying || c == 0) {
        eprintln!(
            "error: --clients must each be at least 1 and at least --verifying ({})",
            args.verifying
        );
        return ExitCode::from(2);
    }
    let kind = if args.in_process {
        FullNodeKind::InProcess
    } else {
        let bin = args.weft_bin.clone().unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("weft")))
                .unwrap_or_else(|| PathBuf::from("weft"))
        });
        if !bin.exists() {
            eprintln!(
                "error: --weft-bin {}: not found (build it: cargo build --release -p weft-cli)",
                bin.display()
            );
            return ExitCode::from(2);
        }
        FullNodeKind::Process {
            bin,
            nice: -args.harness_nice,
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: --out {}: {e}", args.out.display());
        return ExitCode::from(2);
    }
    let mut points = Vec::new();
    for &clients in &args.clients {
        let config = SwarmConfig {
            clients,
            verifying: args.verifying,
            full_nodes: args.full_nodes,
            kind: kind.clone(),
            k: args.k,
            squares: args.squares,
            block_time: args.block_time,
            duration: args.duration,
            confidence: args.confidence,
            sample_timeout: args.sample_timeout,
            flood: args.flood,
            publisher_runtime: Some(publisher.clone()),
        };
        let report = match run_swarm(&config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {clients} clients: {e}");
                return ExitCode::FAILURE;
            }
        };
        let path = args.out.join(format!(
            "swarm-{clients}c-{}n{}.jsonl",
            args.full_nodes,
            if args.flood > 0 { "-flood" } else { "" }
        ));
        let mut lines = String::new();
        for h in &report.heights {
            lines += &serde_json::to_string(h).expect("json");
            lines.push('\n');
        }
        lines += &serde_json::to_string(&report.summary).expect("json");
        lines.push('\n');
        if let Err(e) = std::fs::File::create(&path).and_then(|mut f| f.write_all(lines.as_bytes()))
        {
            eprintln!("error: {}: {e}", path.display());
        }
        println!("{}", report.summary.table());
        println!("{}", serde_json::to_string(&report.summary).expect("json"));
        points.push((
            clients,
            report.summary.fetch_ms.p99,
            report.summary.verify_ms.p99,
        ));
    }
    if points.len() > 1 {
        let path = args.out.join(format!("p99-{}n.svg", args.full_nodes));
        match plot::p99_against_clients(&path, &points) {
            Ok(()) => println!("plot: {}", path.display()),
            Err(e) => eprintln!("plot: {e}"),
        }
    }
    ExitCode::SUCCESS
}
