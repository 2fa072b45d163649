//! The archivist's HTTP API: thin adapters from requests to [`Archive`].

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpm_cell::{ApiError, ErrorBody};
use vpm_model::problem::Problems;
use vpm_model::record::{Receipt, RecordSubmission};

use crate::archive::{Archive, ArchiveError, Submitted};
use crate::config::WriteToken;
use crate::pages;
use crate::store::ListQuery;
use crate::views::{
    AuditView, ConsistencyProofView, InclusionProofView, PublicKeyView, RecordPage,
    RecordVerification, RecordView,
};

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    pub archive: Arc<Archive>,
    pub write_token: Option<WriteToken>,
}

#[derive(OpenApi)]
#[openapi(modifiers(&BearerScheme))]
struct ArchivistDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::with_openapi(ArchivistDoc::openapi())
        .routes(routes!(submit_record, list_records))
        .routes(routes!(get_record))
        .routes(routes!(verify_record))
        .routes(routes!(record_page))
        .routes(routes!(get_attachment))
        .routes(routes!(project_page))
        .routes(routes!(project_latest_page))
        .routes(routes!(get_checkpoint))
        .routes(routes!(get_public_key))
        .routes(routes!(inclusion_proof))
        .routes(routes!(consistency_proof))
        .routes(routes!(export_log))
        .routes(routes!(verify_log))
        .with_state(state)
}

impl From<ArchiveError> for ApiError {
    fn from(e: ArchiveError) -> Self {
        match e {
            ArchiveError::Invalid(problems) => ApiError::unprocessable(
                "invalid_record",
                format!(
                    "the submission has {} problem(s); see details",
                    problems.len()
                ),
            )
            .with_details(Problems { problems }),
            ArchiveError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            ArchiveError::BadRequest(m) => ApiError::bad_request(m),
            ArchiveError::Unavailable(m) => {
                tracing::warn!(error = %m, "archive unavailable");
                ApiError::unavailable(
                    "archive_unavailable",
                    "the archive database is unavailable; retry",
                )
            }
            ArchiveError::Internal(m) => {
                tracing::error!(error = %m, "archive fault");
                ApiError::internal("the archive hit an internal fault")
            }
        }
    }
}

impl IntoResponse for ArchiveError {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}

fn unauthorized(message: &str) -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"vpm-archivist\""),
    );
    response
}

/// `Ok` when writes are open or the request carries the token.
#[allow(clippy::result_large_err)]
pub(crate) fn authorize(token: Option<&WriteToken>, headers: &HeaderMap) -> Result<(), Response> {
    let Some(token) = token else {
        return Ok(());
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        });
    match presented {
        None => Err(unauthorized(
            "this archive needs `Authorization: Bearer <token>` to write",
        )),
        Some(p) if token.permits(p) => Ok(()),
        Some(_) => Err(unauthorized(
            "the bearer token is not valid for this archive",
        )),
    }
}

/// Appends a record and answers with its receipt.
///
/// The archivist builds a W3C PROV record from the submission, signs it and
/// appends it to the log; the receipt is returned once the record is
/// durable. Submitting the same content again returns the same receipt
/// (200) and adds no leaf.
#[utoipa::path(post, path = "/v1/records", tag = "archive",
    request_body = RecordSubmission,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "Appended: the receipt", body = Receipt),
        (status = 200, description = "Already in the log: its original receipt; nothing was added", body = Receipt),
        (status = 401, description = "A write token is configured and the request lacks it", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after `Retry-After`", body = ErrorBody),
    ))]
async fn submit_record(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(denied) = authorize(state.write_token.as_ref(), &headers) {
        return denied;
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || v.ends_with("+json")
        });
    if !is_json {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the record as `Content-Type: application/json`",
        )
        .into_response();
    }
    let submission = match axum::Json::<RecordSubmission>::from_bytes(&body) {
        Ok(axum::Json(s)) => s,
        Err(rejection) => return rejection.into_response(),
    };
    match state.archive.submit(submission).await {
        Ok((Submitted::New, receipt)) => (StatusCode::CREATED, axum::Json(receipt)).into_response(),
        Ok((Submitted::Existing, receipt)) => (StatusCode::OK, axum::Json(receipt)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Which records to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only this project's records.
    project_id: Option<String>,
    /// Only `pm_snapshot_v1` or `decision` records.
    kind: Option<String>,
    /// Only records logged at or after this time (RFC 3339).
    since: Option<String>,
    /// Only records logged before this time (RFC 3339).
    until: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Records per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

fn rfc3339(name: &str, value: Option<String>) -> Result<Option<String>, ArchiveError> {
    value
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(&v)
                .map(|t| {
                    t.with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                })
                .map_err(|_| {
                    ArchiveError::BadRequest(format!("{name}={v:?} is not an RFC 3339 time"))
                })
        })
        .transpose()
}

