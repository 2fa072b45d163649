//! The curator's step of the pipeline: `dev.vpm.bundle.v1` in,
//! `dev.vpm.curated.v1` out (CloudEvents on `POST /`).

use std::sync::Arc;

use chrono::Utc;
use vpm_cell::events::{EventContext, EventStep, StepOutput};
use vpm_model::Bundle;
use vpm_model::pipeline::{self, CuratedEvent};

use crate::http::{CuratorState, run};

pub(crate) fn step(state: Arc<CuratorState>) -> EventStep {
    EventStep::new(
        pipeline::BUNDLE,
        pipeline::CURATED,
        move |bundle: Bundle, ctx: EventContext| {
            let state = state.clone();
            async move {
                let started = Utc::now();
                let curated_set = run(&state, bundle, ctx.trace.trace_id_hex()).await?;
                Ok(StepOutput {
                    subject: Some(curated_set.project_id.clone()),
                    data: CuratedEvent {
                        curated_set,
                        activities: vec![pipeline::activity("curator", started)],
                    },
                })
            }
        },
    )
}
