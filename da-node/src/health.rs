//! Liveness for `GET /health` and the supervisor of the node's long-running tasks (producer,
//! sync): when a block was last stored, how far the network's head is ahead, and which tasks
//! died. A task that dies is started again after a pause; one that keeps dying stops the node
//! so that its process supervisor (systemd, Kubernetes) restarts it (issue 11, items 1 and 9).

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_types::api::{HealthStatus, NodeHealth, TaskHealth};

/// Deaths in a row after which a task is not started again and the node stops.
pub(crate) const MAX_RESTARTS: u32 = 3;
/// A task that ran this long before dying starts a fresh count of deaths.
const HEALTHY_RUN: Duration = Duration::from_secs(60);
/// Pause before the first restart; doubled for each death in a row.
const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// Room beyond three block intervals before a node without a new block counts as stalled
/// (a k = 64 square takes ~30 s to encode on a 2-core machine).
const STALL_GRACE: Duration = Duration::from_secs(60);

/// Shared liveness state, written by the tasks and read by `/health`.
#[derive(Debug)]
pub(crate) struct Health {
    /// A producer is stalled when it stores nothing for this long; a follower when it also
    /// knows of higher headers.
    stall_after: Duration,
    producer: bool,
    last_block: Mutex<Instant>,
    network_head: AtomicU64,
    tasks: Mutex<Vec<TaskHealth>>,
    failed: Mutex<Option<String>>,
    equivocation: Mutex<Option<u64>>,
}

impl Health {
    /// Liveness for a node with blocks every `block_time` (`producer`: it makes them).
    pub(crate) fn new(block_time: Duration, producer: bool) -> Self {
        Self {
            stall_after: block_time * 3 + STALL_GRACE,
            producer,
            last_block: Mutex::new(Instant::now()),
            network_head: AtomicU64::new(0),
            tasks: Mutex::new(Vec::new()),
            failed: Mutex::new(None),
            equivocation: Mutex::new(None),
        }
    }

    /// A block was stored.
    pub(crate) fn block_stored(&self) {
        *self.last_block.lock().expect("not poisoned") = Instant::now();
    }

    /// A verified header at `height` was heard of.
    pub(crate) fn header_seen(&self, height: u64) {
        self.network_head.fetch_max(height, Ordering::Relaxed);
    }

    /// The producer equivocated at `height`: the node stops following or producing.
    pub(crate) fn equivocated(&self, height: u64) {
        *self.equivocation.lock().expect("not poisoned") = Some(height);
    }

    /// The height at which the producer equivocated, if it did.
    pub(crate) fn equivocation(&self) -> Option<u64> {
        *self.equivocation.lock().expect("not poisoned")
    }

    /// The highest verified header heard of.
    pub(crate) fn network_head(&self) -> u64 {
        self.network_head.load(Ordering::Relaxed)
    }

    /// Why the node stopped itself, if it did.
    pub(crate) fn failure(&self) -> Option<String> {
        self.failed.lock().expect("not poisoned").clone()
    }

    fn died(&self, name: &str, why: &str, restarts: u32) {
        let mut tasks = self.tasks.lock().expect("not poisoned");
        let task = match tasks.iter_mut().find(|t| t.name == name) {
            Some(t) => t,
            None => {
                tasks.push(TaskHealth {
                    name: name.into(),
                    restarts: 0,
                    last_error: None,
                });
                tasks.last_mut().expect("just pushed")
            }
        };
        task.restarts = restarts;
        task.last_error = Some(why.into());
    }

    fn register(&self, name: &str) {
        let mut tasks = self.tasks.lock().expect("not poisoned");
        if !tasks.iter().any(|t| t.name == name) {
            tasks.push(TaskHealth {
                name: name.into(),
                restarts: 0,
                last_error: None,
            });
        }
    }

    /// The report at `now`, for a store whose head is `head`.
    pub(crate) fn report(&self, head: u64, now: Instant) -> NodeHealth {
        let since = now.saturating_duration_since(*self.last_block.lock().expect("not poisoned"));
        let network_head = self.network_head.load(Ordering::Relaxed).max(head);
        let mut problems = Vec::new();
        let failed = self.failure();
        if let Some(why) = &failed {
            problems.push(format!("stopping: {why}"));
        }
        let equivocation = self.equivocation();
        if let Some(height) = equivocation {
            problems.push(format!(
                "the producer signed two different headers at height {height} (equivocation): \
                 stopped {}; the proof is kept and gossiped",
                if self.producer {
                    "producing"
                } else {
                    "following"
                }
            ));
        }
        let behind = network_head > head;
        if equivocation.is_none() && since > self.stall_after && (self.producer || behind) {
            problems.push(if self.producer {
                format!("no block produced for {}s", since.as_secs())
            } else {
                format!(
                    "no block synced for {}s while the network is at {network_head} and this node at {head}",
                    since.as_secs()
                )
            });
        }
        let status = if failed.is_some() {
            HealthStatus::Failed
        } else if equivocation.is_some() {
            HealthStatus::Equivocation
        } else if problems.is_empty() {
            HealthStatus::Ok
        } else {
            HealthStatus::Stalled
        };
        NodeHealth {
            status,
            head,
            network_head,
            last_block_seconds_ago: since.as_secs_f64(),
            stall_after_seconds: self.stall_after.as_secs_f64(),
            tasks: self.tasks.lock().expect("not poisoned").clone(),
            problems,
            equivocation_height: equivocation,
        }
    }
}

