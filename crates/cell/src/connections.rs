//! Accepting TCP connections and serving HTTP/1.1 on them, with every wait
//! bounded.
//!
//! `axum::serve` accepts without limit and lets a connection sit forever:
//! one that sends nothing, half a request line, or nothing more after a
//! response holds a file descriptor until the client goes away. Enough of
//! them and `accept` fails with `EMFILE` for everyone, probes included. This
//! loop adds what it lacks:
//!
//! * **A cap on open connections** (`VPM_MAX_CONNECTIONS`). At the cap the
//!   loop stops calling `accept`: new clients wait in the kernel's backlog
//!   (and get in as soon as any connection closes) while established ones are
//!   served as usual.
//! * **A header-read timeout** (`VPM_HEADER_READ_TIMEOUT`) counted from the
//!   connection's start, or from the first byte of a later request on a
//!   kept-alive connection, until the request head is complete.
//! * **An idle timeout** (`VPM_IDLE_TIMEOUT`) counted from the end of a
//!   response until the first byte of the next request.
//! * **Accept errors back off** (doubling from 10 ms up to 1 s) instead of
//!   spinning; errors that concern only the one connection being accepted
//!   are skipped at once.
//!
//! hyper 1 has a `header_read_timeout` of its own, but it restarts the
//! moment a response is written, so between requests it *is* the idle
//! timeout and the two cannot differ. Both clocks are therefore kept here, by
//! a [`ConnectionClock`] that the socket (bytes read) and the service
//! (request begun, response body finished) drive; hyper's timer is left off.
//! A request in flight has no connection deadline: the body deadline and the
//! request timeout bound it instead.
//!
//! The protocol is HTTP/1.1 only, as it was under `axum::serve` (axum's
//! `http2` feature is not enabled in this workspace, so prior-knowledge h2c
//! was never served).

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt as _;
use tracing::Instrument as _;

/// How connections are bounded; built from [`crate::RuntimeConfig`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionPolicy {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// The largest request head hyper itself accepts. Kept well above the
    /// limits [`crate::header_limits`] enforces, so that ordinary oversized
    /// heads reach that layer and get a JSON answer; only heads beyond this
    /// get hyper's own 431 (or 414), which has an empty body.
    pub hyper_head_limit: usize,
}

impl ConnectionPolicy {
    /// hyper's own limit on the header count; our layer refuses far fewer.
    const HYPER_MAX_HEADERS: usize = 1024;

    pub fn from_config(config: &crate::RuntimeConfig) -> Self {
        Self {
            header_read_timeout: config.header_read_timeout,
            idle_timeout: config.idle_timeout,
            max_connections: config.max_connections,
            hyper_head_limit: (config.max_header_bytes * 4).max(256 * 1024),
        }
    }
}

/// The connections a server has open, and the signal that asks them to
/// finish: on [`Connections::drain`] every connection finishes the request
/// it is serving (if any) and closes.
#[derive(Debug)]
pub(crate) struct Connections {
    stop: watch::Sender<bool>,
}

impl Connections {
    pub fn new() -> Self {
        Self {
            stop: watch::Sender::new(false),
        }
    }

    /// Asks every connection to close once idle, and waits until all have.
    pub async fn drain(&self) {
        self.stop.send_replace(true);
        // Each connection task holds a receiver; `closed` resolves when the
        // last one has been dropped.
        self.stop.closed().await;
    }

    fn watch(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }
}

