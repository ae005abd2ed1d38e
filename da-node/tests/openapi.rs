//! docs/openapi.yaml against a running node: the file is valid YAML, every documented path and
//! method is routed (no "no such endpoint", no 405), and every field the node answers with in
//! `GET /health` and `GET /v1/node/info` is documented (the API is a public interface: what it
//! says must be what the node does).

mod common;

use std::time::Duration;

use common::*;
use yaml_serde::Value as Yaml;

fn spec() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml");
    yaml_serde::from_str(&std::fs::read_to_string(path).unwrap()).expect("openapi.yaml parses")
}

/// The documented property names of a schema.
fn properties(schema: &Yaml) -> Vec<String> {
    schema["properties"]
        .as_mapping()
        .expect("a schema with properties")
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_api_is_the_served_api() {
    let node = producer(Duration::from_millis(300), Faults::none()).await;
    let url = node.node.url();
    let receipt = submit(&node.node, 1, &bytes(1, 100)).await;
    let spec = spec();
    let client = http();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        let path = path.as_str().unwrap();
        let concrete = path
            .replace("{height}", &receipt.height.to_string())
            .replace("{namespace}", &ns(1))
            .replace("{row}", "0")
            .replace("{col}", "0")
            .replace("{id}", "1")
            .replace("{commitment}", &receipt.commitment.to_hex());
        for method in item.as_mapping().unwrap().keys() {
            let method = method.as_str().unwrap();
            let request = match method {
                "get" => client.get(format!("{url}{concrete}")),
                "post" => client
                    .post(format!("{url}{concrete}"))
                    .json(&serde_json::json!({ "namespace": ns(2), "data": "aGk=" })),
                other => panic!("{path}: method {other} not checked here"),
            };
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap();
            assert!(
                status != 405 && !body.contains("no such endpoint"),
                "{method} {path} is documented but not served: {status} {body}"
            );
        }
    }
    let health: serde_json::Value = get_json(&format!("{url}/health")).await;
    let documented = properties(&spec["components"]["schemas"]["NodeHealth"]);
    for field in health.as_object().unwrap().keys() {
        assert!(
            documented.contains(field),
            "/health field {field} is not documented"
        );
    }
    let info: serde_json::Value = get_json(&format!("{url}/v1/node/info")).await;
    let documented = properties(
        &spec["paths"]["/v1/node/info"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"],
    );
    for field in info.as_object().unwrap().keys() {
        assert!(
            documented.contains(field),
            "/v1/node/info field {field} is not documented"
        );
    }
    // The documented error codes are the ones the node sends.
    let documented: Vec<&str> = spec["components"]["schemas"]["ErrorCode"]["enum"]
        .as_sequence()
        .expect("ErrorCode's enum")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let sent: Vec<&str> = weft_types::api::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(documented, sent, "docs/openapi.yaml ErrorCode");
    node.node.stop().await;
}
