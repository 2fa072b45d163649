//! The log for tlog clients and witnesses: `GET /checkpoint`,
//! `GET /tile/<L>/<N>[.p/<W>]` and `GET /tile/entries/<N>[.p/<W>]`, the
//! C2SP tlog-tiles layout (<https://c2sp.org/tlog-tiles>) at the root.
//!
//! A full tile never changes once the tree holds it, so it is cacheable
//! for a year and `immutable`; a partial tile is replaced by wider ones as
//! the log grows (clients ask for the width their checkpoint implies), so
//! it is cached briefly; the checkpoint moves with every commit and is
//! served `no-cache`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use vpm_tlog::tiles::TilePath;

use super::AppState;
use crate::archive::ArchiveError;

pub(super) const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub(super) const PARTIAL: &str = "public, max-age=60";

/// The latest signed checkpoint, where tlog clients look for it.
pub(super) async fn checkpoint(State(state): State<AppState>) -> Result<Response, ArchiveError> {
    let head = state.archive.checkpoint().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        head.checkpoint,
    )
        .into_response())
}

/// A hash tile or an entry bundle; `rest` is everything after `/tile/`.
pub(super) async fn tile(
    State(state): State<AppState>,
    rest: Result<Path<String>, PathRejection>,
) -> Result<Response, ArchiveError> {
    // A path that is not UTF-8 once percent-decoded is no tile either, and
    // gets the same JSON error as any other bad path.
    let Path(rest) = rest.map_err(|e| ArchiveError::BadRequest(e.body_text()))?;
    let path = TilePath::parse(&format!("tile/{rest}"))
        .map_err(|e| ArchiveError::BadRequest(e.to_string()))?;
    let data = state.archive.tile(path).await?;
    let cache = if path.is_full() { IMMUTABLE } else { PARTIAL };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        data,
    )
        .into_response())
}
