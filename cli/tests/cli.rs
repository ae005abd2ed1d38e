//! The `weft` binary as users run it: errors that name the flag to fix, the encoder flag, a
//! light client printing JSON lines, the devnet of the README, the page served from the binary
//! and the DA server. Blobs through `weft blob` are in `blobs.rs`.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use common::{
    blob_submit, free_port, producer_key, start_node, stderr, stdout, weft, weft_bin, Proc,
};
use serde_json::Value;

#[test]
fn errors_name_the_flag_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.bin");
    std::fs::write(&file, b"x").unwrap();
    let f = file.to_str().unwrap();
    let (x, y) = (dir.path().join("x"), dir.path().join("y"));
    let (x, y) = (x.to_str().unwrap(), y.to_str().unwrap());
    let light_toml = dir.path().join("light.toml");
    std::fs::write(&light_toml, "windw = 3\n").unwrap();
    let light_toml = light_toml.to_str().unwrap();
    let producer = "11".repeat(32);
    let cases: [(&[&str], &str, i32); 12] = [
        (
            &[
                "da-server",
                "--namespace",
                "00000000000000000000000000000001",
            ],
            "--producer-key",
            2,
        ),
        (
            &[
                "da-server",
                "--namespace",
                "00000000000000000000000000000001",
                "--producer-key",
                &producer,
                "--node",
                "http://127.0.0.1:1",
            ],
            "--node http://127.0.0.1:1",
            1,
        ),
        (
            &["blob", "commit", "--namespace", "zz", f],
            "--namespace",
            2,
        ),
        (
            &[
                "blob",
                "commit",
                "--namespace",
                "00000000000000000000000000000001",
                "/no/such/file",
            ],
            "FILE /no/such/file",
            2,
        ),
        (
            &[
                "blob",
                "submit",
                "--node",
                "127.0.0.1:1",
                "--namespace",
                "00000000000000000000000000000001",
                f,
            ],
            "--node",
            2,
        ),
        (
            &[
                "blob",
                "submit",
                "--node",
                "http://127.0.0.1:1",
                "--namespace",
                "00000000000000000000000000000001",
                f,
            ],
            "cannot reach --node",
            6,
        ),
        (
            &["node", "start", "--data-dir", x, "--max-k", "3"],
            "--max-k",
            2,
        ),
        (
            &["node", "start", "--data-dir", y, "--producer-key", "beef"],
            "--producer-key",
            2,
        ),
        (
            &["light", "start", "--producer-key", &producer],
            "--bootstrap",
            2,
        ),
        (
            &["light", "start", "--config", "/no/such/light.toml"],
            "--config /no/such/light.toml",
            2,
        ),
        (&["light", "start", "--config", light_toml], "windw", 2),
        (
            &[
                "light",
                "start",
                "--bootstrap",
                "/ip4/127.0.0.1/tcp/1",
                "--producer-key",
                &producer,
                "--confidence",
                "1.5",
            ],
            "--confidence",
            2,
        ),
    ];
    for (args, flag, code) in cases {
        let out = weft(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(flag),
            "{args:?}: {:?} does not mention {flag}",
            stderr(&out)
        );
    }
}

#[test]
fn the_encoder_flag_is_checked_and_cuda_without_a_gpu_stops_the_node_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a");
    let out = weft(&[
        "node",
        "start",
        "--data-dir",
        data.to_str().unwrap(),
        "--encoder",
        "gpu",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--encoder"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("auto, cpu or cuda"),
        "{}",
        stderr(&out)
    );
    if weft_encoding_cuda::cuda_device_count() == 0 {
        let data = dir.path().join("b");
        let out = weft(&[
            "node",
            "start",
            "--data-dir",
            data.to_str().unwrap(),
            "--http",
            "127.0.0.1:0",
            "--encoder",
            "cuda",
        ]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("--encoder cuda"), "{}", stderr(&out));
    }
}

