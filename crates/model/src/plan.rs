//! `plan_v1`: progress, gap and status per goal, the task graph, the ranking
//! of ready tasks and the Next 3 — each traceable to its factors.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::{Horizon, Level, TaskStatus};
use crate::curated::CuratedSet;

crate::schema_version!(
    /// Always `"plan_v1"`.
    PlanVersion = "plan_v1"
);

/// `POST /v1/plan` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub curated_set: CuratedSet,
    /// Overrides the curated set's `as_of`. One of the two must be given.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub schema_version: PlanVersion,
    pub project_id: String,
    pub trace_id: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// In the order of `project.yaml`.
    pub goals: Vec<GoalPlan>,
    pub graph: TaskGraphSummary,
    /// Every ready task, best first; `rank` is 1-based.
    pub ranking: Vec<RankedTask>,
    /// The Next 3: the best of the ranking, or an action that unblocks a
    /// marked-blocked task, explained.
    pub next_actions: Vec<PlannedAction>,
    /// Every open task of the project in exactly one part, so the parts
    /// always sum to the open count.
    #[serde(default)]
    pub open: OpenPartition,
}

/// The open (not done) tasks, each in exactly one part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenPartition {
    /// `status: in_progress`.
    pub in_progress: Vec<String>,
    /// `status: todo` with every dependency done.
    pub ready: Vec<String>,
    /// `status: todo` with some dependency unfinished.
    pub waiting: Vec<String>,
    /// `status: blocked` (whatever its dependencies).
    pub blocked: Vec<String>,
}

impl OpenPartition {
    /// How many open tasks there are.
    pub fn total(&self) -> usize {
        self.in_progress.len() + self.ready.len() + self.waiting.len() + self.blocked.len()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    OnTrack,
    AtRisk,
    OffTrack,
    /// Every task done and every criterion met.
    Done,
}

impl GoalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::OnTrack => "on_track",
            GoalStatus::AtRisk => "at_risk",
            GoalStatus::OffTrack => "off_track",
            GoalStatus::Done => "done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalPlan {
    pub goal: String,
    pub title: String,
    pub horizon: Horizon,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    /// 0.0 to 1.0 (see the planner's documentation for the weighting).
    pub progress: f64,
    pub status: GoalStatus,
    /// Why the status is what it is, one sentence each.
    pub reasons: Vec<String>,
    pub gap: Gap,
    /// The chain of unfinished work with the least slack against this
    /// goal's due date (the heaviest chain when it has none).
    pub critical_path: CriticalPath,
    /// This goal's open tasks, each in exactly one part.
    #[serde(default)]
    pub open: OpenPartition,
    /// Calendar days from `as_of` to `due` (negative when overdue).
    #[serde(default)]
    pub days_left: Option<i64>,
    /// Working days (Monday to Friday) from `as_of` to `due`, both
    /// included; 0 or less once the due date has passed. The budget the
    /// critical path is held against.
    #[serde(default)]
    pub working_days_left: Option<i64>,
}

/// What stands between a goal and done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// Criterion ids not yet met.
    pub unmet_criteria: Vec<String>,
    /// Task ids not done.
    pub remaining_tasks: Vec<String>,
    /// Remaining task ids that cannot start (unfinished dependency or marked blocked).
    pub blocked_tasks: Vec<String>,
    /// Remaining task ids past their due date.
    pub overdue_tasks: Vec<String>,
    /// Remaining task ids with high risk.
    pub risky_tasks: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriticalPath {
    /// Task ids, first to do first.
    pub tasks: Vec<String>,
    /// Sum of the tasks' effort in working days.
    pub effort_days: u32,
    /// The goal whose due date the chain is held against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// Working days to spare: the goal's working days left minus
    /// `effort_days`, or less when a due date of the goal's own tasks
    /// binds the chain sooner (negative when it cannot finish in time);
    /// absent when the goal has no due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskGraphSummary {
    /// Every task, dependencies before dependents.
    pub topological_order: Vec<String>,
    /// Not done, not marked blocked, every dependency done.
    pub ready: Vec<String>,
    pub blocked: Vec<BlockedTask>,
    /// The goal path with the least slack (ties: the earlier due date,
    /// then the goal written first): the chain that most threatens a date.
    pub critical_path: CriticalPath,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedTask {
    pub task: String,
    /// Unfinished direct dependencies (empty when only marked blocked).
    pub blocked_by: Vec<String>,
    /// Marked `status: blocked` in tasks.yaml.
    pub marked_blocked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RankedTask {
    pub task: String,
    /// 1-based position.
    pub rank: u32,
    pub score: f64,
    pub factors: ScoreFactors,
}

/// The parts of a score, each already weighted, so they sum to the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreFactors {
    pub criticality: f64,
    pub urgency: f64,
    pub effort: f64,
    pub risk: f64,
    pub unblocks: f64,
    /// How many unfinished tasks wait on this one, directly or through
    /// others.
    pub unblocks_count: u32,
    /// `unblocks_count` is an estimate (large counts are estimated, see the
    /// planner's documentation); exact when false.
    #[serde(default)]
    pub unblocks_estimated: bool,
    /// Days from `as_of` to the task's (or its goal's) due date.
    #[serde(default)]
    pub days_to_due: Option<i64>,
    /// Working days the task can wait before starting without making a due
    /// date unreachable: its own, its goal's, or that of any task waiting on
    /// it. Negative when already too late; absent when no due date applies.
    #[serde(default)]
    pub slack_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedAction {
    /// Finish the task, or remove what blocks it.
    #[serde(default)]
    pub kind: ActionKind,
    pub task: String,
    pub title: String,
    pub goal: String,
    /// One sentence built from the factors that decided the rank.
    pub rationale: String,
    /// `path:line` of the facts the action rests on.
    pub evidence_refs: Vec<String>,
    pub impact: Level,
    pub effort: Level,
    pub status: TaskStatus,
    pub score: f64,
    /// The task's owner, as written (absent when none is written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The task's due date, or its goal's when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    /// Open tasks that wait on this one, directly or through others.
    #[serde(default)]
    pub gates: u32,
}

/// What a Next 3 action asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Do the task itself.
    #[default]
    Finish,
    /// Remove what keeps a `status: blocked` task from starting.
    Unblock,
}
