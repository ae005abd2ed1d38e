//! Table-driven test of the HTTP API's bad inputs: each gets the right 4xx and a JSON message
//! that says what was wrong. Also: limits on the pending pool (429), on blob size (413), and a
//! follower refusing submissions (503).

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use weft_node::{Node, NodeConfig};
use weft_testkit::Faults;

struct Case {
    method: Method,
    path: String,
    body: Option<&'static str>,
    content_type: &'static str,
    status: u16,
    message: &'static str,
}

fn case(method: Method, path: impl Into<String>, status: u16, message: &'static str) -> Case {
    Case {
        method,
        path: path.into(),
        body: None,
        content_type: "application/json",
        status,
        message,
    }
}

fn post(body: &'static str, status: u16, message: &'static str) -> Case {
    Case {
        method: Method::POST,
        path: "/v1/blobs".into(),
        body: Some(body),
        content_type: "application/json",
        status,
        message,
    }
}

async fn run(node: &Node, cases: &[Case]) {
    for c in cases {
        let mut request = http()
            .request(c.method.clone(), format!("{}{}", node.url(), c.path))
            .header("content-type", c.content_type);
        if let Some(body) = c.body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(
            status.as_u16(),
            c.status,
            "{} {} {:?} → {status} {text}",
            c.method,
            c.path,
            c.body.map(|b| &b[..b.len().min(60)])
        );
        let body: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{} {}: not JSON: {text}", c.method, c.path));
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{} {}: no error field: {text}", c.method, c.path));
        assert!(
            error.contains(c.message),
            "{} {}: {error:?} does not mention {:?}",
            c.method,
            c.path,
            c.message
        );
        // Every error carries the stable code of its status (docs/openapi.yaml ErrorCode).
        let expected = match c.status {
            400 => "invalid_request",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "timeout",
            410 => "pruned",
            413 => "too_large",
            429 => "pool_full",
            503 => "not_producer",
            other => panic!("no code expected for {other}"),
        };
        assert_eq!(
            body["code"].as_str(),
            Some(expected),
            "{} {}: {text}",
            c.method,
            c.path
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_get_4xx_with_a_message() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(NodeConfig {
        max_blob_size: 1024,
        max_pending_bytes: 4096,
        ..producer_config(&dir, Duration::from_millis(300))
    })
    .await
    .unwrap();
    let receipt = submit(&node, 9, b"hello weft").await;
    let h = receipt.height;
    let good_ns = ns(9);
    let too_big: &'static str = Box::leak(
        format!(
            r#"{{"namespace":"{good_ns}","data":"{}"}}"#,
            "A".repeat(8 * 1024)
        )
        .into_boxed_str(),
    );
    let just_over: &'static str = {
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 1025]);
        Box::leak(format!(r#"{{"namespace":"{good_ns}","data":"{data}"}}"#).into_boxed_str())
    };
    let cases = vec![
        post("{not json", 400, "request body"),
        post(
            r#"{"namespace":"00000000000000000000000000000001"}"#,
            400,
            "data",
        ),
        post(r#"{"namespace":"zz","data":"aGk="}"#, 400, "namespace"),
        post(r#"{"namespace":"0001","data":"aGk="}"#, 400, "32 hex"),
        post(
            r#"{"namespace":"00000000000000000000000000000001","data":"!!!"}"#,
            400,
            "base64",
        ),
        post(
            r#"{"namespace":"00000000000000000000000000000001","data":""}"#,
            400,
            "empty",
        ),
        post(too_big, 413, "--max-blob-size"),
        post(just_over, 413, "--max-blob-size"),
        Case {
            content_type: "text/plain",
            ..post(r#"{"namespace":"00","data":""}"#, 400, "request body")
        },
        Case {
            path: "/v1/blobs?wait=maybe".into(),
            ..post(r#"{}"#, 400, "query")
        },
        case(Method::GET, "/v1/headers/abc", 400, "height"),
        case(Method::GET, "/v1/headers/-1", 400, "height"),
        case(
            Method::GET,
            "/v1/headers/99999",
            404,
            "no block at height 99999",
        ),
        case(Method::GET, format!("/v1/cells/{h}/x/0"), 400, "row"),
        case(Method::GET, format!("/v1/cells/{h}/0/y"), 400, "col"),
        case(
            Method::GET,
            format!("/v1/cells/{h}/2/0"),
            400,
            "outside 0..2",
        ),
        case(
            Method::GET,
            format!("/v1/cells/{h}/0/128"),
            400,
            "outside 0..128",
        ),
        case(Method::GET, format!("/v1/cells/{h}/99999/0"), 400, "row"),
        case(Method::GET, "/v1/cells/99999/0/0", 404, "no block"),
        case(Method::GET, format!("/v1/blobs/{h}/zz"), 400, "namespace"),
        case(Method::GET, format!("/v1/blobs/x/{good_ns}"), 400, "height"),
        case(
            Method::GET,
            format!("/v1/blobs/99999/{good_ns}"),
            404,
            "no block",
        ),
        case(
            Method::GET,
            "/v1/blobs/by-commitment/xyz",
            400,
            "commitment",
        ),
        case(
            Method::GET,
            format!("/v1/blobs/by-commitment/{}", "ab".repeat(32)),
            404,
            "no blob",
        ),
        case(Method::GET, "/v1/blobs/status/abc", 400, "id"),
        case(Method::GET, "/v1/blobs/status/999999", 404, "no blob"),
        case(Method::GET, "/nope", 404, "no such endpoint"),
        case(Method::DELETE, "/v1/blobs", 405, "not allowed"),
    ];
    run(&node, &cases).await;
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_pool_answers_429_and_followers_refuse_blobs() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    // A block interval long enough that nothing drains during the test.
    let config = NodeConfig {
        max_blob_size: 1024,
        max_pending_bytes: 2048,
        ..producer_config(&dir, Duration::from_secs(3600))
    };
    let node = Node::start(config).await.unwrap();
    for i in 0..2u8 {
        let body = serde_json::json!({ "namespace": ns(i), "data": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![i; 1024]) });
        let r = http()
            .post(format!("{}/v1/blobs?wait=false", node.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let id = r.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let status: serde_json::Value =
            get_json(&format!("{}/v1/blobs/status/{id}", node.url())).await;
        assert_eq!(status["status"], "pending");
    }
    run(
        &node,
        &[post(
            r#"{"namespace":"00000000000000000000000000000001","data":"aGk="}"#,
            429,
            "pending pool is full",
        )],
    )
    .await;

    let follower = full_node(&[&node], &node, Faults::none()).await;
    run(
        &follower.node,
        &[post(
            r#"{"namespace":"00000000000000000000000000000001","data":"aGk="}"#,
            503,
            "does not take blobs",
        )],
    )
    .await;
    follower.node.stop().await;
    node.stop().await;
}
