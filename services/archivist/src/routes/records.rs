//! Records: append one (the only write), list, read, verify, attachments.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use vpm_cell::ErrorBody;
use vpm_cell::json::{self, Document};
use vpm_model::record::{Receipt, RecordSubmission};

use super::AppState;
use crate::archive::{ArchiveError, Submitted};
use crate::store::ListQuery;
use crate::views::{RecordPage, RecordVerification, RecordView};

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
pub(super) async fn submit_record(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The token was checked before the body was read (the route layer).
    if let Err(e) = json::require_json(&headers) {
        return e.into_response();
    }
    let submission: RecordSubmission = match json::decode(
        &body,
        Document {
            name: "a record submission",
            invalid_code: "invalid_record",
        },
    ) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    drop(body);
    match state.archive.submit(submission).await {
        Ok((Submitted::New, receipt)) => (StatusCode::CREATED, axum::Json(receipt)).into_response(),
        Ok((Submitted::Existing, receipt)) => (StatusCode::OK, axum::Json(receipt)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Which records to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
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
pub(super) async fn list_records(
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
pub(super) async fn get_record(
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
pub(super) async fn verify_record(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<RecordVerification>, ArchiveError> {
    Ok(axum::Json(state.archive.verify_record(&id).await?))
}

/// An attachment's bytes (the synthesizer's Markdown or HTML), as signed.
#[utoipa::path(get, path = "/v1/records/{id}/attachments/{name}", tag = "archive",
    params(("id" = String, Path, description = "The record id"), ("name" = String, Path, description = "The attachment name")),
    responses((status = 200, description = "The attachment, with its media type", content_type = "application/octet-stream", body = String)))]
pub(super) async fn get_attachment(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ArchiveError> {
    let attachment = state.archive.attachment(&id, &name).await?;
    let media_type = HeaderValue::from_str(&attachment.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let mut response = (StatusCode::OK, attachment.content).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media_type);
    // Rendered HTML is served as it was signed, but sandboxed: no script,
    // no requests, nothing that could act on this origin.
    vpm_cell::html::protect(&mut response, vpm_cell::html::SANDBOXED_POLICY);
    Ok(response)
}
