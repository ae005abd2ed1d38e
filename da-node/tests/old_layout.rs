//! Stored chains stay readable across the layout change (issue 23, PROTOCOL §5): a block laid
//! out in version 1 (every blob back to back) and one in version 2 (long blobs own whole rows)
//! are published on one chain; a follower syncs both (rebuilding each square from cells and
//! parsing its layout) and serves both blobs, verified against the signed headers, byte for byte.

mod common;

use std::time::Duration;

use common::*;
use weft_client::{Client, VerifiedClient};
use weft_encoding::layout::{lay_out, lay_out_v1, Blob, Namespace, LAYOUT_V1, LAYOUT_VERSION};
use weft_node::{EncodedSquare, Node};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_syncs_and_serves_version_1_and_version_2_blocks_alike() {
    init_logs();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let publisher = Node::start_publisher(producer_config(&a, Duration::from_millis(500)))
        .await
        .unwrap();
    let namespace = Namespace([7; 16]);
    let blobs = vec![
        Blob::new(
            namespace,
            (0..130_000u32).map(|i| (i % 251) as u8).collect(),
        ),
        Blob::new(namespace, vec![3; 300]),
        Blob::new(Namespace([9; 16]), vec![5; 50]),
    ];
    let encoder = weft_node::Encoder::cpu(weft_node::shared_prover());
    let mut heights = Vec::new();
    for (version, layout) in [
        (LAYOUT_V1, lay_out_v1(&blobs, 4).unwrap()),
        (LAYOUT_VERSION, lay_out(&blobs, 4).unwrap()),
    ] {
        assert_eq!(
            u16::from_be_bytes([layout.data[1], layout.data[2]]),
            version
        );
        let (square, _) = EncodedSquare::from_layout(&encoder, layout).unwrap();
        let header = publisher.publish_block(&square).await.unwrap();
        heights.push((version, header.height(), header.k()));
    }
    // Version 1 packs the 130,000-byte blob across rows 0 and 1; version 2 gives it rows 1-2.
    assert_eq!(heights.iter().map(|h| h.2).collect::<Vec<_>>(), [2, 4]);

    let follower = Node::start(follower_config(&b, &[&publisher], &publisher))
        .await
        .unwrap();
    wait_for_height(&follower, heights[1].1, Duration::from_secs(60)).await;
    let client = VerifiedClient::new(
        Client::new(&follower.url()).unwrap(),
        publisher.producer_key(),
    );
    for (version, height, _) in heights {
        let got = client.get_blobs(height, &namespace).await.unwrap();
        let data: Vec<_> = got.into_iter().map(|b| b.data).collect();
        assert_eq!(
            data,
            [blobs[0].data.clone(), blobs[1].data.clone()],
            "layout version {version} at height {height}"
        );
    }
    follower.stop().await;
    publisher.stop().await;
}
