//! Four `weft` validator processes of one fresh genesis on loopback, for the crash and quorum
//! tests: started, killed with SIGKILL and restarted on their data dirs, read over HTTP.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use serde_json::Value;
use weft_types::api::{BlobState, BlobStatus, HeaderView};

use super::{
    free_port,
    validators::{make_genesis, spawn_validator},
    Proc,
};

/// The block time the validators run at.
pub(crate) const BLOCK_TIME: Duration = super::validators::TEST_BLOCK_TIME;

/// Four validators; `nodes[i]` is `None` while validator `i` is down.
pub(crate) struct Four {
    pub(crate) net: PathBuf,
    dir: PathBuf,
    ports: Vec<u16>,
    pub(crate) urls: Vec<String>,
    pub(crate) nodes: Vec<Option<Proc>>,
    http: reqwest::Client,
}

impl Four {
    /// A genesis of four in `dir/net` and the four started (`dir/v{i}`, logs `dir/v{i}.log`),
    /// once each has finalized height 2.
    pub(crate) async fn start(dir: &Path) -> Self {
        Self::start_n(dir, 4).await
    }

    /// As [`Self::start`], with `n` validators.
    pub(crate) async fn start_n(dir: &Path, n: u16) -> Self {
        let net = dir.join("net");
        make_genesis(&net, n, "weft-test-four");
        let ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let urls = ports
            .iter()
            .map(|p| format!("http://127.0.0.1:{p}"))
            .collect();
        let mut four = Self {
            net,
            dir: dir.to_path_buf(),
            ports,
            urls,
            nodes: Vec::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
        };
        four.nodes = (0..usize::from(n)).map(|i| Some(four.spawn(i))).collect();
        for i in 0..usize::from(n) {
            four.wait_for_height(i, 2, Duration::from_secs(60)).await;
        }
        four
    }

    fn spawn(&self, i: usize) -> Proc {
        spawn_validator(
            &self.net,
            i,
            &self.dir.join(format!("v{i}")),
            self.ports[i],
            &[],
        )
    }

    /// SIGKILL of validator `i`.
    pub(crate) fn kill(&mut self, i: usize) {
        if let Some(mut node) = self.nodes[i].take() {
            node.0.kill().unwrap();
            let _ = node.0.wait();
        }
    }

    /// Validator `i` started again on its data dir.
    pub(crate) fn restart(&mut self, i: usize) {
        assert!(self.nodes[i].is_none(), "validator {i} is running");
        self.nodes[i] = Some(self.spawn(i));
    }

    /// The last lines of validator `i`'s log, newest first.
    pub(crate) fn log_tail(&self, i: usize) -> String {
        let log = std::fs::read_to_string(self.dir.join(format!("v{i}.log"))).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        tail.join("\n")
    }

    /// Validator `i`'s newest stored header (`None` when it does not answer).
    pub(crate) async fn head(&self, i: usize) -> Option<HeaderView> {
        self.get_json(&format!("{}/v1/headers/head", self.urls[i]))
            .await
    }

    /// Validator `i`'s header at `height`.
    pub(crate) async fn header(&self, i: usize, height: u64) -> Option<HeaderView> {
        self.get_json(&format!("{}/v1/headers/{height}", self.urls[i]))
            .await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Option<T> {
        let answer = self.http.get(url).send().await.ok()?;
        if !answer.status().is_success() {
            return None;
        }
        answer.json().await.ok()
    }

    /// Waits until validator `i` has stored `height`.
    pub(crate) async fn wait_for_height(&self, i: usize, height: u64, limit: Duration) {
        let started = Instant::now();
        loop {
            if self
                .head(i)
                .await
                .is_some_and(|h| h.header.height() >= height)
            {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "validator {i} did not reach height {height} within {limit:?}; its log:\n{}",
                self.log_tail(i)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Submits `data` to validator `i` with `?wait=false`: its pool id once acknowledged (202).
    pub(crate) async fn submit(&self, i: usize, namespace: &str, data: &[u8]) -> Option<String> {
        use base64::Engine;
        let body = serde_json::json!({
            "namespace": namespace,
            "data": base64::engine::general_purpose::STANDARD.encode(data),
        });
        let answer = self
            .http
            .post(format!("{}/v1/blobs?wait=false", self.urls[i]))
            .json(&body)
            .send()
            .await
            .ok()?;
        if answer.status() != reqwest::StatusCode::ACCEPTED {
            return None;
        }
        let accepted: Value = answer.json().await.ok()?;
        accepted["id"].as_str().map(str::to_string)
    }

    /// Where blob `id` acknowledged by validator `i` went, once it is included.
    pub(crate) async fn included_height(&self, i: usize, id: &str) -> Option<u64> {
        let status: BlobStatus = self
            .get_json(&format!("{}/v1/blobs/status/{id}", self.urls[i]))
            .await?;
        (status.status == BlobState::Included).then(|| status.receipt.map(|r| r.height))?
    }

    /// The validators' p2p keys (the producer keys their headers name), by process index.
    pub(crate) async fn producer_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for url in &self.urls {
            let info: Value = self
                .get_json(&format!("{url}/v1/node/info"))
                .await
                .expect("node info");
            keys.push(info["producer_key"].as_str().unwrap().to_string());
        }
        keys
    }
}
