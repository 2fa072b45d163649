//! The routes every cell serves the same way: `/healthz`, `/readyz`,
//! `/metrics`, `/openapi.json`, `GET /`, and (when enabled) the debug sleep.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::lifecycle::{Lifecycle, ReadinessCheck};
use crate::metrics::CellMetrics;

/// What the runtime's handlers share.
#[derive(Clone)]
pub(crate) struct RuntimeState {
    pub lifecycle: Arc<Lifecycle>,
    pub metrics: Arc<CellMetrics>,
    pub readiness: Option<ReadinessCheck>,
    /// Filled in once the router (and with it the OpenAPI document) is built.
    pub openapi: Arc<OnceLock<String>>,
    pub description: Arc<OnceLock<CellDescription>>,
    pub cell: &'static str,
    pub events: Option<Arc<crate::events::EventStep>>,
}

impl std::fmt::Debug for RuntimeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeState").finish_non_exhaustive()
    }
}

/// Liveness and readiness answers.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct HealthStatus {
    /// `ok` (alive), `ready`, `draining` or `unavailable`.
    pub status: String,
    /// Why the cell is not ready, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `GET /`: what this cell is and what it serves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CellDescription {
    pub name: String,
    /// The CloudEvent type `POST /` consumes, when the cell is a pipeline step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumes: Option<String>,
    /// The CloudEvent type it answers with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub produces: Option<String>,
    pub version: String,
    pub commit: String,
    pub summary: String,
    pub endpoints: Vec<Endpoint>,
}

/// One operation of the cell's API.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub summary: String,
}

pub(crate) fn router(state: RuntimeState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
        .with_state(state)
}

/// Routes for drills, behind the same admission control as a cell's own.
pub(crate) fn debug_router() -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(debug_sleep))
}

/// Liveness: 200 while the process is alive.
#[utoipa::path(get, path = "/healthz", tag = "runtime",
    responses((status = 200, description = "The process is alive", body = HealthStatus)))]
async fn healthz() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok".to_owned(),
        reason: None,
    })
}

/// Readiness: 200 when the cell can serve, 503 once it is draining or a
/// dependency (the archivist's database) does not answer.
#[utoipa::path(get, path = "/readyz", tag = "runtime",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "Draining, or a dependency is down", body = HealthStatus),
    ))]
async fn readyz(State(state): State<RuntimeState>) -> Response {
    if state.lifecycle.is_draining() {
        let body = HealthStatus {
            status: "draining".to_owned(),
            reason: Some("shutdown in progress".to_owned()),
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    if let Some(check) = &state.readiness
        && let Err(reason) = check().await
    {
        let body = HealthStatus {
            status: "unavailable".to_owned(),
            reason: Some(reason),
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    Json(HealthStatus {
        status: "ready".to_owned(),
        reason: None,
    })
    .into_response()
}

/// Prometheus exposition: text format 0.0.4 by default, OpenMetrics 1.0 when
/// the `Accept` header prefers it.
#[utoipa::path(get, path = "/metrics", tag = "runtime",
    responses((status = 200, description = "Metrics in the negotiated format",
        content(
            (String = "text/plain; version=0.0.4; charset=utf-8"),
            (String = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        ))))]
async fn metrics(State(state): State<RuntimeState>, headers: HeaderMap) -> Response {
    state.metrics.exposition(headers.get(header::ACCEPT))
}

/// This cell's OpenAPI 3.1 document, generated from its routes.
#[utoipa::path(get, path = "/openapi.json", tag = "runtime",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
async fn openapi(State(state): State<RuntimeState>) -> Response {
    match state.openapi.get() {
        Some(doc) => ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response(),
        None => {
            crate::error::ApiError::unavailable("starting", "the API document is not built yet")
                .into_response()
        }
    }
}

/// Sleeps `ms` milliseconds (at most 60000), then answers 200: a slow
/// request on demand, for drain and overload drills, on a templated path
/// so metrics tests can check that raw paths never become labels. Only
/// served when `VPM_DEBUG_ROUTES=true`.
#[utoipa::path(get, path = "/v1/debug/sleep/{ms}", tag = "debug",
    params(("ms" = u64, Path, description = "Milliseconds to sleep", minimum = 0, maximum = 60000)),
    responses(
        (status = 200, description = "Slept", body = HealthStatus),
        (status = 422, description = "`ms` is above 60000", body = crate::ErrorBody),
    ))]
async fn debug_sleep(Path(ms): Path<u64>) -> Response {
    if ms > 60_000 {
        return crate::error::ApiError::unprocessable("invalid_path", "ms must be at most 60000")
            .into_response();
    }
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Json(HealthStatus {
        status: "ok".to_owned(),
        reason: Some(format!("slept {ms} ms")),
    })
    .into_response()
}

/// What this cell is: name, version, commit and endpoints.
#[utoipa::path(get, path = "/", tag = "runtime",
    responses((status = 200, description = "The cell's description", body = CellDescription)))]
