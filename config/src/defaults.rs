//! The light client's defaults, in one place for the settings file, the flags and the browser
//! build (which has no settings file).

use std::time::Duration;

/// Default target confidence per height.
pub const DEFAULT_CONFIDENCE: f64 = 0.9999;
/// Default number of heights behind the first head seen to start sampling at.
pub const DEFAULT_WINDOW: u64 = 16;
/// Default time to verify every sample of a height before declaring it unavailable.
pub const DEFAULT_SAMPLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default directory for a light client's finished-height records.
pub const DEFAULT_LIGHT_DATA_DIR: &str = "./weft-light";
