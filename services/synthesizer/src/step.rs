//! The synthesizer's step of the pipeline: `dev.vpm.plan.v1` in,
//! `dev.vpm.snapshot.v1` out — the record the archivist must sign: the
//! snapshot, its rendered views, the input files' hashes and every cell's
//! activity.

use chrono::{DateTime, SubsecRound, Utc};
use vpm_cell::ApiError;
use vpm_cell::events::{EventContext, EventStep, StepOutput};
use vpm_model::Problem;
use vpm_model::pipeline::{self, PlanEvent};
use vpm_model::problem::Problems;
use vpm_model::record::{Attachment, RecordSubmission, Subject};

use std::sync::Arc;

use crate::metrics::SummaryMetrics;
use crate::past::{HistorySource, Past};
use crate::{Snapshot, render_html, render_markdown, synthesize};

/// Names of the rendered views attached to a snapshot's record.
pub const MARKDOWN_ATTACHMENT: &str = "snapshot.md";
pub const HTML_ATTACHMENT: &str = "snapshot.html";

/// What the archivist is asked to record for one run: a pure function of
/// the plan event, what is known of the project's past, `generated_at`
/// and the trace id. A past that could not be read leaves the history
/// sections out and says why in the notes.
pub fn record_submission(
    event: PlanEvent,
    past: &Past,
    generated_at: DateTime<Utc>,
    trace_id: &str,
) -> Result<(RecordSubmission, Snapshot), Vec<Problem>> {
    let started = Utc::now();
    let mut snapshot = synthesize(
        &event.curated_set,
        &event.plan,
        past.history(),
        generated_at,
    )?;
    if let Some(note) = past.note() {
        snapshot.document.notes.push(note);
    }
    let attachments = vec![
        Attachment {
            name: MARKDOWN_ATTACHMENT.to_owned(),
            media_type: "text/markdown; charset=utf-8".to_owned(),
            content: render_markdown(&snapshot),
        },
        Attachment {
            name: HTML_ATTACHMENT.to_owned(),
            media_type: "text/html; charset=utf-8".to_owned(),
            content: render_html(&snapshot),
        },
    ];
    let mut activities = event.activities;
    activities.push(pipeline::activity("synthesizer", started));
    let submission = RecordSubmission {
        project_id: snapshot.document.project_id.clone(),
        trace_id: trace_id.to_owned(),
        subject: Subject::PmSnapshot(Box::new(snapshot.document.clone())),
        inputs: pipeline::inputs(&event.curated_set),
        activities,
        submitted_by: None,
        attachments,
        // Each is filed as a record of its own, linked from the snapshot's.
        decisions: event.curated_set.decisions.clone(),
    };
    Ok((submission, snapshot))
}

pub(crate) fn step(metrics: SummaryMetrics, history: Option<Arc<HistorySource>>) -> EventStep {
    EventStep::new(
        pipeline::PLAN,
        pipeline::SNAPSHOT,
        move |event: PlanEvent, ctx: EventContext| {
            let metrics = metrics.clone();
            let history = history.clone();
            async move {
                let trace_id = ctx.trace.trace_id_hex();
                let generated_at = Utc::now().trunc_subsecs(0);
                let past = match &history {
                    Some(source) => {
                        source
                            .past(
                                &event.curated_set.project_id,
                                event.plan.as_of,
                                event.since.as_deref(),
                            )
                            .await
                    }
                    None => Past::NotAsked,
                };
                let (submission, snapshot) =
                tokio::task::spawn_blocking(move || record_submission(event, &past, generated_at, &trace_id))
                    .await
                    .map_err(|_| ApiError::internal("the synthesis did not complete"))?
                    .map_err(|problems| {
                        ApiError::unprocessable(
                            "inconsistent_input",
                            format!(
                                "the curated set and the plan cannot make a snapshot: {} problem(s), listed in details",
                                problems.len()
                            ),
                        )
                        .with_details(Problems { problems })
                    })?;
                if let Some(quality) = &snapshot.view.summary.quality {
                    metrics.observe(quality);
                }
                Ok(StepOutput {
                    subject: Some(submission.project_id.clone()),
                    data: submission,
                })
            }
        },
    )
}
