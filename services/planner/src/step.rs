//! The planner's step of the pipeline: `dev.vpm.curated.v1` in,
//! `dev.vpm.plan.v1` out (CloudEvents on `POST /`).

use std::sync::Arc;
use std::time::Instant;

use vpm_cell::ApiError;
use vpm_cell::events::{EventContext, EventStep, StepOutput};
use vpm_model::pipeline::{self, CuratedEvent};

use crate::api::unplannable;
use crate::metrics::PlannerMetrics;

pub(crate) fn step(metrics: Arc<PlannerMetrics>) -> EventStep {
    EventStep::new(
        pipeline::CURATED,
        pipeline::PLAN,
        move |event: CuratedEvent, ctx: EventContext| {
            let metrics = metrics.clone();
            async move {
                let trace_id = ctx.trace.trace_id_hex();
                let tasks = event.curated_set.tasks.len();
                let (result, elapsed) = tokio::task::spawn_blocking(move || {
                    let clock = Instant::now();
                    let result = crate::plan_event(event, &trace_id);
                    (result, clock.elapsed())
                })
                .await
                .map_err(|_| ApiError::internal("planning stopped unexpectedly"))?;
                match result {
                    Ok(event) => {
                        metrics.planned(tasks, elapsed.as_secs_f64());
                        Ok(StepOutput {
                            subject: Some(event.plan.project_id.clone()),
                            data: event,
                        })
                    }
                    Err(problems) => {
                        metrics.rejected(problems.iter().map(|p| p.code.as_str()));
                        Err(unplannable(problems))
                    }
                }
            }
        },
    )
}