/// Runs the task `start` makes under supervision until `cancel`: when it ends (an error, a
/// panic, or returning while the node runs) it is recorded in `health` and started again after
/// a pause; after [`MAX_RESTARTS`] deaths in a row the node is stopped (`cancel`) with the
/// reason kept in `health`.
pub(crate) fn supervise<F>(
    name: &'static str,
    health: std::sync::Arc<Health>,
    cancel: CancellationToken,
    mut start: impl FnMut() -> F + Send + 'static,
) -> JoinHandle<()>
where
    F: Future<Output = Result<(), String>> + Send + 'static,
{
    health.register(name);
    tokio::spawn(async move {
        let mut deaths = 0u32;
        let mut restarts = 0u32;
        loop {
            let started = Instant::now();
            let outcome = tokio::spawn(start()).await;
            if cancel.is_cancelled() {
                return;
            }
            let why = match outcome {
                Ok(Ok(())) => "ended while the node runs".to_string(),
                Ok(Err(e)) => e,
                Err(e) if e.is_panic() => format!("panicked: {}", panic_message(e.into_panic())),
                Err(e) => e.to_string(),
            };
            if started.elapsed() >= HEALTHY_RUN {
                deaths = 0;
            }
            deaths += 1;
            if deaths > MAX_RESTARTS {
                let reason = format!("the {name} task died {deaths} times in a row: {why}");
                tracing::error!("{reason}; stopping the node");
                *health.failed.lock().expect("not poisoned") = Some(reason);
                health.died(name, &why, restarts);
                cancel.cancel();
                return;
            }
            restarts += 1;
            health.died(name, &why, restarts);
            let pause = RESTART_PAUSE * 2u32.pow(deaths - 1);
            tracing::error!(
                task = name,
                restarts,
                "{why}; starting it again in {pause:?}"
            );
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    })
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

#[cfg(test)]
mod tests {
    use std::sync::{atomic::AtomicU32, Arc};

    use super::*;

    #[test]
    fn a_producer_without_blocks_stalls_and_a_follower_only_when_behind() {
        let producer = Health::new(Duration::from_secs(1), true);
        let now = Instant::now();
        assert_eq!(producer.report(5, now).status, HealthStatus::Ok);
        let later = now + Duration::from_secs(64);
        let report = producer.report(5, later);
        assert_eq!(report.status, HealthStatus::Stalled);
        assert!(
            report.problems[0].contains("no block produced"),
            "{report:?}"
        );
        producer.block_stored();
        assert_eq!(producer.report(6, Instant::now()).status, HealthStatus::Ok);

        let follower = Health::new(Duration::from_secs(1), false);
        assert_eq!(
            follower.report(3, later).status,
            HealthStatus::Ok,
            "nothing newer exists"
        );
        follower.header_seen(9);
        let report = follower.report(3, later);
        assert_eq!(report.status, HealthStatus::Stalled);
        assert_eq!(report.network_head, 9);
        assert!(report.problems[0].contains("network is at 9"), "{report:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_dying_task_is_restarted_and_then_stops_the_node() {
        let health = Arc::new(Health::new(Duration::from_secs(1), true));
        let cancel = CancellationToken::new();
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let supervisor = supervise("producer", health.clone(), cancel.clone(), move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    panic!("store poisoned");
                }
                Err(format!("store write failed ({n})"))
            }
        });
        supervisor.await.unwrap();
        assert!(cancel.is_cancelled(), "the node is stopped");
        assert_eq!(runs.load(Ordering::SeqCst), MAX_RESTARTS + 1);
        let report = health.report(0, Instant::now());
        assert_eq!(report.status, HealthStatus::Failed);
        assert_eq!(report.tasks[0].restarts, MAX_RESTARTS);
        assert!(report.problems[0].contains("died 4 times"), "{report:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_recovers_keeps_running() {
        let health = Arc::new(Health::new(Duration::from_secs(1), true));
        let cancel = CancellationToken::new();
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let stop = cancel.clone();
        let supervisor = supervise("sync", health.clone(), cancel.clone(), move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            let stop = stop.clone();
            async move {
                if n == 0 {
                    panic!("a bug");
                }
                stop.cancelled().await;
                Ok(())
            }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        let report = health.report(0, Instant::now());
        assert_eq!(report.status, HealthStatus::Ok);
        assert_eq!(report.tasks[0].restarts, 1);
        assert_eq!(
            report.tasks[0].last_error.as_deref(),
            Some("panicked: a bug")
        );
        cancel.cancel();
        supervisor.await.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
