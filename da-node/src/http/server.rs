//! The HTTP accept loop over hyper (HTTP/1.1): a global and a per-IP connection cap (a
//! connection over a cap gets a canned 503 with `Retry-After` after its request head, and is
//! closed gracefully so that it can read it: `super::linger`), every closed connection closed
//! gracefully the same way, a total
//! deadline for each request's headers (which also closes idle keep-alive connections), a total
//! deadline for writing each response (a client that stops reading is cut off and its buffered
//! response freed), and a bounded graceful drain on stop.

use std::{
    collections::HashMap,
    future::Future,
    io,
    net::IpAddr,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
    time::Duration,
};

use axum::Router;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    time::Sleep,
};
use tokio_util::sync::CancellationToken;

use super::linger::Linger;
use crate::{config::HttpLimits, metrics::Metrics};

/// Longest wait for open connections to finish their requests once the node stops.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// What a connection over a cap is told before it is closed.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 72\r\n\r\n{\"error\":\"too many connections; retry in a second\",\"code\":\"overloaded\"}\n";

/// Open connections per client IP.
#[derive(Debug, Default)]
struct PerIp(Mutex<HashMap<IpAddr, usize>>);

/// One admitted connection: releases its place in the per-IP count when dropped.
#[derive(Debug)]
struct Admitted {
    ip: IpAddr,
    per_ip: Arc<PerIp>,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl PerIp {
    /// Takes a place for `ip` if it has fewer than `cap` connections open.
    fn admit(&self, ip: IpAddr, cap: usize) -> bool {
        let mut open = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(ip).or_insert(0);
        if *n >= cap {
            return false;
        }
        *n += 1;
        true
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.per_ip.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// How the accept loop runs: its limits and what it reports to.
#[derive(Debug, Clone)]
pub(crate) struct Serving {
    /// Caps and deadlines.
    pub(crate) limits: HttpLimits,
    /// Connections closed gracefully at once, at most (`super::linger`).
    pub(crate) lingering: usize,
    /// Connection counters.
    pub(crate) metrics: Arc<Metrics>,
    /// Told of accept failures (`/health` reports them).
    pub(crate) health: Arc<crate::health::Health>,
}

/// Serves `router` on `listener` until `cancel`, as `serving` says.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    serving: Serving,
    cancel: CancellationToken,
) {
    let Serving {
        limits,
        lingering,
        metrics,
        health,
    } = serving;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let per_ip = Arc::new(PerIp::default());
    let linger = Linger::new(lingering);
    let graceful = GracefulShutdown::new();
    // Closes the connections still open once the drain limit has passed.
    let close = CancellationToken::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD_BUFFER);
    loop {
        let (stream, addr) = tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // moment rather than spin, and go on.
                    tracing::warn!("http accept: {e}");
                    health.accept_failed(&e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(admitted) = admit(&slots, &per_ip, addr.ip(), &limits) else {
            metrics.http_connections_refused.inc();
            linger.refuse(stream, BUSY_RESPONSE);
            continue;
        };
        metrics.http_connections.inc();
        let io = TokioIo::new(WriteDeadline::new(
            stream,
            limits.write_timeout,
            linger.clone(),
        ));
        let conn =
            graceful.watch(http.serve_connection(io, TowerToHyperService::new(router.clone())));
        let metrics = metrics.clone();
        let close = close.clone();
        tokio::spawn(async move {
            tokio::select! {
                served = conn => if let Err(e) = served {
                    tracing::debug!(%addr, "http connection: {e}");
                },
                // Dropping the connection closes its socket: a request still waiting (a
                // submission waiting for a block) fails at once instead of hanging.
                () = close.cancelled() => tracing::debug!(%addr, "http connection closed at stop"),
            }
            metrics.http_connections.dec();
            drop(admitted);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_LIMIT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("http: connections still open after {DRAIN_LIMIT:?}; closing them");
    }
    close.cancel();
}

/// Largest request head (request line and headers) read into memory, in bytes.
const MAX_HEAD_BUFFER: usize = 64 * 1024;

fn admit(
    slots: &Arc<tokio::sync::Semaphore>,
    per_ip: &Arc<PerIp>,
    ip: IpAddr,
    limits: &HttpLimits,
) -> Option<Admitted> {
    let slot = slots.clone().try_acquire_owned().ok()?;
    per_ip
        .admit(ip, limits.max_connections_per_ip)
        .then(|| Admitted {
            ip,
            per_ip: per_ip.clone(),
            _slot: slot,
        })
}

/// A socket whose writes must finish within a deadline: it starts at the first write after
/// the socket was last flushed (the start of a response) and ends at the next completed flush
/// (hyper flushes once a response is fully written). A write still pending at the deadline
/// fails with [`io::ErrorKind::TimedOut`], which closes the connection. Dropped (hyper is done
/// with the connection), the socket is closed gracefully ([`Linger::close`]).
#[derive(Debug)]
struct WriteDeadline {
    /// Taken only when dropped.
    inner: Option<TcpStream>,
    limit: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    linger: Linger,
}

impl WriteDeadline {
    const fn new(inner: TcpStream, limit: Duration, linger: Linger) -> Self {
        Self {
            inner: Some(inner),
            limit,
            deadline: None,
            linger,
        }
    }

    fn stream(&mut self) -> &mut TcpStream {
        self.inner
            .as_mut()
            .expect("the socket is taken only when dropped")
    }

    /// Passes a pending write on, or fails it if the deadline has passed.
    fn check<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_pending() {
            if let Some(deadline) = &mut self.deadline {
                if deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("response not taken within {:?}", self.limit),
                    )));
                }
            }
        }
        polled
    }

    fn start(&mut self) {
        if self.deadline.is_none() {
            self.deadline = Some(Box::pin(tokio::time::sleep(self.limit)));
        }
    }
}

impl AsyncRead for WriteDeadline {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().stream()).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteDeadline {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.start();
        let polled = Pin::new(this.stream()).poll_write(cx, buf);
        this.check(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.start();
        let polled = Pin::new(this.stream()).poll_write_vectored(cx, bufs);
        this.check(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(TcpStream::is_write_vectored)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(this.stream()).poll_flush(cx);
        if matches!(polled, Poll::Ready(Ok(()))) {
            this.deadline = None;
        }
        this.check(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(this.stream()).poll_shutdown(cx);
        this.check(cx, polled)
    }
}

impl Drop for WriteDeadline {
    fn drop(&mut self) {
        if let Some(stream) = self.inner.take() {
            self.linger.close(stream);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_places_are_counted_and_given_back() {
        let slots = Arc::new(tokio::sync::Semaphore::new(3));
        let per_ip = Arc::new(PerIp::default());
        let limits = HttpLimits {
            max_connections: 3,
            max_connections_per_ip: 2,
            ..HttpLimits::default()
        };
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = admit(&slots, &per_ip, a, &limits).unwrap();
        let _second = admit(&slots, &per_ip, a, &limits).unwrap();
        assert!(
            admit(&slots, &per_ip, a, &limits).is_none(),
            "a third from one IP"
        );
        let _other = admit(&slots, &per_ip, b, &limits).unwrap();
        assert!(
            admit(&slots, &per_ip, b, &limits).is_none(),
            "over the global cap"
        );
        drop(first);
        assert!(
            admit(&slots, &per_ip, a, &limits).is_some(),
            "a place was freed"
        );
    }

    #[test]
    fn the_busy_answer_is_well_formed() {
        let text = std::str::from_utf8(BUSY_RESPONSE).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(body.len(), length);
        serde_json::from_str::<serde_json::Value>(body).unwrap();
    }
}
