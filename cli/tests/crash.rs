//! A node process killed with SIGKILL while blobs are being submitted: after a restart on the
//! same data dir, every blob that got a 200 is retrievable, byte for byte, and the stored chain
//! is consistent (every header links to its parent, every square is served).

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use common::{free_port, spawn_node, Proc};
use serde_json::Value;
use weft_testkit::get_json;

/// A blob that got a 200: its namespace, the receipt, its bytes.
type Acked = (String, Value, Vec<u8>);

fn start(dir: &std::path::Path, port: u16) -> Proc {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("node.log"))
        .unwrap();
    spawn_node(dir, port, "200ms", 65536, log.into())
}

async fn wait_healthy(client: &reqwest::Client, url: &str) {
    for _ in 0..600 {
        if client
            .get(format!("{url}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node at {url} did not become healthy");
}

fn blob(seed: u64) -> Vec<u8> {
    let len = 1 + (seed as usize * 7919) % 60_000;
    (0..len)
        .map(|i| (seed as usize * 31 + i * 17) as u8)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_submissions_loses_no_acknowledged_blob() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut node = start(dir.path(), port);
    wait_healthy(&client, &url).await;

    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let mut submitters = Vec::new();
    for worker in 0..4u64 {
        let (client, url, acked) = (client.clone(), url.clone(), acked.clone());
        submitters.push(tokio::spawn(async move {
            for i in 0.. {
                let seed = worker * 10_000 + i;
                let data = blob(seed);
                let namespace = format!("{:032x}", worker + 1);
                let body =
                    serde_json::json!({ "namespace": namespace, "data": STANDARD.encode(&data) });
                let Ok(response) = client
                    .post(format!("{url}/v1/blobs"))
                    .json(&body)
                    .send()
                    .await
                else {
                    return;
                };
                if response.status() == 200 {
                    let Ok(receipt) = response.json::<Value>().await else {
                        return;
                    };
                    acked.lock().unwrap().push((namespace, receipt, data));
                }
            }
        }));
    }
    // Let several blocks go by, then kill the node without warning.
    while acked.lock().unwrap().len() < 12 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    node.0.kill().unwrap(); // SIGKILL
    node.0.wait().unwrap();
    for s in submitters {
        s.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 12);

    let restarted = start(dir.path(), port);
    wait_healthy(&client, &url).await;
    for (namespace, receipt, data) in &acked {
        let commitment = receipt["commitment"].as_str().unwrap();
        let got: Value = get_json(&format!("{url}/v1/blobs/by-commitment/{commitment}")).await;
        assert_eq!(
            STANDARD.decode(got["data"].as_str().unwrap()).unwrap(),
            *data,
            "blob {commitment} lost or changed"
        );
        let height = receipt["height"].as_u64().unwrap();
        let listed: Value = get_json(&format!("{url}/v1/blobs/{height}/{namespace}")).await;
        assert!(listed["blobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["commitment"] == receipt["commitment"]));
    }
    // The chain is whole: each header links to its parent; each square is served.
    let head: Value = client
        .get(format!("{url}/v1/headers/head"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut parent_hash = "0x".to_string() + &"00".repeat(32);
    for height in 1..=head["height"].as_u64().unwrap() {
        let header: Value = client
            .get(format!("{url}/v1/headers/{height}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            header["parent_hash"].as_str().unwrap(),
            parent_hash,
            "header {height} does not link to its parent"
        );
        parent_hash = header["hash"].as_str().unwrap().to_string();
        if header["k"].as_u64().unwrap() > 0 {
            let cell = client
                .get(format!("{url}/v1/cells/{height}/0/0"))
                .send()
                .await
                .unwrap();
            assert_eq!(cell.status(), 200, "square of block {height} missing");
        }
    }
    drop(restarted);
}
