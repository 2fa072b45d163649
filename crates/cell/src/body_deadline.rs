//! Reading a request body whole, within a size limit and a deadline, before
//! the request goes any further.
//!
//! A client that declares a large body and sends it a byte at a time would
//! otherwise hold whatever the handler holds while it waits — above all an
//! admission slot (`VPM_CONCURRENCY_LIMIT`): a few dozen such connections
//! made every request to a cell's own routes a 503. Two things stop that:
//!
//! * **A deadline.** The whole body must arrive within `VPM_BODY_TIMEOUT`
//!   of the head; a slower one is answered `408` with code `body_timeout`
//!   and `Connection: close`.
//! * **Buffering before admission.** This layer sits outside the router, so
//!   the body is read completely before [`crate::admission`] is asked for a
//!   slot. A trickling client costs one connection (bounded by
//!   `VPM_MAX_CONNECTIONS`) and the few bytes it sent, never a slot: the
//!   deadline alone would still let an attacker who reconnects every
//!   `VPM_BODY_TIMEOUT` keep every slot busy forever.
//!
//! The price of buffering first: bodies being received are not limited by
//! the concurrency limit, so memory for bodies in transit is bounded by
//! `VPM_MAX_CONNECTIONS × VPM_MAX_BODY_BYTES` (and by what clients can
//! actually send within the deadline) rather than by
//! `VPM_CONCURRENCY_LIMIT × VPM_MAX_BODY_BYTES`. Every handler in vpm
//! buffers its body anyway (JSON), so nothing that streamed is lost.
//!
//! The size limit (`VPM_MAX_BODY_BYTES`, 413) is enforced here too: up front
//! from `Content-Length`, and while reading for chunked bodies.

use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;
use http_body_util::BodyExt as _;
use tower::{Layer, Service};

use crate::error::ApiError;

/// Buffers every request body within `limit` bytes and `timeout`.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadlineLayer {
    limit: usize,
    timeout: Duration,
}

impl BodyDeadlineLayer {
    pub fn new(limit: usize, timeout: Duration) -> Self {
        Self { limit, timeout }
    }
}

impl<S> Layer<S> for BodyDeadlineLayer {
    type Service = BodyDeadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        BodyDeadline {
            inner,
            layer: *self,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BodyDeadline<S> {
    inner: S,
    layer: BodyDeadlineLayer,
}

impl<S> Service<Request<Body>> for BodyDeadline<S>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let (parts, body) = request.into_parts();
        if http_body::Body::is_end_stream(&body) {
            let future = self.inner.call(Request::from_parts(parts, body));
            return Box::pin(future);
        }
        // The service that was made ready is the one called; a clone takes
        // its place for the next request (the usual tower idiom).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let BodyDeadlineLayer { limit, timeout } = self.layer;
        Box::pin(async move {
            let declared = http_body::Body::size_hint(&body).lower();
            if declared > limit as u64 {
                return Ok(too_large(limit));
            }
            let bytes = match tokio::time::timeout(timeout, read_within(body, limit)).await {
                Ok(Ok(bytes)) => bytes,
                Ok(Err(Unreadable::TooLarge)) => return Ok(too_large(limit)),
                Ok(Err(Unreadable::Broken(e))) => {
                    tracing::debug!(error = %e, "request body could not be read");
                    return Ok(closing(ApiError::bad_request(format!(
                        "the request body could not be read: {e}"
                    ))));
                }
                Err(_) => {
                    tracing::info!(
                        timeout_ms = timeout.as_millis() as u64,
                        "request body too slow; answered 408"
                    );
                    return Ok(closing(ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "body_timeout",
                        format!(
                            "the request body did not arrive within {}; send it at once",
                            humantime::format_duration(timeout)
                        ),
                    )));
                }
            };
            inner
                .call(Request::from_parts(parts, Body::from(bytes)))
                .await
        })
    }
}

enum Unreadable {
    TooLarge,
    Broken(axum::Error),
}

async fn read_within(mut body: Body, limit: usize) -> Result<Bytes, Unreadable> {
    // Never reserve what the client merely declared: a declared 16 MiB that
    // never comes must not cost 16 MiB.
    let mut buffer = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(Unreadable::Broken)?;
        if let Ok(data) = frame.into_data() {
            if buffer.len() + data.len() > limit {
                return Err(Unreadable::TooLarge);
            }
            buffer.extend_from_slice(&data);
        }
    }
    Ok(buffer.freeze())
}

fn too_large(limit: usize) -> Response {
    closing(ApiError::too_large(format!(
        "the request body is larger than the limit of {limit} bytes"
    )))
}

/// The client's body was not read to its end, so the connection cannot
/// carry another request: say so, and hyper closes it after the answer.
fn closing(error: ApiError) -> Response {
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::post;
    use tower::ServiceExt;

    fn app(limit: usize, timeout: Duration) -> Router {
        Router::new()
            .route("/echo", post(|body: Bytes| async move { body }))
            .layer(BodyDeadlineLayer::new(limit, timeout))
    }

    async fn error_code(response: Response) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        json["error"]["code"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn a_body_in_time_and_within_the_limit_reaches_the_handler_whole() {
        let response = app(16, Duration::from_secs(1))
            .oneshot(Request::post("/echo").body(Body::from("hello")).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"hello");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_413_json() {
        let response = app(4, Duration::from_secs(1))
            .oneshot(Request::post("/echo").body(Body::from("hello")).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error_code(response).await, "payload_too_large");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_never_ends_is_408_body_timeout() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        tx.send(Ok(Bytes::from_static(b"{"))).await.unwrap();
        let body = Body::from_stream(tokio_stream_from(rx));
        let response = app(1024, Duration::from_secs(10))
            .oneshot(Request::post("/echo").body(body).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()[header::CONNECTION], "close");
        assert_eq!(error_code(response).await, "body_timeout");
        drop(tx);
    }

    fn tokio_stream_from(
        mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
        futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}
