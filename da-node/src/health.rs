//! Liveness for `GET /health` and the supervisor of the node's long-running tasks (producer,
//! sync): when a block was last stored, how far the network's head is ahead, and which tasks
//! died. A task that dies is started again after a pause; one that keeps dying stops the node
//! so that its process supervisor (systemd, Kubernetes) restarts it (issue 11, items 1 and 9).

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex, MutexGuard, PoisonError,
    },
    time::{Duration, Instant},
};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_types::api::{HealthStatus, NodeHealth, NodeRole, TaskHealth};

/// Deaths in a row after which a task is not started again and the node stops.
pub(crate) const MAX_RESTARTS: u32 = 3;
/// A task that ran this long before dying starts a fresh count of deaths.
const HEALTHY_RUN: Duration = Duration::from_secs(60);
/// Pause before the first restart; doubled for each death in a row.
const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// Longest pause before a restart.
const MAX_RESTART_PAUSE: Duration = Duration::from_secs(60);
/// Listener errors (an accept failing for want of file descriptors) this recent make the node
/// `overloaded` in `/health`.
pub(crate) const ACCEPT_FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Room beyond three block intervals before a node without a new block counts as stalled
/// (a k = 64 square takes ~30 s to encode on a 2-core machine).
const STALL_GRACE: Duration = Duration::from_secs(60);

/// Why a supervised task gave up (it is then started again, see [`supervise`]).
#[derive(Debug, thiserror::Error)]
pub(crate) enum TaskError {
    /// The producer failed this many blocks in a row (a store that cannot be written).
    #[error("{in_a_row} blocks in a row failed: {last}")]
    Blocks {
        /// Failures in a row.
        in_a_row: u32,
        /// The last one.
        last: crate::NodeError,
    },
    /// A validator's consensus thread ended on its own (its network could not bind its
    /// address, a task panicked).
    #[error("consensus stopped: {0}")]
    Consensus(String),
    /// The syncer failed this many store writes in a row.
    #[error("{in_a_row} store failures in a row: {last}")]
    Store {
        /// Failures in a row.
        in_a_row: u32,
        /// The last one.
        last: crate::store::StoreError,
    },
}

/// Shared liveness state, written by the tasks and read by `/health`.
#[derive(Debug)]
pub(crate) struct Health {
    /// A producer is stalled when it stores nothing for this long; a follower when it also
    /// knows of higher headers.
    stall_after: Duration,
    role: NodeRole,
    last_block: Mutex<Instant>,
    network_head: AtomicU64,
    tasks: Mutex<Vec<TaskHealth>>,
    failed: Mutex<Option<String>>,
    equivocation: Mutex<Option<u64>>,
    /// The HTTP listener's accept errors: how many, the latest and when.
    http_accept: Mutex<Option<weft_p2p::ListenerErrors>>,
}

impl Health {
    /// Liveness for a node in `role` with blocks every `block_time`.
    pub(crate) fn new(block_time: Duration, role: NodeRole) -> Self {
        Self {
            stall_after: block_time * 3 + STALL_GRACE,
            role,
            last_block: Mutex::new(Instant::now()),
            network_head: AtomicU64::new(0),
            tasks: Mutex::new(Vec::new()),
            failed: Mutex::new(None),
            equivocation: Mutex::new(None),
            http_accept: Mutex::new(None),
        }
    }

    fn producer(&self) -> bool {
        matches!(self.role, NodeRole::Producer | NodeRole::Validator)
    }

    /// A block was stored.
    pub(crate) fn block_stored(&self) {
        *locked(&self.last_block) = Instant::now();
    }

    /// A verified header at `height` was heard of.
    pub(crate) fn header_seen(&self, height: u64) {
        self.network_head.fetch_max(height, Ordering::Relaxed);
    }

    /// The HTTP listener failed to accept a connection (e.g. out of file descriptors).
    pub(crate) fn accept_failed(&self, reason: &dyn std::fmt::Display) {
        weft_p2p::ListenerErrors::record(
            &mut locked(&self.http_accept),
            reason.to_string(),
            Instant::now(),
        );
    }

    /// The producer equivocated at `height`: the node stops following or producing.
    pub(crate) fn equivocated(&self, height: u64) {
        *locked(&self.equivocation) = Some(height);
    }

