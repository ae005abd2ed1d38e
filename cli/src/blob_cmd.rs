//! `weft blob submit|get|commit` and `weft header get` (`weft blob prove`: `prove_cmd`).

use std::{
    io::{Read, Write},
    path::PathBuf,
    time::Duration,
};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use weft_encoding::layout::{blob_commitment, Namespace};
use weft_types::{ProducerKey, Trust};

use weft_client::Submitted;

use crate::{
    reads::{client, parse_namespace, trusted},
    CliError,
};

/// Inputs at least this large get a progress bar.
const PROGRESS_THRESHOLD: usize = 256 * 1024;
/// Longest pause before submitting again after a refusal (a longer `Retry-After` is cut).
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(30);

/// Blob subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum BlobCommand {
    /// Submit a blob and wait until it is in a stored block; prints height and commitment.
    Submit {
        /// The node's HTTP URL.
        #[arg(long, default_value = "http://127.0.0.1:7580")]
        node: String,
        /// Namespace: 32 hex characters.
        #[arg(long)]
        namespace: String,
        /// Print the node's JSON answer.
        #[arg(long)]
        json: bool,
        /// Return as soon as the node has queued the blob (prints its pending id).
        #[arg(long)]
        no_wait: bool,
        /// Times to submit again when the node refuses for now (429 or 503 with
        /// `Retry-After`: connection cap, full pool), each after the pause it asks for (at most
        /// 30 s); 0 fails at the first refusal.
        #[arg(long, default_value_t = 5)]
        retries: u32,
        /// File to submit, or `-` for standard input.
        file: String,
    },
    /// Fetch every blob of a namespace at a height, checked against the signed header.
    Get {
        /// The node's HTTP URL.
        #[arg(long, default_value = "http://127.0.0.1:7580")]
        node: String,
        /// Block height.
        #[arg(long)]
        height: u64,
        /// Namespace: 32 hex characters.
        #[arg(long)]
        namespace: String,
        /// Output file (several blobs go to FILE.0, FILE.1, …); standard output if omitted.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        trust: crate::reads::TrustArgs,
        /// Print what was verified as JSON on standard error.
        #[arg(long)]
        json: bool,
    },
    /// Fetch a blob's inclusion bundle (header, index path, its rows' EIP-4844 commitments and
    /// versioned hashes, and with --z each row's KZG opening), verify it against the trusted
    /// producer key or --genesis, print it and write it with --out (docs/PROTOCOL.md §14).
    Prove(crate::prove_cmd::ProveArgs),
    /// Compute a blob's commitment offline.
    Commit {
        /// Namespace: 32 hex characters.
        #[arg(long)]
        namespace: String,
        /// The blob's file, or `-` for standard input.
        file: String,
    },
}

/// Header subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum HeaderCommand {
    /// Print a header (the head by default) as JSON.
    Get {
        /// The node's HTTP URL.
        #[arg(long, default_value = "http://127.0.0.1:7580")]
        node: String,
        /// Height [default: head].
        #[arg(long)]
        height: Option<u64>,
    },
}

fn read_input(file: &str) -> Result<Vec<u8>, CliError> {
    if file == "-" {
        let mut data = Vec::new();
        std::io::stdin()
            .read_to_end(&mut data)
            .map_err(|e| CliError::failure(format!("reading standard input: {e}")))?;
        return Ok(data);
    }
    std::fs::read(file).map_err(|e| CliError::usage(format!("FILE {file}: {e}")))
}

pub(crate) async fn run(cmd: BlobCommand) -> Result<(), CliError> {
    match cmd {
        BlobCommand::Submit {
            node,
            namespace,
            json,
            no_wait,
            retries,
            file,
        } => submit(&node, &namespace, json, (no_wait, retries), &file).await,
        BlobCommand::Get {
            node,
            height,
            namespace,
            output,
            trust,
            json,
        } => {
            let trust = trusted(
                trust.producer_key.as_deref(),
                trust.genesis.as_deref(),
                trust.config.as_deref(),
            )?;
            get(&node, height, &namespace, output, trust, json).await
        }
        BlobCommand::Prove(args) => crate::prove_cmd::prove(args).await,
        BlobCommand::Commit { namespace, file } => {
            let namespace = parse_namespace(&namespace)?;
            println!("{}", blob_commitment(&namespace, &read_input(&file)?));
            Ok(())
        }
    }
}

/// A `--node URL` error as the CLI reports it (see [`CliError::node`]).
pub(crate) fn node_error(node: &str, e: weft_client::ClientError) -> CliError {
    CliError::node(node, e)
}

