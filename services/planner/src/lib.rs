//! The planner cell: from a project's curated facts and an as-of date, each
//! goal's progress, gap and status, the task graph in order, the ranking of
//! ready tasks, and the Next 3 actions with their reasons.
//!
//! The domain is plain functions on plain types — [`plan`] and
//! [`plan_request`] — tested directly; [`Planner`] serves them as
//! `POST /v1/plan`. How progress, status and the ranking are computed, and
//! why, is in `docs/planning.md` and in the modules' documentation:
//!
//! * [`vpm_model::CheckedSet`]: the curated set checked once (it may come
//!   from anywhere), shared with the synthesizer;
//! * [`schedule`]: ready and blocked tasks, critical paths, slack;
//! * [`unblocks`]: how many tasks wait on each task, in linear time;
//! * [`goals`]: progress, gap and status per goal;
//! * [`ranking`]: the score of each ready task;
//! * [`next_actions`]: the Next 3 and their rationales.

mod api;
pub mod calendar;
pub mod decimals;
pub mod goals;
pub mod metrics;
pub mod next_actions;
pub mod planning;
pub mod ranking;
pub mod schedule;
mod step;
pub mod unblocks;
mod wording;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod testing;

use std::sync::Arc;

use vpm_cell::{Cell, CellApp, CellContext};

pub use planning::{missing_as_of, plan, plan_event, plan_request, resolve_as_of};

/// The planner cell, ready to be served by the shared runtime.
#[derive(Debug, Default)]
pub struct Planner;

impl Cell for Planner {
    const NAME: &'static str = "planner";
    const DEFAULT_PORT: u16 = 8003;
    const SUMMARY: &'static str = "Computes each goal's gap and progress, orders the task graph and proposes the Next 3 actions with a rationale.";

    async fn build(self, ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        let metrics = Arc::new(metrics::PlannerMetrics::register(ctx.registry));
        Ok(CellApp::new(api::routes(metrics.clone())).with_events(step::step(metrics)))
    }
}
