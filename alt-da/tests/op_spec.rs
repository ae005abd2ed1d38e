//! The Alt-DA server end to end against a real Weft node on loopback, driven by a client
//! written here from the OP spec (`experimental/alt-da.md`, "DA Server") and op-alt-da's
//! DAClient wire habits — plain HTTP, no weft-client: `POST /put` answers the commitment's bytes,
//! `POST /put/0x00<keccak>` and `GET /get/0x<commitment>` carry `0x`-hex in the path.

use std::time::Duration;

use sha3::{Digest, Keccak256};
use weft_alt_da::{DaServer, DaServerConfig};
use weft_encoding::layout::Namespace;
use weft_testkit::{bytes, lying_proxy, producer, Faults, Lie, TestNode, TEST_MAX_BLOB};
use weft_types::ProducerKey;

const BLOCK: Duration = Duration::from_millis(300);
/// OP's `MAX_L1_TX_SIZE`: the largest input derivation takes for keccak commitments.
const MAX_L1_TX_SIZE: usize = 130_672;
const NAMESPACE: Namespace = Namespace([0x0b; 16]);

/// The spec's client, as op-batcher and op-node talk to a DA server.
struct SpecClient {
    url: String,
    http: reqwest::Client,
}

impl SpecClient {
    fn new(url: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(150))
            .build()
            .unwrap();
        Self { url, http }
    }

    async fn post(&self, path: &str, data: &[u8]) -> (u16, Vec<u8>) {
        let answer = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/octet-stream")
            .body(data.to_vec())
            .send()
            .await
            .unwrap();
        (
            answer.status().as_u16(),
            answer.bytes().await.unwrap().to_vec(),
        )
    }

    /// `POST /put`: the commitment's bytes on 200.
    async fn put(&self, data: &[u8]) -> (u16, Vec<u8>) {
        self.post("/put", data).await
    }

    /// `POST /put/0x00<keccak256>`.
    async fn put_keccak(&self, hash: &[u8; 32], data: &[u8]) -> u16 {
        self.post(&format!("/put/0x00{}", hex::encode(hash)), data)
            .await
            .0
    }

    /// `GET /get/0x<commitment>`.
    async fn get(&self, commitment: &[u8]) -> (u16, Vec<u8>) {
        self.get_text(&format!("0x{}", hex::encode(commitment)))
            .await
    }

    async fn get_text(&self, text: &str) -> (u16, Vec<u8>) {
        let answer = self
            .http
            .get(format!("{}/get/{text}", self.url))
            .send()
            .await
            .unwrap();
        (
            answer.status().as_u16(),
            answer.bytes().await.unwrap().to_vec(),
        )
    }
}

