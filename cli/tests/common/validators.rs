//! Helpers for tests that run validator processes: a genesis on free consensus ports, the
//! consensus addresses, and a header read through `weft header get`.

use std::{
    path::Path,
    process::{Command, Stdio},
};

use weft_types::api::HeaderView;

use super::{stdout, weft, weft_bin, Proc};

/// `weft genesis` of `n` validators of chain `chain_id` into `net`, their consensus addresses
/// on consecutive free loopback ports below the ephemeral range
/// (`weft_testkit::consensus_ports`).
pub(crate) fn make_genesis(net: &Path, n: u16, chain_id: &str) {
    let base = weft_testkit::consensus_ports(n);
    let made = weft(&[
        "genesis",
        "--validators",
        &n.to_string(),
        "--out",
        net.to_str().unwrap(),
        "--chain-id",
        chain_id,
        "--base-port",
        &base.to_string(),
    ]);
    assert!(made.status.success(), "{}", super::stderr(&made));
}

/// The header at `height` as `weft header get` prints it, if the node has it.
pub(crate) fn header(url: &str, height: u64) -> Option<HeaderView> {
    let out = weft(&[
        "header",
        "get",
        "--node",
        url,
        "--height",
        &height.to_string(),
    ]);
    out.status
        .success()
        .then(|| serde_json::from_str(&stdout(&out)).unwrap())
}

/// The validators' block time in these tests (`--block-time`).
pub(crate) const TEST_BLOCK_TIME: std::time::Duration = std::time::Duration::from_secs(1);

/// Starts validator `i` of the genesis folder `net` on the data dir `data`, HTTP on loopback
/// `http`, block time [`TEST_BLOCK_TIME`], k ≤ 8, blobs ≤ 100,000 bytes, with `extra` flags;
/// its log is appended to `data` with the extension `log` (kept across a restart).
pub(crate) fn spawn_validator(
    net: &Path,
    i: usize,
    data: &Path,
    http: u16,
    extra: &[String],
) -> Proc {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.with_extension("log"))
        .unwrap();
    Proc(
        Command::new(weft_bin())
            .args(["node", "start", "--data-dir"])
            .arg(data)
            .args(["--http", &format!("127.0.0.1:{http}")])
            .arg("--genesis")
            .arg(net.join("genesis.toml"))
            .arg("--validator-key")
            .arg(net.join(format!("validator-{i}")))
            .args([
                "--block-time",
                &format!("{}ms", TEST_BLOCK_TIME.as_millis()),
                "--max-k",
                "8",
                "--max-blob-size",
                "100000",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}
