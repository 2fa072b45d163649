//! The planner cell: computes each goal's gap and progress, orders the task graph and proposes the Next 3 actions with a rationale.

use vpm_cell::utoipa_axum::router::OpenApiRouter;
use vpm_cell::{Cell, CellApp, CellContext};

/// The planner cell, ready to be served by the shared runtime.
#[derive(Debug, Default)]
pub struct Planner;

impl Cell for Planner {
    const NAME: &'static str = "planner";
    const DEFAULT_PORT: u16 = 8003;
    const SUMMARY: &'static str = "Computes each goal's gap and progress, orders the task graph and proposes the Next 3 actions with a rationale.";

    async fn build(self, _ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        Ok(CellApp::new(OpenApiRouter::new()))
    }
}
