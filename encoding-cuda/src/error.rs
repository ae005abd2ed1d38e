//! The GPU encoder's errors.

/// Errors from [`crate::GpuEncoder`].
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// The backend was not compiled into this build (the `cuda` or `emulator` feature).
    #[error("this build has no {backend} encoder: rebuild with the `{backend}` feature")]
    NotCompiled {
        /// "cuda" or "emulator".
        backend: &'static str,
    },
    /// The CUDA runtime sees no GPU: no driver, a driver older than the CUDA 13 runtime this
    /// build links, or no device.
    #[error("no CUDA device found ({reason})")]
    NoDevice {
        /// The runtime's reason.
        reason: String,
    },
    /// The device or its runtime failed: out of memory, a failed launch or copy.
    #[error("GPU encoder failed: {message}")]
    Backend {
        /// The runtime's message.
        message: String,
    },
    /// The input is not a valid square (k, row length, non-canonical element).
    #[error(transparent)]
    Encoding(#[from] weft_encoding::Error),
}

/// Result with [`GpuError`].
pub type Result<T, E = GpuError> = std::result::Result<T, E>;
