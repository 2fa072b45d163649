//! The archivist's step of the pipeline: `dev.vpm.snapshot.v1` in (the
//! record the synthesizer asks for), `dev.vpm.receipt.v1` out.
//!
//! A redelivered event (Knative retries on 5xx) carries the same content
//! and so gets the same receipt without a second leaf.

use std::sync::Arc;

use vpm_cell::ApiError;
use vpm_cell::events::{EventContext, EventStep, StepOutput};
use vpm_model::pipeline;
use vpm_model::record::RecordSubmission;

use crate::archive::Archive;
use crate::config::WriteToken;

pub(crate) fn step(archive: Arc<Archive>, token: Option<WriteToken>) -> EventStep {
    let token = Arc::new(token);
    EventStep::new(
        pipeline::SNAPSHOT,
        pipeline::RECEIPT,
        move |submission: RecordSubmission, ctx: EventContext| {
            let archive = archive.clone();
            let token = token.clone();
            async move {
                if crate::routes::authorize(token.as_ref().as_ref(), &ctx.headers).is_err() {
                    return Err(ApiError::new(
                        axum::http::StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "this archive needs `Authorization: Bearer <token>` to record events \
                         (or VPM_EVENTS_NEED_TOKEN=false where only the pipeline can reach it)",
                    ));
                }
                let project_id = submission.project_id.clone();
                let (_, receipt) = archive.submit(submission).await.map_err(ApiError::from)?;
                tracing::info!(
                    project = %project_id,
                    record = %receipt.record_id,
                    leaf = receipt.leaf_index,
                    tree_size = receipt.tree_size,
                    "recorded"
                );
                Ok(StepOutput {
                    subject: Some(project_id),
                    data: receipt,
                })
            }
        },
    )
}