/// Accepts on `listener` and serves `router` on every connection until
/// `stop` resolves; then the listener is closed. Connections already open
/// keep going until [`Connections::drain`].
pub(crate) async fn accept_until(
    listener: TcpListener,
    router: Router,
    policy: ConnectionPolicy,
    connections: Arc<Connections>,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(policy.max_connections));
    let mut http = hyper::server::conn::http1::Builder::new();
    // No timer: hyper's header timeout would also act as the idle timeout
    // (see the module docs); [`ConnectionClock`] keeps both.
    http.header_read_timeout(None)
        .max_headers(ConnectionPolicy::HYPER_MAX_HEADERS)
        .max_header_size(policy.hyper_head_limit)
        .max_buf_size(policy.hyper_head_limit + 64 * 1024);
    let http = Arc::new(http);
    let mut backoff = AcceptBackoff::default();
    // At the cap, say so at most once a minute, not once per connection.
    let mut cap_logged: Option<Instant> = None;
    tokio::pin!(stop);
    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if cap_logged.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                    tracing::warn!(
                        max_connections = policy.max_connections,
                        "connection cap reached; not accepting until one closes"
                    );
                    cap_logged = Some(Instant::now());
                }
                tokio::select! {
                    () = &mut stop => break,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        // The semaphore is never closed.
                        Err(_) => break,
                    },
                }
            }
        };
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let tcp = match accepted {
            Ok((tcp, _peer)) => {
                backoff.reset();
                tcp
            }
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                let pause = backoff.next();
                tracing::error!(
                    error = %e,
                    pause_ms = pause.as_millis() as u64,
                    "accept error; pausing before accepting again"
                );
                tokio::select! {
                    () = &mut stop => break,
                    () = tokio::time::sleep(pause) => continue,
                }
            }
        };
        let _ = tcp.set_nodelay(true);
        let http = http.clone();
        let router = router.clone();
        let stop = connections.watch();
        // In the accepting span (the cell's), so every request's log line
        // names its cell.
        tokio::spawn(
            async move {
                serve_connection(&http, tcp, router, policy, stop).await;
                drop(slot);
            }
            .in_current_span(),
        );
    }
    drop(listener);
}

