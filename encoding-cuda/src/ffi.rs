//! The C interface of the pipeline's backends (`cuda/pipeline.cuh`'s `WEFT_BACKEND_API`): the
//! only unsafe code in the workspace. Each function is wrapped so that callers pass slices of
//! the sizes the C++ side expects.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr};

/// Bytes of a message buffer handed to the C++ side.
const ERROR_BUFFER: usize = 512;

/// The stages the pipeline times, in the order it reports them (`pipeline.cuh`'s `Stage`).
pub const STAGES: [&str; 11] = [
    "upload",
    "interpolate",
    "commitments",
    "cells",
    "fk20_toeplitz",
    "fk20_msm",
    "fk20_g1_fft",
    "column_fr",
    "column_g1",
    "serialize",
    "download",
];

/// One backend's entry points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Api {
    new: unsafe extern "C" fn(
        *const c_void,
        *const c_void,
        *const c_void,
        *mut *mut c_void,
        *mut c_char,
        usize,
    ) -> c_int,
    encode: unsafe extern "C" fn(
        *mut c_void,
        *const c_void,
        u32,
        *mut u8,
        *mut u8,
        *mut f64,
        *mut c_char,
        usize,
    ) -> c_int,
    encode_stages: unsafe extern "C" fn(
        *mut c_void,
        *const c_void,
        u32,
        *mut u8,
        usize,
        *mut usize,
        *mut c_char,
        usize,
    ) -> c_int,
    device_name: unsafe extern "C" fn(*mut c_void, *mut c_char, usize) -> c_int,
    free: unsafe extern "C" fn(*mut c_void),
}

macro_rules! backend {
    ($feature:literal, $name:ident, $module:ident, $new:ident, $encode:ident, $stages:ident, $device:ident, $free:ident) => {
        #[cfg(feature = $feature)]
        mod $module {
            use super::*;
            extern "C" {
                pub(super) fn $new(
                    tw: *const c_void,
                    inv2: *const c_void,
                    srs: *const c_void,
                    out: *mut *mut c_void,
                    err: *mut c_char,
                    err_len: usize,
                ) -> c_int;
                pub(super) fn $encode(
                    enc: *mut c_void,
                    rows: *const c_void,
                    k: u32,
                    cells: *mut u8,
                    points: *mut u8,
                    stage_ms: *mut f64,
                    err: *mut c_char,
                    err_len: usize,
                ) -> c_int;
                pub(super) fn $stages(
                    enc: *mut c_void,
                    rows: *const c_void,
                    k: u32,
                    out: *mut u8,
                    out_len: usize,
                    written: *mut usize,
                    err: *mut c_char,
                    err_len: usize,
                ) -> c_int;
                pub(super) fn $device(enc: *mut c_void, out: *mut c_char, len: usize) -> c_int;
                pub(super) fn $free(enc: *mut c_void);
            }
        }
        #[cfg(feature = $feature)]
        pub(crate) const $name: Api = Api {
            new: $module::$new,
            encode: $module::$encode,
            encode_stages: $module::$stages,
            device_name: $module::$device,
            free: $module::$free,
        };
    };
}

backend!(
    "cuda",
    CUDA,
    cuda,
    weft_cuda_new,
    weft_cuda_encode,
    weft_cuda_encode_stages,
    weft_cuda_device_name,
    weft_cuda_free
);
backend!(
    "emulator",
    EMULATOR,
    emulator,
    weft_emu_new,
    weft_emu_encode,
    weft_emu_encode_stages,
    weft_emu_device_name,
    weft_emu_free
);

#[cfg(feature = "cuda")]
extern "C" {
    fn weft_cuda_device_count(why: *mut c_char, why_len: usize) -> c_int;
}

/// CUDA devices visible to the runtime: 0 without a driver, without a GPU, or when the crate
/// was built without the `cuda` feature.
pub fn cuda_device_count() -> usize {
    cuda_devices().0
}

/// As [`cuda_device_count`], with the runtime's reason when it is 0 (no driver, a driver too
/// old for this CUDA 13 runtime, no device, or no CUDA support compiled in).
pub(crate) fn cuda_devices() -> (usize, String) {
    #[cfg(feature = "cuda")]
    {
        let mut why = [0 as c_char; ERROR_BUFFER];
        // SAFETY: `why` is valid for writes of its length; the call never fails (0 devices
        // and a message on any runtime error).
        let n = unsafe { weft_cuda_device_count(why.as_mut_ptr(), why.len()) };
        return (n.max(0) as usize, message(&why));
    }
    #[allow(unreachable_code)]
    (0, "built without the `cuda` feature".into())
}

