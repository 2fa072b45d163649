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
    let step = EventStep::new(
        pipeline::SNAPSHOT,
        pipeline::RECEIPT,
        move |submission: RecordSubmission, _ctx: EventContext| {
            let archive = archive.clone();
            async move {
                let project_id = submission.project_id.clone();
                let (_, receipt) = archive.submit(submission).await.map_err(ApiError::from)?;
                tracing::info!(
                    project = %project_id,
                    record = %receipt.record_id,
                    leaf = receipt.leaf_index,
                    tree_size = receipt.tree_size,
                    decisions = receipt.decisions.len(),
                    new_decisions = receipt.decisions.iter().filter(|d| d.new).count(),
                    "recorded"
                );
                Ok(StepOutput {
                    subject: Some(project_id),
                    data: receipt,
                })
            }
        },
    );
    // With a token, `POST /` refuses a caller without it before reading a
    // byte of the event (or VPM_EVENTS_NEED_TOKEN=false where only the
    // pipeline can reach the archivist: see docs/security.md).
    match token {
        Some(token) => step.requiring(Arc::new(token)),
        None => step,
    }
}
