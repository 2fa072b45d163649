//! JSON errors: `{"error":{"code":"...","message":"...","details":...}}`.
//!
//! Handlers return [`ApiError`]. Responses produced outside our handlers —
//! axum's extractor rejections, the router's 404 and 405, the body limit's
//! 413 — are rewritten into the same shape by [`JsonErrorLayer`], so a client
//! never has to parse two kinds of error.

use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use tower::{Layer, Service};
use utoipa::ToSchema;

/// Seconds a shed or timed-out client is told to wait before retrying.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The error envelope every cell answers with.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for a machine (`code`) and for a person (`message`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ErrorDetail {
    /// A stable, snake_case identifier clients can match on.
    pub code: String,
    /// One human sentence (or a few) saying what and where.
    pub message: String,
    /// Structured detail, such as the list of problems found in an input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// An error a handler returns; rendered as [`ErrorBody`] with `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub details: Option<serde_json::Value>,
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: impl Serialize) -> Self {
        self.details = serde_json::to_value(details).ok();
        self
    }

    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400: the request could not be parsed at all.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 422: well-formed, but not valid input.
    pub fn unprocessable(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 413: the request is larger than a configured limit.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    /// 503 with `Retry-After`: shed or timed out; the same request may succeed later.
    pub fn unavailable(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
            .with_retry_after(RETRY_AFTER_SECONDS)
    }

    /// 500: a fault of ours. The message must not leak internals.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.clone(),
                message: self.message.clone(),
                details: self.details.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The `code` used for a status when the original response carried none.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// Rewrites non-JSON error responses (status ≥ 400) into [`ErrorBody`].
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonErrorLayer;

impl<S> Layer<S> for JsonErrorLayer {
    type Service = JsonError<S>;
    fn layer(&self, inner: S) -> Self::Service {
        JsonError { inner }
    }
}

#[derive(Debug, Clone)]
pub struct JsonError<S> {
    inner: S,
}

/// The longest plain-text error body carried over as the message.
const MAX_CARRIED_MESSAGE: usize = 2048;

impl<S> Service<Request<Body>> for JsonError<S>
where
    S: Service<Request<Body>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future =
        futures_util::future::Either<BoxFuture<'static, Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let is_head = req.method() == axum::http::Method::HEAD;
        let future = self.inner.call(req);
        if is_head {
            return futures_util::future::Either::Right(future);
        }
        futures_util::future::Either::Left(Box::pin(async move {
            let response = future.await?;
            if response.status().as_u16() < 400 || is_json(&response) {
                return Ok(response);
            }
            Ok(to_json_error(response).await)
        }))
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"))
}

async fn to_json_error(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let status = parts.status;
    let text = match http_body_util::Limited::new(body, MAX_CARRIED_MESSAGE)
        .collect()
        .await
    {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes())
            .trim()
            .to_owned(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        default_message(status, &parts.headers)
    } else {
        text
    };
    let mut rebuilt = ApiError::new(status, code_for_status(status), message).into_response();
    // Keep the headers that carry meaning for the client.
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            rebuilt.headers_mut().insert(name, v.clone());
        }
    }
    for (name, value) in parts
        .headers
        .iter()
        .filter(|(n, _)| n.as_str() == "traceparent")
    {
        rebuilt.headers_mut().insert(name.clone(), value.clone());
    }
    // Extensions carry what outer layers need (the route template for metrics).
    *rebuilt.extensions_mut() = parts.extensions;
    rebuilt
}

fn default_message(status: StatusCode, headers: &axum::http::HeaderMap) -> String {
    match status {
        StatusCode::NOT_FOUND => "no route matches this path; GET / lists the endpoints".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            match headers.get(header::ALLOW).and_then(|v| v.to_str().ok()) {
                Some(allow) => format!("method not allowed here; allowed: {allow}"),
                None => "method not allowed here".to_owned(),
            }
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "request body is larger than the configured limit".to_owned()
        }
        other => other.canonical_reason().unwrap_or("error").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn plain_text_errors_become_json_with_the_text_as_message() {
        let app = Router::new()
            .route(
                "/teapot",
                get(|| async { (StatusCode::BAD_REQUEST, "missing field `path` at line 1") }),
            )
            .layer(JsonErrorLayer);
        let response = app
            .oneshot(Request::get("/teapot").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let json = body_json(response).await;
        assert_eq!(json["error"]["code"], "bad_request");
        assert_eq!(json["error"]["message"], "missing field `path` at line 1");
    }

    #[tokio::test]
    async fn router_405_keeps_its_allow_header() {
        let app = Router::new()
            .route("/x", get(|| async { "ok" }))
            .layer(JsonErrorLayer);
        let response = app
            .oneshot(Request::post("/x").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(response.headers().contains_key(header::ALLOW));
        let json = body_json(response).await;
        assert_eq!(json["error"]["code"], "method_not_allowed");
    }

    #[tokio::test]
    async fn api_errors_pass_unchanged_with_retry_after() {
        let app = Router::new()
            .route(
                "/busy",
                get(|| async { ApiError::unavailable("overloaded", "try later") }),
            )
            .layer(JsonErrorLayer);
        let response = app
            .oneshot(Request::get("/busy").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(body_json(response).await["error"]["code"], "overloaded");
    }
}