fn message(buf: &[c_char]) -> String {
    // SAFETY: the C++ side always NUL-terminates within the buffer (write_error), and the
    // buffer starts zeroed.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// An encoder context on one backend; freed on drop. Not thread-safe: the owner serialises
/// calls.
#[derive(Debug)]
pub(crate) struct Context {
    api: Api,
    ptr: *mut c_void,
}

// SAFETY: the context is plain memory owned by the C++ side; `GpuEncoder` serialises every
// call behind a mutex, so moving it between threads is sound.
unsafe impl Send for Context {}

impl Context {
    /// Builds the backend's tables. `tw`: 8192 × 32 bytes; `inv2`: 14 × 32 bytes (Montgomery
    /// Fr); `srs`: 4096 × 96 bytes (blst_p1_affine).
    pub(crate) fn new(api: Api, tw: &[u8], inv2: &[u8], srs: &[u8]) -> Result<Self, String> {
        assert_eq!(tw.len(), 8192 * 32);
        assert_eq!(inv2.len(), 14 * 32);
        assert_eq!(srs.len(), 4096 * 96);
        let mut err = [0 as c_char; ERROR_BUFFER];
        let mut ptr = std::ptr::null_mut();
        // SAFETY: the slices have the lengths the C++ side reads (asserted above); `ptr` and
        // `err` are valid for writes of their sizes.
        let rc = unsafe {
            (api.new)(
                tw.as_ptr().cast(),
                inv2.as_ptr().cast(),
                srs.as_ptr().cast(),
                &mut ptr,
                err.as_mut_ptr(),
                err.len(),
            )
        };
        if rc != 0 || ptr.is_null() {
            return Err(message(&err));
        }
        Ok(Self { api, ptr })
    }

    /// Encodes k rows (`rows`: k × 4096 × 32 bytes, Montgomery Fr) into `cells` (2k × 8192 ×
    /// 32 bytes) and `points` (2k × 129 × 48 bytes); returns the stage times in ms.
    pub(crate) fn encode(
        &mut self,
        rows: &[u8],
        k: usize,
        cells: &mut [u8],
        points: &mut [u8],
    ) -> Result<[f64; STAGES.len()], String> {
        assert_eq!(rows.len(), k * 4096 * 32);
        assert_eq!(cells.len(), 2 * k * 8192 * 32);
        assert_eq!(points.len(), 2 * k * 129 * 48);
        let mut err = [0 as c_char; ERROR_BUFFER];
        let mut stage_ms = [0f64; STAGES.len()];
        // SAFETY: every buffer has the length the C++ side reads or writes for this k
        // (asserted above); `self.ptr` is a live context.
        let rc = unsafe {
            (self.api.encode)(
                self.ptr,
                rows.as_ptr().cast(),
                k as u32,
                cells.as_mut_ptr(),
                points.as_mut_ptr(),
                stage_ms.as_mut_ptr(),
                err.as_mut_ptr(),
                err.len(),
            )
        };
        if rc != 0 {
            return Err(message(&err));
        }
        Ok(stage_ms)
    }

    /// Encodes k rows keeping each stage's output (see `pipeline.cuh`'s `StageDump`): returns
    /// `out_len` bytes, the stages concatenated.
    pub(crate) fn encode_stages(
        &mut self,
        rows: &[u8],
        k: usize,
        out_len: usize,
    ) -> Result<Vec<u8>, String> {
        assert_eq!(rows.len(), k * 4096 * 32);
        let mut out = vec![0u8; out_len];
        let mut written = 0usize;
        let mut err = [0 as c_char; ERROR_BUFFER];
        // SAFETY: `rows` has the length the C++ side reads for this k (asserted); `out` is
        // valid for `out_len` bytes, which the C++ side checks before each copy; `written` and
        // `err` are valid for writes.
        let rc = unsafe {
            (self.api.encode_stages)(
                self.ptr,
                rows.as_ptr().cast(),
                k as u32,
                out.as_mut_ptr(),
                out.len(),
                &mut written,
                err.as_mut_ptr(),
                err.len(),
            )
        };
        if rc != 0 {
            return Err(message(&err));
        }
        out.truncate(written);
        Ok(out)
    }

    /// The device's name ("host emulator" for the emulator).
    pub(crate) fn device_name(&mut self) -> String {
        let mut buf = [0 as c_char; 256];
        // SAFETY: `buf` is valid for writes of its length; the context is live.
        let rc = unsafe { (self.api.device_name)(self.ptr, buf.as_mut_ptr(), buf.len()) };
        if rc != 0 {
            return "unknown device".into();
        }
        message(&buf)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `new` and is freed exactly once.
        unsafe { (self.api.free)(self.ptr) }
    }
}
