//! `square`: the data square at several k on Weft's CPU encoder (1, 2 … all threads), Weft's
//! CUDA encoder (when built with `--features cuda` on a machine with a GPU) and the naive c-kzg
//! baseline on all 2k rows; reconstruction from half the cells; per-stage GPU times. Prints JSON
//! lines and a table; `--plot` draws square time against k per backend (SVG).
//!
//! `cargo run -p weft-benches --bin square -- --k 1,8,32 --threads 1,2 --reps 3`

use std::path::PathBuf;

use clap::Parser;
use weft_benches::{encoders, plot};
use weft_encoding_cuda::GpuEncoder;

#[derive(Debug, Parser)]
#[command(about = "Square encoding: Weft CPU, Weft CUDA and c-kzg side by side")]
struct Args {
    /// Square sizes (original rows), comma-separated powers of two up to 128.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    k: Vec<usize>,
    /// CPU thread counts, comma-separated; `all` for every core.
    #[arg(long, value_delimiter = ',', default_value = "1,2,all")]
    threads: Vec<String>,
    /// Timed runs per figure (after one warm-up).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Skip the c-kzg baseline above this k (it takes seconds per square).
    #[arg(long, default_value_t = 32)]
    ckzg_max_k: usize,
    /// Skip Weft's CPU encoder above this k.
    #[arg(long, default_value_t = 128)]
    cpu_max_k: usize,
    /// Also time reconstruction from half of the cells at these k.
    #[arg(long, value_delimiter = ',')]
    reconstruct: Vec<usize>,
    /// Draw square time against k to this SVG file.
    #[arg(long)]
    plot: Option<PathBuf>,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads: Vec<usize> = args
        .threads
        .iter()
        .map(|t| match t.as_str() {
            "all" => Ok(cores),
            n => n
                .parse()
                .map_err(|_| format!("--threads: {n:?} is not a number or `all`")),
        })
        .collect::<Result<_, _>>()?;
    threads.sort_unstable();
    threads.dedup();
    if let Some(&k) = args.k.iter().find(|k| !k.is_power_of_two() || **k > 128) {
        return Err(format!("--k: {k} is not a power of two up to 128"));
    }
    let cpu = encoders::cpu_encoder();
    let setup = std::time::Instant::now();
    let gpu = match GpuEncoder::cuda() {
        Ok(gpu) => {
            eprintln!(
                "GPU: {} (tables built in {:.2} s)",
                gpu.device_name(),
                setup.elapsed().as_secs_f64()
            );
            Some(gpu)
        }
        Err(e) => {
            eprintln!("no GPU figures: {e}");
            None
        }
    };
    let all = *threads.last().expect("at least one thread count");
    let mut figures = Vec::new();
    let mut emit = |f: encoders::Figure| {
        println!("{}", serde_json::to_string(&f).expect("json"));
        figures.push(f);
    };
    for &k in &args.k {
        if let Some(gpu) = &gpu {
            emit(encoders::gpu_square(gpu, k, args.reps));
        }
        if k <= args.cpu_max_k {
            for &t in &threads {
                emit(encoders::cpu_square(&cpu, k, t, args.reps));
            }
        }
        if k <= args.ckzg_max_k {
            let rows = encoders::random_rows(k as u64, k);
            let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
            let square = cpu.encode_bytes(&refs).map_err(|e| e.to_string())?;
            for &t in &threads {
                emit(encoders::ckzg_square(&square, t, args.reps));
            }
        }
    }
    for &k in &args.reconstruct {
        let rows = encoders::random_rows(1000 + k as u64, k);
        let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        let square = cpu.encode_bytes(&refs).map_err(|e| e.to_string())?;
        emit(encoders::reconstruct_half(
            &cpu, None, &square, all, args.reps,
        ));
        if let Some(gpu) = &gpu {
            emit(encoders::reconstruct_half(
                &cpu,
                Some(gpu),
                &square,
                all,
                args.reps,
            ));
        }
    }

    println!();
    println!(
        "{:<18} {:<14} {:>4} {:>8} {:>11} {:>9}",
        "what", "backend", "k", "threads", "median ms", "MiB/s"
    );
    for f in &figures {
        println!(
            "{:<18} {:<14} {:>4} {:>8} {:>11.1} {:>9.2}",
            f.what,
            f.backend,
            f.k,
            if f.threads == 0 {
                "gpu".to_string()
            } else {
                f.threads.to_string()
            },
            f.median_ms,
            f.mib_per_s
        );
        for (stage, ms) in &f.stages_ms {
            println!("{:>40} {stage:<14} {ms:>9.2} ms", "");
        }
    }
    if let Some(path) = &args.plot {
        let series = plot::square_series(&figures);
        plot::square_time_against_k(path, &series)?;
        eprintln!("plot: {}", path.display());
    }
    Ok(())
}
