//! Helpers for tests that run the `weft` binary as its own process.
#![allow(dead_code)]

pub(crate) mod four;
pub(crate) mod limited;
pub(crate) mod validators;

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::Duration,
};

use serde_json::Value;

/// The binary under test: this checkout's, or `$WEFT_BIN` (to show that a fault test fails on
/// an older build).
pub(crate) fn weft_bin() -> String {
    std::env::var("WEFT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_weft").to_string())
}

/// Kills the child when the test ends, however it ends.
pub(crate) struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port free on loopback right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `weft` with these arguments to completion.
pub(crate) fn weft(args: &[&str]) -> Output {
    Command::new(weft_bin()).args(args).output().unwrap()
}

/// Its standard output as text.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Its standard error as text.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Starts `weft node start` (a producer, k ≤ 8) on `dir` with HTTP on loopback `port`; its
/// logs go to `log`.
pub(crate) fn spawn_node(
    dir: &Path,
    port: u16,
    block_time: &str,
    max_blob: usize,
    log: Stdio,
) -> Proc {
    Proc(
        Command::new(weft_bin())
            .args(["node", "start", "--data-dir"])
            .arg(dir)
            .args([
                "--http",
                &format!("127.0.0.1:{port}"),
                "--block-time",
                block_time,
                "--max-k",
                "8",
                "--max-blob-size",
                &max_blob.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}

/// `weft blob submit` of one file, with extra flags.
pub(crate) fn blob_submit(url: &str, ns: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["blob", "submit", "--node", url, "--namespace", ns];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    weft(&args)
}

/// `weft blob get` of one namespace at one height, with extra flags.
pub(crate) fn blob_get(url: &str, height: &str, ns: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "blob",
        "get",
        "--node",
        url,
        "--height",
        height,
        "--namespace",
        ns,
    ];
    args.extend_from_slice(extra);
    weft(&args)
}

/// The producer key a node reports (`weft node info`).
pub(crate) fn producer_key(url: &str) -> String {
    let info: Value =
        serde_json::from_str(&stdout(&weft(&["node", "info", "--node", url]))).unwrap();
    info["producer_key"]
        .as_str()
        .unwrap()
        .trim_start_matches("0x")
        .to_string()
}

/// A producer in its own process on a free port, once its HTTP API answers; and its URL.
pub(crate) fn start_node(dir: &Path) -> (Proc, String) {
    let port = free_port();
    let node = spawn_node(dir, port, "300ms", 100_000, Stdio::null());
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if weft(&["node", "info", "--node", &url]).status.success() {
            return (node, url);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("node did not start");
}
