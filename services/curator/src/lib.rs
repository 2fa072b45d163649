//! The curator cell: ingests a project's source files and structures them into typed facts with provenance (file, line).

use vpm_cell::utoipa_axum::router::OpenApiRouter;
use vpm_cell::{Cell, CellApp, CellContext};

/// The curator cell, ready to be served by the shared runtime.
#[derive(Debug, Default)]
pub struct Curator;

impl Cell for Curator {
    const NAME: &'static str = "curator";
    const DEFAULT_PORT: u16 = 8002;
    const SUMMARY: &'static str = "Ingests a project's source files and structures them into typed facts with provenance (file, line).";

    async fn build(self, _ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        Ok(CellApp::new(OpenApiRouter::new()))
    }
}