    /// The height at which the producer equivocated, if it did.
    pub(crate) fn equivocation(&self) -> Option<u64> {
        *locked(&self.equivocation)
    }

    /// The highest verified header heard of.
    pub(crate) fn network_head(&self) -> u64 {
        self.network_head.load(Ordering::Relaxed)
    }

    /// Why the node stopped itself, if it did.
    pub(crate) fn failure(&self) -> Option<String> {
        locked(&self.failed).clone()
    }

    fn died(&self, name: &str, why: &str, restarts: u32) {
        let mut tasks = locked(&self.tasks);
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
        let mut tasks = locked(&self.tasks);
        if !tasks.iter().any(|t| t.name == name) {
            tasks.push(TaskHealth {
                name: name.into(),
                restarts: 0,
                last_error: None,
            });
        }
    }

    /// The report at `now`, for a store whose head is `head` and a network whose listeners
    /// failed as `p2p` says.
    pub(crate) fn report(
        &self,
        head: u64,
        now: Instant,
        p2p: Option<&weft_p2p::ListenerErrors>,
    ) -> NodeHealth {
        let since = now.saturating_duration_since(*locked(&self.last_block));
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
                if self.producer() {
                    "producing"
                } else {
                    "following"
                }
            ));
        }
        let http = locked(&self.http_accept).clone();
        let mut refusing = false;
        for (listener, failures) in [("HTTP", http.as_ref()), ("p2p", p2p)] {
            let Some(e) = failures else { continue };
            let ago = now.saturating_duration_since(e.last);
            if ago < ACCEPT_FAILURE_WINDOW {
                refusing = true;
                problems.push(format!(
                    "the {listener} listener is failing to accept connections ({} errors since \
                     start, the last {}s ago: {})",
                    e.count,
                    ago.as_secs(),
                    e.reason
                ));
            }
        }
        let behind = network_head > head;
        if equivocation.is_none() && since > self.stall_after && (self.producer() || behind) {
            problems.push(if self.producer() {
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
        } else if refusing && problems.len() == 1 {
            HealthStatus::Overloaded
        } else {
            HealthStatus::Stalled
        };
        NodeHealth {
            status,
            role: Some(self.role),
            head,
            network_head,
            last_block_seconds_ago: since.as_secs_f64(),
            stall_after_seconds: self.stall_after.as_secs_f64(),
            tasks: locked(&self.tasks).clone(),
            problems,
            equivocation_height: equivocation,
            validator_faults: None,
        }
    }
}

