//! The HTML pages people bookmark: a record's, a project's, its latest.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::archive::ArchiveError;
use crate::pages;
use crate::store::ListQuery;

/// The record's page: a self-contained HTML view with its verification status.
#[utoipa::path(get, path = "/v1/records/{id}/html", tag = "pages",
    params(("id" = String, Path, description = "The record id")),
    responses((status = 200, description = "The record's page", content_type = "text/html", body = String)))]
pub(super) async fn record_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ArchiveError> {
    let entry = state.archive.entry(&id).await?;
    let page = pages::record_page(&state.archive, &entry).await?;
    Ok(html(page))
}

/// A project's page, to bookmark: the latest snapshot and every earlier
/// one, with dates, Next 3 and verification status.
#[utoipa::path(get, path = "/v1/projects/{project_id}", tag = "pages",
    params(("project_id" = String, Path, description = "The project id")),
    responses((status = 200, description = "The project's page", content_type = "text/html", body = String)))]
pub(super) async fn project_page(
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
pub(super) async fn project_latest_page(
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
    vpm_cell::html::Page::new(page).into_response()
}
