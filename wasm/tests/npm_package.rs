//! The `weft-light` npm package as a dapp uses it: `npm pack` makes the tarball, a scratch app
//! installs it offline from the tarball alone, a static server on another origin serves the
//! app, and in headless Chromium the app imports the package by name (an import map), starts a
//! light client against a producer with blobs flowing, and reads per-height results through
//! the package's own API (`subscribe`, `status()`) until three heights reach the target
//! confidence.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::{path::Path, process::Command, time::Duration};

use common::{page_dir, Browser};
use serde_json::Value;
use weft_testkit::Faults;

const WAIT: Duration = Duration::from_secs(180);
const CONFIDENCE: f64 = 0.9999;

/// The scratch app: a page that imports `weft-light` by name.
const APP: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>scratch dapp</title>
<script type="importmap">{"imports": {"weft-light": "./node_modules/weft-light/index.js"}}</script>
<script type="module">
import { startLightClient, DEFAULT_CONFIDENCE } from 'weft-light';
const params = new URLSearchParams(location.search);
window.app = { records: [], status: null, failure: null, defaultConfidence: DEFAULT_CONFIDENCE };
try {
  const client = await startLightClient({
    node: params.get('node'),
    producerKey: params.get('key'),
    confidence: Number(params.get('confidence')),
    from: 1,
  });
  window.client = client;
  client.subscribe((record) => window.app.records.push(record));
  setInterval(() => { window.app.status = client.status(); window.app.failure = client.error; }, 250);
} catch (err) {
  window.app.failure = String(err.message || err);
}
</script></head><body>scratch dapp</body></html>
"#;

fn run(dir: &Path, program: &str, args: &[&str], cache: &Path) -> String {
    let out = Command::new(program)
        .current_dir(dir)
        .args(args)
        .env("npm_config_cache", cache)
        .env("npm_config_update_notifier", "false")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (install Node.js and npm: scripts/setup)"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Serves `dir` on loopback; returns its URL.
async fn static_server(dir: &Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scratch_app_installs_the_packed_package_and_reaches_target_confidence() {
    let package = page_dir().join("weft-light");
    let scratch = tempfile::tempdir().unwrap();
    let cache = scratch.path().join("npm-cache");
    let packed = run(
        &package,
        "npm",
        &[
            "pack",
            "--silent",
            "--pack-destination",
            scratch.path().to_str().unwrap(),
        ],
        &cache,
    );
    let tarball = scratch.path().join(packed.trim().lines().last().unwrap());
    assert!(tarball.exists(), "npm pack made no {}", tarball.display());
    let app = scratch.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(
        app.join("package.json"),
        r#"{"name": "scratch-dapp", "private": true, "type": "module"}"#,
    )
    .unwrap();
    // Offline, from the tarball alone: nothing is fetched from a registry.
    run(
        &app,
        "npm",
        &[
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            tarball.to_str().unwrap(),
        ],
        &cache,
    );
    let installed = app.join("node_modules/weft-light");
    for file in [
        "index.js",
        "index.d.ts",
        "worker.js",
        "pkg/weft_wasm_bg.wasm",
        "README.md",
    ] {
        assert!(installed.join(file).exists(), "the package lacks {file}");
    }
    std::fs::write(app.join("index.html"), APP).unwrap();

    let node = weft_testkit::producer(Duration::from_secs(1), Faults::none()).await;
    let url = node.node.url();
    let feeder = tokio::spawn({
        let url = url.clone();
        async move {
            for i in 0u64.. {
                let data: Vec<u8> = (0..20_000 + i as usize * 9_000)
                    .map(|j| (j as u64 + i) as u8)
                    .collect();
                weft_testkit::submit_queued(&url, (i % 3 + 1) as u8, &data).await;
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
        }
    });
    // Another origin than the node's: the package reads the node's info across origins.
    let site = static_server(&app).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!(
            "{site}/index.html?node={url}&key={}&confidence={CONFIDENCE}",
            node.node.producer_key()
        ))
        .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let app_state = loop {
        let app_state = browser.eval("return window.app || null;").await;
        assert!(
            app_state.is_null() || app_state["failure"].is_null(),
            "app error: {app_state}"
        );
        let available: Vec<&Value> = app_state["records"]
            .as_array()
            .map(|r| r.iter().filter(|r| r["verdict"] == "available").collect())
            .unwrap_or_default();
        for r in app_state["records"].as_array().into_iter().flatten() {
            assert_eq!(r["failed"], 0, "a verification failed: {r}");
            assert_ne!(r["verdict"], "unavailable", "honest data unavailable: {r}");
        }
        let heights: std::collections::BTreeSet<u64> = available
            .iter()
            .filter(|r| r["k"].as_u64() > Some(0))
            .filter_map(|r| r["height"].as_u64())
            .collect();
        // status() is polled by the app every 250 ms; records arrive as they change.
        if heights.len() >= 3 && app_state["status"]["head"].as_u64() >= Some(3) {
            break app_state;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {heights:?} available: {app_state}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    for r in app_state["records"].as_array().unwrap() {
        if r["verdict"] == "available" {
            assert!(r["confidence"].as_f64().unwrap() >= CONFIDENCE, "{r}");
        }
    }
    let status = &app_state["status"];
    assert!(status["head"].as_u64().unwrap() >= 3, "{status}");
    for field in [
        "heights",
        "peers",
        "bytes_downloaded",
        "banned",
        "grids",
        "counters",
    ] {
        assert!(
            status.get(field).is_some(),
            "status() lacks {field}: {status}"
        );
    }
    assert_eq!(app_state["defaultConfidence"], 0.9999);
    assert!(status["problem"].is_null(), "{status}");
    // stop() ends the worker: no record arrives after it resolves.
    let stopped = browser
        .eval(
            "return (async () => { await window.client.stop(); \
             const n = window.app.records.length; \
             await new Promise((r) => setTimeout(r, 2500)); \
             return [n, window.app.records.length]; })();",
        )
        .await;
    assert_eq!(stopped[0], stopped[1], "records after stop(): {stopped}");
    // Bad options are refused before anything starts, with the option named.
    let refused = browser
        .eval(
            "return (async () => { const m = await import('weft-light'); \
             try { await m.startLightClient({ node: 'http://127.0.0.1:1', producerKey: 'beef' }); return null; } \
             catch (e) { return e.message; } })();",
        )
        .await;
    assert!(
        refused.as_str().is_some_and(|m| m.contains("producerKey")),
        "{refused}"
    );
    feeder.abort();
    node.node.stop().await;
}
