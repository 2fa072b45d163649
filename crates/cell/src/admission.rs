//! Admission control for a cell's own routes: a concurrency limit that sheds
//! instead of queueing, and a request timeout.
//!
//! When `limit` requests are already in flight, the next one is answered at
//! once with 503 and `Retry-After` — a queue would only turn an overload into
//! timeouts and unbounded memory. A request that runs past the timeout is
//! dropped (its future is cancelled) and answered with 503 too.
//!
//! A slot is taken only once the request body has fully arrived:
//! [`crate::body_deadline`] reads it, within `VPM_BODY_TIMEOUT`, outside the
//! router and so before this layer runs. A client trickling its body thus
//! holds a connection, never a slot, and the request timeout measures the
//! handler's work rather than the client's upload.
//!
//! This is written here rather than composed from `tower`'s `LoadShed` and
//! `ConcurrencyLimit` because axum's route layers must be `Sync`, which
//! `ConcurrencyLimit` (it holds a `PollSemaphore`) is not; a non-blocking
//! `try_acquire` is also exactly the semantics we want.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::{Request, Response};
use axum::response::IntoResponse;
use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;
use tower::{Layer, Service};

use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct AdmissionLayer {
    permits: Arc<Semaphore>,
    limit: usize,
    timeout: Duration,
}

impl AdmissionLayer {
    /// One limit shared by every route the layer is applied to.
    pub fn new(limit: usize, timeout: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            timeout,
        }
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

impl<S, B> Service<Request<B>> for Admission<S>
where
    S: Service<Request<B>, Response = Response<axum::body::Body>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<axum::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let Ok(permit) = self.layer.permits.clone().try_acquire_owned() else {
            let limit = self.layer.limit;
            tracing::debug!(limit, "shed a request: concurrency limit reached");
            return Box::pin(async move {
                Ok(ApiError::unavailable(
                    "overloaded",
                    format!(
                        "the cell is serving its limit of {limit} concurrent requests; retry later"
                    ),
                )
                .into_response())
            });
        };
        let timeout = self.layer.timeout;
        let future = self.inner.call(req);
        Box::pin(async move {
            let result = tokio::time::timeout(timeout, future).await;
            drop(permit);
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
