//! What a snapshot knows of the project's past: the ledger of tasks it
//! hands to the next snapshot, what changed since an earlier snapshot,
//! each goal's progress over time, and a forecast of each goal's finish.
//!
//! All of it is part of `pm_snapshot_v1` (optional sections, added in 0.3)
//! and so of the signed record: anyone can later check what was forecast
//! when, and how right it was. The past comes from the archive as a
//! [`History`]: the latest earlier snapshot (whose ledger carries done
//! dates forward), optionally another snapshot to compare against, and the
//! goals' progress in every earlier snapshot.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::plan::GoalStatus;
use crate::snapshot::PmSnapshot;

/// Where a task stood when a snapshot was taken: the planner's partition
/// of open tasks, or done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Done,
    InProgress,
    /// Open, every dependency done.
    Ready,
    /// Open, waiting on an unfinished dependency.
    Waiting,
    /// Marked blocked by a person.
    Blocked,
}

/// One task as a snapshot saw it: what the next snapshot compares against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskLine {
    pub id: String,
    pub title: String,
    pub goal: String,
    pub state: TaskState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    /// Planned working days (the task's effort: S 1, M 3, L 8, as
    /// `Effort::days` and docs/planning.md count them).
    pub effort_days: u32,
    /// When the task was done: the date its source gives (`done_on` in
    /// tasks.yaml, a tracker's close date); else the date carried in the
    /// previous snapshot's ledger; else, for a task first seen done now,
    /// this snapshot's as-of date. Absent when open, or done before any
    /// snapshot saw it and its source gives no date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub done_on: Option<NaiveDate>,
}

/// The snapshot a [`Changes`] section compares against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBase {
    /// Its archived record.
    pub record_id: String,
    #[schema(value_type = String, format = Date)]
    pub as_of_date: NaiveDate,
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: DateTime<Utc>,
    /// Whether the earlier snapshot had a task ledger. Without one, only
    /// goal and Next 3 changes can be given.
    pub had_ledger: bool,
}

/// A task named in a change list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskChange {
    pub id: String,
    pub title: String,
    pub goal: String,
}

/// A task whose due date moved later (or was dropped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DueChange {
    pub id: String,
    pub title: String,
    pub goal: String,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Absent when the due date was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// Days later (absent when the due date was removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
}

/// A goal whose status, progress or due date changed, or that is new or gone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalChange {
    pub id: String,
    pub title: String,
    /// Absent for a goal new since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_from: Option<GoalStatus>,
    /// Absent for a goal gone since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_to: Option<GoalStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_from: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_to: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_to: Option<NaiveDate>,
}

/// Why an action entered or left the Next 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionChangeCause {
    /// Left: its task is done.
    Done,
    /// Left: its task is now marked blocked.
    Blocked,
    /// Left: its task is gone from the sources.
    Removed,
    /// Left: other actions now rank above it. Entered: it now ranks above
    /// one that left.
    Ranking,
    /// Entered: a task new since.
    New,
    /// Entered: its task was blocked and no longer is.
    Unblocked,
    /// Entered: its last unfinished dependency was done.
    Ready,
}

/// One action that entered or left the Next 3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionChange {
    pub id: String,
    pub title: String,
    pub cause: ActionChangeCause,
    /// One sentence for people: "done on 2026-11-30", "T-9 now ranks
    /// above it (due 2026-12-04)".
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NextActionChanges {
    pub entered: Vec<ActionChange>,
    pub left: Vec<ActionChange>,
}

/// What changed since an earlier archived snapshot. Every list is sorted
/// by task or goal id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    pub since: ChangeBase,
    /// Open then, done now.
    pub done: Vec<TaskChange>,
    /// Not in the earlier snapshot.
    pub added: Vec<TaskChange>,
    /// In the earlier snapshot, gone from the sources now.
    pub removed: Vec<TaskChange>,
    /// Due date moved later or dropped, on a task still open.
    pub slipped: Vec<DueChange>,
    /// Not marked blocked then, marked blocked now.
    pub newly_blocked: Vec<TaskChange>,
    /// Marked blocked then, open and not blocked now (done ones are in `done`).
    pub unblocked: Vec<TaskChange>,
    pub goals: Vec<GoalChange>,
    pub next_actions: NextActionChanges,
}

/// One goal's place in one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalPoint {
    pub id: String,
    /// 0 to 1, as in the goal's view.
    pub progress: f64,
    pub status: GoalStatus,
}

/// Every goal's progress as one snapshot saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrendPoint {
    #[schema(value_type = String, format = Date)]
    pub as_of_date: NaiveDate,
    /// The archived record; absent for the snapshot being written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    pub goals: Vec<GoalPoint>,
}

/// What throughput is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThroughputUnit {
    /// Planned working days of done tasks (effort-weighted).
    EffortDays,
    /// Done tasks.
    Tasks,
}

/// One goal's forecast finish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalForecast {
    pub goal: String,
    /// Open work of the goal, in the forecast's unit.
    pub remaining: f64,
    /// Half the simulated futures finish by this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub p50: Option<NaiveDate>,
    /// 85 in 100 simulated futures finish by this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub p85: Option<NaiveDate>,
    /// Share of simulated futures finishing on or before the goal's due
    /// date; absent without a due date or without a forecast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_time_probability: Option<f64>,
    /// Why there is no forecast (too little history, no throughput);
    /// absent when p50 and p85 are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insufficient: Option<String>,
}

/// The Monte Carlo forecast of a snapshot: its basis, so it can be
/// reproduced, and each open goal's finish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Forecast {
    pub unit: ThroughputUnit,
    /// Observed throughput per week, oldest first; the last week ends on
    /// the as-of date.
    pub weekly_throughput: Vec<f64>,
    pub trials: u32,
    /// The random generator's seed, 16 lowercase hex digits.
    pub seed: String,
    /// The order the team is assumed to finish goals in (open goals by due
    /// date, then id); each goal's finish counts the remaining work of the
    /// goals before it.
    pub order: Vec<String>,
    pub goals: Vec<GoalForecast>,
}

/// An archived snapshot handed to the synthesizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchivedSnapshot {
    pub record_id: String,
    pub snapshot: Box<PmSnapshot>,
}

/// What the archive knows of a project's past, as of a date: the input the
/// synthesizer needs for changes, trend and forecast.
/// `GET /v1/projects/{project_id}/history` answers with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// The latest archived snapshot with an earlier as-of date: its ledger
    /// carries done dates forward, and changes compare against it unless
    /// `compare_to` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<ArchivedSnapshot>,
    /// Another archived snapshot to compare against (named by record id or
    /// date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_to: Option<ArchivedSnapshot>,
    /// Every goal's progress in earlier snapshots, oldest first, at most
    /// one point per as-of date (the latest record of that date).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendPoint>,
}
