//! A deadline on the request body: the whole body must arrive within
//! `VPM_BODY_TIMEOUT` of the head, else the request is answered `408` with
//! code `body_timeout` and `Connection: close`.
//!
//! A client that declares a large body and sends it a byte at a time would
//! otherwise hold whatever its handler holds for as long as it likes. The
//! deadline bounds that; [`crate::admission`] makes sure that what is held
//! meanwhile is never a concurrency slot (a slot is taken only once the body
//! is complete), since a deadline alone would let an attacker who reconnects
//! every `VPM_BODY_TIMEOUT` keep every slot busy forever.
//!
//! The body is not read here: it is wrapped, and whoever reads it (the
//! handler's extractor, after the bearer check of a write route) sees an
//! error once the deadline passes; this layer then replaces whatever answer
//! came of that error with the 408. So a request refused before its body is
//! read (401, 404, 405) costs no body at all.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use crate::error::ApiError;

/// Gives every request body `timeout` to arrive.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadlineLayer {
    timeout: Duration,
}

impl BodyDeadlineLayer {
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S> Layer<S> for BodyDeadlineLayer {
    type Service = BodyDeadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        BodyDeadline {
            inner,
            timeout: self.timeout,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BodyDeadline<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Service<Request<Body>> for BodyDeadline<S>
where
    S: Service<Request<Body>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if http_body::Body::is_end_stream(request.body()) {
            return Box::pin(self.inner.call(request));
        }
        let expired = Arc::new(AtomicBool::new(false));
        let timeout = self.timeout;
        let request = request.map(|body| {
            Body::new(DeadlineBody {
                inner: body,
                deadline: tokio::time::sleep(timeout),
                expired: expired.clone(),
            })
        });
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await?;
            if !expired.load(Ordering::Acquire) {
                return Ok(response);
            }
            tracing::info!(
                timeout_ms = timeout.as_millis() as u64,
                "request body too slow; answered 408"
            );
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {}; send it at once",
                    humantime::format_duration(timeout)
                ),
            )
            .into_response();
            // The rest of the body is still on its way: the connection
            // cannot carry another request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            Ok(response)
        })
    }
}

/// The deadline passed before the body ended.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct TooSlow;

pin_project_lite::pin_project! {
    struct DeadlineBody {
        #[pin]
        inner: Body,
        #[pin]
        deadline: tokio::time::Sleep,
        expired: Arc<AtomicBool>,
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.deadline.poll(cx).is_ready() {
            this.expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(axum::Error::new(TooSlow))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::post;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt;

    fn app(timeout: Duration) -> Router {
        Router::new()
            .route("/echo", post(|body: Bytes| async move { body }))
            .layer(BodyDeadlineLayer::new(timeout))
    }

    #[tokio::test]
    async fn a_body_in_time_reaches_the_handler_whole() {
        let response = app(Duration::from_secs(1))
            .oneshot(Request::post("/echo").body(Body::from("hello")).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"hello");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_never_ends_is_408_body_timeout() {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        tx.send(Ok(Bytes::from_static(b"{"))).await.unwrap();
        let body = Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
        let response = app(Duration::from_secs(10))
            .oneshot(Request::post("/echo").body(body).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()[header::CONNECTION], "close");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["error"]["code"], "body_timeout");
        drop(tx);
    }
}
