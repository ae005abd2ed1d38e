//! Every consensus-spec KZG test vector (EIP-4844 and EIP-7594) through Weft's own API. Each
//! test counts the cases it ran and fails if any case in the folder was not run.

mod common;

use std::{fs, path::PathBuf};

use yaml_serde::Value;

/// Runs `case` on every `data.yaml` under `kzg/<function>/`; returns how many ran.
fn run_all(function: &str, case: impl Fn(&str, &Value, &Value)) {
    let dir = common::vectors_dir().join("kzg").join(function);
    if !dir.exists() {
        eprintln!("SKIP {function}: {} not found", dir.display());
        return;
    }
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut ran = 0;
    for path in &cases {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text =
            fs::read_to_string(path.join("data.yaml")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let doc: Value = yaml_serde::from_str(&text).unwrap();
        case(&name, &doc["input"], &doc["output"]);
        ran += 1;
    }
    assert!(ran > 0, "{function}: folder present but empty");
    assert_eq!(ran, cases.len(), "{function}: skipped cases");
    eprintln!("{function}: {ran} cases");
}

/// Hex string → bytes; `None` if the vector holds invalid hex (such cases expect failure).
fn bytes(v: &Value) -> Option<Vec<u8>> {
    let s = v.as_str().expect("hex string");
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()
}

fn list(v: &Value) -> Option<Vec<Vec<u8>>> {
    v.as_sequence().expect("list").iter().map(bytes).collect()
}

fn hexes<T: AsRef<[u8]>>(items: &[T]) -> Vec<String> {
    items
        .iter()
        .map(|b| format!("0x{}", hex::encode(b.as_ref())))
        .collect()
}

fn expect_hex_list(v: &Value) -> Vec<String> {
    v.as_sequence()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_lowercase())
        .collect()
}

#[test]
fn blob_to_kzg_commitment() {
    run_all("blob_to_kzg_commitment", |name, input, output| {
        let got = bytes(&input["blob"])
            .ok_or(())
            .and_then(|b| common::kzg().blob_to_kzg_commitment(&b).map_err(|_| ()));
        match output.as_str() {
            Some(want) => assert_eq!(got.expect(name).to_hex(), want.to_lowercase(), "{name}"),
            None => assert!(got.is_err(), "{name}: expected failure"),
        }
    });
}

#[test]
fn compute_cells() {
    run_all("compute_cells", |name, input, output| {
        let got = bytes(&input["blob"])
            .ok_or(())
            .and_then(|b| common::kzg().compute_cells(&b).map_err(|_| ()));
        if output.is_null() {
            assert!(got.is_err(), "{name}: expected failure");
        } else {
            assert_eq!(hexes(&got.expect(name)), expect_hex_list(output), "{name}");
        }
    });
}

#[test]
fn compute_cells_and_kzg_proofs() {
    run_all("compute_cells_and_kzg_proofs", |name, input, output| {
        let got = bytes(&input["blob"]).ok_or(()).and_then(|b| {
            common::kzg()
                .compute_cells_and_kzg_proofs(&b)
                .map_err(|_| ())
        });
        if output.is_null() {
            assert!(got.is_err(), "{name}: expected failure");
        } else {
            let (cells, proofs) = got.expect(name);
            assert_eq!(hexes(&cells), expect_hex_list(&output[0]), "{name} cells");
            let proofs: Vec<[u8; 48]> = proofs.iter().map(|p| p.0).collect();
            assert_eq!(hexes(&proofs), expect_hex_list(&output[1]), "{name} proofs");
        }
    });
}

#[test]
fn recover_cells_and_kzg_proofs() {
    run_all("recover_cells_and_kzg_proofs", |name, input, output| {
        let indices: Vec<u64> = input["cell_indices"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let got = list(&input["cells"]).ok_or(()).and_then(|cells| {
            let refs: Vec<&[u8]> = cells.iter().map(Vec::as_slice).collect();
            common::kzg()
                .recover_cells_and_kzg_proofs(&indices, &refs)
                .map_err(|_| ())
        });
        if output.is_null() {
            assert!(got.is_err(), "{name}: expected failure");
        } else {
            let (cells, proofs) = got.expect(name);
            assert_eq!(hexes(&cells), expect_hex_list(&output[0]), "{name} cells");
            let proofs: Vec<[u8; 48]> = proofs.iter().map(|p| p.0).collect();
            assert_eq!(hexes(&proofs), expect_hex_list(&output[1]), "{name} proofs");
        }
    });
}

#[test]
fn verify_cell_kzg_proof_batch() {
    run_all("verify_cell_kzg_proof_batch", |name, input, output| {
        let indices: Vec<u64> = input["cell_indices"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let got = (|| {
            let commitments = list(&input["commitments"])?;
            let cells = list(&input["cells"])?;
            let proofs = list(&input["proofs"])?;
            let c: Vec<&[u8]> = commitments.iter().map(Vec::as_slice).collect();
            let x: Vec<&[u8]> = cells.iter().map(Vec::as_slice).collect();
            let p: Vec<&[u8]> = proofs.iter().map(Vec::as_slice).collect();
            common::kzg()
                .verify_cell_kzg_proof_batch(&c, &indices, &x, &p)
                .ok()
        })();
        match output.as_bool() {
            Some(want) => assert_eq!(got, Some(want), "{name}"),
            None => assert_eq!(got, None, "{name}: expected failure"),
        }
    });
}

#[test]
fn compute_blob_kzg_proof() {
    run_all("compute_blob_kzg_proof", |name, input, output| {
        let got = (|| {
            let blob = bytes(&input["blob"])?;
            let commitment = bytes(&input["commitment"])?;
            common::kzg()
                .compute_blob_kzg_proof(&blob, &commitment)
                .ok()
        })();
        match output.as_str() {
            Some(want) => assert_eq!(got.expect(name).to_hex(), want.to_lowercase(), "{name}"),
            None => assert!(got.is_none(), "{name}: expected failure"),
        }
    });
}

#[test]
fn verify_blob_kzg_proof() {
    run_all("verify_blob_kzg_proof", |name, input, output| {
        let got = (|| {
            let blob = bytes(&input["blob"])?;
            let commitment = bytes(&input["commitment"])?;
            let proof = bytes(&input["proof"])?;
            common::kzg()
                .verify_blob_kzg_proof(&blob, &commitment, &proof)
                .ok()
        })();
        match output.as_bool() {
            Some(want) => assert_eq!(got, Some(want), "{name}"),
            None => assert_eq!(got, None, "{name}: expected failure"),
        }
    });
}
