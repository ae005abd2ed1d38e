//! Issue 11, faults 1 and 4, against the `weft` binary as its own process: a node under a low
//! file-descriptor limit flooded with idle connections keeps storing blocks and answering; slow
//! or greedy HTTP clients (partial headers, a trickled body, a huge declared length, a response
//! never read) are cut off at named limits while other clients are served. Each test fails on
//! 66b4232 (`WEFT_BIN=<old weft> cargo test -p weft-cli --test http_limits`).

mod common;

use std::time::{Duration, Instant};

use common::limited::*;
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idle_connections_under_a_low_fd_limit_neither_break_the_store_nor_starve_clients() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, addr) = start(dir.path(), Some(400)).await;
    let client = client();
    // Blobs queued for the next blocks, so RocksDB is writing while the connections pile up.
    let mut ids = Vec::new();
    for seed in 1..=12u8 {
        let answer = client
            .post(format!("http://{addr}/v1/blobs?wait=false"))
            .json(&submission(seed, 200_000))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 202, "{}", answer.text().await.unwrap());
        let body: Value = answer.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    // 450 idle connections from one address, more than the process has descriptors for.
    let mut idle = Vec::new();
    for _ in 0..450 {
        idle.push(connect_from_other_ip(addr).await);
    }
    // Another client is still served: a submission waits for its block and gets its receipt.
    let answer = client
        .post(format!("http://{addr}/v1/blobs"))
        .json(&submission(99, 1000))
        .send()
        .await
        .expect("a client is served while 450 connections are held");
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    assert_healthy(addr).await;
    for id in &ids {
        let status = get_json(&client, &format!("http://{addr}/v1/blobs/status/{id}")).await;
        assert_eq!(status["status"], "included", "blob {id}: {status}");
    }
    // The connections over the per-IP cap were told so and closed at once; the rest are closed
    // once the header deadline passes.
    let mut refused = 0;
    for stream in &mut idle {
        let (got, closed) = read_until_closed(stream, Duration::from_millis(20)).await;
        if closed {
            assert!(
                got.starts_with(b"HTTP/1.1 503"),
                "{:?}",
                String::from_utf8_lossy(&got)
            );
            refused += 1;
        }
    }
    assert!(refused >= 450 - PER_IP, "{refused} of 450 refused");
    for stream in &mut idle {
        let (_, closed) = read_until_closed(stream, HEADER_LIMIT + Duration::from_secs(3)).await;
        assert!(closed, "an idle connection outlived the header deadline");
    }
    assert!(
        !log_of(dir.path()).contains("Too many open files"),
        "{}",
        log_of(dir.path())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn partial_headers_are_cut_off_at_the_header_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, addr) = start(dir.path(), None).await;
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = connect_from_other_ip(addr).await;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: weft\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    let started = Instant::now();
    assert_healthy(addr).await;
    for stream in &mut slow {
        // A byte every second keeps a per-read timeout from firing; the deadline is total.
        let _ = stream.write_all(b"a").await;
        let (_, closed) = read_until_closed(stream, HEADER_LIMIT + Duration::from_secs(3)).await;
        assert!(closed, "a partial request outlived the header deadline");
    }
    assert!(started.elapsed() < HEADER_LIMIT + Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_trickled_body_gets_408_at_the_body_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, addr) = start(dir.path(), None).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /v1/blobs HTTP/1.1\r\nHost: weft\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < BODY_LIMIT + Duration::from_secs(8) {
        if stream.write_all(b" ").await.is_err() {
            break;
        }
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await
        {
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 408"),
        "after {:?}: {text:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < BODY_LIMIT + Duration::from_secs(5));
    assert_healthy(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, addr) = start(dir.path(), None).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /v1/blobs HTTP/1.1\r\nHost: weft\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
        )
        .await
        .unwrap();
    let (got, _) = read_until_closed(&mut stream, Duration::from_secs(2)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 413"), "{text:?}");
    assert!(text.contains("--max-blob-size"), "{text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_never_reads_its_responses_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, addr) = start(dir.path(), None).await;
    let receipt: Value = client()
        .post(format!("http://{addr}/v1/blobs"))
        .json(&submission(7, 400_000))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/v1/blobs/{}/{:032x}", receipt["height"], 7);
    // 40 pipelined requests for ~0.5 MB each: far more than the socket buffers hold.
    let request = format!("GET {path} HTTP/1.1\r\nHost: weft\r\n\r\n");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..40 {
        stream.write_all(request.as_bytes()).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_healthy(addr).await;
    tokio::time::sleep(WRITE_LIMIT).await;
    assert_healthy(addr).await;
    let (got, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    let answers = got.windows(15).filter(|w| w == b"HTTP/1.1 200 OK").count();
    assert!(closed, "the connection is closed");
    assert!(
        answers < 40,
        "all {answers} responses were kept for a client that did not read"
    );
}