/// Lists records, newest first, by project, kind and time; cursor-paged.
#[utoipa::path(get, path = "/v1/records", tag = "archive", params(ListParams),
    responses((status = 200, description = "A page of records", body = RecordPage)))]
async fn list_records(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<axum::Json<RecordPage>, ArchiveError> {
    let before = p
        .cursor
        .map(|c| {
            c.parse::<u64>().map_err(|_| {
                ArchiveError::BadRequest(format!("cursor {c:?} is not one this archive issued"))
            })
        })
        .transpose()?;
    if let Some(k) = &p.kind
        && k != "pm_snapshot_v1"
        && k != "decision"
    {
        return Err(ArchiveError::BadRequest(format!(
            "kind {k:?}: expected pm_snapshot_v1 or decision"
        )));
    }
    let limit = p.limit.unwrap_or(50);
    if !(1..=crate::archive::MAX_PAGE).contains(&limit) {
        return Err(ArchiveError::BadRequest(
            "limit must be between 1 and 500".into(),
        ));
    }
    let query = ListQuery {
        project_id: p.project_id,
        subject_kind: p.kind,
        since: rfc3339("since", p.since)?,
        until: rfc3339("until", p.until)?,
        before,
        limit,
    };
    Ok(axum::Json(state.archive.list(query).await?))
}

/// A record: the signed record as stored, its receipt and attachments.
#[utoipa::path(get, path = "/v1/records/{id}", tag = "archive",
    params(("id" = String, Path, description = "The record id: SHA-256 of the record's canonical JSON, hex")),
    responses((status = 200, description = "The record", body = RecordView)))]
async fn get_record(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<RecordView>, ArchiveError> {
    Ok(axum::Json(state.archive.record(&id).await?))
}

/// Checks one record server-side: its signature and its inclusion in the
/// latest signed checkpoint.
#[utoipa::path(get, path = "/v1/records/{id}/verify", tag = "archive",
    params(("id" = String, Path, description = "The record id")),
    responses((status = 200, description = "What was checked and whether it held", body = RecordVerification)))]
async fn verify_record(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<RecordVerification>, ArchiveError> {
    Ok(axum::Json(state.archive.verify_record(&id).await?))
}

/// The record's page: a self-contained HTML view with its verification status.
#[utoipa::path(get, path = "/v1/records/{id}/html", tag = "pages",
    params(("id" = String, Path, description = "The record id")),
    responses((status = 200, description = "The record's page", content_type = "text/html", body = String)))]
async fn record_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ArchiveError> {
    let entry = state.archive.entry(&id).await?;
    let page = pages::record_page(&state.archive, &entry).await?;
    Ok(html(page))
}

/// An attachment's bytes (the synthesizer's Markdown or HTML), as signed.
#[utoipa::path(get, path = "/v1/records/{id}/attachments/{name}", tag = "archive",
    params(("id" = String, Path, description = "The record id"), ("name" = String, Path, description = "The attachment name")),
    responses((status = 200, description = "The attachment, with its media type", content_type = "application/octet-stream", body = String)))]
async fn get_attachment(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ArchiveError> {
    let attachment = state.archive.attachment(&id, &name).await?;
    let media_type = HeaderValue::from_str(&attachment.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let mut response = (StatusCode::OK, attachment.content).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, media_type);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Rendered HTML is served as it was signed, but sandboxed: no script,
    // no requests, nothing that could act on this origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
        ),
    );
    Ok(response)
}

/// A project's page, to bookmark: the latest snapshot and every earlier
/// one, with dates, Next 3 and verification status.
#[utoipa::path(get, path = "/v1/projects/{project_id}", tag = "pages",
    params(("project_id" = String, Path, description = "The project id")),
    responses((status = 200, description = "The project's page", content_type = "text/html", body = String)))]
async fn project_page(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
) -> Result<Response, ArchiveError> {
    Ok(html(
        pages::project_page(&state.archive, &project_id).await?,
    ))
}

