//! The little the light client needs from a runtime: spawning a task and sleeping. Tokio
//! natively, the browser's event loop on wasm32.

use std::{future::Future, time::Duration};

/// Spawns a task.
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    tokio::spawn(task);
}

/// Spawns a task.
#[cfg(target_arch = "wasm32")]
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(task);
}

/// Sleeps.
pub async fn sleep(duration: Duration) {
    futures_timer::Delay::new(duration).await;
}
