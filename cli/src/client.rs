//! A small HTTP client for the node API, turning transport and 4xx/5xx answers into messages
//! that name the flag to fix.

use serde::de::DeserializeOwned;
use weft_types::api::ErrorBody;

use crate::CliError;

/// Time allowed for one HTTP exchange (a waiting submission can take a few blocks).
const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Talks to one node.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for `--node URL`.
    pub(crate) fn new(node: &str) -> Result<Self, CliError> {
        let base = node.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CliError::new(format!(
                "--node {node}: expected a URL like http://127.0.0.1:7580"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| CliError::new(e.to_string()))?;
        Ok(Self { base, http })
    }

    async fn decode<T: DeserializeOwned>(
        &self,
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, CliError> {
        let response = response
            .map_err(|e| CliError::new(format!("cannot reach --node {}: {e}", self.base)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| CliError::new(format!("reading the answer from {}: {e}", self.base)))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorBody>(&bytes).map_or_else(
                |_| String::from_utf8_lossy(&bytes).into_owned(),
                |b| b.error,
            );
            return Err(CliError::new(format!("node answered {status}: {message}")));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| CliError::new(format!("unexpected answer from {}: {e}", self.base)))
    }

    /// `GET path`.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CliError> {
        self.decode(self.http.get(format!("{}{path}", self.base)).send().await)
            .await
    }

    /// `POST path` with a JSON body given as a byte stream (for progress reporting).
    pub(crate) async fn post_body<T: DeserializeOwned>(
        &self,
        path: &str,
        body: reqwest::Body,
    ) -> Result<T, CliError> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        self.decode(request.send().await).await
    }
}
