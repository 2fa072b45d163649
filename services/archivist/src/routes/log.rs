//! The log itself: checkpoint, public key, proofs, export, full audit.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use vpm_cell::ErrorBody;

use super::AppState;
use crate::archive::ArchiveError;
use crate::views::{AuditView, ConsistencyProofView, InclusionProofView, PublicKeyView};

/// The latest signed tree head: a C2SP tlog-checkpoint in a signed note.
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log",
    responses((status = 200, description = "The signed checkpoint", content_type = "text/plain", body = String)))]
pub(super) async fn get_checkpoint(
    State(state): State<AppState>,
) -> Result<Response, ArchiveError> {
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
pub(super) async fn get_public_key(State(state): State<AppState>) -> axum::Json<PublicKeyView> {
    axum::Json(state.archive.public_key())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct InclusionParams {
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
pub(super) async fn inclusion_proof(
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
pub(super) struct ConsistencyParams {
    /// The earlier tree size.
    old_size: u64,
    /// The later tree size; default the latest.
    new_size: Option<u64>,
}

/// An RFC 9162 consistency proof between two tree sizes.
#[utoipa::path(get, path = "/v1/log/proof/consistency", tag = "log", params(ConsistencyParams),
    responses((status = 200, description = "The proof", body = ConsistencyProofView)))]
pub(super) async fn consistency_proof(
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
pub(super) async fn export_log(State(state): State<AppState>) -> Result<Response, ArchiveError> {
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
pub(super) async fn verify_log(
    State(state): State<AppState>,
) -> Result<axum::Json<AuditView>, ArchiveError> {
    Ok(axum::Json(state.archive.audit().await?))
}
