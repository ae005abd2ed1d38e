#![doc = include_str!("../README.md")]

mod error;
mod ffi;
mod inputs;

use std::sync::Mutex;

use ekzg_bls12_381::Scalar;
use weft_encoding::{
    constants::{BYTES_PER_CELL, BYTES_PER_ROW, CELLS_PER_ROW},
    Cell, Commitment, ExtendedSquare, Proof,
};

pub use error::{GpuError, Result};
pub use ffi::{cuda_device_count, STAGES};

/// Where a [`GpuEncoder`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An NVIDIA GPU through the CUDA runtime (device 0).
    Cuda,
    /// The same pipeline run on the CPU, one loop iteration per GPU thread: for tests on
    /// machines without a GPU (built with the `emulator` feature only; slow).
    Emulator,
}

/// Milliseconds spent in each stage of one encode, named as in [`STAGES`]. Measured with CUDA
/// events on the device (so they add up to the device time, not including host conversions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageTimes(pub [f64; STAGES.len()]);

impl StageTimes {
    /// (stage, milliseconds) pairs in pipeline order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        STAGES.iter().copied().zip(self.0.iter().copied())
    }

    /// The sum over stages, in milliseconds.
    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }
}

/// Encodes data squares on a GPU: the same output as [`weft_encoding::SquareEncoder`], byte for
/// byte (row commitments, 128 cells and 128 FK20 proofs per row, rows k..2k by the column code
/// in Fr and G1), with every stage on the device.
///
/// Building one uploads the ceremony's first 4,096 monomial G1 points and computes fixed-base
/// window tables from them on the device (about 1.1 GB of device memory: 4-bit windows, 960
/// affine points per base, 4,096 commitment bases and 8,192 FK20 bases). Calls are serialised;
/// one encoder per process is the intended use.
#[derive(Debug)]
pub struct GpuEncoder {
    context: Mutex<ffi::Context>,
    backend: Backend,
    device: String,
}

impl GpuEncoder {
    /// The encoder on CUDA device 0.
    ///
    /// Errors: [`GpuError::NotCompiled`] when the crate was built without the `cuda` feature,
    /// [`GpuError::NoDevice`] when the runtime sees no GPU, [`GpuError::Backend`] when the
    /// device fails (out of memory, a kernel error).
    pub fn cuda() -> Result<Self> {
        #[cfg(feature = "cuda")]
        {
            let (count, reason) = ffi::cuda_devices();
            if count == 0 {
                return Err(GpuError::NoDevice { reason });
            }
            return Self::open(ffi::CUDA, Backend::Cuda);
        }
        #[allow(unreachable_code)]
        Err(GpuError::NotCompiled { backend: "cuda" })
    }

    /// The host emulator of the same pipeline (see [`Backend::Emulator`]).
    ///
    /// Errors: [`GpuError::NotCompiled`] without the `emulator` feature.
    pub fn emulator() -> Result<Self> {
        #[cfg(feature = "emulator")]
        {
            return Self::open(ffi::EMULATOR, Backend::Emulator);
        }
        #[allow(unreachable_code)]
        Err(GpuError::NotCompiled {
            backend: "emulator",
        })
    }

    #[allow(dead_code)] // unused when no backend is compiled in
    fn open(api: ffi::Api, backend: Backend) -> Result<Self> {
        let setup = inputs::Setup::get();
        let mut context =
            ffi::Context::new(api, &setup.twiddles, &setup.inverse_powers, &setup.srs)
                .map_err(|message| GpuError::Backend { message })?;
        let device = context.device_name();
        Ok(Self {
            context: Mutex::new(context),
            backend,
            device,
        })
    }

    /// The backend this encoder runs on.
    pub const fn backend(&self) -> Backend {
        self.backend
    }

    /// The device's name as the CUDA runtime reports it (e.g. "NVIDIA H200"), or "host
    /// emulator".
    pub fn device_name(&self) -> &str {
        &self.device
    }

    /// Encodes k rows of 4,096 field elements each (blob order); k a power of two ≤ 128.
    ///
    /// Errors: [`GpuError::Encoding`] for a bad k or row length (the CPU encoder's errors),
    /// [`GpuError::Backend`] when the device fails.
    pub fn encode(&self, rows: Vec<Vec<Scalar>>) -> Result<ExtendedSquare> {
        self.encode_timed(rows).map(|(square, _)| square)
    }

