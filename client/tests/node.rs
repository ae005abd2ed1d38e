//! `weft-client` against real nodes on loopback: every read path; and lying nodes — a proxy in
//! front of a real node that changes blob bytes or leaves a blob out, a node signing with
//! another key, a node on another chain under the same key — each caught as `Misbehaving`.

use std::time::Duration;

use weft_client::{
    submit_with_retry, wait_included, Client, ClientError, Retry, Submitted, VerifiedClient,
};
use weft_encoding::layout::Namespace;
use weft_testkit::{bytes, lying_proxy, producer, Faults, Lie, TestNode};
use weft_types::ProducerKey;

const BLOCK: Duration = Duration::from_millis(300);

fn ns(b: u8) -> Namespace {
    Namespace([b; 16])
}

/// A node with blobs of two namespaces in one block; returns it with that height.
async fn node_with_blobs() -> (TestNode, u64) {
    let node = producer(BLOCK, Faults::none()).await;
    let client = Client::new(&node.node.url()).unwrap();
    // Queued together so that they share a block.
    for (n, seed) in [(1u8, 1u64), (2, 2), (1, 3)] {
        let Submitted::Queued(_) = client
            .submit(ns(n), &bytes(seed, 5_000), false)
            .await
            .unwrap()
        else {
            panic!("expected 202")
        };
    }
    let receipt = submit_with_retry(&client, ns(3), &bytes(4, 10), Retry::default())
        .await
        .unwrap();
    (node, receipt.height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_path_verifies_against_an_honest_node() {
    let (node, height) = node_with_blobs().await;
    let client = Client::new(&node.node.url()).unwrap();
    let verified = VerifiedClient::new(client.clone(), node.node.producer_key());
    let blobs = verified.get_blobs(height, &ns(1)).await.unwrap();
    assert_eq!(blobs.len(), 2, "both blobs of namespace 1, in index order");
    assert_eq!(blobs[0].data, bytes(1, 5_000));
    assert_eq!(blobs[1].data, bytes(3, 5_000));
    assert!(
        verified.get_blobs(height, &ns(9)).await.unwrap().is_empty(),
        "absence proven"
    );
    let by_commitment = verified
        .get_blob_by_commitment(&blobs[1].commitment)
        .await
        .unwrap();
    assert_eq!(by_commitment, blobs[1]);
    let first = verified.header(1).await.unwrap();
    let linked = verified.header_linked(&first, height).await.unwrap();
    assert_eq!(linked, verified.header(height).await.unwrap());
    assert!(verified.head().await.unwrap().height() >= height);
    let cell = client.cell(height, 0, 0).await.unwrap();
    assert_eq!((cell.row, cell.col), (0, 0));
    let info = client.node_info().await.unwrap();
    assert_eq!(info.producer_key, node.node.producer_key());
    assert_eq!(
        client.health().await.unwrap().head,
        info.head.max(client.health().await.unwrap().head)
    );
    assert!(client.metrics().await.unwrap().contains("weft_head_height"));
    let Submitted::Queued(queued) = client.submit(ns(4), b"later", false).await.unwrap() else {
        panic!("expected 202")
    };
    let receipt = wait_included(
        &client,
        &queued.id,
        Duration::from_millis(100),
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert_eq!(receipt.commitment, queued.commitment);
    assert!(matches!(
        client.header(1_000_000).await,
        Err(ClientError::NotFound(_))
    ));
    assert!(matches!(
        client.submit(ns(1), b"", true).await,
        Err(ClientError::Input(_))
    ));
    node.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_signed_by_another_key_is_refused() {
    let (node, height) = node_with_blobs().await;
    let other = ProducerKey::of(&ed25519_dalek::SigningKey::from_bytes(&[42; 32]));
    let verified = VerifiedClient::new(Client::new(&node.node.url()).unwrap(), other);
    for result in [
        verified.header(height).await.map(|_| ()),
        verified.get_blobs(height, &ns(1)).await.map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(ClientError::Misbehaving { .. })),
            "{result:?}"
        );
    }
    node.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_from_another_chain_under_the_same_key_does_not_link() {
    let a = producer(BLOCK, Faults::none()).await;
    let b = weft_testkit::twin_producer(&a, BLOCK).await;
    weft_testkit::wait_for_height(&a.node, 2, Duration::from_secs(30)).await;
    weft_testkit::wait_for_height(&b.node, 2, Duration::from_secs(30)).await;
    let key = a.node.producer_key();
    let trusted = VerifiedClient::new(Client::new(&a.node.url()).unwrap(), key)
        .header(1)
        .await
        .unwrap();
    let other = VerifiedClient::new(Client::new(&b.node.url()).unwrap(), key);
    other.header(2).await.expect("validly signed on its own");
    assert!(matches!(
        other.header_linked(&trusted, 2).await,
        Err(ClientError::Misbehaving { .. })
    ));
    b.node.stop().await;
    a.node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_or_omitted_blobs_are_caught() {
    let (node, height) = node_with_blobs().await;
    for lie in [Lie::BlobBytes, Lie::OmitBlob, Lie::OmitFromProof] {
        let proxy = lying_proxy(node.node.url(), lie).await;
        let client = Client::new(&format!("http://{proxy}")).unwrap();
        let verified = VerifiedClient::new(client.clone(), node.node.producer_key());
        let caught = verified.get_blobs(height, &ns(1)).await;
        assert!(matches!(&caught, Err(e) if e.is_node_fault()), "{caught:?}");
        // The unverified read takes the lie as it is.
        assert!(client.blobs(height, &ns(1)).await.is_ok());
    }
    node.node.stop().await;
}
