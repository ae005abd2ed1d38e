//! The square benchmark's code paths, small (CI): every backend's figure is produced and sane —
//! the GPU path through the host emulator (the same pipeline code), so the figures the GPU
//! machine's one run depends on (per-stage medians, reconstruction with a GPU re-encode) are
//! known to come out.

use weft_benches::encoders;
use weft_encoding_cuda::{GpuEncoder, STAGES};

#[test]
fn every_backend_yields_a_figure_and_the_gpu_path_its_stage_table() {
    let cpu = encoders::cpu_encoder();
    let emulator = GpuEncoder::emulator().expect("the emulator is in test builds");

    let gpu = encoders::gpu_square(&emulator, 1, 1);
    assert_eq!((gpu.backend, gpu.k, gpu.reps), ("weft_cuda", 1, 1));
    assert_eq!(gpu.stages_ms.len(), STAGES.len());
    assert!(gpu.stages_ms.iter().all(|(_, ms)| *ms >= 0.0));
    assert!(gpu.median_ms > 0.0 && gpu.mib_per_s > 0.0);

    let on_cpu = encoders::cpu_square(&cpu, 1, 2, 1);
    assert_eq!((on_cpu.backend, on_cpu.threads), ("weft_cpu", 2));
    assert!(on_cpu.stages_ms.is_empty());

    let rows = encoders::random_rows(1, 1);
    let square = cpu.encode_bytes(&[&rows[0]]).expect("encodes");
    let ckzg = encoders::ckzg_square(&square, 1, 1);
    assert_eq!((ckzg.backend, ckzg.k), ("ckzg_all_rows", 1));

    // Reconstruction asserts the rebuilt square equals the original, on both re-encoders.
    let rebuilt_cpu = encoders::reconstruct_half(&cpu, None, &square, 2, 1);
    let rebuilt_gpu = encoders::reconstruct_half(&cpu, Some(&emulator), &square, 2, 1);
    assert_eq!(rebuilt_cpu.backend, "weft_cpu");
    assert_eq!(rebuilt_gpu.backend, "weft_cuda");

    let series = weft_benches::plot::square_series(&[gpu, on_cpu, ckzg]);
    assert_eq!(series.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("square.svg");
    weft_benches::plot::square_time_against_k(&svg, &series).expect("plots");
    assert!(std::fs::read_to_string(&svg)
        .unwrap()
        .contains("weft_cuda (GPU)"));
}
