//! End to end in headless Chromium: a producer with blobs flowing serves the light-client page;
//! the page's wasm client dials the node over libp2p WebSocket, samples, verifies KZG proofs
//! itself, and exposes its state through `window.weft.status()`. A second node withholds a
//! (k+1) × 65 block at one height and the page must report that height unavailable. On a chain
//! of four validators the page follows the genesis and checks certificates in the browser.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::{collections::BTreeSet, path::PathBuf, time::Duration};

use common::{page_dir, Browser};
use serde_json::Value;
use weft_node::{Node, NodeConfig};
use weft_testkit::{Faults, WithholdAt};

const WAIT: Duration = Duration::from_secs(180);

fn output(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("browser-e2e")
        .join(name)
}

async fn node(dir: &tempfile::TempDir, block_time: Duration, faults: Faults) -> Node {
    let config = NodeConfig {
        page_dir: Some(page_dir()),
        ..weft_testkit::producer_config(dir, block_time)
    };
    Node::start_with(config, |s| faults.source(s))
        .await
        .unwrap()
}

async fn submit(url: &str, i: u64, len: usize) {
    let data: Vec<u8> = (0..len).map(|j| (j as u64 * 31 + i) as u8).collect();
    weft_testkit::submit_queued(url, (i % 5 + 1) as u8, &data).await;
}

/// `window.weft.status()` (null before the page has set it up); fails on a page error.
async fn page_status(browser: &Browser) -> Value {
    let status = browser
        .eval("return window.weft ? window.weft.status() : null;")
        .await;
    let error = browser
        .eval("return window.weft ? window.weft.error : 'no window.weft';")
        .await;
    assert!(error.is_null(), "page error: {error}");
    status
}

