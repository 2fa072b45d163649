//! The archivist cell: records each snapshot and decision as a signed provenance record in an append-only, verifiable log.

use vpm_cell::utoipa_axum::router::OpenApiRouter;
use vpm_cell::{Cell, CellApp, CellContext};

/// The archivist cell, ready to be served by the shared runtime.
#[derive(Debug, Default)]
pub struct Archivist;

impl Cell for Archivist {
    const NAME: &'static str = "archivist";
    const DEFAULT_PORT: u16 = 8005;
    const SUMMARY: &'static str = "Records each snapshot and decision as a signed provenance record in an append-only, verifiable log.";

    async fn build(self, _ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        Ok(CellApp::new(OpenApiRouter::new()))
    }
}
