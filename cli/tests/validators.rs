//! Four validators as `weft` processes on loopback (real RocksDB, commonware's authenticated
//! network among them, libp2p gossip with a full node): blobs submitted to each validator and to
//! the full node are included exactly once, every node holds the same certified header at every
//! height, each certificate verifies against the genesis, and `weft blob get --genesis` reads
//! the blobs back verified through the full node; a blob the full node acknowledged (202) is
//! included after it is SIGKILLed before it could pass the blob on; a full node and a light
//! client given only the genesis follow the validators (the light client reaches its target
//! confidence on every height).

mod common;

use std::{
    io::{BufRead as _, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{
    blob_get, blob_submit, free_port, stderr, stdout,
    validators::{header, make_genesis, spawn_validator},
    weft, weft_bin, Proc,
};
use serde_json::Value;
use weft_consensus::genesis::load_genesis;
use weft_types::Trust;

/// Waits for every node's HTTP API (each logs to `<dir>/<name>.log`: shown on failure).
fn wait_started(dir: &tempfile::TempDir, urls: &[String]) {
    for url in urls {
        let started = Instant::now();
        while !weft(&["node", "info", "--node", url]).status.success() {
            let logs: String = std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect();
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{url} did not start: {logs}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Four validators on the p2p network of one genesis: validator 0 on `p2p` and the others
/// bootstrapped from it; returns them, their URLs and validator 0's p2p address.
fn start_four(dir: &tempfile::TempDir, net: &Path, p2p: u16) -> (Vec<Proc>, Vec<String>, String) {
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let first = spawn_validator(
        net,
        0,
        &dir.path().join("v0"),
        ports[0],
        &["--p2p-port".to_string(), p2p.to_string()],
    );
    wait_started(dir, &urls[..1]);
    let info: Value =
        serde_json::from_str(&stdout(&weft(&["node", "info", "--node", &urls[0]]))).unwrap();
    let bootstrap = format!(
        "/ip4/127.0.0.1/tcp/{p2p}/p2p/{}",
        info["peer_id"].as_str().unwrap()
    );
    let mut nodes = vec![first];
    for (i, port) in ports.iter().enumerate().skip(1) {
        nodes.push(spawn_validator(
            net,
            i,
            &dir.path().join(format!("v{i}")),
            *port,
            &["--bootstrap".to_string(), bootstrap.clone()],
        ));
    }
    wait_started(dir, &urls);
    (nodes, urls, bootstrap)
}

/// A full node following the genesis in `net` (data dir `dir/name`, log `dir/name.log`,
/// appended across restarts), bootstrapped to `bootstrap` when given; and its URL.
fn spawn_full_node(
    dir: &tempfile::TempDir,
    net: &Path,
    name: &str,
    port: u16,
    bootstrap: Option<&str>,
) -> Proc {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join(format!("{name}.log")))
        .unwrap();
    let mut command = Command::new(weft_bin());
    command
        .args(["node", "start", "--data-dir"])
        .arg(dir.path().join(name))
        .args(["--http", &format!("127.0.0.1:{port}")])
        .arg("--genesis")
        .arg(net.join("genesis.toml"));
    if let Some(bootstrap) = bootstrap {
        command.args(["--bootstrap", bootstrap]);
    }
    Proc(command.stdout(Stdio::null()).stderr(log).spawn().unwrap())
}

#[test]
fn blobs_submitted_to_each_validator_and_a_full_node_are_included_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net");
    make_genesis(&net, 4, "weft-test-4");
    let (_, set) = load_genesis(&net.join("genesis.toml")).unwrap();
    let trust = Trust::from(set);
    let (_validators, urls, bootstrap) = start_four(&dir, &net, free_port());
    let full_port = free_port();
    let full_url = format!("http://127.0.0.1:{full_port}");
    let _full = spawn_full_node(&dir, &net, "full", full_port, Some(&bootstrap));
    wait_started(&dir, std::slice::from_ref(&full_url));
    for url in &urls {
        let info: Value =
            serde_json::from_str(&stdout(&weft(&["node", "info", "--node", url]))).unwrap();
        assert_eq!(info["role"], "validator");
        assert_eq!(info["chain_id"], "weft-test-4");
        assert_eq!(info["validators"], 4);
        // /health: consensus is a supervised task, and no validator signed conflicting votes.
        let health: Value = tokio::runtime::Runtime::new().unwrap().block_on(async {
            let answer = reqwest::get(format!("{url}/health")).await.unwrap();
            answer.json().await.unwrap()
        });
        assert_eq!(health["role"], "validator", "{health}");
        assert_eq!(health["validator_faults"], 0, "{health}");
        assert!(
            health["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "consensus"),
            "{health}"
        );
    }

    // One blob submitted to each validator and one to the full node, all at once, each
    // waiting for its finalized block (200).
    let targets: Vec<String> = urls.iter().chain([&full_url]).cloned().collect();
    let receipts: Vec<(String, std::path::PathBuf, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let file = dir.path().join(format!("blob{i}"));
                std::fs::write(&file, format!("blob {i} for node {i}").repeat(100)).unwrap();
                let ns = format!("{:032x}", 0xa0 + i);
                s.spawn(move || {
                    let out = blob_submit(url, &ns, &file, &["--json"]);
                    assert!(out.status.success(), "{url}: {}", stderr(&out));
                    let receipt: Value = serde_json::from_str(&stdout(&out)).unwrap();
                    (ns, file, receipt)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    // Every validator and the full node hold the same certified header at every height up to
    // the highest; the five blobs are in those blocks once each.
    let top = receipts
        .iter()
        .map(|r| r.2["height"].as_u64().unwrap())
        .max()
        .unwrap();
    let mut blobs = 0;
    for height in 1..=top {
        let mut seen = Vec::new();
        for url in &targets {
            let started = Instant::now();
            let view = loop {
                if let Some(view) = header(url, height) {
                    break view;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "{url} lacks {height}"
                );
                std::thread::sleep(Duration::from_millis(100));
            };
            view.header
                .verify(&trust)
                .unwrap_or_else(|e| panic!("{url} at {height}: {e}"));
            seen.push(view.hash);
            if url == &urls[0] {
                blobs += view.header.unsigned.blob_count;
            }
        }
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "height {height}: {seen:?}"
        );
    }
    assert_eq!(blobs, 5, "each blob included exactly once");
    let mut places: Vec<(u64, u64)> = receipts
        .iter()
        .map(|r| {
            (
                r.2["height"].as_u64().unwrap(),
                r.2["index"].as_u64().unwrap(),
            )
        })
        .collect();
    places.sort_unstable();
    places.dedup();
    assert_eq!(places.len(), 5, "five receipts, five places");

    // Each blob reads back verified against the genesis, through the full node.
    for (i, (ns, file, receipt)) in receipts.iter().enumerate() {
        let out_file = dir.path().join(format!("out{i}"));
        let got = blob_get(
            &full_url,
            &receipt["height"].to_string(),
            ns,
            &[
                "-o",
                out_file.to_str().unwrap(),
                "--genesis",
                net.join("genesis.toml").to_str().unwrap(),
            ],
        );
        assert!(got.status.success(), "{}", stderr(&got));
        assert_eq!(
            std::fs::read(&out_file).unwrap(),
            std::fs::read(file).unwrap()
        );
        // Its inclusion bundle, opened at a z: verified by the CLI against the genesis and
        // again here by the no_std verifier from the file it wrote (PROTOCOL §14).
        let bundle_file = dir.path().join(format!("bundle{i}"));
        let proven = weft(&[
            "blob",
            "prove",
            "--node",
            &full_url,
            "--height",
            &receipt["height"].to_string(),
            "--namespace",
            ns,
            "--commitment",
            receipt["commitment"].as_str().unwrap(),
            "--z",
            &"1a".repeat(32),
            "--out",
            bundle_file.to_str().unwrap(),
            "--genesis",
            net.join("genesis.toml").to_str().unwrap(),
        ]);
        assert!(proven.status.success(), "{}", stderr(&proven));
        let bundle = weft_types::inclusion::InclusionBundle::from_bytes(
            &std::fs::read(&bundle_file).unwrap(),
        )
        .unwrap();
        let verified =
            weft_types::inclusion::verify_bundle(&bundle, &trust.inclusion_root()).unwrap();
        assert_eq!(verified.height, receipt["height"].as_u64().unwrap());
        assert_eq!(verified.evaluations.len(), verified.versioned_hashes.len());
    }
}

#[test]
fn a_blob_a_full_node_acknowledged_survives_its_sigkill_and_is_included_once() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net");
    make_genesis(&net, 4, "weft-test-relay");
    let (_validators, urls, bootstrap) = start_four(&dir, &net, free_port());
    // The full node starts alone: what it acknowledges cannot have reached a validator.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut full = spawn_full_node(&dir, &net, "full", port, None);
    wait_started(&dir, std::slice::from_ref(&url));
    let file = dir.path().join("blob");
    std::fs::write(&file, b"kept across a kill".repeat(300)).unwrap();
    let ns = "0000000000000000000000000000beef";
    let out = blob_submit(&url, ns, &file, &["--json", "--no-wait"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let id = serde_json::from_str::<Value>(&stdout(&out)).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    full.0.kill().unwrap();
    let _ = full.0.wait();

    // Restarted, now on the validators' network: the blob goes out and comes back in a block.
    let _full = spawn_full_node(&dir, &net, "full", port, Some(&bootstrap));
    wait_started(&dir, std::slice::from_ref(&url));
    let started = Instant::now();
    let height = loop {
        let status: Option<Value> = tokio::runtime::Runtime::new().unwrap().block_on(async {
            reqwest::get(format!("{url}/v1/blobs/status/{id}"))
                .await
                .ok()?
                .json()
                .await
                .ok()
        });
        if let Some(height) = status
            .as_ref()
            .filter(|s| s["status"] == "included")
            .and_then(|s| s["receipt"]["height"].as_u64())
        {
            break height;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "blob {id} never included: {status:?}\n{}",
            std::fs::read_to_string(dir.path().join("full.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let got = blob_get(
        &url,
        &height.to_string(),
        ns,
        &["--genesis", net.join("genesis.toml").to_str().unwrap()],
    );
    assert!(got.status.success(), "{}", stderr(&got));
    // Included once: no other block up to a few after it holds a blob.
    let top = height + 3;
    let mut blobs = 0;
    for h in 1..=top {
        let started = Instant::now();
        let view = loop {
            if let Some(view) = header(&urls[0], h) {
                break view;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "lacks {h}");
            std::thread::sleep(Duration::from_millis(100));
        };
        blobs += view.header.unsigned.blob_count;
    }
    assert_eq!(blobs, 1, "the blob is in one block, once");
}

#[test]
fn a_full_node_and_a_light_client_follow_the_validators_with_the_genesis() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net");
    make_genesis(&net, 4, "weft-test-follow");
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let p2p = free_port();
    let _nodes: Vec<Proc> = (0..4)
        .map(|i| {
            let extra = if i == 0 {
                vec!["--p2p-port".to_string(), p2p.to_string()]
            } else {
                vec![]
            };
            spawn_validator(&net, i, &dir.path().join(format!("v{i}")), ports[i], &extra)
        })
        .collect();
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    wait_started(&dir, &urls);
    let info: Value =
        serde_json::from_str(&stdout(&weft(&["node", "info", "--node", &urls[0]]))).unwrap();
    let peer = info["peer_id"].as_str().unwrap();
    let bootstrap = format!("/ip4/127.0.0.1/tcp/{p2p}/p2p/{peer}");

    // A full node that trusts only the genesis.
    let full_port = free_port();
    let full_url = format!("http://127.0.0.1:{full_port}");
    let log = std::fs::File::create(dir.path().join("full.log")).unwrap();
    let _full = Proc(
        Command::new(weft_bin())
            .args(["node", "start", "--data-dir"])
            .arg(dir.path().join("full"))
            .args([
                "--http",
                &format!("127.0.0.1:{full_port}"),
                "--bootstrap",
                &bootstrap,
            ])
            .arg("--genesis")
            .arg(net.join("genesis.toml"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    wait_started(&dir, std::slice::from_ref(&full_url));
    // Blobs to three validators in turn, each waited for: blocks with data at a few heights.
    let ns = "000000000000000000000000000000ab";
    let mut height = 0;
    for (i, url) in urls.iter().enumerate().skip(1) {
        let file = dir.path().join(format!("blob{i}"));
        std::fs::write(&file, format!("followed {i}").repeat(500)).unwrap();
        let out = blob_submit(url, ns, &file, &["--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        height = serde_json::from_str::<Value>(&stdout(&out)).unwrap()["height"]
            .as_u64()
            .unwrap();
    }

    // The full node stores the block, certified, and serves the blob verified by the genesis.
    let started = Instant::now();
    loop {
        let got = blob_get(
            &full_url,
            &height.to_string(),
            ns,
            &["--genesis", net.join("genesis.toml").to_str().unwrap()],
        );
        if got.status.success() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the full node never served height {height}: {}\n{}",
            stderr(&got),
            std::fs::read_to_string(dir.path().join("full.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let ours = header(&full_url, height).unwrap();
    let theirs = header(&urls[0], height).unwrap();
    assert_eq!(ours.hash, theirs.hash);
    assert!(ours.header.certificate.is_some());

    // A light client that trusts only the genesis samples that height from the full node.
    let info: Value =
        serde_json::from_str(&stdout(&weft(&["node", "info", "--node", &full_url]))).unwrap();
    let tcp = info["listen_addrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .find(|a| a.contains("/tcp/") && !a.contains("/ws"))
        .unwrap();
    let mut light = Proc(
        Command::new(weft_bin())
            .args([
                "light",
                "start",
                "--json",
                "--from",
                "1",
                "--bootstrap",
                &tcp,
            ])
            .arg("--genesis")
            .arg(net.join("genesis.toml"))
            .arg("--data-dir")
            .arg(dir.path().join("light"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lines = BufReader::new(light.0.stdout.take().unwrap()).lines();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Every height up to the last blob's that holds data (an empty block has nothing to
    // sample): available, at the target confidence.
    let with_data: std::collections::BTreeSet<u64> = (1..=height)
        .filter(|&h| header(&full_url, h).unwrap().header.k() > 0)
        .collect();
    assert!(with_data.len() >= 3, "{with_data:?}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = std::collections::BTreeSet::new();
    while seen != with_data {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                panic!("the light client reported heights {seen:?} of {with_data:?}")
            });
        let record: Value = serde_json::from_str(&line).unwrap();
        let h = record["height"].as_u64().unwrap();
        if with_data.contains(&h) {
            assert_eq!(record["verdict"], "available", "{line}");
            assert!(record["confidence"].as_f64().unwrap() >= 0.9999, "{line}");
            seen.insert(h);
        }
    }
}