fn heights(status: &Value) -> Vec<Value> {
    status["heights"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn page_reaches_target_confidence_for_three_heights() {
    let dir = tempfile::tempdir().unwrap();
    let node = node(&dir, Duration::from_secs(1), Faults::none()).await;
    let url = node.url();
    let feeder = tokio::spawn({
        let url = url.clone();
        async move {
            for i in 0.. {
                submit(&url, i, 1000 + (i as usize * 37_000) % 300_000).await;
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
        }
    });
    let browser = Browser::start().await;
    browser.goto(&format!("{url}/?from=1&timeout=30s")).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let status = loop {
        let status = page_status(&browser).await;
        let all = heights(&status);
        for h in &all {
            assert_eq!(h["failed"], 0, "a verification failed: {h}");
            assert_ne!(
                h["verdict"], "unavailable",
                "honest data reported unavailable: {h}"
            );
        }
        let available = all
            .iter()
            .filter(|h| h["verdict"] == "available" && h["k"].as_u64() > Some(0))
            .count();
        if available >= 3 {
            break status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {available} heights available: {status}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    for h in heights(&status)
        .iter()
        .filter(|h| h["verdict"] == "available")
    {
        assert!(h["confidence"].as_f64().unwrap() >= 0.9999, "{h}");
        for field in ["height", "k", "samples", "failed", "confidence", "verdict"] {
            assert!(h.get(field).is_some(), "status lacks {field}");
        }
    }
    assert!(status["head"].as_u64().unwrap() >= 3);
    let verified: u64 = heights(&status)
        .iter()
        .filter_map(|h| h["verified"].as_u64())
        .sum();
    assert!(
        status["bytes_downloaded"].as_u64().unwrap() >= verified * (2048 + 48),
        "downloads are counted: {status}"
    );
    let first = browser.eval("return window.weft.firstAvailableMs;").await;
    println!("BENCH page load to first height at target confidence: {first} ms");
    let shot = output("available.png");
    browser.screenshot(&shot).await;
    println!("screenshot: {}", shot.display());
    feeder.abort();
    node.stop().await;
}

/// A chain of four validators: the page a validator serves takes the genesis it runs with
/// (`GET /v1/genesis`), and its wasm client accepts headers only with a quorum certificate,
/// checked in the browser with blst — and reaches the target confidence on blobs submitted to
/// each validator.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn page_on_a_validator_chain_checks_certificates_and_reaches_target_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let (_genesis, validators) =
        weft_testkit::start_validators(dir.path(), 4, Duration::from_secs(1), Some(page_dir()))
            .await;
    let urls: Vec<String> = validators.iter().map(Node::url).collect();
    let feeder = tokio::spawn({
        let urls = urls.clone();
        async move {
            for i in 0.. {
                submit(
                    &urls[i as usize % 4],
                    i,
                    1000 + (i as usize * 37_000) % 300_000,
                )
                .await;
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
        }
    });
    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/?from=1&timeout=30s", urls[0]))
        .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = page_status(&browser).await;
        let all = heights(&status);
        for h in &all {
            assert_eq!(h["failed"], 0, "a verification failed: {h}");
        }
        let available = all
            .iter()
            .filter(|h| h["verdict"] == "available" && h["k"].as_u64() > Some(0))
            .count();
        if available >= 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {available} heights available on the validator chain: {status}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let trusted = browser
        .eval("return document.getElementById('producer-key').textContent;")
        .await;
    assert_eq!(
        trusted, "4 of weft-test",
        "the page names the validator set it trusts"
    );
    feeder.abort();
    for v in validators {
        v.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn page_reports_a_withheld_height_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    // Height 1 is withheld (a (k+1) × 65 block of its cells); later heights are served.
    let faults = Faults {
        withhold: Some(WithholdAt::Heights(BTreeSet::from([1]))),
        ..Faults::none()
    };
    let node = node(&dir, Duration::from_secs(2), faults).await;
    let url = node.url();
    // Queued before the first block interval ends, so height 1 carries data.
    submit(&url, 1, 50_000).await;
    let browser = Browser::start().await;
    browser.goto(&format!("{url}/?from=1&timeout=6s")).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = page_status(&browser).await;
        let one = heights(&status).into_iter().find(|h| h["height"] == 1);
        if let Some(h) = &one {
            assert_ne!(
                h["verdict"], "available",
                "a withheld height was reported available: {h}"
            );
            assert!(h["k"].as_u64().unwrap() > 0);
            if h["verdict"] == "unavailable" {
                assert!(h["confidence"].as_f64().unwrap() < 0.9999);
                break;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "height 1 never decided: {status}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let shot = output("withheld.png");
    browser.screenshot(&shot).await;
    println!("screenshot: {}", shot.display());
    node.stop().await;
}

/// Issue 21, item 9: the page names the key it trusts, draws a k = 1 square as a band the size
/// of the square (not two strips at the top of an empty box), and says which heights held no
/// blobs instead of leaving them out without a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_page_names_its_key_sizes_the_square_and_shows_empty_heights() {
    let dir = tempfile::tempdir().unwrap();
    let node = node(&dir, Duration::from_millis(400), Faults::none()).await;
    let url = node.url();
    // One small blob (k = 1), then only empty heights.
    submit(&url, 1, 1000).await;
    let browser = Browser::start().await;
    browser.goto(&format!("{url}/?from=1&timeout=30s")).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let sampled = loop {
        let status = page_status(&browser).await;
        let done = heights(&status)
            .into_iter()
            .find(|h| h["verdict"] == "available" && h["k"] == 1);
        if let Some(h) = done {
            let height = h["height"].as_u64().unwrap();
            if status["head"].as_u64().unwrap() >= height + 2 {
                break height;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no k = 1 height sampled: {status}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let key = browser
        .eval("return document.getElementById('producer-key').title;")
        .await;
    assert_eq!(
        key.as_str().unwrap().trim_start_matches("0x"),
        node.producer_key().to_hex().trim_start_matches("0x"),
        "the page names the key it trusts"
    );
    let canvas = browser
        .eval("return document.getElementById('grid').height;")
        .await;
    assert_eq!(canvas, 48, "a k = 1 square is 2 rows of 24 px");
    let empty = browser
        .eval("return [...document.querySelectorAll('#rows tr.empty')].map(r => r.textContent);")
        .await;
    let empty: Vec<String> = serde_json::from_value(empty).unwrap();
    assert!(
        empty
            .iter()
            .any(|t| t.starts_with(&format!("{}", sampled + 1)) && t.contains("no blobs")),
        "the empty heights after {sampled} are named: {empty:?}"
    );
    node.stop().await;
}

#[tokio::test]
async fn the_browser_leaves_no_process_behind() {
    let browser = Browser::start().await;
    browser.goto("about:blank").await;
    let group = browser.process_group();
    assert!(
        common::group_alive(group),
        "chromedriver runs in its own group"
    );
    drop(browser);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while common::group_alive(group) {
        assert!(
            std::time::Instant::now() < deadline,
            "chromedriver or Chromium outlived the test (process group {group})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Issue 11, fault 3, in the browser: the page's light client loses its only node, says "no
/// full nodes", and samples again once the node is back on the same ports and data dir.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn page_samples_again_after_its_node_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (http, ws, p2p) = (
        weft_testkit::free_port(),
        weft_testkit::free_port(),
        weft_testkit::free_port(),
    );
    let config = NodeConfig {
        http: format!("127.0.0.1:{http}").parse().unwrap(),
        ws_port: ws,
        p2p_port: p2p,
        page_dir: Some(page_dir()),
        ..weft_testkit::producer_config(&dir, Duration::from_millis(500))
    };
    // A just-stopped node's sockets may linger a moment: a taken port is retried.
    let start = |config: NodeConfig| async move {
        for _ in 0..50 {
            match Node::start(config.clone()).await {
                Ok(node) => return node,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        panic!("the node's ports stayed taken");
    };
    let node = start(config.clone()).await;
    let url = node.url();
    let browser = Browser::start().await;
    browser.goto(&format!("{url}/?from=1&timeout=30s")).await;
    let available = |status: &Value| -> Vec<u64> {
        heights(status)
            .iter()
            .filter(|h| h["verdict"] == "available" && h["k"].as_u64() > Some(0))
            .filter_map(|h| h["height"].as_u64())
            .collect()
    };
    let wait_for = |what: &'static str, done: Box<dyn Fn(&Value) -> bool + Send>| {
        let browser = &browser;
        async move {
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let status = page_status(browser).await;
                if done(&status) {
                    return status;
                }
                assert!(tokio::time::Instant::now() < deadline, "{what}: {status}");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    };
    submit(&url, 1, 20_000).await;
    let before = wait_for(
        "a height available before the restart",
        Box::new(move |s| !available(s).is_empty()),
    )
    .await;
    let last = available(&before).into_iter().max().unwrap();
    node.stop().await;
    wait_for(
        "the page says it has no full nodes",
        Box::new(|s| {
            s["peers"] == 0
                && s["problem"]
                    .as_str()
                    .unwrap_or("")
                    .contains("no full nodes")
        }),
    )
    .await;
    let node = start(config).await;
    let feeder = tokio::spawn(async move {
        for i in 2.. {
            submit(&url, i, 20_000).await;
            tokio::time::sleep(Duration::from_millis(700)).await;
        }
    });
    wait_for(
        "a new height available after the restart",
        Box::new(move |s| available(s).iter().any(|h| *h > last) && s["problem"].is_null()),
    )
    .await;
    feeder.abort();
    node.stop().await;
}
