#![doc = include_str!("../README.md")]

mod client;
pub mod confidence;
mod config;
mod events;
mod headers;
#[cfg(not(target_arch = "wasm32"))]
pub mod http;
mod record;
mod sampler;
mod status;
mod store;

pub use client::LightClient;
#[cfg(not(target_arch = "wasm32"))]
pub use config::load_settings;
#[cfg(not(target_arch = "wasm32"))]
pub use config::LightSettings;
pub use config::{
    LightConfig, LightError, DEFAULT_CONFIDENCE, DEFAULT_DATA_DIR, DEFAULT_SAMPLE_TIMEOUT,
    DEFAULT_WINDOW,
};
pub use events::{Events, LightEvent, MAX_EVENTS};
pub use record::{Availability, HeightRecord};
pub use sampler::draw;
pub use status::{Counters, SampleState, Status, NO_FULL_NODES};
#[cfg(not(target_arch = "wasm32"))]
pub use store::FileRecords;
pub use store::{MemoryRecords, RecordStore, MAX_RECORDS};
