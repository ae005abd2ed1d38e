//! Closing a connection without losing its answer (issue 25, fault 1). A socket closed while
//! the client is still sending is reset by the kernel, and the reset throws away the answer the
//! client has not read yet: a refused client saw "connection reset" instead of the 503 that says
//! when to come back. So every connection the node closes — one refused at a connection cap, one
//! whose request hyper answered and finished — first has its write side shut (the answer goes
//! out, then FIN), then what the client still sends is read and thrown away for at most
//! [`LINGER_TIME`] and [`LINGER_BYTES`] (nginx's "lingering close"), and only then is it closed.
//! A refused connection's request head is read first (at most [`REFUSED_HEAD_BYTES`], for at
//! most [`REFUSED_HEAD_TIME`]), as a client expects its answer after its request. At most
//! [`MAX_LINGERING`] connections linger at once, each holding a socket for at most
//! `REFUSED_HEAD_TIME + ANSWER_TIME + LINGER_TIME`; past that a connection is closed at once, as
//! before.

use std::{sync::Arc, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    runtime::Handle,
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

/// Connections being closed gracefully at once, at most (each holds one file descriptor; the
/// node's descriptor budget may allow fewer: `FdBudget::lingering`).
pub(crate) const MAX_LINGERING: usize = 256;
/// Longest a closing connection's remaining request bytes are read and thrown away.
pub(crate) const LINGER_TIME: Duration = Duration::from_secs(2);
/// Most bytes read and thrown away from a closing connection (a submission body of the largest
/// blob in base64 fits).
pub(crate) const LINGER_BYTES: usize = 4 * 1024 * 1024;
/// Longest a refused connection's request head is waited for before it is answered anyway.
pub(crate) const REFUSED_HEAD_TIME: Duration = Duration::from_millis(500);
/// Most bytes of a refused connection's request head read before it is answered.
pub(crate) const REFUSED_HEAD_BYTES: usize = 16 * 1024;
/// Longest a refused connection's answer may take to write.
pub(crate) const ANSWER_TIME: Duration = Duration::from_secs(1);

/// The graceful closes in progress, at most a fixed number at once. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Linger {
    slots: Arc<Semaphore>,
    #[cfg(test)]
    max: usize,
}

impl Linger {
    /// At most `max` (and [`MAX_LINGERING`]) connections closing gracefully at once.
    pub(crate) fn new(max: usize) -> Self {
        let max = max.min(MAX_LINGERING);
        Self {
            slots: Arc::new(Semaphore::new(max)),
            #[cfg(test)]
            max,
        }
    }

    /// Answers a refused connection with `answer` and closes it gracefully, off the caller's
    /// task; at once, with the answer written only if the socket takes it whole now, when
    /// [`MAX_LINGERING`] are closing already.
    pub(crate) fn refuse(&self, stream: TcpStream, answer: &'static [u8]) {
        match self.slot() {
            Some((permit, runtime)) => {
                runtime.spawn(async move {
                    refuse(stream, answer).await;
                    drop(permit);
                });
            }
            None => {
                let _ = stream.try_write(answer);
            }
        }
    }

    /// Closes a connection whose answers are written (hyper is done with it) gracefully, off
    /// the caller's task; at once when [`MAX_LINGERING`] are closing already.
    pub(crate) fn close(&self, stream: TcpStream) {
        if let Some((permit, runtime)) = self.slot() {
            runtime.spawn(async move {
                drain(stream).await;
                drop(permit);
            });
        }
    }

    /// A free slot and the runtime to close a connection on; `None` when [`MAX_LINGERING`] are
    /// closing already or no runtime runs (a connection dropped as the node stops).
    fn slot(&self) -> Option<(OwnedSemaphorePermit, Handle)> {
        let permit = self.slots.clone().try_acquire_owned().ok()?;
        Some((permit, Handle::try_current().ok()?))
    }

    /// Connections closing now.
    #[cfg(test)]
    pub(crate) fn lingering(&self) -> usize {
        self.max - self.slots.available_permits()
    }
}

/// Reads the request head (up to its blank line, [`REFUSED_HEAD_BYTES`] or
/// [`REFUSED_HEAD_TIME`]), writes `answer`, then closes gracefully.
async fn refuse(mut stream: TcpStream, answer: &'static [u8]) {
    let deadline = Instant::now() + REFUSED_HEAD_TIME;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    while head.len() < REFUSED_HEAD_BYTES && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    if tokio::time::timeout(ANSWER_TIME, stream.write_all(answer))
        .await
        .is_ok_and(|written| written.is_ok())
    {
        drain(stream).await;
    }
}

/// Shuts the write side (the answer is sent, then FIN), then reads and throws away what the
/// client still sends until it closes, [`LINGER_BYTES`] or [`LINGER_TIME`].
async fn drain(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let deadline = Instant::now() + LINGER_TIME;
    let mut left = LINGER_BYTES;
    let mut buf = [0u8; 8192];
    while left > 0 {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => left = left.saturating_sub(n),
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    /// A client that sends its head, then (after the refusal was sent) its body, and only then
    /// reads: it reads the whole answer, not a reset.
    #[tokio::test]
    async fn a_refused_client_still_sending_its_body_reads_the_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let linger = Linger::new(MAX_LINGERING);
        let server = {
            let linger = linger.clone();
            tokio::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                linger.refuse(stream, b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy");
            })
        };
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"POST /v1/blobs HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n")
            .await
            .unwrap();
        server.await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The body arrives after the answer was written: without the drain this write meets a
        // closed socket and the reset discards the answer.
        let _ = client.write_all(&vec![7u8; 200_000]).await;
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        assert!(answer.starts_with(b"HTTP/1.1 503"), "{answer:?}");
        assert!(answer.ends_with(b"busy"));
        drop(client);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            linger.lingering(),
            0,
            "the drain ends when the client closes"
        );
    }

    #[tokio::test]
    async fn at_most_max_lingering_connections_are_held() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let linger = Linger::new(MAX_LINGERING);
        let mut clients = Vec::new();
        for _ in 0..MAX_LINGERING + 20 {
            clients.push(TcpStream::connect(addr).await.unwrap());
            let (stream, _) = listener.accept().await.unwrap();
            // A client that sends nothing: its refusal waits for its head.
            linger.refuse(stream, b"HTTP/1.1 503 Service Unavailable\r\n\r\n");
        }
        tokio::task::yield_now().await;
        assert_eq!(linger.lingering(), MAX_LINGERING);
        tokio::time::sleep(REFUSED_HEAD_TIME + ANSWER_TIME + LINGER_TIME).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            linger.lingering(),
            0,
            "each is closed within its time limits"
        );
    }
}
