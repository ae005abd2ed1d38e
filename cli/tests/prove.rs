//! `weft blob prove` and `GET /v1/blobs/{height}/{namespace}/{commitment}/inclusion` on a real
//! node (issue 23, PROTOCOL §14): a blob of three rows (the last partial) is proven at a z, the
//! bundle written with --out verifies with the no_std verifier, each of its rows is the
//! EIP-4844 blob of the blob's data and each opening is byte for byte c-kzg's; bad flags name
//! themselves, a z past the group order is a 400, a bundle checked against another key fails.

mod common;

use c_kzg::{Blob as CBlob, Bytes32};
use common::{blob_submit, free_port, producer_key, spawn_node, stderr, stdout, weft};
use serde_json::Value;
use weft_encoding::layout::{elements_for, pack, ROW_DATA_BYTES};
use weft_types::inclusion::{verify_bundle, InclusionBundle, TrustRoot};

const Z: &str = "1f0e0d0c0b0a09080706050403020100ffeeddccbbaa99887766554433221100";

#[test]
fn a_three_row_blob_is_proven_at_z_and_every_verifier_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _node = spawn_node(
        &dir.path().join("node"),
        port,
        "300ms",
        400_000,
        std::process::Stdio::null(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let key = (0..600)
        .find_map(|_| {
            let ok = weft(&["node", "info", "--node", &url]).status.success();
            if !ok {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            ok.then(|| producer_key(&url))
        })
        .expect("node starts");
    let ns = "0000000000000000000000000000ab01";
    let data: Vec<u8> = (0..3 * ROW_DATA_BYTES as u32 - 10_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let file = dir.path().join("batch.bin");
    std::fs::write(&file, &data).unwrap();
    let submitted = blob_submit(&url, ns, &file, &["--json"]);
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let receipt: Value = serde_json::from_str(&stdout(&submitted)).unwrap();
    let height = receipt["height"].as_u64().unwrap().to_string();
    let commitment = receipt["commitment"].as_str().unwrap().to_string();

    let out = dir.path().join("bundle.bin");
    let prove_blob = |commitment: &str, extra: &[&str]| {
        let mut args = vec![
            "blob",
            "prove",
            "--node",
            &url,
            "--height",
            &height,
            "--namespace",
            ns,
            "--commitment",
            commitment,
        ];
        args.extend_from_slice(extra);
        weft(&args)
    };
    let prove = |extra: &[&str]| prove_blob(&commitment, extra);
    let proven = prove(&[
        "--z",
        Z,
        "--out",
        out.to_str().unwrap(),
        "--producer-key",
        &key,
    ]);
    assert!(proven.status.success(), "{}", stderr(&proven));
    let text = stdout(&proven);
    assert!(
        text.contains("each the EIP-4844 blob of its data alone"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("row ")).count(),
        3,
        "{text}"
    );

    // The file: the no_std verifier accepts it; each row is the EIP-4844 blob of a third of
    // the data, and c-kzg computes the same commitment and the same opening at z.
    let bundle = InclusionBundle::from_bytes(&std::fs::read(&out).unwrap()).unwrap();
    let trust = TrustRoot::Producer(hex::decode(&key).unwrap().try_into().unwrap());
    let verified = verify_bundle(&bundle, &trust).unwrap();
    let z: [u8; 32] = hex::decode(Z).unwrap().try_into().unwrap();
    assert_eq!(verified.z, Some(z));
    let settings = c_kzg::ethereum_kzg_settings(0);
    for (i, chunk) in data.chunks(ROW_DATA_BYTES).enumerate() {
        let mut row = vec![0u8; 131_072];
        pack(chunk, &mut row[..elements_for(chunk.len()) * 32]);
        let row = Box::new(CBlob::from_bytes(&row).unwrap());
        let commitment = settings.blob_to_kzg_commitment(&row).unwrap();
        assert_eq!(*commitment.to_bytes(), bundle.rows[i].0, "row {i}");
        let (proof, y) = settings.compute_kzg_proof(&row, &Bytes32::new(z)).unwrap();
        assert_eq!(
            (*proof.to_bytes(), *y),
            (bundle.openings[i].proof, bundle.openings[i].y),
            "row {i}"
        );
    }

    // The JSON view repeats the bundle.
    let json = prove(&["--z", Z, "--json", "--producer-key", &key]);
    assert!(json.status.success(), "{}", stderr(&json));
    let view: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(view["owns_rows"], true);
    assert_eq!(view["rows"].as_array().unwrap().len(), 3);
    assert_eq!(
        view["bundle"],
        format!("0x{}", hex::encode(bundle.to_bytes()))
    );

    // Refusals: flags that name themselves, the node's 400, another key's trust.
    let bad_z = prove(&["--z", "zz", "--producer-key", &key]);
    assert!(
        !bad_z.status.success() && stderr(&bad_z).contains("--z"),
        "{}",
        stderr(&bad_z)
    );
    let big_z = prove(&["--z", &"ff".repeat(32), "--producer-key", &key]);
    assert!(stderr(&big_z).contains("group order"), "{}", stderr(&big_z));
    let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::get(format!(
            "{url}/v1/blobs/{height}/{ns}/{commitment}/inclusion?z={}",
            "ff".repeat(32)
        ))
        .await
        .unwrap()
        .status()
    });
    assert_eq!(status, 400);
    let missing = prove_blob(&"00".repeat(32), &["--producer-key", &key]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no blob"), "{}", stderr(&missing));
    let other = prove(&["--producer-key", &"11".repeat(32)]);
    assert!(!other.status.success());
    assert!(
        stderr(&other).contains("another key than the trusted producer"),
        "{}",
        stderr(&other)
    );
}
