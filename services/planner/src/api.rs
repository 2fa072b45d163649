//! `POST /v1/plan`: the HTTP face of [`crate::plan_request`], nothing more.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpm_cell::json::{self, Document};
use vpm_cell::{ApiError, ErrorBody, TraceContext};
use vpm_model::Problem;
use vpm_model::plan::{Plan, PlanRequest};
use vpm_model::problem::Problems;

use crate::metrics::PlannerMetrics;

#[derive(Debug, Clone)]
struct PlannerState {
    metrics: Arc<PlannerMetrics>,
}

/// The planner's routes.
pub fn routes(metrics: Arc<PlannerMetrics>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(create_plan))
        .with_state(PlannerState { metrics })
}

/// Plans a curated set: each goal's progress, gap and status, the task
/// graph, the ranking of ready tasks and the Next 3.
///
/// The as-of date is the body's `as_of`, else the curated set's; with
/// neither, 422 `missing_as_of`. The plan carries the request's trace id.
#[utoipa::path(post, path = "/v1/plan", tag = "planner",
    request_body(content = PlanRequest,
        description = "A curated set (`curated_set_v1`), and the as-of date if the set has none or it should be overridden"),
    responses(
        (status = 200, description = "The plan (`plan_v1`)", body = Plan),
        (status = 422, description = "The curated set cannot be planned (unknown references, duplicate ids, dependency cycles) or no as-of date was given; `details.problems` lists every problem with its file and line", body = ErrorBody),
    ))]
async fn create_plan(
    State(state): State<PlannerState>,
    trace: Option<Extension<TraceContext>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Plan>, ApiError> {
    json::require_json(&headers)?;
    let request: PlanRequest = json::decode(
        &body,
        Document {
            name: "a plan request ({\"curated_set\": {...}, \"as_of\": \"YYYY-MM-DD\"})",
            invalid_code: "invalid_plan_request",
        },
    )?;
    drop(body);
    let trace_id = trace
        .map(|Extension(t)| t)
        .unwrap_or_else(TraceContext::new_root)
        .trace_id_hex();
    let tasks = request.curated_set.tasks.len();
    let (result, elapsed) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let result = crate::plan_request(&request, &trace_id);
        (result, started.elapsed())
    })
    .await
    .map_err(|_| ApiError::internal("planning stopped unexpectedly"))?;
    match result {
        Ok(plan) => {
            state.metrics.planned(tasks, elapsed.as_secs_f64());
            tracing::info!(
                tasks,
                goals = plan.goals.len(),
                ready = plan.graph.ready.len(),
                duration_ms = elapsed.as_secs_f64() * 1e3,
                "planned"
            );
            Ok(Json(plan))
        }
        Err(problems) => {
            state
                .metrics
                .rejected(problems.iter().map(|p| p.code.as_str()));
            tracing::info!(problems = problems.len(), "curated set rejected");
            Err(unplannable(problems))
        }
    }
}

pub(crate) fn unplannable(problems: Vec<Problem>) -> ApiError {
    let code = if problems.iter().all(|p| p.code == "missing_as_of") {
        "missing_as_of"
    } else {
        "invalid_curated_set"
    };
    let message = match problems.as_slice() {
        [one] => one.to_string(),
        [first, ..] => format!(
            "the curated set cannot be planned: {} problems, the first: {first}",
            problems.len()
        ),
        [] => "the curated set cannot be planned".to_owned(),
    };
    ApiError::unprocessable(code, message).with_details(Problems { problems })
}
