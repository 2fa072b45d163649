//! The curator cell: turns a project folder into typed facts with
//! provenance (file, line), de-duplicated, or into the list of every
//! problem that stops it.
//!
//! The domain is plain functions, usable without HTTP:
//!
//! * [`curate`]: `bundle_v1` → `curated_set_v1` (or every problem, or the
//!   limits exceeded);
//! * [`folder::bundle_from_dir`]: a folder on disk → a bundle, for the CLI
//!   and the pipeline; [`folder::curate_dir`] does both.
//!
//! [`Curator`] serves the same as `POST /v1/curate` through the shared
//! cell runtime. The folder format, the defaults, the error codes, the
//! de-duplication measure and the limits are documented in `docs/curator.md`.

pub mod curate;
pub mod dates;
mod decision_file;
pub mod dedup;
mod fields;
pub mod folder;
pub mod front_matter;
mod http;
pub mod layout;
pub mod limits;
pub mod markdown;
mod metrics;
pub mod normalize;
pub mod project_file;
mod references;
pub mod similarity;
pub mod sources;
mod step;
mod suggest;
pub mod tasks_file;
pub mod yaml;

pub use curate::{CurateError, curate};
pub use limits::{Limit, LimitExceeded, Limits};
pub use step::curate_event;

use std::sync::Arc;

use vpm_cell::{Cell, CellApp, CellContext};

/// The curator cell, ready to be served by the shared runtime.
#[derive(Debug, Default)]
pub struct Curator;

impl Cell for Curator {
    const NAME: &'static str = "curator";
    const DEFAULT_PORT: u16 = 8002;
    const SUMMARY: &'static str = "Ingests a project's source files and structures them into typed facts with provenance (file, line).";

    async fn build(self, ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        let limits = Limits::from_env()?;
        if limits.max_bundle_bytes as usize > ctx.config.max_body_bytes {
            tracing::warn!(
                max_bundle_bytes = limits.max_bundle_bytes,
                max_body_bytes = ctx.config.max_body_bytes,
                "VPM_CURATOR_MAX_BUNDLE_BYTES is above VPM_MAX_BODY_BYTES: large bundles will be \
                 refused by the body limit, with a less specific 413"
            );
        }
        let metrics = metrics::CuratorMetrics::register(ctx.registry);
        let state = Arc::new(http::CuratorState { limits, metrics });
        Ok(CellApp::new(http::router(state.clone())).with_events(step::step(state)))
    }
}
