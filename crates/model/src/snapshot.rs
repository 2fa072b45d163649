//! `pm_snapshot_v1`: the weekly answer, with the field names of the
//! original specification.
//!
//! A snapshot is a pure function of its inputs and `as_of_date`: only
//! `generated_at` may differ between two runs on the same input. That is
//! why it carries no trace id — the trace id differs per run; it travels
//! beside the snapshot (in the pipeline event and the archived record).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::Level;
use crate::curated::CuratedSet;
use crate::history::{Changes, Forecast, History, TaskLine, TrendPoint};
use crate::plan::{ActionKind, GoalStatus, Plan};

crate::schema_version!(
    /// Always `"pm_snapshot_v1"`.
    SnapshotVersion = "pm_snapshot_v1"
);

/// `POST /v1/synthesize` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthesizeRequest {
    pub curated_set: CuratedSet,
    pub plan: Plan,
    /// What the archive knows of the project's past; without it the
    /// snapshot has no changes, trend or carried-forward done dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PmSnapshot {
    pub schema_version: SnapshotVersion,
    pub project_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: DateTime<Utc>,
    #[schema(value_type = String, format = Date)]
    pub as_of_date: NaiveDate,
    pub current: Current,
    pub goals: Goals,
    pub gaps: Vec<GapItem>,
    pub next_actions: Vec<NextAction>,
    pub evidence: Vec<Evidence>,
    pub notes: Vec<String>,
    /// Every task as this snapshot saw it (added in 0.3): what the next
    /// snapshot's changes compare against, and the done dates its forecast
    /// counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<TaskLine>,
    /// What changed since an earlier archived snapshot (added in 0.3);
    /// absent for a project's first snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// Every goal's progress in earlier snapshots and this one, oldest
    /// first (added in 0.3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendPoint>,
    /// When each open goal will finish at the team's observed pace (added
    /// in 0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
}

/// Where we are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Current {
    /// At most 400 characters, most important first.
    pub summary: String,
    pub bullets: Vec<String>,
    /// How faithful the summary is to the state note it was drawn from;
    /// absent when there was no state note to measure it against. For
    /// tools and dashboards: the Markdown and HTML views leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_quality: Option<SummaryQuality>,
}

/// The summary measured against the state note, characters not bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuality {
    /// Character-level ROUGE-L F1 (0.0 to 1.0).
    pub rouge_l_f1: f64,
    /// LCS / summary length.
    pub rouge_l_precision: f64,
    /// LCS / note length.
    pub rouge_l_recall: f64,
    /// Summary length / note length.
    pub compression: f64,
    pub summary_chars: u64,
    pub note_chars: u64,
    /// Only the note's first `compared_chars` characters were compared.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub note_truncated: bool,
    pub compared_chars: u64,
}

/// Where we are going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goals {
    pub short_term: Vec<GoalView>,
    pub mid_term: Vec<GoalView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalView {
    pub id: String,
    pub title: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub status: GoalStatus,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    UnmetCriterion,
    BlockedTask,
    OverdueTask,
    Risk,
    RemainingWork,
}

/// What is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GapItem {
    pub goal: String,
    pub kind: GapKind,
    pub summary: String,
    /// `path:line` references.
    pub refs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Todo,
    InProgress,
    Done,
}

/// One of the Next 3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NextAction {
    pub id: String,
    pub title: String,
    /// Why this, now: the rationale.
    pub details: String,
    pub evidence_refs: Vec<String>,
    pub links: Vec<String>,
    pub impact: Level,
    pub effort: Level,
    pub status: ActionStatus,
    /// Who the task belongs to, as written in the sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// When it is due (the task's own date, else its goal's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<chrono::NaiveDate>,
    /// `unblock` when the action is to remove what keeps a marked-blocked
    /// task from starting; absent for the usual `finish`.
    #[serde(default, skip_serializing_if = "is_finish")]
    pub kind: ActionKind,
    /// Open tasks that wait on this one, directly or through others
    /// (absent when none does, or the plan does not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<u32>,
}

fn is_finish(kind: &ActionKind) -> bool {
    *kind == ActionKind::Finish
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Doc,
    State,
    Report,
    Decision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub path: String,
    pub summary: String,
}
