//! The pipeline's CloudEvents: their types and what each carries.
//!
//! ```text
//! dev.vpm.bundle.v1   ─▶ curator     ─▶ dev.vpm.curated.v1  (CuratedEvent)
//! dev.vpm.curated.v1  ─▶ planner     ─▶ dev.vpm.plan.v1     (PlanEvent)
//! dev.vpm.plan.v1     ─▶ synthesizer ─▶ dev.vpm.snapshot.v1 (RecordSubmission)
//! dev.vpm.snapshot.v1 ─▶ archivist   ─▶ dev.vpm.receipt.v1  (Receipt)
//! ```
//!
//! Each event carries everything the next cell needs and nothing it must
//! fetch elsewhere — a Knative `Sequence` passes only the reply of one step
//! to the next — including the activity of every cell so far, which the
//! archivist records as PROV activities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::curated::CuratedSet;
use crate::plan::Plan;
use crate::record::{CellActivity, InputDigest};

/// `bundle_v1`: the project folder, into the curator.
pub const BUNDLE: &str = "dev.vpm.bundle.v1";
/// [`CuratedEvent`]: the curator's answer, into the planner.
pub const CURATED: &str = "dev.vpm.curated.v1";
/// [`PlanEvent`]: the planner's answer, into the synthesizer.
pub const PLAN: &str = "dev.vpm.plan.v1";
/// `RecordSubmission`: the synthesizer's answer, into the archivist.
pub const SNAPSHOT: &str = "dev.vpm.snapshot.v1";
/// `Receipt`: the archivist's answer, the end of the pipeline.
pub const RECEIPT: &str = "dev.vpm.receipt.v1";

/// The data of a `dev.vpm.curated.v1` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CuratedEvent {
    pub curated_set: CuratedSet,
    /// The cells' work so far (the curator's).
    pub activities: Vec<CellActivity>,
}

/// The data of a `dev.vpm.plan.v1` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanEvent {
    pub curated_set: CuratedSet,
    pub plan: Plan,
    /// The cells' work so far (curator, planner).
    pub activities: Vec<CellActivity>,
    /// The archived snapshot the synthesizer's changes compare against
    /// instead of the previous one: a record id or a date (`vpm snapshot
    /// --since`). Set by the client between planner and synthesizer;
    /// absent from older events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// The activity of `cell` (this workspace's version) from `started_at` to now.
pub fn activity(cell: &str, started_at: DateTime<Utc>) -> CellActivity {
    CellActivity {
        cell: cell.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        ended_at: Utc::now(),
    }
}

/// The input files of a curated set, as the archive records them.
pub fn inputs(curated: &CuratedSet) -> Vec<InputDigest> {
    curated
        .sources
        .iter()
        .map(|s| InputDigest {
            path: s.path.clone(),
            sha256: s.sha256.clone(),
        })
        .collect()
}
