//! Writes the seed corpus: a valid instance of each input every target decodes (a header and an
//! equivocation proof signed by the targets' key, each p2p message, a laid-out square, a
//! namespace proof, a served cell with its commitment, the API's JSON bodies, settings files),
//! so fuzzing starts from inputs that pass the first checks. Run once:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds -- fuzz/corpus`.

use std::{fs, path::Path, sync::Arc};

use ed25519_dalek::SigningKey;
use weft_encoding::{
    layout::{index_root, lay_out, prove_namespace, Blob, Digest32, Namespace},
    Kzg, Position, RowProver,
};
use weft_types::{
    api::{NodeInfo, NodeRole, SubmitBlob},
    config::{light::LightSettings, node::NodeConfig},
    wire::*,
    EquivocationProof, Header, ProducerKey, UnsignedHeader, GENESIS_PARENT,
};

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = dir.join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(body);
    out
}

fn header(key: &SigningKey, height: u64, timestamp_ms: u64) -> Header {
    UnsignedHeader {
        height,
        parent_hash: Digest32(GENESIS_PARENT),
        timestamp_ms,
        k: 0,
        row_commitments: vec![],
        blob_count: 0,
        index_root: Digest32(index_root(&[])),
        producer: ProducerKey::of(key),
    }
    .sign(key)
}

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into());
    let out = Path::new(&out);
    let key = SigningKey::from_bytes(&[7; 32]);

    // Headers and an equivocation proof.
    let (a, b) = (header(&key, 3, 1_000), header(&key, 3, 2_000));
    write(out, "header", "header", &a.to_bytes());
    let proof = EquivocationProof::of(&a, &b).unwrap();
    write(out, "header", "equivocation", &proof.to_bytes());

    // p2p messages, each after its type byte.
    let position = Position { row: 1, col: 2 };
    let messages: Vec<(u8, Vec<u8>)> = vec![
        (0, encode(&HeadersRequest { from: 1, count: 64 })),
        (1, encode(&HeadersResponse::Headers(vec![a.to_bytes()]))),
        (2, encode(&CellsRequest { height: 1, cells: vec![position] })),
        (3, encode(&CellsResponse::Refused(Refusal::Pruned))),
        (4, encode(&RowRequest { height: 1, row: 0 })),
        (5, encode(&RowResponse::Refused(Refusal::RateLimited))),
        (6, encode(&StatusRequest)),
        (
            7,
            encode(&StatusResponse {
                head: 80,
                window: Some(3),
                requests_per_second: 50,
                burst: 200,
            }),
        ),
    ];
    for (tag, body) in &messages {
        write(out, "wire", &format!("message-{tag}"), &tagged(*tag, body));
    }

    // A square's layout and a namespace proof over its index.
    let blobs = vec![
        Blob::new(Namespace([1; 16]), vec![5; 100]),
        Blob::new(Namespace([2; 16]), vec![6; 40_000]),
    ];
    let layout = lay_out(&blobs, 1).unwrap();
    let used = layout.data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    write(out, "layout", "two-blobs", &tagged(0, &layout.data[..used]));
    let ns_proof = prove_namespace(&layout.index, &Namespace([2; 16]));
    let mut np = layout.index_root.to_vec();
    np.extend_from_slice(&[2; 16]);
    np.extend_from_slice(&(layout.index.len() as u32).to_be_bytes());
    np.extend_from_slice(&serde_json::to_vec(&ns_proof).unwrap());
    write(out, "namespace_proof", "two-blobs", &np);

    // One row's commitment and a served cell with its proof.
    let kzg = Kzg::new(Arc::new(RowProver::new()));
    let row = &layout.data[..4096 * 32];
    let commitment = kzg.blob_to_kzg_commitment(row).unwrap();
    let (cells, proofs) = kzg.compute_cells_and_kzg_proofs(row).unwrap();
    let served = CellsResponse::Cells(vec![CellWithProof {
        id: Position { row: 0, col: 5 },
        cell: cells[5],
        proof: proofs[5],
    }]);
    let mut cell_seed = vec![0u8];
    cell_seed.extend_from_slice(&commitment.0);
    cell_seed.extend_from_slice(&encode(&served));
    write(out, "cells", "one-cell", &cell_seed);
    write(out, "wire", "message-cells", &tagged(3, &encode(&served)));

    // HTTP bodies and path parameters.
    let submit = SubmitBlob {
        namespace: Namespace([9; 16]),
        data: "aGVsbG8=".into(),
    };
    write(out, "http_json", "submit", &tagged(0, &serde_json::to_vec(&submit).unwrap()));
    let info = NodeInfo {
        peer_id: "12D3KooW".into(),
        listen_addrs: vec!["/ip4/127.0.0.1/tcp/1".into()],
        producer_key: ProducerKey::of(&key),
        role: NodeRole::Full,
        head: 7,
        ws_addr: None,
        peers: 2,
        availability_window: Some(3),
        oldest_available: 5,
        max_blob_size: Some(1 << 20),
        encoder: Some("cuda".into()),
        encoder_device: Some("NVIDIA H200".into()),
    };
    write(out, "http_json", "node-info", &tagged(5, &serde_json::to_vec(&info).unwrap()));
    write(out, "http_json", "namespace", &tagged(7, format!("{:032x}", 7).as_bytes()));

    // Settings files.
    let node = toml_text(&NodeConfig::default());
    write(out, "config", "node-defaults", node.as_bytes());
    let light = toml_text(&LightSettings::default());
    write(out, "config", "light-defaults", light.as_bytes());
    println!("seeds written under {}", out.display());
}

fn toml_text<T: serde::Serialize>(value: &T) -> String {
    // The settings' own serialisation, through JSON to keep this tool free of a TOML writer:
    // a flat table of `key = value` lines is what a hand-written file looks like.
    let json = serde_json::to_value(value).unwrap();
    let mut text = String::new();
    for (k, v) in json.as_object().unwrap() {
        if v.is_object() || v.is_null() {
            continue;
        }
        text.push_str(&format!("{k} = {v}\n"));
    }
    text
}
