//! The client's event queue: bounded at [`MAX_EVENTS`], dropping the oldest event (and counting
//! it) when the reader falls behind or never reads, so a library user who ignores
//! [`crate::LightClient::events`] cannot make the client grow without bound.

use std::{
    collections::VecDeque,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    task::{Context, Poll},
};

use futures::{task::AtomicWaker, Stream};

use crate::record::HeightRecord;

/// What the client reports as it goes.
#[derive(Debug, Clone)]
pub enum LightEvent {
    /// A height's record changed (progress or final verdict).
    Height(HeightRecord),
}

/// Events kept for a reader that has not taken them; beyond it the oldest is dropped. A height
/// makes a handful of events (progress, then its verdict), so this is minutes of a busy chain.
pub const MAX_EVENTS: usize = 1024;

#[derive(Debug, Default)]
struct Queue {
    events: VecDeque<LightEvent>,
    dropped: u64,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    waker: AtomicWaker,
}

impl Shared {
    /// The lock policy of the workspace: a poisoned lock is taken over (the queue is whole
    /// after every critical section).
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The client's end: pushes events, never blocks.
#[derive(Debug)]
pub(crate) struct EventSender {
    shared: Arc<Shared>,
    capacity: usize,
}

/// The reader's end: a [`Stream`] of [`LightEvent`]s, oldest first, that ends when the client
/// stops. At most [`MAX_EVENTS`] wait in it; [`Events::dropped`] counts those dropped to keep
/// to that.
#[derive(Debug)]
pub struct Events {
    shared: Arc<Shared>,
}

/// A queue holding at most `capacity` events.
pub(crate) fn channel(capacity: usize) -> (EventSender, Events) {
    let shared = Arc::new(Shared::default());
    (
        EventSender {
            shared: shared.clone(),
            capacity: capacity.max(1),
        },
        Events { shared },
    )
}

impl EventSender {
    /// Queues `event`, dropping the oldest queued one if the queue is full.
    pub(crate) fn send(&self, event: LightEvent) {
        {
            let mut queue = self.shared.lock();
            if queue.events.len() >= self.capacity {
                queue.events.pop_front();
                queue.dropped += 1;
            }
            queue.events.push_back(event);
        }
        self.shared.waker.wake();
    }
}

impl Drop for EventSender {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.waker.wake();
    }
}

impl Events {
    /// Events dropped so far because the reader was [`MAX_EVENTS`] behind.
    pub fn dropped(&self) -> u64 {
        self.shared.lock().dropped
    }

    /// Events waiting to be read.
    pub fn len(&self) -> usize {
        self.shared.lock().events.len()
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Stream for Events {
    type Item = LightEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<LightEvent>> {
        // Registered before looking, so a send between the look and the return wakes us.
        self.shared.waker.register(cx.waker());
        let mut queue = self.shared.lock();
        match queue.events.pop_front() {
            Some(event) => Poll::Ready(Some(event)),
            None if queue.closed => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::{FutureExt, StreamExt};

    use super::*;

    fn event(height: u64) -> LightEvent {
        LightEvent::Height(HeightRecord::example(height))
    }

    fn height(e: LightEvent) -> u64 {
        let LightEvent::Height(r) = e;
        r.height
    }

    #[test]
    fn an_unread_queue_keeps_the_newest_events_and_counts_the_rest() {
        let (tx, mut rx) = channel(3);
        for h in 1..=10 {
            tx.send(event(h));
        }
        assert_eq!(rx.len(), 3, "bounded");
        assert_eq!(rx.dropped(), 7);
        let kept: Vec<u64> = (0..3)
            .map(|_| height(rx.next().now_or_never().flatten().unwrap()))
            .collect();
        assert_eq!(kept, [8, 9, 10], "the oldest went first");
        assert!(
            rx.next().now_or_never().is_none(),
            "nothing more, not ended"
        );
        drop(tx);
        assert!(
            matches!(rx.next().now_or_never(), Some(None)),
            "ends with the client"
        );
    }

    #[test]
    fn a_reader_that_keeps_up_loses_nothing_and_is_woken() {
        let (tx, mut rx) = channel(MAX_EVENTS);
        let reader = std::thread::spawn(move || {
            futures::executor::block_on(async {
                let mut seen = Vec::new();
                while let Some(e) = rx.next().await {
                    seen.push(height(e));
                }
                (seen, rx.dropped())
            })
        });
        for h in 0..100 {
            tx.send(event(h));
            if h % 10 == 0 {
                std::thread::yield_now();
            }
        }
        drop(tx);
        let (seen, dropped) = reader.join().unwrap();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        assert_eq!(dropped, 0);
    }
}