fn keccak(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

async fn da_server(node_url: String, producer: ProducerKey) -> DaServer {
    let config = DaServerConfig::new(
        node_url,
        NAMESPACE,
        producer,
        "127.0.0.1:0".parse().unwrap(),
    );
    DaServer::start(config).await.unwrap()
}

async fn setup() -> (TestNode, DaServer, SpecClient) {
    let node = producer(BLOCK, Faults::none()).await;
    let server = da_server(node.node.url(), node.node.producer_key()).await;
    let client = SpecClient::new(server.url());
    (node, server, client)
}

/// Checks the commitment's layout as PROTOCOL §11 fixes it; returns the height it names.
fn named_height(commitment: &[u8]) -> u64 {
    assert_eq!(commitment.len(), 59, "{}", hex::encode(commitment));
    assert_eq!(commitment[0], 0x01, "commitment type da-service");
    assert_eq!(commitment[1], 0x57, "Weft's DA-layer byte");
    assert_eq!(commitment[2], 0x00, "payload version");
    assert_eq!(&commitment[11..27], &NAMESPACE.0);
    u64::from_be_bytes(commitment[3..11].try_into().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_and_get_round_trip_from_one_byte_to_the_node_max() {
    let (node, server, client) = setup().await;
    for len in [1, MAX_L1_TX_SIZE, TEST_MAX_BLOB] {
        let data = bytes(len as u64, len);
        let (status, commitment) = client.put(&data).await;
        assert_eq!(
            status,
            200,
            "{len} B: {}",
            String::from_utf8_lossy(&commitment)
        );
        let height = named_height(&commitment);
        let info: serde_json::Value =
            weft_testkit::get_json(&format!("{}/v1/node/info", node.node.url())).await;
        assert!(
            height >= 1 && height <= info["head"].as_u64().unwrap(),
            "{height}"
        );
        let (status, got) = client.get(&commitment).await;
        assert_eq!(status, 200, "{len} B");
        assert!(got == data, "{len} B: exact bytes back");
    }
    let (status, body) = client.put(&bytes(9, TEST_MAX_BLOB + 1)).await;
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    assert_eq!(client.put(b"").await.0, 400, "empty body");
    server.stop().await;
    node.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keccak_puts_check_the_hash_and_any_server_finds_them() {
    let (node, server, client) = setup().await;
    let data = bytes(7, 20_000);
    let hash = keccak(&data);
    assert_eq!(client.put_keccak(&hash, &data).await, 200);
    let mut commitment = vec![0x00];
    commitment.extend_from_slice(&hash);
    assert_eq!(client.get(&commitment).await, (200, data.clone()));
    // A batcher retrying a put that landed gets 200 again.
    assert_eq!(client.put_keccak(&hash, &data).await, 200);
    let other = bytes(8, 100);
    assert_eq!(client.put_keccak(&hash, &other).await, 400, "hash mismatch");
    let mut unknown = vec![0x00];
    unknown.extend_from_slice(&keccak(&other));
    assert_eq!(client.get(&unknown).await.0, 404);
    // A verifier's DA server never saw the put: it finds the blob on Weft by its hash.
    let verifier = da_server(node.node.url(), node.node.producer_key()).await;
    let (status, got) = SpecClient::new(verifier.url()).get(&commitment).await;
    assert_eq!((status, got == data), (200, true));
    verifier.stop().await;
    server.stop().await;
    node.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unknown_commitments_are_refused() {
    let (node, server, client) = setup().await;
    let (status, commitment) = client.put(b"x").await;
    assert_eq!(status, 200);
    for bad in [
        "0xzz",
        "0x0",
        "0x02aa",
        "0x",
        &format!("0x{}", "00".repeat(40)),
    ] {
        assert_eq!(client.get_text(bad).await.0, 400, "{bad}");
    }
    let mut celestia = commitment.clone();
    celestia[1] = 0x0c;
    assert_eq!(
        client.get(&celestia).await.0,
        400,
        "another DA layer's byte"
    );
    let mut short = commitment.clone();
    short.pop();
    assert_eq!(client.get(&short).await.0, 400, "one byte short");
    let mut unknown = commitment.clone();
    unknown[40] ^= 1;
    assert_eq!(
        client.get(&unknown).await.0,
        404,
        "no such blob in that block"
    );
    let mut future = commitment.clone();
    future[3..11].copy_from_slice(&1_000_000u64.to_be_bytes());
    assert_eq!(
        client.get(&future).await.0,
        503,
        "a height above the node's head is not proven absent: retry"
    );
    assert_eq!(
        client
            .post(&format!("/put/0x{}", hex::encode(&commitment)), b"x")
            .await
            .0,
        400,
        "a da-service commitment cannot be put to"
    );
    server.stop().await;
    node.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_stopped_mid_put_is_an_error_not_a_200() {
    let node = producer(Duration::from_secs(3), Faults::none()).await;
    let server = da_server(node.node.url(), node.node.producer_key()).await;
    let client = SpecClient::new(server.url());
    let put = tokio::spawn(async move { client.put(&bytes(3, 100_000)).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    node.node.stop().await;
    let (status, body) = put.await.unwrap();
    assert!(
        status >= 500,
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gets_and_puts_are_answered_only_from_verified_data() {
    let (node, server, client) = setup().await;
    let data = bytes(5, 3_000);
    let (status, commitment) = client.put(&data).await;
    assert_eq!(status, 200);
    // A node that changes the bytes it serves.
    let proxy = lying_proxy(node.node.url(), Lie::BlobBytes).await;
    let lied_to = da_server(format!("http://{proxy}"), node.node.producer_key()).await;
    let (status, body) = SpecClient::new(lied_to.url()).get(&commitment).await;
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    lied_to.stop().await;
    // A DA server trusting another producer key refuses this chain's headers.
    let other = ProducerKey::of(&ed25519_dalek::SigningKey::from_bytes(&[42; 32]));
    let wrong_key = da_server(node.node.url(), other).await;
    let wrong = SpecClient::new(wrong_key.url());
    assert_eq!(wrong.get(&commitment).await.0, 502);
    assert_eq!(
        wrong.put(b"never confirmed").await.0,
        502,
        "put not confirmed"
    );
    wrong_key.stop().await;
    // A node whose proof leaves the new blob out: the put is not confirmed.
    let proxy = lying_proxy(node.node.url(), Lie::OmitFromProof).await;
    let omitting = da_server(format!("http://{proxy}"), node.node.producer_key()).await;
    let (status, body) = SpecClient::new(omitting.url()).put(b"left out").await;
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    omitting.stop().await;
    // A node that answers a receipt for another blob of the chain: the put is not confirmed.
    let proxy = lying_proxy(node.node.url(), Lie::ReplayReceipt).await;
    let replaying = da_server(format!("http://{proxy}"), node.node.producer_key()).await;
    let replayed = SpecClient::new(replaying.url());
    assert_eq!(replayed.put(b"first, stored").await.0, 200);
    let (status, body) = replayed.put(b"second, never stored").await;
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    replaying.stop().await;
    server.stop().await;
    node.node.stop().await;
}

/// A node that accepts connections and never answers (hung, or its host overloaded).
async fn stalled_node() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn puts_over_the_limits_are_refused_at_once_or_timed_out() {
    let key = ProducerKey::of(&ed25519_dalek::SigningKey::from_bytes(&[1; 32]));
    let config = DaServerConfig {
        max_puts: 1,
        max_blob_size: Some(1000),
        put_timeout: Duration::from_millis(800),
        ..DaServerConfig::new(
            stalled_node().await,
            NAMESPACE,
            key,
            "127.0.0.1:0".parse().unwrap(),
        )
    };
    let server = DaServer::start(config).await.unwrap();
    let first = tokio::spawn({
        let client = SpecClient::new(server.url());
        async move {
            let started = std::time::Instant::now();
            let (status, _) = client.put(b"slow").await;
            (status, started.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let (status, body) = SpecClient::new(server.url()).put(b"second").await;
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "refused at once"
    );
    let (status, took) = first.await.unwrap();
    assert_eq!(status, 504, "the put outlived its time limit");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // The slot is free again; the body limit holds before the node is asked anything.
    let (status, _) = SpecClient::new(server.url()).put(&[7; 1001]).await;
    assert_eq!(status, 413);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capped_keccak_index_still_finds_forgotten_blobs_by_a_rescan() {
    let (node, server, client) = setup().await;
    let mut commitments = Vec::new();
    for seed in 0..6 {
        let data = bytes(100 + seed, 3_000);
        let hash = keccak(&data);
        assert_eq!(client.put_keccak(&hash, &data).await, 200);
        let mut commitment = vec![0x00];
        commitment.extend_from_slice(&hash);
        commitments.push((commitment, data));
    }
    // A verifier's server remembering two blobs: finding the newest indexes every height and
    // forgets the lowest ones.
    let mut config = DaServerConfig::new(
        node.node.url(),
        NAMESPACE,
        node.node.producer_key(),
        "127.0.0.1:0".parse().unwrap(),
    );
    config.keccak_index_blobs = 2;
    let verifier = DaServer::start(config).await.unwrap();
    let reader = SpecClient::new(verifier.url());
    for (commitment, data) in commitments.iter().rev().chain(commitments.iter()) {
        let (status, got) = reader.get(commitment).await;
        assert_eq!(
            (status, &got == data),
            (200, true),
            "found again after eviction"
        );
    }
    let mut unknown = vec![0x00];
    unknown.extend_from_slice(&keccak(b"never put"));
    assert_eq!(reader.get(&unknown).await.0, 404, "absence is still proven");
    verifier.stop().await;
    server.stop().await;
    node.node.stop().await;
}
