//! A worked rollup example (README, "For rollups"; docs/PROTOCOL.md §14): a validity rollup
//! posts a batch to Weft and proves, as its circuit would, that the batch it executed is the
//! data Weft made available.
//!
//! 1. The batch (here 300,000 bytes: three rows, the last partial) is submitted; Weft lays it
//!    out in rows it owns, each the EIP-4844 blob of 126,976 bytes of it.
//! 2. The rows' versioned hashes come from a verified inclusion bundle.
//! 3. The "circuit": z = SHA-256(versioned hashes ‖ SHA-256(batch)), and each row's polynomial
//!    at z from the batch's bytes, in barycentric form (no FFT).
//! 4. The bundle opened at z (verified: header, index path, commitments, KZG openings) must
//!    show the same y for every row. On Ethereum the same opening goes to the point-evaluation
//!    precompile with the row's versioned hash (the `WeftInclusion` contract, crate
//!    `weft-ethereum`).
//!
//! `cargo run -p weft-example-rollup` starts a producer of its own in a temporary directory;
//! `-- --node URL --producer-key KEY` uses a running node instead. `cargo test` runs it too.

mod circuit;

use clap::Parser;
use weft_client::{Client, VerifiedClient};
use weft_encoding::layout::Namespace;
use weft_types::ProducerKey;

#[derive(Debug, Parser)]
#[command(
    about = "Post a batch to Weft and check its rows at a Fiat-Shamir point, as a validity rollup's circuit would"
)]
struct Args {
    /// A node's HTTP URL; without it, a producer is started in a temporary directory.
    #[arg(long, requires = "producer_key")]
    node: Option<String>,
    /// The producer key to trust (with --node).
    #[arg(long)]
    producer_key: Option<String>,
    /// Bytes of the batch (at least one row's data, 126,976, so that it owns its rows).
    #[arg(long, default_value_t = 300_000)]
    batch_bytes: usize,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(Args::parse()).await
}

/// The example, end to end (CI runs it as a test: `runs_end_to_end_against_a_producer_of_its_own`).
async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if args.batch_bytes < circuit::ROW_DATA_BYTES {
        return Err(format!(
            "--batch-bytes {}: a batch of at least {} bytes owns its rows",
            args.batch_bytes,
            circuit::ROW_DATA_BYTES
        )
        .into());
    }
    let dir = tempfile::tempdir()?;
    let (node, url, key) = match (&args.node, &args.producer_key) {
        (Some(url), Some(key)) => (None, url.clone(), key.parse::<ProducerKey>()?),
        _ => {
            let node = weft_node::Node::start(weft_node::NodeConfig {
                data_dir: dir.path().to_path_buf(),
                http: "127.0.0.1:0".parse()?,
                block_time: std::time::Duration::from_millis(500),
                max_blob_size: args.batch_bytes.max(1 << 20),
                ..weft_node::NodeConfig::default()
            })
            .await?;
            let (url, key) = (node.url(), node.producer_key());
            println!("started a producer at {url}");
            (Some(node), url, key)
        }
    };

    // 1. Post the batch.
    let batch: Vec<u8> = (0..args.batch_bytes as u64)
        .map(|i| (i.wrapping_mul(0x9e37_79b9) >> 13) as u8)
        .collect();
    let namespace = Namespace(*b"rollup-example\0\0");
    let client = Client::new(&url)?;
    let receipt = match client.submit(namespace, &batch, true).await? {
        weft_client::Submitted::Included(receipt) => receipt,
        weft_client::Submitted::Queued(queued) => {
            return Err(format!("queued as {}, not included in time", queued.id).into())
        }
    };
    println!(
        "batch of {} bytes included at height {} as blob {}",
        batch.len(),
        receipt.height,
        receipt.commitment
    );

    // 2. Its rows' versioned hashes, from a verified bundle.
    let verified = VerifiedClient::new(client, key);
    let plain = verified
        .inclusion(receipt.height, &namespace, &receipt.commitment, None)
        .await?;
    let hashes = plain.verified.versioned_hashes.clone();
    assert!(
        plain.verified.entry.owns_rows(),
        "a batch of a row or more owns its rows"
    );

    // 3. The circuit's side: z, then each row's y from the batch alone.
    let z = circuit::challenge(&hashes, &batch);
    let ys: Vec<[u8; 32]> = batch
        .chunks(circuit::ROW_DATA_BYTES)
        .map(|chunk| circuit::evaluate(&circuit::row_elements(chunk), &z).to_bytes_be())
        .collect();

    // 4. The bundle opened at z: verified, and the same y for every row.
    let z_bytes = z.to_bytes_be();
    let opened = verified
        .inclusion(
            receipt.height,
            &namespace,
            &receipt.commitment,
            Some(&z_bytes),
        )
        .await?;
    if opened.verified.evaluations != ys {
        return Err("a row's opening at z differs from the batch's evaluation".into());
    }
    println!("z = {}", hex::encode(z_bytes));
    for (i, (hash, y)) in hashes.iter().zip(&ys).enumerate() {
        println!(
            "row {}: versioned hash {}  y = {}  (the circuit's y equals the KZG opening's)",
            opened.verified.first_row + i,
            hex::encode(hash),
            hex::encode(y)
        );
    }
    println!(
        "the batch is the data Weft made available at height {}: bundle of {} bytes",
        receipt.height,
        opened.bundle.to_bytes().len()
    );
    if let Some(node) = node {
        node.stop().await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_end_to_end_against_a_producer_of_its_own() {
        run(Args::parse_from(["rollup-inclusion"])).await.unwrap();
    }
}
