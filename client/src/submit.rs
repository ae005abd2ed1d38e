//! Submission that copes with back-pressure: a node that answers 429 (pool full) or 503 (the
//! producer cannot include the blob in time) says when to come back (`Retry-After`); we do, a
//! bounded number of times. And waiting for a queued (`wait = false`) blob to be included.

use std::time::Duration;

use weft_encoding::layout::Namespace;
use weft_types::api::{BlobReceipt, BlobState};

use crate::{Client, ClientError, Submitted};

/// How many times, and how long at most between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all (at least 1).
    pub attempts: u32,
    /// Longest pause between tries (a longer `Retry-After` is cut to it).
    pub max_pause: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            max_pause: Duration::from_secs(30),
        }
    }
}

/// Submits `data` and waits for its block, retrying after each 429 / 503 as the node asks
/// (1 s, doubling, when it does not say), at most `retry.attempts` times.
///
/// # Errors
/// The last [`ClientError::Unavailable`] once the tries are used up; any other error at once.
pub async fn submit_with_retry(
    client: &Client,
    namespace: Namespace,
    data: &[u8],
    retry: Retry,
) -> Result<BlobReceipt, ClientError> {
    let mut pauses = backon::BackoffBuilder::build(
        backon::ExponentialBuilder::new()
            .with_min_delay(Duration::from_secs(1))
            .with_max_delay(retry.max_pause)
            .without_max_times(),
    );
    let mut attempt = 1;
    loop {
        match client.submit(namespace, data, true).await {
            Ok(Submitted::Included(receipt)) => return Ok(receipt),
            Ok(Submitted::Queued(_)) => {
                return Err(client.misbehaving("answered 202 to a submission that waits"))
            }
            Err(ClientError::Unavailable { retry_after, .. })
                if attempt < retry.attempts.max(1) =>
            {
                let pause = pauses.next().unwrap_or(retry.max_pause);
                let wait = retry_after.unwrap_or(pause).min(retry.max_pause);
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Polls `GET /v1/blobs/status/{id}` every `every` until the blob is included, at most `limit`.
///
/// # Errors
/// [`ClientError::Unavailable`] when `limit` passes first; [`ClientError::NotFound`] for an
/// unknown id; transport errors.
pub async fn wait_included(
    client: &Client,
    id: &str,
    every: Duration,
    limit: Duration,
) -> Result<BlobReceipt, ClientError> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let status = client.status(id).await?;
        if status.status == BlobState::Included {
            return status.receipt.ok_or_else(|| {
                client.misbehaving(format!("blob {id} included without a receipt"))
            });
        }
        if tokio::time::Instant::now() + every > deadline {
            return Err(ClientError::Unavailable {
                message: format!("blob {id} not included within {limit:?}"),
                retry_after: None,
            });
        }
        tokio::time::sleep(every).await;
    }
}
