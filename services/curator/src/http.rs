//! `POST /v1/curate`: the thin HTTP adapter around [`crate::curate`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpm_cell::json::{self, Document};
use vpm_cell::{ApiError, ErrorBody, TraceContext};
use vpm_model::pipeline::CuratedEvent;
use vpm_model::{Bundle, CuratedSet};

use crate::curate::CurateError;
use crate::limits::Limits;
use crate::metrics::{CuratorMetrics, Outcome};
use crate::step::curate_event;

#[derive(Debug)]
pub struct CuratorState {
    pub limits: Limits,
    pub metrics: CuratorMetrics,
}

pub fn router(state: Arc<CuratorState>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(curate_bundle))
        .with_state(state)
}

/// Curate a project: a `bundle_v1` in, a `curated_set_v1` out.
///
/// Every problem of the folder is listed in one 422 (`details.problems`,
/// each with its file, line and offending value). A bundle over a size
/// limit is refused with 413 naming the limit, the file and the size.
#[utoipa::path(post, path = "/v1/curate", tag = "curator",
    request_body(content = Bundle, content_type = "application/json",
        description = "The files of a project folder (`bundle_v1`)"),
    responses(
        (status = 200, description = "Every fact of the folder, typed, de-duplicated and located (`curated_set_v1`)", body = CuratedSet),
        (status = 413, description = "Over a limit: `too_many_files`, `file_too_large` or `bundle_too_large`; `details.exceeded` names each", body = ErrorBody),
        (status = 422, description = "Not a bundle_v1 (`unsupported_schema_version`, `invalid_bundle`), or the folder has problems (`invalid_project`, every one in `details.problems`)", body = ErrorBody),
    ))]
async fn curate_bundle(
    State(state): State<Arc<CuratorState>>,
    trace: Option<Extension<TraceContext>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CuratedSet>, ApiError> {
    let bundle = match read_bundle(&headers, &body) {
        Ok(bundle) => bundle,
        Err(e) => {
            state.metrics.outcome(Outcome::Unreadable);
            return Err(e);
        }
    };
    drop(body);
    let trace_id = trace.map_or_else(
        || TraceContext::new_root().trace_id_hex(),
        |Extension(t)| t.trace_id_hex(),
    );
    run(&state, bundle, trace_id)
        .await
        .map(|event| Json(event.curated_set))
}

/// Curates `bundle` off the async workers, recording metrics; the error is
/// the answer the route (and the pipeline step) gives.
pub(crate) async fn run(
    state: &CuratorState,
    bundle: Bundle,
    trace_id: String,
) -> Result<CuratedEvent, ApiError> {
    let bytes: u64 = bundle.sources.iter().map(|s| s.content.len() as u64).sum();
    state.metrics.observe_bundle_bytes(bytes);
    let limits = state.limits;
    // Curation is CPU-bound (tens of milliseconds for a large project): keep
    // it off the async workers.
    let result = tokio::task::spawn_blocking(move || curate_event(&bundle, &trace_id, &limits))
        .await
        .map_err(|_| ApiError::internal("curation stopped unexpectedly"))?;
    match result {
        Ok(event) => {
            let set = &event.curated_set;
            state.metrics.outcome(Outcome::Curated);
            state.metrics.curated(set);
            tracing::info!(
                project = %set.project_id,
                goals = set.goals.len(),
                tasks = set.tasks.len(),
                statements = set.statements.len(),
                warnings = set.warnings.len(),
                "curated"
            );
            Ok(event)
        }
        Err(CurateError::Invalid { problems, warnings }) => {
            state.metrics.outcome(Outcome::Invalid);
            state
                .metrics
                .problems(problems.iter().map(|p| p.code.as_str()));
            tracing::info!(
                problems = problems.len(),
                "rejected a project folder with problems"
            );
            let first = problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            Err(ApiError::unprocessable(
                "invalid_project",
                format!(
                    "the project folder has {} problem(s); details.problems lists every one. First: {first}",
                    problems.len()
                ),
            )
            .with_details(json!({ "problems": problems, "warnings": warnings })))
        }
        Err(CurateError::TooLarge(exceeded)) => {
            state.metrics.outcome(Outcome::TooLarge);
            let code = exceeded
                .first()
                .map_or("payload_too_large", |e| e.limit.code());
            let message = exceeded
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            Err(ApiError::too_large(message)
                .with_code(code)
                .with_details(json!({ "exceeded": exceeded })))
        }
    }
}

/// The body as a `bundle_v1`, checking the version first so that a wrong
/// document is named as such rather than as a missing field.
/// The body as a `bundle_v1`, decoded straight from its bytes (see
/// `vpm_cell::json`): 400 when it is not JSON, 422 `invalid_bundle` naming
/// the field when it is not a bundle, 422 `unsupported_schema_version` when
/// it is another document or another version of this one.
fn read_bundle(headers: &HeaderMap, body: &[u8]) -> Result<Bundle, ApiError> {
    json::require_json(headers)?;
    json::decode(
        body,
        Document {
            name: "a bundle_v1 ({\"schema_version\":\"bundle_v1\",\"project_id\":...,\"sources\":[...]})",
            invalid_code: "invalid_bundle",
        },
    )
    .map_err(|e| {
        let at_version = e
            .details
            .as_ref()
            .and_then(|d| d.get("pointer"))
            .is_some_and(|p| p == "/schema_version");
        if at_version {
            ApiError::unprocessable(
                "unsupported_schema_version",
                format!("{}; POST /v1/curate takes \"bundle_v1\"", e.message),
            )
            .with_details(json!({ "pointer": "/schema_version", "expected": "bundle_v1" }))
        } else {
            e
        }
    })
}

/// `ApiError` has no setter for the code; this keeps the call sites short.
trait WithCode {
    fn with_code(self, code: &str) -> Self;
}

impl WithCode for ApiError {
    fn with_code(mut self, code: &str) -> Self {
        self.code = code.to_owned();
        self
    }
}
