//! The synthesizer cell: curated set + plan → the PM snapshot.
//!
//! [`synthesize`] writes the `pm_snapshot_v1` document and the figures the
//! views need ([`Snapshot`]); [`render_markdown`] and [`render_html`] turn
//! it into the weekly report and the page to share; `serde_json` gives the
//! JSON. The HTTP route (`POST /v1/synthesize`, format chosen by `Accept`)
//! is a thin adapter in [`api`].
//!
//! How each field is filled, section by section: [`current`] (the summary
//! and the key facts), [`goals`], [`gaps`], [`next_actions`], [`evidence`],
//! [`notes`]. The summary's algorithm and quality measure: [`summary`].

pub mod api;
pub mod consistency;
pub mod current;
pub mod evidence;
pub mod gaps;
pub mod goals;
pub mod graph;
pub mod metrics;
pub mod negotiate;
pub mod next_actions;
pub mod notes;
pub mod past;
pub mod render;
pub mod step;
pub mod summary;
mod synthesize;
pub mod view;
mod wording;

use vpm_cell::{Cell, CellApp, CellContext};

pub use negotiate::Format;
pub use render::html::render_html;
pub use render::markdown::render_markdown;
pub use synthesize::synthesize;
pub use view::{Snapshot, SnapshotView};

/// The synthesizer cell, ready to be served by the shared runtime.
#[derive(Debug, Default)]
pub struct Synthesizer {
    /// The archivist to read each project's history from; by default the
    /// one `VPM_SYNTHESIZER_ARCHIVIST_URL` names, if any.
    archivist_url: Option<String>,
}

impl Synthesizer {
    /// A synthesizer reading history from the archivist at `url` (what
    /// `vpm up` runs: its own archivist), whatever the environment says.
    pub fn with_archivist(url: impl Into<String>) -> Self {
        Self {
            archivist_url: Some(url.into()),
        }
    }
}

impl Cell for Synthesizer {
    const NAME: &'static str = "synthesizer";
    const DEFAULT_PORT: u16 = 8004;
    const SUMMARY: &'static str = "Turns facts and plan into the PM snapshot: pm_snapshot_v1 JSON, Markdown, HTML and a short summary.";

    async fn build(self, ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        let metrics = metrics::SummaryMetrics::register(ctx.registry);
        let archivist_url = self.archivist_url;
        let history = past::HistorySource::from_lookup(|name| {
            if name == past::ARCHIVIST_URL_VAR && archivist_url.is_some() {
                return archivist_url.clone();
            }
            std::env::var(name).ok()
        })
        .map_err(anyhow::Error::msg)?
        .map(std::sync::Arc::new);
        Ok(CellApp::new(api::routes(metrics.clone())).with_events(step::step(metrics, history)))
    }
}