    /// As [`Self::encode`], with each stage's device time.
    pub fn encode_timed(&self, rows: Vec<Vec<Scalar>>) -> Result<(ExtendedSquare, StageTimes)> {
        weft_encoding::square::check_rows(&rows)?;
        let input = inputs::montgomery_bytes(&rows);
        drop(rows);
        self.encode_montgomery(&input)
    }

    /// Runs the device on k rows already in the device's input form (k × 4096 × 32 bytes).
    fn encode_montgomery(&self, input: &[u8]) -> Result<(ExtendedSquare, StageTimes)> {
        let k = input.len() / BYTES_PER_ROW;
        // The device writes the cells straight into the square's own buffer.
        let mut cells: Vec<Cell> = vec![[0u8; BYTES_PER_CELL]; 2 * k * CELLS_PER_ROW];
        let mut points = vec![0u8; 2 * k * (CELLS_PER_ROW + 1) * 48];
        let times = self
            .context
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .encode(input, k, cells.as_flattened_mut(), &mut points)
            .map_err(|message| GpuError::Backend { message })?;
        Ok((assemble(k, cells, &points)?, StageTimes(times)))
    }

    /// Encodes k rows and returns every stage's output in canonical bytes (Fr elements as 32
    /// bytes big-endian, points compressed), named — for finding the first stage at which a
    /// device and the emulator (or the CPU's intermediate values) part. Slow: each stage is
    /// copied back.
    ///
    /// Errors: as [`Self::encode`].
    pub fn encode_stages(&self, rows: Vec<Vec<Scalar>>) -> Result<Vec<(&'static str, Vec<u8>)>> {
        let k = rows.len();
        weft_encoding::square::check_rows(&rows)?;
        let input = inputs::montgomery_bytes(&rows);
        let sizes = stage_sizes(k);
        let all = self
            .context
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .encode_stages(&input, k, sizes.iter().map(|s| s.1).sum())
            .map_err(|message| GpuError::Backend { message })?;
        let mut at = 0;
        Ok(sizes
            .iter()
            .map(|&(name, len)| {
                let stage = all[at..(at + len).min(all.len())].to_vec();
                at += len;
                (name, stage)
            })
            .collect())
    }

    /// Encodes k rows given as blob bytes (4,096 canonical 32-byte big-endian elements each).
    ///
    /// Errors: as [`Self::encode`], and [`GpuError::Encoding`] for a row of the wrong length or
    /// a non-canonical element.
    pub fn encode_bytes(&self, rows: &[&[u8]]) -> Result<ExtendedSquare> {
        self.encode(weft_encoding::square::rows_from_bytes(rows)?)
    }
}

/// The stages [`GpuEncoder::encode_stages`] returns, each with the size of its output for k
/// rows: Fr elements as 32 bytes, points as 48 (compressed).
fn stage_sizes(k: usize) -> [(&'static str, usize); 8] {
    let rows2 = 2 * k;
    let g1 = rows2 * (CELLS_PER_ROW + 1) * 48;
    let square = rows2 * 8192 * 32;
    [
        ("interpolate: k × 4096 coefficients", k * 4096 * 32),
        ("commitments: 2k × 129 points (commitment column set)", g1),
        ("cells: 2k × 8192 elements (rows < k set)", square),
        ("fk20_toeplitz: k × 64 × 128 elements", k * 64 * 128 * 32),
        ("fk20_msm: k × 128 points", k * 128 * 48),
        ("fk20_g1_fft: 2k × 129 points (rows < k set)", g1),
        ("column_fr: 2k × 8192 elements", square),
        ("column_g1: 2k × 129 points", g1),
    ]
}

/// Builds the square from the device's output: `cells` is 2k × 128 cells row-major, `points`
/// per row its commitment then its 128 proofs.
fn assemble(k: usize, cells: Vec<Cell>, points: &[u8]) -> Result<ExtendedSquare> {
    let mut commitments = Vec::with_capacity(2 * k);
    let mut proofs = Vec::with_capacity(2 * k * CELLS_PER_ROW);
    for row in points.chunks_exact((CELLS_PER_ROW + 1) * 48) {
        let mut g1 = row
            .chunks_exact(48)
            .map(|p| <[u8; 48]>::try_from(p).expect("chunks of 48"));
        commitments.push(Commitment(g1.next().expect("129 points per row")));
        proofs.extend(g1.map(Proof));
    }
    Ok(ExtendedSquare::from_parts(k, commitments, cells, proofs)?)
}