#[test]
fn light_client_prints_one_json_object_per_height() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"));
    let info: Value =
        serde_json::from_str(&stdout(&weft(&["node", "info", "--node", &url]))).unwrap();
    let encoder = if weft_encoding_cuda::cuda_device_count() > 0 {
        "cuda"
    } else {
        "cpu"
    };
    assert_eq!(info["encoder"], encoder, "{info}");
    assert!(!info["encoder_device"].as_str().unwrap().is_empty());
    let tcp = info["listen_addrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .find(|a| a.contains("/tcp/") && !a.contains("/ws"))
        .unwrap();
    let ns = "000000000000000000000000000000bb";
    let file = dir.path().join("blob.bin");
    std::fs::write(&file, vec![5u8; 20_000]).unwrap();
    assert!(blob_submit(&url, ns, &file, &[]).status.success());

    // Settings from a file, one of them overridden by its flag.
    let settings = dir.path().join("light.toml");
    std::fs::write(
        &settings,
        format!(
            "producer_key = \"{}\"\nfrom = 5\nsample_timeout = \"20s\"\n",
            info["producer_key"].as_str().unwrap()
        ),
    )
    .unwrap();
    let light = Proc(
        Command::new(weft_bin())
            .args([
                "light",
                "start",
                "--json",
                "--from",
                "1",
                "--bootstrap",
                tcp,
            ])
            .arg("--config")
            .arg(&settings)
            .arg("--data-dir")
            .arg(dir.path().join("light"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut light = light;
    let line = BufReader::new(light.0.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let record: Value = serde_json::from_str(&line).unwrap();
    for field in [
        "height",
        "k",
        "samples",
        "failed",
        "confidence",
        "verdict",
        "ms",
    ] {
        assert!(record.get(field).is_some(), "{field} missing from {line}");
    }
    assert_eq!(record["verdict"], "available");
    let confidence = record["confidence"].as_f64().unwrap();
    assert!((0.9999..=1.0).contains(&confidence));
}

/// `weft devnet` at a 500 ms block time on `dir`, HTTP on loopback ports `http` and `full_http`,
/// any p2p port, with `extra` flags, run to completion.
fn devnet(dir: &Path, http: u16, full_http: u16, extra: &[&str]) -> std::process::Output {
    Command::new(weft_bin())
        .args(["devnet", "--block-time", "500ms", "--data-dir"])
        .arg(dir)
        .args([
            "--http",
            &format!("127.0.0.1:{http}"),
            "--full-http",
            &format!("127.0.0.1:{full_http}"),
            "--p2p-port",
            "0",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn devnet_runs_and_both_nodes_serve_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let out = devnet(dir.path(), a, b, &["--blobs", "2", "--blob-every", "500ms"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.contains("bootstrap") && l.contains("/tcp/") && l.contains("/p2p/")),
        "the banner names the address to bootstrap from: {text}"
    );
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("height")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("blob ✓") && l.contains('✓') && !l.contains('✗')),
        "{text}"
    );
}

#[test]
fn devnet_with_validators_finalizes_blobs_sent_to_each_and_the_full_node_follows() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let consensus = weft_testkit::consensus_ports(4);
    let run = |extra: &[&str]| {
        let port = consensus.to_string();
        let args = [&["--blob-every", "300ms", "--consensus-port", &port], extra].concat();
        devnet(dir.path(), a, b, &args)
    };
    let out = run(&["--validators", "4", "--blobs", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("4 validators of chain \"weft-devnet\" (quorum 3)"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("height")).collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("blob ✓") && !l.contains('✗')),
        "the full node serves what each validator finalized: {text}"
    );
    assert!(dir.path().join("net/genesis.toml").exists());
    // The data dir keeps its genesis: another validator count is refused, naming the flag.
    let refused = run(&["--validators", "3", "--blobs", "1"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("--validators 3") && stderr(&refused).contains("genesis of 4"),
        "{}",
        stderr(&refused)
    );
}

/// Issue 12: the light-client page is embedded in the binary, so a `weft` run anywhere (here
/// from an empty directory, no `--page-dir`) serves a page whose light client can start: the
/// page, its script and its wasm. Fails on 66b4232, which read `wasm/www` beside the checkout.
#[test]
fn the_page_is_served_from_the_binary_wherever_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _node = Proc(
        Command::new(weft_bin())
            .current_dir(dir.path())
            .env_remove("WEFT_PAGE_DIR")
            .args(["node", "start", "--data-dir", "data", "--http"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let get = |path: &str| {
        let out = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{content_type} %{size_download}",
            ])
            .arg(format!("{url}{path}"))
            .output()
            .unwrap();
        stdout(&out)
    };
    let mut index = String::new();
    for _ in 0..600 {
        index = get("/");
        if index.starts_with("200") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(index.starts_with("200 text/html"), "{index}");
    let page = Command::new("curl")
        .arg("-s")
        .arg(format!("{url}/"))
        .output()
        .unwrap();
    assert!(
        stdout(&page).contains("app.js"),
        "not the light-client page: {}",
        stdout(&page)
    );
    assert!(get("/app.js").starts_with("200 text/javascript"));
    for script in [
        "/weft-light/index.js",
        "/weft-light/worker.js",
        "/weft-light/pkg/weft_wasm.js",
    ] {
        assert!(get(script).starts_with("200 text/javascript"), "{script}");
    }
    let wasm = get("/weft-light/pkg/weft_wasm_bg.wasm");
    assert!(wasm.starts_with("200 application/wasm"), "{wasm}");
    let size: u64 = wasm.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(size > 100_000, "the wasm is {size} bytes");
    assert!(get("/no/such/file").starts_with("404"));
}

#[test]
fn da_server_puts_and_gets_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(dir.path());
    let key = producer_key(&url);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _server = Proc(
        Command::new(weft_bin())
            .args(["da-server", "--node", &url, "--listen", &listen])
            .args(["--namespace", "000000000000000000000000000000aa"])
            .env("WEFT_PRODUCER_KEY", &key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let server = format!("http://{listen}");
        let mut answer = None;
        for _ in 0..600 {
            if let Ok(a) = http
                .post(format!("{server}/put"))
                .body("batch")
                .send()
                .await
            {
                answer = Some(a);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let answer = answer.expect("the DA server answers");
        assert_eq!(answer.status(), 200);
        let commitment = answer.bytes().await.unwrap();
        assert_eq!(&commitment[..2], &[0x01, 0x57]);
        let got = http
            .get(format!("{server}/get/0x{}", hex::encode(&commitment)))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(&got.bytes().await.unwrap()[..], b"batch");
    });
}
