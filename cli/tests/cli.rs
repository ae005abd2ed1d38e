//! The `weft` binary as users run it: a node in its own process, blobs submitted and fetched
//! through `weft blob`, commitments computed offline, headers and node info read, errors that
//! name the flag to fix, a light client printing JSON lines, and the devnet of the README.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Output, Stdio},
    time::Duration,
};

use common::{free_port, spawn_node, stderr, stdout, weft, weft_bin, Proc};
use serde_json::Value;

/// `weft blob submit` of one file, with extra flags.
fn blob_submit(url: &str, ns: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["blob", "submit", "--node", url, "--namespace", ns];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    weft(&args)
}

/// `weft blob get` of one namespace at one height, with extra flags.
fn blob_get(url: &str, height: &str, ns: &str, extra: &[&str]) -> Output {
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

/// A producer in its own process on a free port, once its HTTP API answers; and its URL.
fn start_node(dir: &Path) -> (Proc, String) {
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

#[test]
fn blob_round_trip_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"));
    let ns = "000000000000000000000000000000aa";
    let file = dir.path().join("blob.bin");
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&file, &data).unwrap();

    let offline = weft(&["blob", "commit", "--namespace", ns, file.to_str().unwrap()]);
    assert!(offline.status.success(), "{}", stderr(&offline));
    let commitment = stdout(&offline).trim().to_string();

    let submitted = blob_submit(&url, ns, &file, &["--json"]);
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let receipt: Value = serde_json::from_str(&stdout(&submitted)).unwrap();
    assert_eq!(
        receipt["commitment"],
        commitment.as_str(),
        "offline commitment equals the node's"
    );
    let height = receipt["height"].as_u64().unwrap().to_string();

    let out = dir.path().join("out.bin");
    let got = blob_get(&url, &height, ns, &["-o", out.to_str().unwrap()]);
    assert!(got.status.success(), "{}", stderr(&got));
    assert!(
        stderr(&got).contains("verified 1 blob(s)"),
        "{}",
        stderr(&got)
    );
    assert_eq!(std::fs::read(&out).unwrap(), data);

    let header = weft(&["header", "get", "--node", &url, "--height", &height]);
    let header: Value = serde_json::from_str(&stdout(&header)).unwrap();
    assert_eq!(header["height"].as_u64().unwrap().to_string(), height);
    let info: Value =
        serde_json::from_str(&stdout(&weft(&["node", "info", "--node", &url]))).unwrap();
    assert_eq!(info["role"], "producer");
    assert!(info["listen_addrs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a.as_str().unwrap().contains("/ws/")));

    // A wrong producer key is caught before anything is written.
    let wrong = blob_get(&url, &height, ns, &["--producer-key", &"11".repeat(32)]);
    assert!(!wrong.status.success());
}

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
    let cases: [(&[&str], &str); 10] = [
        (&["blob", "commit", "--namespace", "zz", f], "--namespace"),
        (
            &[
                "blob",
                "commit",
                "--namespace",
                "00000000000000000000000000000001",
                "/no/such/file",
            ],
            "FILE /no/such/file",
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
        ),
        (
            &["node", "start", "--data-dir", x, "--max-k", "3"],
            "--max-k",
        ),
        (
            &["node", "start", "--data-dir", y, "--producer-key", "beef"],
            "--producer-key",
        ),
        (
            &["light", "start", "--producer-key", &producer],
            "--bootstrap",
        ),
        (
            &["light", "start", "--config", "/no/such/light.toml"],
            "--config /no/such/light.toml",
        ),
        (&["light", "start", "--config", light_toml], "windw"),
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
        ),
    ];
    for (args, flag) in cases {
        let out = weft(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            stderr(&out).contains(flag),
            "{args:?}: {:?} does not mention {flag}",
            stderr(&out)
        );
    }
}

#[test]
fn light_client_prints_one_json_object_per_height() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"));
    let info: Value =
        serde_json::from_str(&stdout(&weft(&["node", "info", "--node", &url]))).unwrap();
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

#[test]
fn devnet_runs_and_both_nodes_serve_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let out = Command::new(weft_bin())
        .args([
            "devnet",
            "--blobs",
            "2",
            "--blob-every",
            "500ms",
            "--block-time",
            "500ms",
            "--data-dir",
        ])
        .arg(dir.path())
        .args([
            "--http",
            &format!("127.0.0.1:{a}"),
            "--full-http",
            &format!("127.0.0.1:{b}"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("height")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("blob ✓") && l.contains('✓') && !l.contains('✗')),
        "{text}"
    );
}