/// The latest snapshot's page of a project (a stable URL).
#[utoipa::path(get, path = "/v1/projects/{project_id}/latest", tag = "pages",
    params(("project_id" = String, Path, description = "The project id")),
    responses((status = 200, description = "The latest snapshot's page", content_type = "text/html", body = String)))]
async fn project_latest_page(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
) -> Result<Response, ArchiveError> {
    let page = state
        .archive
        .list(ListQuery {
            project_id: Some(project_id.clone()),
            subject_kind: Some("pm_snapshot_v1".into()),
            limit: 1,
            ..ListQuery::default()
        })
        .await?;
    let latest = page.records.first().ok_or_else(|| {
        ArchiveError::NotFound(format!(
            "project {project_id:?} has no snapshot in this archive"
        ))
    })?;
    let entry = state.archive.entry(&latest.record_id).await?;
    Ok(html(pages::record_page(&state.archive, &entry).await?))
}

fn html(page: String) -> Response {
    let mut response = Html(page).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    response
}

/// The latest signed tree head: a C2SP tlog-checkpoint in a signed note.
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log",
    responses((status = 200, description = "The signed checkpoint", content_type = "text/plain", body = String)))]
async fn get_checkpoint(State(state): State<AppState>) -> Result<Response, ArchiveError> {
    let head = state.archive.checkpoint().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        head.checkpoint,
    )
        .into_response())
}

/// The log's public key, in the forms verifiers take.
#[utoipa::path(get, path = "/v1/log/public-key", tag = "log",
    responses((status = 200, description = "The public key", body = PublicKeyView)))]
async fn get_public_key(State(state): State<AppState>) -> axum::Json<PublicKeyView> {
    axum::Json(state.archive.public_key())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InclusionParams {
    /// The leaf to prove (or give `record_id`).
    leaf_index: Option<u64>,
    /// The record to prove (or give `leaf_index`).
    record_id: Option<String>,
    /// The tree size to prove it in; default the latest.
    tree_size: Option<u64>,
}

/// An RFC 9162 inclusion proof.
#[utoipa::path(get, path = "/v1/log/proof/inclusion", tag = "log", params(InclusionParams),
    responses(
        (status = 200, description = "The proof", body = InclusionProofView),
        (status = 404, description = "No such leaf or record", body = ErrorBody),
    ))]
async fn inclusion_proof(
    State(state): State<AppState>,
    Query(p): Query<InclusionParams>,
) -> Result<axum::Json<InclusionProofView>, ArchiveError> {
    Ok(axum::Json(
        state
            .archive
            .inclusion(p.leaf_index, p.record_id.as_deref(), p.tree_size)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ConsistencyParams {
    /// The earlier tree size.
    old_size: u64,
    /// The later tree size; default the latest.
    new_size: Option<u64>,
}

/// An RFC 9162 consistency proof between two tree sizes.
#[utoipa::path(get, path = "/v1/log/proof/consistency", tag = "log", params(ConsistencyParams),
    responses((status = 200, description = "The proof", body = ConsistencyProofView)))]
async fn consistency_proof(
    State(state): State<AppState>,
    Query(p): Query<ConsistencyParams>,
) -> Result<axum::Json<ConsistencyProofView>, ArchiveError> {
    Ok(axum::Json(
        state.archive.consistency(p.old_size, p.new_size).await?,
    ))
}

/// The whole log as NDJSON, streamed: a header with the signed checkpoint,
/// one line per entry (signed record and stored nodes), an end line.
#[utoipa::path(get, path = "/v1/log/export", tag = "log",
    responses((status = 200, description = "The log, one JSON object per line", content_type = "application/x-ndjson", body = String)))]
async fn export_log(State(state): State<AppState>) -> Result<Response, ArchiveError> {
    let stream = state.archive.clone().export().await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Audits the whole log server-side: every record's signature, every stored
/// tree node, and the signed root. Names the first bad entry.
#[utoipa::path(get, path = "/v1/log/verify", tag = "log",
    responses(
        (status = 200, description = "The audit's result (`ok` false names the first problem)", body = AuditView),
        (status = 503, description = "Another audit is running, or the database is unavailable", body = ErrorBody),
    ))]
async fn verify_log(State(state): State<AppState>) -> Result<axum::Json<AuditView>, ArchiveError> {
    Ok(axum::Json(state.archive.audit().await?))
}
