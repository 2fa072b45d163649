//! Limits on the request head, answered in JSON: 431 `headers_too_large`
//! and 414 `uri_too_long`.
//!
//! hyper refuses heads that overflow its own buffer, but it writes that 431
//! (or 414) itself, with an empty body, before any layer of ours runs. So
//! the limits that matter are kept here, well below hyper's
//! ([`crate::connections::ConnectionPolicy`] sets hyper's to four times
//! `VPM_MAX_HEADER_BYTES`, at least 256 KiB): a head between our limit and
//! hyper's gets the JSON error every other answer has.
//!
//! What remains: a head larger than hyper's limit, more than 1024 header
//! fields, or a URI of 64 KiB or more (the `http` crate's own ceiling) is
//! still refused by hyper with an empty body and the connection closed.
//! Those requests come only from broken clients or attackers.

use std::task::{Context, Poll};

use axum::http::{Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::future::{Either, Ready, ready};
use tower::{Layer, Service};

use crate::error::ApiError;

/// The longest request target accepted (path and query, or the absolute
/// form), as most servers and proxies allow.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most header fields accepted in one request (hyper's own default).
pub const MAX_HEADER_COUNT: usize = 100;

/// Refuses requests whose head is larger than the configured limits.
#[derive(Debug, Clone, Copy)]
pub struct HeaderLimitsLayer {
    max_header_bytes: usize,
}

impl HeaderLimitsLayer {
    pub fn new(max_header_bytes: usize) -> Self {
        Self { max_header_bytes }
    }
}

impl<S> Layer<S> for HeaderLimitsLayer {
    type Service = HeaderLimits<S>;
    fn layer(&self, inner: S) -> Self::Service {
        HeaderLimits {
            inner,
            max_header_bytes: self.max_header_bytes,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HeaderLimits<S> {
    inner: S,
    max_header_bytes: usize,
}

impl<S, B> Service<Request<B>> for HeaderLimits<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match self.check(&request) {
            Ok(()) => Either::Right(self.inner.call(request)),
            Err(refusal) => Either::Left(ready(Ok(refusal.into_response()))),
        }
    }
}

impl<S> HeaderLimits<S> {
    fn check<B>(&self, request: &Request<B>) -> Result<(), ApiError> {
        let uri_bytes = uri_len(request.uri());
        if uri_bytes > MAX_URI_BYTES {
            return Err(ApiError::new(
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                format!("the request target is {uri_bytes} bytes; the limit is {MAX_URI_BYTES}"),
            ));
        }
        let headers = request.headers();
        if headers.len() > MAX_HEADER_COUNT {
            return Err(ApiError::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                format!(
                    "the request has {} header fields; the limit is {MAX_HEADER_COUNT}",
                    headers.len()
                ),
            ));
        }
        // As on the wire: `name: value\r\n` for each field.
        let header_bytes: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        if header_bytes > self.max_header_bytes {
            return Err(ApiError::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                format!(
                    "the request headers are {header_bytes} bytes; the limit is {}",
                    self.max_header_bytes
                ),
            ));
        }
        Ok(())
    }
}

fn uri_len(uri: &Uri) -> usize {
    let scheme = uri.scheme_str().map_or(0, |s| s.len() + "://".len());
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    let path = uri.path_and_query().map_or(0, |p| p.as_str().len());
    scheme + authority + path
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    fn app() -> Router {
        Router::new()
            .route("/x", get(|| async { "ok" }))
            .layer(HeaderLimitsLayer::new(1024))
    }

    #[tokio::test]
    async fn heads_within_the_limits_pass() {
        let request = Request::get("/x?q=1")
            .header("x-a", "b".repeat(900))
            .body(Body::empty())
            .unwrap();
        assert_eq!(app().oneshot(request).await.unwrap().status(), 200);
    }

    #[tokio::test]
    async fn large_headers_many_headers_and_long_uris_are_refused() {
        let big = Request::get("/x")
            .header("x-a", "b".repeat(1100))
            .body(Body::empty())
            .unwrap();
        assert_eq!(app().oneshot(big).await.unwrap().status(), 431);
        let mut many = Request::get("/x");
        for i in 0..=MAX_HEADER_COUNT {
            many = many.header(format!("x-{i}"), "1");
        }
        let many = many.body(Body::empty()).unwrap();
        assert_eq!(app().oneshot(many).await.unwrap().status(), 431);
        let long = Request::get(format!("/x?q={}", "a".repeat(MAX_URI_BYTES)))
            .body(Body::empty())
            .unwrap();
        assert_eq!(app().oneshot(long).await.unwrap().status(), 414);
    }
}