pub(crate) async fn describe(State(state): State<RuntimeState>) -> Response {
    match state.description.get() {
        Some(d) => Json(d.clone()).into_response(),
        None => {
            crate::error::ApiError::unavailable("starting", "the cell is starting").into_response()
        }
    }
}

/// Routes for `POST /`: the cell's pipeline step, as CloudEvents.
pub(crate) fn events_router(state: RuntimeState) -> OpenApiRouter {
    let credential = state
        .events
        .as_ref()
        .and_then(|step| step.credential().cloned());
    let router = OpenApiRouter::new()
        .routes(routes!(receive_event))
        .with_state(state.clone());
    match credential {
        // Checked before the body is read: see `crate::auth`.
        Some(credential) => {
            let mut router =
                router.route_layer(crate::auth::RequireBearerLayer::new(credential, state.cell));
            declare_bearer(router.get_openapi_mut());
            router
        }
        None => router,
    }
}

/// Says in the OpenAPI document that `POST /` needs the bearer token and
/// may answer 401, so clients and contract testers know before they try.
fn declare_bearer(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    if let Some(op) = doc
        .paths
        .paths
        .get_mut("/")
        .and_then(|item| item.post.as_mut())
    {
        op.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
        op.responses.responses.insert(
            "401".to_owned(),
            utoipa::openapi::ResponseBuilder::new()
                .description("The bearer token is missing or wrong; nothing was read or recorded")
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
                .into(),
        );
    }
}

/// One step of the pipeline: a CloudEvent in (HTTP binding, binary mode —
/// `ce-*` headers and JSON data as the body — or structured mode,
/// `application/cloudevents+json`), the next event of the pipeline out, in
/// the same mode. `GET /` names the event types this cell consumes and
/// produces.
#[utoipa::path(post, path = "/", tag = "pipeline",
    request_body(description = "The event's JSON data (binary mode) or the whole event (structured mode)",
        content(
            (Object = "application/json"),
            (Object = "application/cloudevents+json"),
        )),
    params(
        ("ce-specversion" = Option<String>, Header, description = "1.0 (binary mode)"),
        ("ce-type" = Option<String>, Header, description = "the event type this cell consumes (binary mode)"),
        ("ce-source" = Option<String>, Header, description = "binary mode"),
        ("ce-id" = Option<String>, Header, description = "binary mode"),
    ),
    responses(
        (status = 200, description = "The next event of the pipeline, in the request's content mode",
            content((Object = "application/json"), (Object = "application/cloudevents+json"))),
    ))]
async fn receive_event(
    State(state): State<RuntimeState>,
    axum::Extension(trace): axum::Extension<crate::TraceContext>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match &state.events {
        Some(step) => crate::events::handle(state.cell, step, &headers, body, trace).await,
        None => crate::error::ApiError::internal("no pipeline step is configured").into_response(),
    }
}
