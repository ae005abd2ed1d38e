//! The square encoder a node uses: the CPU's (`weft-encoding`, all cores) or the GPU's
//! (`weft-encoding-cuda`), chosen at start with `--encoder auto|cpu|cuda` (`encoder` in
//! `weft.toml`). Block production and the re-encode step of reconstruction both go through it.

use std::sync::{Arc, OnceLock};

use ekzg_bls12_381::Scalar;
use weft_config::node::EncoderChoice;
use weft_encoding::{ExtendedSquare, RowProver, SquareEncoder};
use weft_encoding_cuda::{GpuEncoder, GpuError};

/// The encoder asked for cannot run here (`--encoder cuda` without a usable GPU); the node
/// reports it as `NodeError::Encoder`.
#[derive(Debug, thiserror::Error)]
#[error("--encoder {choice}: {reason}")]
pub struct EncoderUnavailable {
    /// The choice (`cuda`).
    pub choice: &'static str,
    /// Why it cannot run.
    pub reason: String,
}

/// One row prover per process: it holds the FK20 tables (building them takes seconds).
pub fn shared_prover() -> Arc<RowProver> {
    static PROVER: OnceLock<Arc<RowProver>> = OnceLock::new();
    PROVER.get_or_init(|| Arc::new(RowProver::new())).clone()
}

/// The process's spec-named KZG functions (EIP-4844 openings for inclusion bundles), on the
/// shared prover.
pub(crate) fn shared_kzg() -> &'static weft_encoding::Kzg {
    static KZG: OnceLock<weft_encoding::Kzg> = OnceLock::new();
    KZG.get_or_init(|| weft_encoding::Kzg::new(shared_prover()))
}

/// The encoder in use. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Encoder {
    cpu: SquareEncoder,
    gpu: Option<Arc<GpuEncoder>>,
    device: String,
}

impl Encoder {
    /// Picks the encoder. `auto` takes the GPU when this binary has the CUDA encoder (built with
    /// the `cuda` feature) and the machine a CUDA device, else the CPU.
    ///
    /// # Errors
    /// [`EncoderUnavailable`] for `cuda` without a usable GPU (not compiled in, no device, or
    /// the device failed to set up), naming the `--encoder` flag.
    pub fn select(
        choice: EncoderChoice,
        prover: Arc<RowProver>,
    ) -> Result<Self, EncoderUnavailable> {
        let cpu = Self::cpu(prover);
        let gpu = match choice {
            EncoderChoice::Cpu => return Ok(cpu),
            EncoderChoice::Cuda | EncoderChoice::Auto => GpuEncoder::cuda(),
        };
        match (gpu, choice) {
            (Ok(gpu), _) => Ok(Self {
                device: gpu.device_name().to_string(),
                gpu: Some(Arc::new(gpu)),
                cpu: cpu.cpu,
            }),
            (Err(e), EncoderChoice::Cuda) => Err(EncoderUnavailable {
                choice: choice.as_str(),
                reason: e.to_string(),
            }),
            (Err(GpuError::Backend { message }), _) => {
                tracing::warn!(%message, "the GPU encoder failed to start: encoding on the CPU");
                Ok(cpu)
            }
            (Err(_), _) => Ok(cpu),
        }
    }

    /// The CPU encoder.
    pub fn cpu(prover: Arc<RowProver>) -> Self {
        Self {
            cpu: SquareEncoder::new(prover),
            gpu: None,
            device: format!("{} CPU threads", rayon::current_num_threads()),
        }
    }

    /// `cpu` or `cuda`: what `GET /v1/node/info` and `/metrics` report.
    pub fn kind(&self) -> &'static str {
        if self.gpu.is_some() {
            "cuda"
        } else {
            "cpu"
        }
    }

    /// The GPU's name, or how many CPU threads encode.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The row prover (recovery of rows from cells runs on the CPU).
    pub fn prover(&self) -> &RowProver {
        self.cpu.prover()
    }

    /// Encodes k rows given as blob bytes (4,096 canonical 32-byte elements each). A GPU that
    /// fails at run time (not the input) is logged and the square encoded on the CPU instead.
    ///
    /// # Errors
    /// The CPU encoder's errors for a bad k, row length or element.
    pub fn encode_bytes(&self, rows: &[&[u8]]) -> weft_encoding::Result<ExtendedSquare> {
        if let Some(gpu) = &self.gpu {
            match gpu.encode_bytes(rows) {
                Ok(square) => return Ok(square),
                Err(GpuError::Encoding(e)) => return Err(e),
                Err(e) => tracing::error!(error = %e, "GPU encoding failed: encoding on the CPU"),
            }
        }
        self.cpu.encode_bytes(rows)
    }

    /// The k rows' KZG commitments only (48 bytes each, row order), on the CPU whatever the
    /// choice: one IFFT and one MSM per row, what a validator recomputes to vote
    /// (`SquareEncoder::commit_bytes`).
    ///
    /// # Errors
    /// A bad k, row length or element.
    pub fn commit_bytes(
        &self,
        rows: &[&[u8]],
    ) -> weft_encoding::Result<Vec<weft_encoding::Commitment>> {
        self.cpu.commit_bytes(rows)
    }

    /// Encodes k rows of 4,096 field elements (blob order); falls back as
    /// [`Self::encode_bytes`] does.
    ///
    /// # Errors
    /// As [`Self::encode_bytes`].
    pub fn encode(&self, rows: Vec<Vec<Scalar>>) -> weft_encoding::Result<ExtendedSquare> {
        if let Some(gpu) = &self.gpu {
            match gpu.encode(rows.clone()) {
                Ok(square) => return Ok(square),
                Err(GpuError::Encoding(e)) => return Err(e),
                Err(e) => tracing::error!(error = %e, "GPU encoding failed: encoding on the CPU"),
            }
        }
        self.cpu.encode(rows)
    }
}
