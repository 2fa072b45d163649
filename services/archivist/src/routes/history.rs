//! A project's past as the synthesizer needs it.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use vpm_cell::ErrorBody;
use vpm_model::history::History;

use super::AppState;
use crate::archive::ArchiveError;
use crate::archive::history::Since;

/// Which past to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct HistoryParams {
    /// The as-of date of the snapshot being written (`YYYY-MM-DD`): only
    /// snapshots as of an earlier date are history.
    before: Option<String>,
    /// The snapshot to compare against instead of the previous one: a
    /// record id, or a date (the latest snapshot as of that date or earlier).
    since: Option<String>,
}

/// What the archive knows of a project's past before a date: the previous
/// snapshot, the one to compare against (`since`), and every goal's
/// progress in earlier snapshots (at most one point per as-of date, oldest
/// first, at most 104).
#[utoipa::path(get, path = "/v1/projects/{project_id}/history", tag = "archive",
    params(("project_id" = String, Path, description = "The project id"), HistoryParams),
    responses(
        (status = 200, description = "The project's history; empty when it has no earlier snapshot", body = History),
        (status = 400, description = "`before` missing or not a date, or `since` neither a date nor a record id", body = ErrorBody),
        (status = 404, description = "`since` names no snapshot of this project", body = ErrorBody),
    ))]
pub(super) async fn project_history(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    Query(params): Query<HistoryParams>,
) -> Result<Json<History>, ArchiveError> {
    let before = params
        .before
        .as_deref()
        .ok_or_else(|| {
            ArchiveError::BadRequest(
                "before is required: the as-of date (YYYY-MM-DD) of the snapshot being written"
                    .into(),
            )
        })
        .and_then(|b| {
            NaiveDate::parse_from_str(b, "%Y-%m-%d").map_err(|_| {
                ArchiveError::BadRequest(format!(
                    "before {:?} is not a date (YYYY-MM-DD)",
                    b.chars().take(80).collect::<String>()
                ))
            })
        })?;
    let since = params
        .since
        .as_deref()
        .map(Since::parse)
        .transpose()
        .map_err(ArchiveError::BadRequest)?;
    Ok(Json(
        state
            .archive
            .history(&project_id, before, since.as_ref())
            .await?,
    ))
}
