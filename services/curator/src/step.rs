//! The curator's step of the pipeline: `dev.vpm.bundle.v1` in,
//! `dev.vpm.curated.v1` out (CloudEvents on `POST /`).

use std::sync::Arc;

use chrono::Utc;
use vpm_cell::events::{EventContext, EventStep, StepOutput};
use vpm_model::Bundle;
use vpm_model::pipeline::{self, CuratedEvent};

use crate::curate::{CurateError, curate};
use crate::http::{CuratorState, run};
use crate::limits::Limits;

/// The curator's step of the pipeline, one definition for every way it is
/// run (the cell's `POST /` and `POST /v1/curate`, `vpm snapshot
/// --embedded`): the bundle in, the curated event out, with the curator's
/// activity recorded.
pub fn curate_event(
    bundle: &Bundle,
    trace_id: &str,
    limits: &Limits,
) -> Result<CuratedEvent, CurateError> {
    let started = Utc::now();
    let curated_set = curate(bundle, trace_id, limits)?;
    Ok(CuratedEvent {
        curated_set,
        activities: vec![pipeline::activity("curator", started)],
    })
}

pub(crate) fn step(state: Arc<CuratorState>) -> EventStep {
    EventStep::new(
        pipeline::BUNDLE,
        pipeline::CURATED,
        move |bundle: Bundle, ctx: EventContext| {
            let state = state.clone();
            async move {
                let event = run(&state, bundle, ctx.trace.trace_id_hex()).await?;
                Ok(StepOutput {
                    subject: Some(event.curated_set.project_id.clone()),
                    data: event,
                })
            }
        },
    )
}
