//! The archivist's HTTP API: thin adapters from requests to [`Archive`].
//!
//! The router and what every route shares are here (state, the OpenAPI
//! document, the write guard, error mapping); the handlers are grouped by
//! what they serve: [`records`], [`pages`], [`log`], and [`tiles`] (the
//! C2SP tlog-tiles layout, outside `/v1` where tile clients expect it).

mod history;
mod log;
mod pages;
mod records;
mod tiles;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpm_cell::ApiError;
use vpm_cell::auth::{Credential, RequireBearerLayer};
use vpm_model::problem::Problems;

use crate::archive::{Archive, ArchiveError};
use crate::config::WriteToken;

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
    let router = OpenApiRouter::with_openapi(ArchivistDoc::openapi())
        .routes(routes!(records::submit_record, records::list_records))
        .routes(routes!(records::get_record))
        .routes(routes!(records::verify_record))
        .routes(routes!(pages::record_page))
        .routes(routes!(records::get_attachment))
        .routes(routes!(pages::project_page))
        .routes(routes!(pages::project_latest_page))
        .routes(routes!(history::project_history))
        .routes(routes!(log::get_checkpoint))
        .routes(routes!(log::get_public_key))
        .routes(routes!(log::inclusion_proof))
        .routes(routes!(log::consistency_proof))
        .routes(routes!(log::export_log))
        .routes(routes!(log::verify_log))
        // Not in the OpenAPI document: their format is C2SP's, not JSON,
        // and `{*rest}` is a multi-segment tile path (docs/archive.md).
        .route("/checkpoint", axum::routing::get(tiles::checkpoint))
        .route("/tile/{*rest}", axum::routing::get(tiles::tile));
    let router = match state.write_token.clone() {
        // Every write route (POST) needs the token, checked before its body
        // is read; reads stay public. See `vpm_cell::auth`.
        Some(token) => router.route_layer(RequireBearerLayer::new(Arc::new(token), REALM)),
        None => router,
    };
    router.with_state(state)
}

/// The realm named in `WWW-Authenticate` when a write is refused.
pub(crate) const REALM: &str = "vpm-archivist";

impl Credential for WriteToken {
    fn permits(&self, presented: &str) -> bool {
        WriteToken::permits(self, presented)
    }
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
            ArchiveError::CommitUnknown(m) => {
                tracing::warn!(error = %m, "append outcome unknown");
                ApiError::unavailable(
                    "archive_commit_unknown",
                    "the archive database did not confirm the commit: the record may have been \
                     committed; retry — appends are idempotent, so a retry returns its receipt \
                     and never adds a second leaf",
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
