//! Issue 11, fault 5: a burst of waiting submissions larger than the producer can include before
//! the callers' deadline is met with honest back-pressure — each one either included in time
//! (200) or refused at once (503, or 429 when the pool is full) with `Retry-After` — never a
//! 504 after the caller waited; submissions with `?wait=false` (202) are all included. Fails on
//! 66b4232, where the pool admitted by bytes alone and the burst ended in 504s.

mod common;

use std::time::{Duration, Instant};

use base64::{engine::general_purpose::STANDARD, Engine};
use common::*;
use futures::future::join_all;
use serde_json::Value;
use weft_node::{Node, NodeConfig};

const DEADLINE: Duration = Duration::from_secs(4);

fn body(seed: u8, len: usize) -> Value {
    serde_json::json!({ "namespace": ns(seed), "data": STANDARD.encode(bytes(u64::from(seed), len)) })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_gets_receipts_in_time_or_a_retry_time_never_a_timeout() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(NodeConfig {
        submit_timeout: Some(DEADLINE),
        // 80 submissions at once from one address.
        http_limits: weft_node::config::HttpLimits {
            max_connections_per_ip: 128,
            ..Default::default()
        },
        max_pending_bytes: 256 << 20,
        ..producer_config(&dir, Duration::from_millis(200))
    })
    .await
    .unwrap();
    let url = node.url();
    // One block with data first, so the encoding pace is measured rather than assumed.
    submit(&node, 1, &bytes(1, 300_000)).await;

    let client = http();
    let started = Instant::now();
    let waiting = (0..60u8).map(|i| {
        let (client, url) = (client.clone(), url.clone());
        let len = if i % 3 == 0 { 300_000 } else { 1_000 };
        async move {
            let answer = client
                .post(format!("{url}/v1/blobs"))
                .json(&body(i, len))
                .send()
                .await
                .unwrap();
            let retry = answer.headers().get("retry-after").cloned();
            (answer.status().as_u16(), retry, started.elapsed())
        }
    });
    let queued = (0..20u8).map(|i| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let answer = client
                .post(format!("{url}/v1/blobs?wait=false"))
                .json(&body(100 + i, 200_000))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 202);
            answer.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    });
    let (answers, ids) = futures::join!(join_all(waiting), join_all(queued));
    let ok = answers.iter().filter(|a| a.0 == 200).count();
    for (status, retry, elapsed) in &answers {
        match status {
            200 => assert!(*elapsed < DEADLINE + Duration::from_secs(2), "{elapsed:?}"),
            429 | 503 => {
                let secs: u64 = retry
                    .as_ref()
                    .expect("a refusal says when to retry")
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(secs >= 1);
                assert!(
                    *elapsed < Duration::from_secs(2),
                    "refused at once, not after {elapsed:?}"
                );
            }
            other => panic!("answer {other} after {elapsed:?}: {answers:?}"),
        }
    }
    assert!(
        ok > 0,
        "some waiting submissions were admitted: {answers:?}"
    );
    assert!(
        ok < answers.len(),
        "the burst was more than fits the deadline: {answers:?}"
    );
    // A 202 means "will be included".
    for id in ids {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let status: Value = get_json(&format!("{url}/v1/blobs/status/{id}")).await;
            if status["status"] == "included" {
                break;
            }
            assert!(Instant::now() < deadline, "blob {id} was never included");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    node.stop().await;
}
