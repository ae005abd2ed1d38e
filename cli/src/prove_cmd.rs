//! `weft blob prove`: a blob's inclusion bundle (PROTOCOL §14), fetched from a node, checked
//! against the trusted producer key or validator set with the no_std verifier, printed, and
//! written in its binary form for a zkVM guest, a contract call or a later check.

use std::path::PathBuf;

use clap::Args;
use weft_encoding::layout::BlobCommitment;

use crate::{
    reads::{client, parse_namespace, trusted, TrustArgs},
    CliError,
};

/// `weft blob prove`.
#[derive(Debug, Args)]
pub(crate) struct ProveArgs {
    /// The node's HTTP URL.
    #[arg(long, default_value = "http://127.0.0.1:7580")]
    node: String,
    /// Block height.
    #[arg(long)]
    height: u64,
    /// Namespace: 32 hex characters.
    #[arg(long)]
    namespace: String,
    /// The blob's commitment: 64 hex characters (`weft blob commit` computes it offline).
    #[arg(long)]
    commitment: String,
    /// Open each of the blob's rows at this point: 64 hex characters, big-endian, below the
    /// BLS12-381 group order (a rollup's Fiat–Shamir point).
    #[arg(long)]
    z: Option<String>,
    /// Write the bundle's binary form (§14) here.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Print the node's answer (`InclusionView`) as JSON on standard output, once verified.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    trust: TrustArgs,
}

pub(crate) async fn prove(args: ProveArgs) -> Result<(), CliError> {
    let trust = trusted(
        args.trust.producer_key.as_deref(),
        args.trust.genesis.as_deref(),
        args.trust.config.as_deref(),
    )?;
    let namespace = parse_namespace(&args.namespace)?;
    let commitment: BlobCommitment = args.commitment.parse().map_err(|e| {
        CliError::usage(format!(
            "--commitment {:?}: expected 64 hex characters: {e}",
            args.commitment
        ))
    })?;
    let z = args.z.as_deref().map(parse_z).transpose()?;
    let verified_client = weft_client::VerifiedClient::with_trust(client(&args.node)?, trust);
    let proven = verified_client
        .inclusion(args.height, &namespace, &commitment, z.as_ref())
        .await
        .map_err(|e| CliError::node(&args.node, e))?;
    if let Some(path) = &args.out {
        std::fs::write(path, proven.bundle.to_bytes())
            .map_err(|e| CliError::failure(format!("--out {}: {e}", path.display())))?;
    }
    let v = &proven.verified;
    if args.json {
        let view = weft_types::api::InclusionView::new(
            v.height,
            &weft_encoding::layout::IndexEntry::from_bytes(&proven.bundle.entry),
            &proven.bundle,
        );
        println!("{}", serde_json::to_string(&view).expect("json"));
        return Ok(());
    }
    println!(
        "verified: blob {commitment} of {namespace} at height {} (index {}, {} bytes), rows {}..{}{}",
        v.height,
        v.blob_index,
        v.entry.len,
        v.first_row,
        v.first_row + v.versioned_hashes.len(),
        if v.entry.owns_rows() {
            ", each the EIP-4844 blob of its data alone"
        } else {
            ", shared with other blobs"
        }
    );
    for (i, versioned) in v.versioned_hashes.iter().enumerate() {
        let y = v
            .evaluations
            .get(i)
            .map_or(String::new(), |y| format!("  y {}", hex::encode(y)));
        println!(
            "row {}  versioned hash {}{y}",
            v.first_row + i,
            hex::encode(versioned)
        );
    }
    if let Some(path) = &args.out {
        println!(
            "bundle: {} ({} bytes)",
            path.display(),
            proven.bundle.to_bytes().len()
        );
    }
    Ok(())
}

fn parse_z(raw: &str) -> Result<[u8; 32], CliError> {
    let hex = raw.strip_prefix("0x").unwrap_or(raw);
    let z: [u8; 32] = hex::decode(hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            CliError::usage(format!(
                "--z {raw:?}: expected 64 hex characters (32 bytes, big-endian)"
            ))
        })?;
    if !weft_types::inclusion::is_canonical(&z) {
        return Err(CliError::usage(format!(
            "--z {raw:?}: not below the BLS12-381 group order"
        )));
    }
    Ok(z)
}
