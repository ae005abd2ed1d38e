//! Helpers for tests that run validator processes: consecutive free ports for a genesis's
//! consensus addresses, and a header read through `weft header get`.

use std::{
    net::TcpListener,
    path::Path,
    process::{Command, Stdio},
};

use weft_types::api::HeaderView;

use super::{free_port, stdout, weft, weft_bin, Proc};

/// A base port with the next `n` ports free on loopback now, below Linux's ephemeral range
/// (32768–60999): a validator restarted on its port must not find it taken by some process's
/// outgoing connection.
pub(crate) fn free_ports(n: u16) -> u16 {
    let mut seed = u32::from(free_port()).wrapping_mul(2_654_435_761) ^ std::process::id();
    for _ in 0..200 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let base = 20_000 + (seed % 12_000) as u16;
        if (0..n).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no {n} consecutive free ports");
}

/// `weft genesis` of `n` validators of chain `chain_id` into `net`, their consensus addresses
/// on consecutive free loopback ports ([`free_ports`]).
pub(crate) fn make_genesis(net: &Path, n: u16, chain_id: &str) {
    let base = free_ports(n);
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

/// Starts validator `i` of the genesis folder `net` on the data dir `data`, HTTP on loopback
/// `http`, block time 500 ms, k ≤ 8, blobs ≤ 100,000 bytes, with `extra` flags; its log is
/// appended to `data` with the extension `log` (kept across a restart).
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
                "500ms",
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
