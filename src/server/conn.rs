//! Serving connections with deadlines. `axum::serve` has none, so a client sending one
//! header byte a second, or opening connections and never speaking, holds them forever.
//! Here every connection is served by hyper's HTTP/1 connection with a watchdog that
//! closes it:
//!
//! - `header` after the first byte of a request when its headers are not complete;
//! - `idle` after the last byte moved either way when no request is being handled (a
//!   kept-alive connection waiting for its next request, or a client that does not read
//!   its answer);
//!
//! while a request is being handled the handler's own deadline applies (the body is read
//! within `body`, see [`super::read_body`]). On shutdown every connection is told to
//! finish its request in flight and close; after the grace period whatever is left is
//! dropped, so the server stops within a bound whatever the clients do.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// The client address of a request, put in its extensions by the connection.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The deadlines of a connection.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// from the first byte of a request to the end of its headers
    pub header: Duration,
    /// with no request being handled, from the last byte moved either way
    pub idle: Duration,
}

/// What one connection did, shared by its I/O, its service and its watchdog. Times are
/// milliseconds since the connection was accepted; 0 means "not set".
struct Activity {
    start: Instant,
    /// when the first byte of the request now being received arrived (0: none)
    header_started: AtomicU64,
    /// when a byte last moved, or a request was last answered
    last_io: AtomicU64,
    /// requests being handled
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            header_started: AtomicU64::new(0),
            last_io: AtomicU64::new(1),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Now, in milliseconds since the start, at least 1 (0 means "not set").
    fn now(&self) -> u64 {
        (self.start.elapsed().as_millis() as u64).saturating_add(1)
    }

    fn read(&self) {
        let now = self.now();
        self.last_io.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let _ =
                self.header_started
                    .compare_exchange(0, now, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    fn wrote(&self) {
        self.last_io.store(self.now(), Ordering::Relaxed);
    }

    /// How long until the connection must be closed; `None`: now.
    fn remaining(&self, d: &Deadlines) -> Option<Duration> {
        let now = self.now();
        let deadline = if self.in_flight.load(Ordering::Acquire) > 0 {
            // The handler bounds itself; look again later.
            return Some(Duration::from_millis(250));
        } else {
            match self.header_started.load(Ordering::Acquire) {
                0 => self
                    .last_io
                    .load(Ordering::Relaxed)
                    .saturating_add(d.idle.as_millis() as u64),
                started => started.saturating_add(d.header.as_millis() as u64),
            }
        };
        (deadline > now).then(|| Duration::from_millis((deadline - now).min(250)))
    }
}

/// Marks a request as being handled while it lives.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(act: &Arc<Activity>) -> InFlight {
        act.in_flight.fetch_add(1, Ordering::AcqRel);
        act.header_started.store(0, Ordering::Release);
        InFlight(act.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.wrote();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A socket that tells its [`Activity`] when bytes move.
struct Watched<T> {
    inner: T,
    act: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.act.read();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.act.wrote();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.act.wrote();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Resolves when the connection has outlived its deadlines.
async fn watchdog(act: Arc<Activity>, deadlines: Deadlines) {
    while let Some(wait) = act.remaining(&deadlines) {
        tokio::time::sleep(wait).await;
    }
}

/// Serves one connection until it closes, its deadlines pass, or (after `shutdown`
/// fires) its request in flight is answered.
async fn serve_one(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    deadlines: Deadlines,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let act = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: tcp,
        act: act.clone(),
    });
    let svc = TowerToHyperService::new(router);
    let act2 = act.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(Peer(peer));
        let guard = InFlight::new(&act2);
        let fut = hyper::service::Service::call(&svc, req);
        async move {
            let answer = fut.await;
            drop(guard);
            answer
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // hyper's own header deadline runs from the moment it waits for a request; ours
        // (the watchdog) from its first byte. Hyper's is only a backstop.
        .header_read_timeout(deadlines.header.saturating_add(deadlines.idle))
        .max_buf_size(64 * 1024);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    if *shutdown.borrow() {
        conn.as_mut().graceful_shutdown();
    } else {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = watchdog(act.clone(), deadlines) => return,
            _ = shutdown.changed() => conn.as_mut().graceful_shutdown(),
        }
    }
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = watchdog(act, deadlines) => {}
    }
}

/// How a server loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// connections still open at the end of the grace period, dropped
    pub dropped: usize,
}

/// Accepts connections until `stop` resolves, at most `max_connections` at once; then
/// lets the open ones finish for up to `grace` and drops the rest.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    deadlines: Deadlines,
    max_connections: usize,
    grace: Duration,
    stop: impl Future<Output = ()>,
    on_stopping: impl FnOnce(),
) -> Stopped {
    let (tell, shutdown) = tokio::sync::watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept(), if tasks.len() < max_connections => match accepted {
                Ok((tcp, peer)) => {
                    tasks.spawn(serve_one(tcp, peer, router.clone(), deadlines, shutdown.clone()));
                }
                // Out of file descriptors and the like: pause rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    on_stopping();
    let _ = tell.send(true);
    let deadline = tokio::time::sleep(grace);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() {
                return Stopped { dropped: 0 };
            },
            _ = &mut deadline => {
                let dropped = tasks.len();
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                return Stopped { dropped };
            }
        }
    }
}
