//! The little a network or client task needs from a runtime: spawning a task, sleeping, and
//! running blocking work off the event loop. Tokio natively, the browser's event loop on wasm32.

use std::{future::Future, time::Duration};

/// Spawns a task on the runtime (tokio).
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    tokio::spawn(task);
}

/// Spawns a task on the browser's event loop.
#[cfg(target_arch = "wasm32")]
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(task);
}

/// Milliseconds since the Unix epoch by the local clock (the browser's natively in a page).
pub fn unix_ms() -> u64 {
    web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Sleeps for `duration` (a timer that works natively and in the browser).
pub async fn sleep(duration: Duration) {
    futures_timer::Delay::new(duration).await;
}

/// Runs `work` on a blocking thread (tokio's pool), so a store read never stalls the swarm.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn blocking(work: impl FnOnce() + Send + 'static) {
    tokio::task::spawn_blocking(work);
}

/// Runs `work` at once: the browser has no blocking threads (and a browser peer serves
/// nothing).
#[cfg(target_arch = "wasm32")]
pub(crate) fn blocking(work: impl FnOnce() + 'static) {
    work();
}