/// The value behind `mutex`. The workspace's lock policy: a poisoned lock is taken over, not
/// re-panicked — every critical section leaves its value whole, so a panic elsewhere must not
/// turn every later `/health` request into a panic too.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
    F: Future<Output = Result<(), TaskError>> + Send + 'static,
{
    health.register(name);
    tokio::spawn(async move {
        let mut deaths = 0u32;
        let mut restarts = 0u32;
        let mut pauses = restart_pauses();
        loop {
            let started = Instant::now();
            let outcome = tokio::spawn(start()).await;
            if cancel.is_cancelled() {
                return;
            }
            let why = match outcome {
                Ok(Ok(())) => "ended while the node runs".to_string(),
                Ok(Err(e)) => e.to_string(),
                Err(e) if e.is_panic() => format!("panicked: {}", panic_message(e.into_panic())),
                Err(e) => e.to_string(),
            };
            if started.elapsed() >= HEALTHY_RUN {
                deaths = 0;
                pauses = restart_pauses();
            }
            deaths += 1;
            if deaths > MAX_RESTARTS {
                let reason = format!("the {name} task died {deaths} times in a row: {why}");
                tracing::error!("{reason}; stopping the node");
                *locked(&health.failed) = Some(reason);
                health.died(name, &why, restarts);
                cancel.cancel();
                return;
            }
            restarts += 1;
            health.died(name, &why, restarts);
            let pause = pauses.next().unwrap_or(MAX_RESTART_PAUSE);
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

/// Pauses before restarts: [`RESTART_PAUSE`], doubling, at most [`MAX_RESTART_PAUSE`].
fn restart_pauses() -> backon::ExponentialBackoff {
    backon::BackoffBuilder::build(
        backon::ExponentialBuilder::new()
            .with_min_delay(RESTART_PAUSE)
            .with_max_delay(MAX_RESTART_PAUSE)
            .without_max_times(),
    )
}

/// The message a panic was raised with (`"a panic"` when it is not a string).
pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
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
        let producer = Health::new(Duration::from_secs(1), NodeRole::Producer);
        let now = Instant::now();
        assert_eq!(producer.report(5, now, None).status, HealthStatus::Ok);
        let later = now + Duration::from_secs(64);
        let report = producer.report(5, later, None);
        assert_eq!(report.status, HealthStatus::Stalled);
        assert!(
            report.problems[0].contains("no block produced"),
            "{report:?}"
        );
        producer.block_stored();
        assert_eq!(
            producer.report(6, Instant::now(), None).status,
            HealthStatus::Ok
        );

        let follower = Health::new(Duration::from_secs(1), NodeRole::Full);
        assert_eq!(
            follower.report(3, later, None).status,
            HealthStatus::Ok,
            "nothing newer exists"
        );
        follower.header_seen(9);
        let report = follower.report(3, later, None);
        assert_eq!(report.status, HealthStatus::Stalled);
        assert_eq!(report.network_head, 9);
        assert!(report.problems[0].contains("network is at 9"), "{report:?}");
    }

    #[test]
    fn failing_accepts_make_the_node_overloaded_for_a_minute() {
        let health = Health::new(Duration::from_secs(1), NodeRole::Full);
        let now = Instant::now();
        assert_eq!(health.report(3, now, None).status, HealthStatus::Ok);
        health.accept_failed(&"Too many open files (os error 24)");
        let report = health.report(3, Instant::now(), None);
        assert_eq!(report.status, HealthStatus::Overloaded);
        assert!(report.problems[0].contains("HTTP listener"), "{report:?}");
        assert!(report.problems[0].contains("Too many open files"));
        let p2p = weft_p2p::ListenerErrors {
            count: 7,
            last: Instant::now(),
            reason: "accept: Too many open files".into(),
        };
        let report = health.report(3, Instant::now(), Some(&p2p));
        assert_eq!(report.problems.len(), 2);
        assert_eq!(
            report.status,
            HealthStatus::Stalled,
            "more than one problem"
        );
        let later = Instant::now() + ACCEPT_FAILURE_WINDOW + Duration::from_secs(1);
        assert_eq!(health.report(3, later, Some(&p2p)).status, HealthStatus::Ok);
    }

    #[test]
    fn a_poisoned_lock_is_taken_over_not_panicked_on() {
        let health = Arc::new(Health::new(Duration::from_secs(1), NodeRole::Full));
        health.register("sync");
        let poisoner = health.clone();
        let _ = std::thread::spawn(move || {
            let _tasks = poisoner.tasks.lock().unwrap();
            let _failed = poisoner.failed.lock().unwrap();
            panic!("a panic while holding the locks");
        })
        .join();
        assert!(health.tasks.is_poisoned() && health.failed.is_poisoned());
        // `/health` keeps answering (it panicked on every request before).
        let report = health.report(3, Instant::now(), None);
        assert_eq!(report.status, HealthStatus::Ok);
        assert_eq!(report.tasks.len(), 1);
        assert_eq!(report.role, Some(NodeRole::Full));
    }

    #[tokio::test(start_paused = true)]
    async fn a_dying_task_is_restarted_and_then_stops_the_node() {
        let health = Arc::new(Health::new(Duration::from_secs(1), NodeRole::Producer));
        let cancel = CancellationToken::new();
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let supervisor = supervise("producer", health.clone(), cancel.clone(), move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    panic!("store poisoned");
                }
                Err(TaskError::Store {
                    in_a_row: n,
                    last: crate::store::StoreError::corrupt("head", "store write failed"),
                })
            }
        });
        supervisor.await.unwrap();
        assert!(cancel.is_cancelled(), "the node is stopped");
        assert_eq!(runs.load(Ordering::SeqCst), MAX_RESTARTS + 1);
        let report = health.report(0, Instant::now(), None);
        assert_eq!(report.status, HealthStatus::Failed);
        assert_eq!(report.tasks[0].restarts, MAX_RESTARTS);
        assert!(report.problems[0].contains("died 4 times"), "{report:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_recovers_keeps_running() {
        let health = Arc::new(Health::new(Duration::from_secs(1), NodeRole::Producer));
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
        let report = health.report(0, Instant::now(), None);
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
