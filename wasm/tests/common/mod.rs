//! A minimal WebDriver client (W3C protocol over HTTP) driving headless Chromium through
//! chromedriver, for the end-to-end page tests.
#![allow(dead_code)]

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    os::unix::process::CommandExt,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};

/// Chromium arguments for CI machines without a display or sandbox.
const CHROME_ARGS: [&str; 9] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
];

/// A headless Chromium session.
pub(crate) struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Browser {
    /// Starts chromedriver (`$CHROMEDRIVER` or `chromedriver`) and a Chromium session
    /// (`$CHROME_BIN` or `/usr/bin/chromium`).
    pub(crate) async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        // Its own process group: Chromium and its helpers join it, so the whole tree can be
        // ended at once, even if the test panicked mid-session.
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {driver_bin} (install chromium-driver, or set CHROMEDRIVER): {e}"
                )
            });
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let chrome = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chrome, "args": CHROME_ARGS }
        }}});
        let answer: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        Self {
            driver,
            base,
            session,
            http,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let request = self.http.request(method.clone(), url);
        let request = if method == reqwest::Method::GET {
            request
        } else {
            request.json(&body)
        };
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        if answer["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    /// Opens a URL.
    pub(crate) async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    /// Runs `script` in the page and returns its result.
    pub(crate) async fn eval(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Saves a PNG screenshot.
    pub(crate) async fn screenshot(&self, path: &Path) {
        let png = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, STANDARD.decode(png.as_str().unwrap()).unwrap()).unwrap();
    }
}

impl Browser {
    /// The process group of chromedriver, Chromium and its helpers.
    pub(crate) fn process_group(&self) -> u32 {
        self.driver.id()
    }

    /// Ends the WebDriver session (chromedriver then closes Chromium), without a runtime.
    fn end_session(&self) {
        let Some(addr) = self.base.strip_prefix("http://") else {
            return;
        };
        let Ok(mut stream) = TcpStream::connect(addr) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let _ = stream.read_to_end(&mut Vec::new());
        }
    }
}

/// True while any process of group `pgid` is alive (read from /proc).
pub(crate) fn group_alive(pgid: u32) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            // Fields after the command (which may hold spaces): state, ppid, pgrp, …
            stat.rsplit_once(") ")
                .and_then(|(_, rest)| rest.split(' ').nth(2))
                .is_some_and(|pgrp| pgrp == pgid.to_string())
        })
}

impl Drop for Browser {
    /// Ends the session, then the whole process group (chromedriver, Chromium, helpers).
    fn drop(&mut self) {
        self.end_session();
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.driver.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The page directory; the wasm-bindgen output must have been built into it.
pub(crate) fn page_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www");
    assert!(
        dir.join("weft-light/pkg/weft_wasm.js").exists(),
        "the light-client page is not built: run scripts/build-wasm first ({} missing)",
        dir.join("weft-light/pkg").display()
    );
    dir
}
