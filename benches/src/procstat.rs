//! A process's CPU time and peak resident memory, from `/proc/<pid>/stat` and `status`; the
//! whole machine's CPU, sampled every [`SLICE`] from `/proc/stat`, to tell whether a run was
//! bound by the machine's cores.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread::JoinHandle,
    time::Duration,
};

// The harness's clock (tokio's, which is std's outside a paused test runtime).
use tokio::time::Instant;

/// Length of one machine CPU sample.
pub const SLICE: Duration = Duration::from_millis(50);

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// CPU time (user + system) used so far by `pid`; `None` when it cannot be read.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// Peak resident set size of `pid` in bytes (`VmHWM`); `None` when it cannot be read.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The machine's CPU counters: (busy, total) jiffies over all cores, from the `cpu` line of
/// `/proc/stat` (busy = total − idle − iowait); `None` when it cannot be read.
pub fn machine_jiffies() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// One sample: when it ended, and the share of all cores busy during it (0–1).
#[derive(Debug, Clone, Copy)]
pub struct Busy {
    /// End of the slice.
    pub at: Instant,
    /// Busy share of all cores.
    pub share: f64,
}

/// A thread sampling the machine's busy share every [`SLICE`] until stopped.
#[derive(Debug)]
pub struct MachineSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Busy>>,
}

impl MachineSampler {
    /// Starts sampling.
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut last = machine_jiffies();
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(SLICE);
                let now = machine_jiffies();
                if let (Some((b0, t0)), Some((b1, t1))) = (last, now) {
                    if t1 > t0 {
                        out.push(Busy {
                            at: Instant::now(),
                            share: (b1 - b0) as f64 / (t1 - t0) as f64,
                        });
                    }
                }
                last = now;
            }
            out
        });
        Self { stop, thread }
    }

    /// Stops it; the samples in order.
    pub fn stop(self) -> Vec<Busy> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// Mean busy share of the samples that ended inside any of `windows` (start, end); `None` if
/// none did.
pub fn busy_within(samples: &[Busy], windows: &[(Instant, Instant)]) -> Option<f64> {
    let inside: Vec<f64> = samples
        .iter()
        .filter(|s| windows.iter().any(|(a, b)| *a <= s.at && s.at <= *b))
        .map(|s| s.share)
        .collect();
    (!inside.is_empty()).then(|| inside.iter().sum::<f64>() / inside.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_a_peak_rss() {
        let pid = std::process::id();
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(50) {}
        assert!(cpu_time(pid).is_some_and(|t| t > Duration::ZERO));
        assert!(peak_rss(pid).is_some_and(|b| b > 1 << 20));
        assert!(cpu_time(u32::MAX).is_none());
    }

    #[test]
    fn a_spinning_thread_shows_in_the_machine_samples_and_only_inside_its_window() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let sampler = MachineSampler::start();
        std::thread::sleep(4 * SLICE);
        let from = Instant::now();
        while from.elapsed() < 8 * SLICE {}
        let to = Instant::now();
        let samples = sampler.stop();
        assert!(samples.len() >= 8, "{} samples", samples.len());
        let spinning = busy_within(&samples, &[(from + SLICE, to)]).expect("samples inside");
        // One core of `cores` busy at least (others may be too).
        assert!(spinning >= 0.8 / cores as f64, "{spinning}");
        assert!(busy_within(
            &samples,
            &[(to + Duration::from_secs(60), to + Duration::from_secs(61))]
        )
        .is_none());
    }
}
