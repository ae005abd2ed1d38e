//! A node in its own process for the limit and overload tests (`http_limits.rs`,
//! `overload.rs`): started with `weft node start` (optionally under `prlimit --nofile`), and
//! the raw-socket clients that push at its limits.
#![allow(dead_code)]

use std::{
    net::SocketAddr,
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::Value;
use tokio::{
    io::AsyncReadExt,
    net::{TcpSocket, TcpStream},
};

use super::{free_port, weft_bin, Proc};

/// The node's default header deadline (`http_limits.header_timeout`).
pub(crate) const HEADER_LIMIT: Duration = Duration::from_secs(10);
/// The node's default body deadline (`http_limits.body_timeout`, docs/openapi.yaml).
pub(crate) const BODY_LIMIT: Duration = Duration::from_secs(30);
/// The node's default response-write deadline (`http_limits.write_timeout`).
pub(crate) const WRITE_LIMIT: Duration = Duration::from_secs(30);
/// The node's default per-IP connection cap.
pub(crate) const PER_IP: usize = 64;

/// A producer (k ≤ 8, blocks every 500 ms, blobs up to 500,000 bytes) on `dir`, optionally
/// under `prlimit --nofile=N:N`.
pub(crate) async fn start(dir: &Path, nofile: Option<u32>) -> (Proc, SocketAddr) {
    start_with(dir, nofile, &[]).await
}

/// As [`start`], with `extra` flags for `weft node start`.
pub(crate) async fn start_with(
    dir: &Path,
    nofile: Option<u32>,
    extra: &[&str],
) -> (Proc, SocketAddr) {
    let port = free_port();
    let mut command = match nofile {
        Some(n) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--nofile={n}:{n}")).arg(weft_bin());
            c
        }
        None => Command::new(weft_bin()),
    };
    let log = std::fs::File::create(dir.join("node.log")).unwrap();
    let node = Proc(
        command
            .args(["node", "start", "--data-dir"])
            .arg(dir.join("data"))
            .args(["--http", &format!("127.0.0.1:{port}")])
            .args(defaults_not_in(extra))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let client = client();
    for _ in 0..600 {
        if client
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (node, addr);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node did not start: {}", log_of(dir));
}

/// The test defaults (`--block-time 500ms --max-k 8 --max-blob-size 500000`) that `extra`
/// does not set itself (clap refuses a flag given twice).
fn defaults_not_in(extra: &[&str]) -> Vec<&'static str> {
    [
        ("--block-time", "500ms"),
        ("--max-k", "8"),
        ("--max-blob-size", "500000"),
    ]
    .into_iter()
    .filter(|(flag, _)| !extra.contains(flag))
    .flat_map(|(flag, value)| [flag, value])
    .collect()
}

pub(crate) fn log_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("node.log")).unwrap_or_default()
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// `GET url` answered 2xx with JSON: the JSON.
pub(crate) async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let answer = http.get(url).send().await.unwrap();
    assert!(
        answer.status().is_success(),
        "GET {url}: {}",
        answer.status()
    );
    answer.json().await.unwrap()
}

/// A connection from another loopback address (127.0.0.2), so that its per-IP cap is not the
/// test client's.
pub(crate) async fn connect_from_other_ip(addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Reads until the server closes the connection or `limit` passes: what arrived, and whether
/// it was closed.
pub(crate) async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (got, false),
            Ok(Ok(0) | Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// `GET /health` answers 200 with `status: ok` within a second.
pub(crate) async fn assert_healthy(addr: SocketAddr) {
    let answer = tokio::time::timeout(
        Duration::from_secs(1),
        client().get(format!("http://{addr}/health")).send(),
    )
    .await
    .expect("health answered within 1 s")
    .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["status"], "ok", "{body}");
}

pub(crate) fn submission(seed: u8, len: usize) -> Value {
    let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed)).collect();
    serde_json::json!({ "namespace": format!("{seed:032x}"), "data": STANDARD.encode(data) })
}
