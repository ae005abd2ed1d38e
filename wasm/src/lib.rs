#![doc = include_str!("../README.md")]
#![cfg(target_arch = "wasm32")]
#![forbid(unsafe_code)]

mod error;

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use weft_encoding::{Commitment, Sample, SquareCommitments, VerifyKey};
use weft_light::{LightClient, LightConfig, LightEvent, DEFAULT_CONFIDENCE};
use weft_types::{Genesis, Trust, ValidatorSet};

pub use error::WeftError;

/// Configuration object accepted by `new WeftClient(config)`: the trust root is either
/// `producer_key` (a single producer's chain) or `genesis` (a validator chain's genesis, the
/// JSON of `GET /v1/genesis`), not both.
#[derive(Debug, Deserialize)]
struct ClientConfig {
    bootstrap: Vec<String>,
    producer_key: Option<String>,
    genesis: Option<Genesis>,
    confidence: Option<f64>,
    from: Option<u64>,
    window: Option<u64>,
    sample_timeout_ms: Option<u64>,
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, WeftError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| WeftError::new("Serialize", e.to_string()))
}

/// Sets up panic messages and logging to the console (once).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // Runs once per module instance (wasm-bindgen calls `start` on instantiation).
    tracing_wasm::set_as_global_default_with_config(
        tracing_wasm::WASMLayerConfigBuilder::new()
            .set_max_level(tracing::Level::WARN)
            .build(),
    );
}

/// A light client running in this page or worker.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WeftClient {
    client: Option<LightClient>,
}

#[wasm_bindgen]
impl WeftClient {
    /// Starts a light client: `{bootstrap: [multiaddr], producer_key | genesis, confidence?,
    /// from?, window?, sample_timeout_ms?}`. With `genesis` (the JSON of `GET /v1/genesis`:
    /// `{chain_id, validators: [{consensus_key, proof_of_possession, p2p_key, address}]}`) a
    /// header is accepted only with a certificate of more than two thirds of its validators,
    /// checked here with blst (PROTOCOL §12).
    ///
    /// # Errors
    /// `Config` for a bad key, genesis (a bad key or proof of possession, named) or address,
    /// or neither or both of `producer_key` and `genesis`; `Start` if the client cannot start.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<WeftClient, WeftError> {
        let c: ClientConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| WeftError::new("Config", e.to_string()))?;
        let trust = match (&c.producer_key, &c.genesis) {
            (Some(key), None) => Trust::Producer(
                key.parse()
                    .map_err(|e| WeftError::new("Config", format!("producer_key: {e}")))?,
            ),
            (None, Some(genesis)) => Trust::Validators(Arc::new(
                ValidatorSet::from_genesis(genesis)
                    .map_err(|e| WeftError::new("Config", format!("genesis: {e}")))?,
            )),
            _ => {
                return Err(WeftError::new(
                    "Config",
                    "give producer_key (a single producer's chain) or genesis (a validator \
                     chain's), not both",
                ))
            }
        };
        let bootstrap = c
            .bootstrap
            .iter()
            .map(|a| {
                a.parse()
                    .map_err(|e| WeftError::new("Config", format!("bootstrap {a}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut config = LightConfig::with_trust(bootstrap, trust);
        config.confidence = c.confidence.unwrap_or(DEFAULT_CONFIDENCE);
        config.from = c.from;
        if let Some(window) = c.window {
            config.window = window;
        }
        if let Some(ms) = c.sample_timeout_ms {
            config.sample_timeout = Duration::from_millis(ms);
        }
        let client =
            LightClient::start(config).map_err(|e| WeftError::new("Start", e.to_string()))?;
        Ok(Self {
            client: Some(client),
        })
    }

    /// `{head, heights: [{height, k, samples, verified, failed, peers, confidence, verdict, ms}],
    /// peers, bytes_downloaded, banned, grids: {height: [[row, col, state]]}, counters}`.
    pub fn status(&self) -> Result<JsValue, WeftError> {
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| WeftError::new("Stopped", "the client was stopped"))?;
        to_js(&client.status())
    }

    /// Calls `callback(record)` for every change of a height's record.
    pub fn subscribe(&mut self, callback: js_sys::Function) -> Result<(), WeftError> {
        let client = self
            .client
            .as_mut()
            .ok_or_else(|| WeftError::new("Stopped", "the client was stopped"))?;
        let mut events = client
            .events()
            .ok_or_else(|| WeftError::new("Subscribed", "subscribe may be called once"))?;
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(LightEvent::Height(record)) = events.next().await {
                if let Ok(value) = to_js(&record) {
                    let _ = callback.call1(&JsValue::NULL, &value);
                }
            }
        });
        Ok(())
    }

    /// Stops the client.
    pub async fn stop(&mut self) {
        if let Some(client) = self.client.take() {
            client.stop().await;
        }
    }
}

/// One sample as JS passes it to [`verify_samples`].
#[derive(Debug, Deserialize)]
struct JsSample {
    row: usize,
    col: usize,
    cell: String,
    proof: String,
}

fn unhex(what: &str, s: &str) -> Result<Vec<u8>, WeftError> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| WeftError::new("Hex", format!("{what}: {e}")))
}

/// Verifies samples (`[{row, col, cell, proof}]`, hex) against a header's k commitments (hex)
/// with the verify-only path. Throws a `WeftError` whose `kind` names the failure.
#[wasm_bindgen(js_name = verifySamples)]
pub fn verify_samples(commitments: JsValue, samples: JsValue) -> Result<(), WeftError> {
    let commitments: Vec<String> = serde_wasm_bindgen::from_value(commitments)
        .map_err(|e| WeftError::new("Input", e.to_string()))?;
    let samples: Vec<JsSample> = serde_wasm_bindgen::from_value(samples)
        .map_err(|e| WeftError::new("Input", e.to_string()))?;
    let commitments = commitments
        .iter()
        .map(|c| {
            c.parse::<Commitment>()
                .map_err(|e| WeftError::new("Hex", format!("commitment: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let header = SquareCommitments::new(&commitments).map_err(WeftError::from)?;
    let bytes = samples
        .iter()
        .map(|s| Ok((unhex("cell", &s.cell)?, unhex("proof", &s.proof)?)))
        .collect::<Result<Vec<_>, WeftError>>()?;
    let samples: Vec<Sample<'_>> = samples
        .iter()
        .zip(&bytes)
        .map(|(s, (cell, proof))| Sample {
            row: s.row,
            col: s.col,
            cell,
            proof,
        })
        .collect();
    thread_local! {
        static KEY: VerifyKey = VerifyKey::new();
    }
    KEY.with(|key| key.verify_samples(&header, &samples))
        .map_err(WeftError::from)
}
