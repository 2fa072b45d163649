//! Bearer tokens on write routes, checked before the body is read.
//!
//! A route that changes state (the archivist's `POST /v1/records`, a
//! pipeline step's `POST /` where the cell is configured to need it) is
//! wrapped in [`RequireBearerLayer`]. The layer looks at the
//! `Authorization` header only and answers 401 itself when the token is
//! missing or wrong: the handler, its body extractor and the JSON parser
//! never run, so an unauthenticated caller learns nothing about the input
//! format and costs nothing but its headers. Hyper reads no body byte that
//! nobody polls (and sends no `100 Continue`), so a large body from such a
//! caller is not even received.
//!
//! Safe methods (GET, HEAD, OPTIONS) pass: reading the archive is public by
//! design; only writes need the token.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use crate::error::ApiError;

/// Something that can tell whether a presented bearer token is the right
/// one. Implementations compare in constant time.
pub trait Credential: Send + Sync + std::fmt::Debug + 'static {
    fn permits(&self, presented: &str) -> bool;
}

/// Checks `headers` against `credential`: `Ok` when it permits the bearer
/// token they carry, else the 401 answer (JSON, with `WWW-Authenticate`).
#[allow(clippy::result_large_err)] // the Err is the response itself
pub fn authorize(
    credential: &dyn Credential,
    headers: &HeaderMap,
    realm: &str,
) -> Result<(), Response> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        });
    let message = match presented {
        Some(p) if credential.permits(p) => return Ok(()),
        Some(_) => "the bearer token is not valid for this cell",
        None => "this route needs `Authorization: Bearer <token>`",
    };
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("Bearer realm=\"{realm}\"")) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    Err(response)
}

/// Requires the bearer token on every request whose method is not safe.
#[derive(Debug, Clone)]
pub struct RequireBearerLayer {
    credential: Arc<dyn Credential>,
    realm: Arc<str>,
}

impl RequireBearerLayer {
    /// `realm` names the protected thing in `WWW-Authenticate`.
    pub fn new(credential: Arc<dyn Credential>, realm: &str) -> Self {
        Self {
            credential,
            realm: realm.into(),
        }
    }
}

impl<S> Layer<S> for RequireBearerLayer {
    type Service = RequireBearer<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireBearer {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RequireBearer<S> {
    inner: S,
    layer: RequireBearerLayer,
}

impl<S, B> Service<Request<B>> for RequireBearer<S>
where
    S: Service<Request<B>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe
            && let Err(denied) = authorize(
                self.layer.credential.as_ref(),
                req.headers(),
                &self.layer.realm,
            )
        {
            return Box::pin(async move { Ok(denied) });
        }
        Box::pin(self.inner.call(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(&'static str);
    impl Credential for Fixed {
        fn permits(&self, presented: &str) -> bool {
            presented == self.0
        }
    }

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, a.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_the_right_bearer_token_passes() {
        let c = Fixed("s3cret");
        assert!(authorize(&c, &headers(Some("Bearer s3cret")), "x").is_ok());
        assert!(authorize(&c, &headers(Some("bearer  s3cret ")), "x").is_ok());
        for bad in [
            None,
            Some("Bearer nope"),
            Some("Basic s3cret"),
            Some("s3cret"),
        ] {
            let denied = authorize(&c, &headers(bad), "vpm").unwrap_err();
            assert_eq!(denied.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
            assert_eq!(
                denied.headers()[header::WWW_AUTHENTICATE],
                "Bearer realm=\"vpm\""
            );
        }
    }
}