async fn serve_connection(
    http: &hyper::server::conn::http1::Builder,
    tcp: TcpStream,
    router: Router,
    policy: ConnectionPolicy,
    mut stop: watch::Receiver<bool>,
) {
    let clock = Arc::new(ConnectionClock::new(
        policy.header_read_timeout,
        policy.idle_timeout,
    ));
    let io = TokioIo::new(ClockedStream {
        inner: tcp,
        clock: clock.clone(),
    });
    let service = {
        let clock = clock.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let in_flight = clock.begin_request();
            let response = router.clone().oneshot(request.map(Body::new));
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(InFlightBody {
                        inner: body,
                        _in_flight: in_flight,
                    })
                }))
            }
        })
    };
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            reason = clock.expired() => {
                tracing::debug!(reason, "closing a connection");
                return;
            }
            changed = stop.wait_for(|stop| *stop), if !draining => {
                draining = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Warns when the cap cannot be reached because the process may not open
/// that many descriptors: `accept` would then fail with `EMFILE` first, for
/// probes too. (Descriptors beyond connections: listeners, logs, the
/// archive's database; a margin of 64 is left for them.)
pub(crate) fn warn_if_descriptors_run_out_first(max_connections: usize) {
    #[cfg(target_os = "linux")]
    {
        use procfs::process::{LimitValue, Process};
        let soft = Process::myself()
            .and_then(|me| me.limits())
            .map(|limits| limits.max_open_files.soft_limit);
        if let Ok(LimitValue::Value(soft)) = soft
            && soft < max_connections as u64 + 64
        {
            tracing::warn!(
                max_connections,
                open_files_limit = soft,
                "VPM_MAX_CONNECTIONS is above what the open-files limit allows; \
                 raise the limit (ulimit -n) or lower VPM_MAX_CONNECTIONS"
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = max_connections;
}

/// Errors that concern only the connection being accepted (the client gave
/// up before we took it): try the next one at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// How long to pause after an accept error such as `EMFILE`: retrying at
/// once would spin a core while nothing frees a descriptor.
#[derive(Debug, Default)]
struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);

    fn next(&mut self) -> Duration {
        let pause = Self::FIRST
            .saturating_mul(1 << self.failures.min(16))
            .min(Self::MAX);
        self.failures = self.failures.saturating_add(1);
        pause
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

/// When a connection must close if nothing changes.
///
/// Three events move it: a byte read while no request is in flight starts
/// the header clock (unless it already runs); a request handed to the
/// service stops every clock; the last response body finished starts the
/// idle clock. A new connection starts with the header clock running, since
/// a client that connects is expected to send its request at once.
#[derive(Debug)]
struct ConnectionClock {
    state: Mutex<ClockState>,
    changed: Notify,
    header_read_timeout: Duration,
    idle_timeout: Duration,
}

#[derive(Debug)]
struct ClockState {
    in_flight: usize,
    /// `None` while a request is in flight.
    deadline: Option<(Instant, &'static str)>,
    /// Whether the deadline is the header clock (rather than the idle one).
    reading_head: bool,
}

const READING_HEAD: &str = "no complete request head within the header-read timeout";
const IDLE: &str = "no new request within the idle timeout";

impl ConnectionClock {
    fn new(header_read_timeout: Duration, idle_timeout: Duration) -> Self {
        Self {
            state: Mutex::new(ClockState {
                in_flight: 0,
                deadline: Some((Instant::now() + header_read_timeout, READING_HEAD)),
                reading_head: true,
            }),
            changed: Notify::new(),
            header_read_timeout,
            idle_timeout,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClockState> {
        // The state stays consistent even if a holder panicked: every
        // update is a single assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bytes_read(&self) {
        let mut state = self.state();
        if state.in_flight == 0 && !state.reading_head {
            state.reading_head = true;
            state.deadline = Some((Instant::now() + self.header_read_timeout, READING_HEAD));
            drop(state);
            self.changed.notify_one();
        }
    }

    fn begin_request(self: &Arc<Self>) -> InFlight {
        let mut state = self.state();
        state.in_flight += 1;
        state.deadline = None;
        InFlight {
            clock: self.clone(),
        }
    }

    fn end_request(&self) {
        let mut state = self.state();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.reading_head = false;
            state.deadline = Some((Instant::now() + self.idle_timeout, IDLE));
            drop(state);
            self.changed.notify_one();
        }
    }

    /// Resolves, with the reason, once the current deadline has passed.
    async fn expired(&self) -> &'static str {
        loop {
            let changed = self.changed.notified();
            let deadline = self.state().deadline;
            match deadline {
                None => changed.await,
                Some((at, reason)) if at <= Instant::now() => return reason,
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }
}

/// A request between its head being handed to the service and its response
/// body being finished (or dropped).
#[derive(Debug)]
struct InFlight {
    clock: Arc<ConnectionClock>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.clock.end_request();
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends its request's [`InFlight`] when hyper is
    /// done with it.
    struct InFlightBody {
        #[pin]
        inner: Body,
        _in_flight: InFlight,
    }
}

impl http_body::Body for InFlightBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

pin_project_lite::pin_project! {
    /// The socket, reporting to the connection's clock when bytes arrive.
    struct ClockedStream {
        #[pin]
        inner: TcpStream,
        clock: Arc<ConnectionClock>,
    }
}

impl AsyncRead for ClockedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let poll = this.inner.poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.clock.bytes_read();
        }
        poll
    }
}

impl AsyncWrite for ClockedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_backoff_doubles_up_to_a_second_and_resets() {
        let mut backoff = AcceptBackoff::default();
        let pauses: Vec<_> = (0..10).map(|_| backoff.next()).collect();
        assert_eq!(pauses[0], Duration::from_millis(10));
        assert_eq!(pauses[1], Duration::from_millis(20));
        assert_eq!(pauses[9], Duration::from_secs(1));
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_runs_only_while_no_request_is_in_flight() {
        let clock = Arc::new(ConnectionClock::new(
            Duration::from_secs(1),
            Duration::from_secs(5),
        ));
        let in_flight = clock.begin_request();
        // A request in flight is never cut by the connection's clocks.
        let waited = tokio::time::timeout(Duration::from_secs(30), clock.expired()).await;
        assert!(waited.is_err());
        let start = Instant::now();
        drop(in_flight);
        assert_eq!(clock.expired().await, IDLE);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_byte_after_a_response_switches_to_the_header_clock() {
        let clock = Arc::new(ConnectionClock::new(
            Duration::from_secs(1),
            Duration::from_secs(60),
        ));
        drop(clock.begin_request());
        tokio::time::sleep(Duration::from_secs(10)).await;
        clock.bytes_read();
        let start = Instant::now();
        assert_eq!(clock.expired().await, READING_HEAD);
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