async fn submit(
    node: &str,
    namespace: &str,
    json: bool,
    (no_wait, retries): (bool, u32),
    file: &str,
) -> Result<(), CliError> {
    let ns = parse_namespace(namespace)?;
    let client = client(node)?;
    let data = read_input(file)?;
    if data.is_empty() {
        return Err(CliError::usage(format!(
            "FILE {file}: is empty; a blob needs at least one byte"
        )));
    }
    let bar = (data.len() >= PROGRESS_THRESHOLD).then(|| {
        let bar = ProgressBar::new(weft_client::body_len(data.len()));
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes}")
                .expect("template"),
        );
        bar.set_message(if no_wait {
            "uploading"
        } else {
            "uploading, then waiting for a block"
        });
        bar
    });
    let mut attempt = 0;
    let submitted = loop {
        let progress = bar.clone();
        if let Some(bar) = &bar {
            bar.set_position(0);
        }
        match client
            .submit_with_progress(ns, &data, !no_wait, move |n| {
                if let Some(bar) = &progress {
                    bar.inc(n);
                }
            })
            .await
        {
            // A refusal that says when to come back: the blob was not taken.
            Err(weft_client::ClientError::Unavailable {
                message,
                retry_after: Some(pause),
            }) if attempt < retries => {
                attempt += 1;
                let pause = pause.clamp(Duration::from_millis(100), MAX_RETRY_PAUSE);
                eprintln!(
                    "the node refused for now ({message}); submitting again in {pause:?} \
                     (retry {attempt} of {retries})"
                );
                tokio::time::sleep(pause).await;
            }
            answer => break answer.map_err(|e| node_error(node, e))?,
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match submitted {
        Submitted::Queued(accepted) if json => {
            println!("{}", serde_json::to_string(&accepted).expect("json"));
        }
        Submitted::Queued(accepted) => println!(
            "pending id {}  commitment {}",
            accepted.id, accepted.commitment
        ),
        Submitted::Included(receipt) if json => {
            println!("{}", serde_json::to_string(&receipt).expect("json"));
        }
        Submitted::Included(receipt) => println!(
            "height {}  commitment {}  index {}",
            receipt.height, receipt.commitment, receipt.index
        ),
    }
    Ok(())
}

/// What `blob get` checked.
#[derive(Debug, serde::Serialize)]
struct Verified {
    height: u64,
    namespace: Namespace,
    blobs: usize,
    bytes: usize,
    /// The trusted producer (single-producer chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    producer: Option<ProducerKey>,
    /// The chain whose validators certified the header (validator chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    chain_id: Option<String>,
    files: Vec<String>,
}

async fn get(
    node: &str,
    height: u64,
    namespace: &str,
    output: Option<PathBuf>,
    trust: Trust,
    json: bool,
) -> Result<(), CliError> {
    let ns = parse_namespace(namespace)?;
    let client = client(node)?;
    let verified = weft_client::VerifiedClient::with_trust(client, trust.clone());
    let blobs: Vec<Vec<u8>> = verified
        .get_blobs(height, &ns)
        .await
        .map_err(|e| match e {
            weft_client::ClientError::Misbehaving { node, what } => CliError::node(
                &node,
                weft_client::ClientError::Misbehaving {
                    node: node.clone(),
                    what: format!("{what} (trusted: {trust})"),
                },
            ),
            other => CliError::node(node, other),
        })?
        .into_iter()
        .map(|b| b.data)
        .collect();
    if blobs.is_empty() {
        // Verified: the signed index proves the namespace empty there. A script must not carry
        // on as if it had the data.
        return Err(CliError::not_found(format!(
            "no blob of --namespace {ns} at --height {height} (verified against the header \
             trusted as {trust}); nothing written"
        )));
    }
    let files = write_out(&blobs, output)?;
    let bytes = blobs.iter().map(Vec::len).sum();
    let verified = Verified {
        height,
        namespace: ns,
        blobs: blobs.len(),
        bytes,
        producer: trust.producer().copied(),
        chain_id: trust.validators().map(|set| set.chain_id().to_owned()),
        files,
    };
    if json {
        eprintln!("{}", serde_json::to_string(&verified).expect("json"));
    } else {
        eprintln!(
            "verified {} blob(s), {} bytes, against header {height} ({trust}); wrote {}",
            verified.blobs,
            bytes,
            verified.files.join(", ")
        );
    }
    Ok(())
}

fn write_out(blobs: &[Vec<u8>], output: Option<PathBuf>) -> Result<Vec<String>, CliError> {
    let write = |path: &PathBuf, data: &[u8]| {
        std::fs::write(path, data)
            .map_err(|e| CliError::failure(format!("-o {}: {e}", path.display())))
    };
    match (output, blobs.len()) {
        (Some(path), 1) => {
            write(&path, &blobs[0])?;
            Ok(vec![path.display().to_string()])
        }
        (Some(path), _) => blobs
            .iter()
            .enumerate()
            .map(|(i, data)| {
                let p = PathBuf::from(format!("{}.{i}", path.display()));
                write(&p, data)?;
                Ok(p.display().to_string())
            })
            .collect(),
        (None, 1) => {
            std::io::stdout()
                .write_all(&blobs[0])
                .map_err(|e| CliError::failure(format!("standard output: {e}")))?;
            Ok(vec!["-".into()])
        }
        (_, 0) => Ok(Vec::new()),
        (None, n) => Err(CliError::usage(format!(
            "{n} blobs in this namespace: pass -o FILE to write them to FILE.0 … FILE.{}",
            n - 1
        ))),
    }
}

pub(crate) async fn run_header(cmd: HeaderCommand) -> Result<(), CliError> {
    let HeaderCommand::Get { node, height } = cmd;
    let client = client(&node)?;
    let header = match height {
        Some(h) => client.header(h).await,
        None => client.head().await,
    }
    .map_err(|e| node_error(&node, e))?;
    println!("{}", serde_json::to_string_pretty(&header).expect("json"));
    Ok(())
}
