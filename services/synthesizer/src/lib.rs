//! The synthesizer cell: turns facts and plan into the PM snapshot: pm_snapshot_v1 JSON, Markdown, HTML and a short summary.

use vpm_cell::utoipa_axum::router::OpenApiRouter;
use vpm_cell::{Cell, CellApp, CellContext};

/// The synthesizer cell, ready to be served by the shared runtime.
#[derive(Debug, Default)]
pub struct Synthesizer;

impl Cell for Synthesizer {
    const NAME: &'static str = "synthesizer";
    const DEFAULT_PORT: u16 = 8004;
    const SUMMARY: &'static str = "Turns facts and plan into the PM snapshot: pm_snapshot_v1 JSON, Markdown, HTML and a short summary.";

    async fn build(self, _ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        Ok(CellApp::new(OpenApiRouter::new()))
    }
}
