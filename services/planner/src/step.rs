//! The planner's step of the pipeline: `dev.vpm.curated.v1` in,
//! `dev.vpm.plan.v1` out (CloudEvents on `POST /`).

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use vpm_cell::ApiError;
use vpm_cell::events::{EventContext, EventStep, StepOutput};
use vpm_model::pipeline::{self, CuratedEvent, PlanEvent};
use vpm_model::plan::PlanRequest;

use crate::api::unplannable;
use crate::metrics::PlannerMetrics;

pub(crate) fn step(metrics: Arc<PlannerMetrics>) -> EventStep {
    EventStep::new(
        pipeline::CURATED,
        pipeline::PLAN,
        move |event: CuratedEvent, ctx: EventContext| {
            let metrics = metrics.clone();
            async move {
                let started = Utc::now();
                let trace_id = ctx.trace.trace_id_hex();
                let CuratedEvent {
                    curated_set,
                    mut activities,
                } = event;
                let tasks = curated_set.tasks.len();
                // The as-of date travels in the curated set (from the bundle or
                // project.yaml); the planner never guesses one.
                let request = PlanRequest {
                    curated_set,
                    as_of: None,
                };
                let (result, request, elapsed) = tokio::task::spawn_blocking(move || {
                    let clock = Instant::now();
                    let result = crate::plan_request(&request, &trace_id);
                    (result, request, clock.elapsed())
                })
                .await
                .map_err(|_| ApiError::internal("planning stopped unexpectedly"))?;
                match result {
                    Ok(plan) => {
                        metrics.planned(tasks, elapsed.as_secs_f64());
                        activities.push(pipeline::activity("planner", started));
                        Ok(StepOutput {
                            subject: Some(plan.project_id.clone()),
                            data: PlanEvent {
                                curated_set: request.curated_set,
                                plan,
                                activities,
                            },
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
