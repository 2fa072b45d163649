//! Admission control for a cell's own routes: a concurrency limit that sheds
//! instead of queueing, and a request timeout.
//!
//! When `limit` requests are already in flight, the next one is answered at
//! once with 503 and `Retry-After` — a queue would only turn an overload into
//! timeouts and unbounded memory. A request that runs past the timeout is
//! dropped (its future is cancelled) and answered with 503 too.
//!
//! A request with a body takes its slot only once the body has fully
//! arrived: the body is wrapped, and the slot is taken when its reader (the
//! handler's extractor, after any bearer check) sees its end. A client
//! trickling its body thus holds a connection, never a slot
//! ([`crate::body_deadline`] bounds how long), and a request refused before
//! its body is read costs no slot. If no slot is free at that moment the
//! reader gets an error and the answer is the same 503 `overloaded`. The
//! price: bodies being received are not limited by the slots, so they get a
//! bound of their own: a byte budget (`VPM_MAX_BODY_MEMORY`) that every
//! body draws on as its bytes arrive and gives back when its request is
//! answered. A body that would overdraw it is shed with the same 503. A
//! trickling attacker draws almost nothing; filling the budget takes really
//! sending that many bytes within the body timeout.
//!
//! This is written here rather than composed from `tower`'s `LoadShed` and
//! `ConcurrencyLimit` because axum's route layers must be `Sync`, which
//! `ConcurrencyLimit` (it holds a `PollSemaphore`) is not; a non-blocking
//! `try_acquire` is also exactly the semantics we want.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::{Layer, Service};

use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct AdmissionLayer {
    permits: Arc<Semaphore>,
    limit: usize,
    timeout: Duration,
    /// The body budget, one permit per started KiB; none: unbounded.
    body_kib: Option<Arc<Semaphore>>,
}

impl AdmissionLayer {
    /// One limit shared by every route the layer is applied to.
    pub fn new(limit: usize, timeout: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            timeout,
            body_kib: None,
        }
    }

    /// Bounds the bytes of request bodies held at once to `bytes`.
    pub fn with_body_memory(mut self, bytes: usize) -> Self {
        let kib = bytes.div_ceil(1024).min(Semaphore::MAX_PERMITS);
        self.body_kib = Some(Arc::new(Semaphore::new(kib)));
        self
    }

    fn overloaded(&self) -> Response<Body> {
        let limit = self.limit;
        tracing::debug!(limit, "shed a request: concurrency limit reached");
        ApiError::unavailable(
            "overloaded",
            format!("the cell is at its limit of {limit} concurrent requests, or of request-body bytes held at once (VPM_MAX_BODY_MEMORY); retry later"),
        )
        .into_response()
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = Admission<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Admission {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Admission<S> {
    inner: S,
    layer: AdmissionLayer,
}

/// The slot of one request, taken at once or when its body ends.
#[derive(Debug)]
struct Slot {
    permits: Arc<Semaphore>,
    held: Mutex<Option<OwnedSemaphorePermit>>,
    shed: AtomicBool,
    body_kib: Option<Arc<Semaphore>>,
    /// What the body has drawn from the budget so far.
    drawn: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Slot {
    /// Takes a slot unless one is held already; false when none is free.
    fn take(&self) -> bool {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.is_some() {
            return true;
        }
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => {
                *held = Some(permit);
                true
            }
            Err(_) => {
                self.shed.store(true, Ordering::Release);
                false
            }
        }
    }

    /// Draws `bytes` from the body budget; false (and shed) when it is spent.
    fn draw(&self, bytes: usize) -> bool {
        let Some(budget) = &self.body_kib else {
            return true;
        };
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        if kib == 0 {
            return true;
        }
        match budget.clone().try_acquire_many_owned(kib) {
            Ok(permit) => {
                let mut drawn = self.drawn.lock().unwrap_or_else(PoisonError::into_inner);
                match drawn.as_mut() {
                    Some(held) => held.merge(permit),
                    None => *drawn = Some(permit),
                }
                true
            }
            Err(_) => {
                self.shed.store(true, Ordering::Release);
                false
            }
        }
    }

    fn release(&self) {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.drawn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

/// Shed before the body was complete: no slot was free when it ended.
#[derive(Debug, thiserror::Error)]
#[error("the cell is at its concurrency limit")]
struct Overloaded;

pin_project_lite::pin_project! {
    /// A request body that takes its request's slot when it ends.
    struct AdmittedBody {
        #[pin]
        inner: Body,
        slot: Arc<Slot>,
    }
}

impl http_body::Body for AdmittedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let mut this = self.project();
        let frame = std::task::ready!(this.inner.as_mut().poll_frame(cx));
        if let Some(Ok(data)) = frame
            .as_ref()
            .map(|f| f.as_ref().map(http_body::Frame::data_ref))
            && let Some(data) = data
            && !this.slot.draw(data.len())
        {
            return Poll::Ready(Some(Err(axum::Error::new(Overloaded))));
        }
        // The end is either "no more frames" or a last frame after which
        // the body says it has ended; readers may stop at either.
        let ended = match &frame {
            None => true,
            Some(Ok(_)) => this.inner.is_end_stream(),
            Some(Err(_)) => false,
        };
        if ended && !this.slot.take() {
            return Poll::Ready(Some(Err(axum::Error::new(Overloaded))));
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl<S> Service<Request<Body>> for Admission<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let slot = Arc::new(Slot {
            permits: self.layer.permits.clone(),
            held: Mutex::new(None),
            shed: AtomicBool::new(false),
            body_kib: self.layer.body_kib.clone(),
            drawn: Mutex::new(None),
        });
        let req = if http_body::Body::is_end_stream(req.body()) {
            if !slot.take() {
                let response = self.layer.overloaded();
                return Box::pin(async move { Ok(response) });
            }
            req
        } else {
            let slot = slot.clone();
            req.map(|inner| Body::new(AdmittedBody { inner, slot }))
        };
        let timeout = self.layer.timeout;
        let layer = self.layer.clone();
        let future = self.inner.call(req);
        Box::pin(async move {
            let result = tokio::time::timeout(timeout, future).await;
            slot.release();
            if slot.shed.load(Ordering::Acquire) {
                return Ok(layer.overloaded());
            }
            match result {
                Ok(response) => response,
                Err(_) => {
                    tracing::warn!(timeout_ms = timeout.as_millis() as u64, "request timed out");
                    Ok(ApiError::unavailable(
                        "timeout",
                        format!(
                            "the request took longer than {} and was abandoned",
                            humantime::format_duration(timeout)
                        ),
                    )
                    .into_response())
                }
            }
        })
    }
}
