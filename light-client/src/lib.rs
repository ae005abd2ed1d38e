#![doc = include_str!("../README.md")]

mod client;
pub mod confidence;
mod exec;
#[cfg(not(target_arch = "wasm32"))]
pub mod http;
mod record;
pub mod sampler;
mod store;

pub use client::{
    LightClient, LightConfig, LightError, LightEvent, SampleState, Status, DEFAULT_CONFIDENCE,
};
pub use record::{HeightRecord, Verdict};
#[cfg(not(target_arch = "wasm32"))]
pub use store::FileRecords;
pub use store::{MemoryRecords, RecordStore};
