//! `weft genesis` as a user runs it: the genesis file and key folders it writes (keys 0600),
//! a set that loads and checks, and refusals that name the flag to fix.

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::{stderr, stdout, weft};
use weft_consensus::{genesis::load_genesis, keys::ValidatorKey, scheme};

/// `weft genesis --validators n --out out`, which must succeed.
fn make_genesis(out: &std::path::Path, n: usize) {
    let made = weft(&[
        "genesis",
        "--validators",
        &n.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
}

#[test]
fn genesis_writes_a_set_every_validator_key_belongs_to() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net");
    let o = weft(&[
        "genesis",
        "--validators",
        "4",
        "--out",
        out.to_str().unwrap(),
        "--chain-id",
        "weft-test-1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("4 validators of chain \"weft-test-1\", quorum 3"),
        "{}",
        stdout(&o)
    );

    let (genesis, set) = load_genesis(&out.join("genesis.toml")).unwrap();
    assert_eq!(genesis.chain_id, "weft-test-1");
    assert_eq!(set.len(), 4);
    let mut ports: Vec<_> = genesis
        .validators
        .iter()
        .map(|v| v.address.clone())
        .collect();
    ports.sort();
    assert_eq!(
        ports,
        [
            "127.0.0.1:27100",
            "127.0.0.1:27101",
            "127.0.0.1:27102",
            "127.0.0.1:27103"
        ]
    );
    for i in 0..4 {
        let folder = out.join(format!("validator-{i}"));
        for file in ["consensus.key", "p2p.key"] {
            let mode = std::fs::metadata(folder.join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "validator-{i}/{file}");
        }
        let key = ValidatorKey::load(&folder).unwrap();
        scheme::signer(&set, &key).unwrap();
    }

    // Run again on the same folder: refused, nothing overwritten.
    let before = std::fs::read(out.join("genesis.toml")).unwrap();
    let again = weft(&["genesis", "--out", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("--out"), "{}", stderr(&again));
    assert_eq!(std::fs::read(out.join("genesis.toml")).unwrap(), before);
}

#[test]
fn genesis_refusals_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x");
    let out = out.to_str().unwrap();
    for (args, flag) in [
        (
            vec!["genesis", "--out", out, "--validators", "0"],
            "--validators",
        ),
        (
            vec!["genesis", "--out", out, "--validators", "1025"],
            "--validators",
        ),
        (
            vec!["genesis", "--out", out, "--chain-id", "has space"],
            "--chain-id",
        ),
        (
            vec![
                "genesis",
                "--out",
                out,
                "--validators",
                "5",
                "--base-port",
                "65534",
            ],
            "--base-port",
        ),
    ] {
        let o = weft(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_tampered_genesis_is_refused_naming_the_validator() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net");
    make_genesis(&out, 3);
    let path = out.join("genesis.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Swap two validators' proofs of possession: each no longer proves its own key.
    let pops: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("proof_of_possession"))
        .collect();
    let swapped = text
        .replacen(pops[0], "@", 1)
        .replacen(pops[1], pops[0], 1)
        .replacen('@', pops[1], 1);
    std::fs::write(&path, swapped).unwrap();
    let err = load_genesis(&path).unwrap_err().to_string();
    assert!(
        err.contains("validator 0: proof of possession does not verify"),
        "{err}"
    );
}

#[test]
fn genesis_flags_are_checked_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net");
    make_genesis(&net, 4);
    let genesis = net.join("genesis.toml");
    let genesis = genesis.to_str().unwrap();
    let missing = dir.path().join("nope.toml");
    let missing = missing.to_str().unwrap();
    let key = "11".repeat(32);
    let node = ["--node", "http://127.0.0.1:1"];
    let get = |extra: &[&str]| {
        let mut args = vec![
            "blob",
            "get",
            node[0],
            node[1],
            "--height",
            "1",
            "--namespace",
            "000000000000000000000000000000ab",
        ];
        args.extend_from_slice(extra);
        weft(&args)
    };
    for (out, flag) in [
        (get(&["--genesis", missing]), "--genesis"),
        (
            get(&["--genesis", genesis, "--producer-key", &key]),
            "--genesis and --producer-key",
        ),
        (
            weft(&[
                "light",
                "start",
                "--bootstrap",
                "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
                "--genesis",
                missing,
            ]),
            "--genesis",
        ),
        (
            weft(&[
                "light",
                "start",
                "--bootstrap",
                "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
                "--genesis",
                genesis,
                "--producer-key",
                &key,
            ]),
            "--genesis and --producer-key",
        ),
        (
            weft(&[
                "da-server",
                node[0],
                node[1],
                "--namespace",
                "000000000000000000000000000000ab",
                "--genesis",
                missing,
            ]),
            "--genesis",
        ),
    ] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(flag),
            "{:?} should name {flag}",
            stderr(&out)
        );
    }
}

#[test]
fn a_chain_its_validators_did_not_certify_is_refused_by_blob_get_with_the_genesis() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net");
    make_genesis(&net, 4);
    let (_node, url) = common::start_node(&dir.path().join("node"));
    let ns = "000000000000000000000000000000ab";
    let file = dir.path().join("blob.bin");
    std::fs::write(&file, b"not certified by anyone").unwrap();
    let submitted = common::blob_submit(&url, ns, &file, &["--json"]);
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let receipt: serde_json::Value = serde_json::from_str(&stdout(&submitted)).unwrap();
    let height = receipt["height"].as_u64().unwrap().to_string();

    // With the producer's key it verifies; with the validators' genesis the same header is
    // refused: its signer is not a validator of the chain (exit 4, the node misbehaved).
    let key = common::producer_key(&url);
    assert!(
        common::blob_get(&url, &height, ns, &["--producer-key", &key])
            .status
            .success()
    );
    let genesis = net.join("genesis.toml");
    let refused = common::blob_get(&url, &height, ns, &["--genesis", genesis.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("not a validator of chain \"weft-devnet\""),
        "{}",
        stderr(&refused)
    );
}
