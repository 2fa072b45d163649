//! `POST /v1/synthesize`: curated set + plan in, the snapshot out in the
//! format the `Accept` header asks for. A thin adapter: parsing, content
//! negotiation and status codes here; everything else in [`crate::synthesize`].

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{SubsecRound, Utc};
use vpm_cell::ApiError;
use vpm_cell::ErrorBody;
use vpm_cell::json::{self, Document};
use vpm_cell::utoipa_axum::router::OpenApiRouter;
use vpm_cell::utoipa_axum::routes;
use vpm_model::Problem;
use vpm_model::problem::Problems;
use vpm_model::snapshot::{PmSnapshot, SynthesizeRequest};

use crate::metrics::SummaryMetrics;
use crate::negotiate::Format;
use crate::{render_html, render_markdown, synthesize};

/// The cell's routes.
pub fn routes(metrics: SummaryMetrics) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(synthesize_route))
        .with_state(metrics)
}

/// Write the PM snapshot of a curated set and its plan.
///
/// The format follows `Accept`: `application/json` (the default, also for
/// `*/*` or no header) gives the `pm_snapshot_v1` document; `text/markdown`
/// the weekly report (CommonMark, sections Current / Goals / Gap / Next 3 /
/// Evidence / Notes); `text/html` a self-contained page. A snapshot is a
/// pure function of the two documents: only `generated_at` differs between
/// two calls with the same body.
#[utoipa::path(
    post,
    path = "/v1/synthesize",
    tag = "synthesizer",
    request_body(content = SynthesizeRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The snapshot, in the format `Accept` asked for", content(
            (PmSnapshot = "application/json"),
            (String = "text/markdown"),
            (String = "text/html"),
        )),
        (status = 406, description = "`Accept` allows none of application/json, text/markdown, text/html", body = ErrorBody),
        (status = 422, description = "The documents are well-formed but invalid or disagree (different projects, unknown ids, dependency cycles); `details.problems` lists every problem", body = ErrorBody),
    )
)]
async fn synthesize_route(
    State(metrics): State<SummaryMetrics>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(format) = Format::negotiate(accept) else {
        return Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            format!(
                "cannot answer in any format `Accept: {}` allows; this route writes application/json, text/markdown or text/html",
                accept.unwrap_or_default()
            ),
        ));
    };
    json::require_json(&headers)?;
    let generated_at = Utc::now().trunc_subsecs(0);
    // Parsing and synthesis are CPU work proportional to the body: keep
    // them off the threads that serve other requests.
    let snapshot = tokio::task::spawn_blocking(move || {
        let request = parse(&body)?;
        synthesize(
            &request.curated_set,
            &request.plan,
            request.history.as_ref(),
            generated_at,
        )
        .map_err(|problems| {
            ApiError::unprocessable(
                "inconsistent_input",
                format!(
                    "the curated set and the plan cannot make a snapshot: {} problem(s), listed in details",
                    problems.len()
                ),
            )
            .with_details(Problems { problems })
        })
    })
    .await
    .map_err(|_| ApiError::internal("the synthesis did not complete"))??;
    if let Some(quality) = &snapshot.view.summary.quality {
        metrics.observe(quality);
    }
    tracing::info!(
        project_id = %snapshot.document.project_id,
        format = ?format,
        summary_chars = snapshot.document.current.summary.chars().count(),
        rouge_l_f1 = snapshot.view.summary.quality.map(|q| q.rouge_l.f1),
        "snapshot written"
    );
    let body = match format {
        Format::Json => serde_json::to_string(&snapshot.document)
            .map_err(|_| ApiError::internal("the snapshot could not be encoded"))?,
        Format::Markdown => render_markdown(&snapshot),
        Format::Html => render_html(&snapshot),
    };
    let mut response = match format {
        Format::Html => vpm_cell::html::Page::new(body).into_response(),
        _ => {
            let mut response = (StatusCode::OK, body).into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    Ok(response)
}

/// 400 for a body that is not JSON; 422 `invalid_document`, naming the
/// place, for JSON that is not a `SynthesizeRequest` (a missing field, an
/// unknown key, a wrong `schema_version`). `details.problems` carries the
/// place as a problem too, as the synthesizer's other 422s do.
fn parse(body: &[u8]) -> Result<SynthesizeRequest, ApiError> {
    json::decode(
        body,
        Document {
            name: "a synthesize request",
            invalid_code: "invalid_document",
        },
    )
    .map_err(|mut e| {
        if e.status == StatusCode::UNPROCESSABLE_ENTITY {
            let pointer = e
                .details
                .as_ref()
                .and_then(|d| d.get("pointer"))
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .to_owned();
            let problem = Problem::new(
                "invalid_document",
                format!("request#{pointer}"),
                None,
                &e.message,
            );
            e = e.with_details(serde_json::json!({
                "pointer": pointer,
                "problems": [problem],
            }));
        }
        e
    })
}
