//! The node's square encoder: `auto` takes the GPU only where there is one; the choice is
//! reported by `GET /v1/node/info` and `/metrics`; `cuda` where it cannot run stops the node
//! with an error naming the flag.

mod common;

use std::time::Duration;

use common::*;
use weft_node::{config::EncoderChoice, Node, NodeError};
use weft_types::api::NodeInfo;

/// What `auto` must pick on this machine.
fn expected_auto() -> &'static str {
    if weft_encoding_cuda::cuda_device_count() > 0 {
        "cuda"
    } else {
        "cpu"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_encoder_in_use_is_reported_in_info_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(producer_config(&dir, Duration::from_secs(1)))
        .await
        .unwrap();
    let info: NodeInfo = get_json(&format!("{}/v1/node/info", node.url())).await;
    assert_eq!(info.encoder.as_deref(), Some(expected_auto()));
    let device = info.encoder_device.expect("the device is named");
    assert_eq!(device, node.encoder().device());
    if expected_auto() == "cpu" {
        assert!(device.ends_with("CPU threads"), "{device}");
    }
    let metrics = metrics(&node).await;
    let line = format!(
        "weft_encoder{{encoder=\"{}\",device=\"{device}\"}} 1\n",
        expected_auto()
    );
    assert!(metrics.contains(&line), "{line} missing from {metrics}");
    // The chosen encoder builds the blocks.
    let receipt = submit(&node, 3, &bytes(3, 50_000)).await;
    wait_for_height(&node, receipt.height, Duration::from_secs(30)).await;
    node.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let mut config = producer_config(&dir, Duration::from_secs(1));
    config.encoder = EncoderChoice::Cpu;
    let node = Node::start(config).await.unwrap();
    assert_eq!(node.encoder().kind(), "cpu");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuda_where_it_cannot_run_stops_the_node_naming_the_flag() {
    if weft_encoding_cuda::cuda_device_count() > 0 {
        // On a GPU machine `cuda` starts: that path is the GPU check's (scripts/gpu-check).
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = producer_config(&dir, Duration::from_secs(1));
    config.encoder = EncoderChoice::Cuda;
    let err = Node::start(config).await.expect_err("no GPU here");
    assert!(
        matches!(err, NodeError::Encoder { choice: "cuda", .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("--encoder cuda"), "{message}");
    // Why: the build has no CUDA encoder, or the machine no device.
    assert!(
        message.contains("`cuda` feature") || message.contains("no CUDA device"),
        "{message}"
    );
}
