//! A snapshot as the renderers need it: the `pm_snapshot_v1` document and
//! the figures behind it that the document has no field for (the task
//! graph to draw, per-goal counts, the summary's quality).

use vpm_model::plan::CriticalPath;
use vpm_model::snapshot::PmSnapshot;
use vpm_model::{Horizon, TaskStatus};

use crate::summary::rouge::RougeL;

/// The result of [`crate::synthesize`].
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// What is archived and served as JSON.
    pub document: PmSnapshot,
    /// What the Markdown and HTML views show besides the document.
    pub view: SnapshotView,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotView {
    pub project_name: String,
    pub purpose: Option<String>,
    pub totals: TaskTotals,
    /// One per goal of the plan, in its order.
    pub goals: Vec<GoalFigures>,
    /// The project's critical path (may be empty).
    pub critical_path: CriticalPath,
    pub summary: SummaryReport,
    pub graph: GraphView,
}

/// Task counts over the whole project. The four parts of the open tasks
/// (in progress, ready, waiting, blocked) always sum to [`Self::remaining`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskTotals {
    pub total: usize,
    pub done: usize,
    /// Open tasks: the sum of the four parts below.
    pub open: usize,
    pub in_progress: usize,
    /// To do, every dependency done.
    pub ready: usize,
    /// Not marked blocked, but waiting on an unfinished dependency.
    pub waiting: usize,
    /// Marked `blocked` by a person.
    pub blocked: usize,
    /// Past their (or their goal's) due date and not done.
    pub overdue: usize,
}

impl TaskTotals {
    pub fn remaining(&self) -> usize {
        self.open
    }
}

/// What the document's `GoalView` leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalFigures {
    pub id: String,
    pub horizon: Horizon,
    pub total_tasks: usize,
    pub remaining_tasks: usize,
    pub days_left: Option<i64>,
    pub critical_path: CriticalPath,
}

/// Where the summary came from and how good it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryReport {
    pub source: SummarySource,
    /// The last sentence was cut (with `…`) to fit the limit.
    pub shortened: bool,
    pub quality: Option<SummaryQuality>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummarySource {
    /// Sentences of `state.md`.
    StateNote,
    /// No state note: sentences of the newest weekly report.
    Report { path: String },
    /// No state note and no report: one sentence written from the plan.
    Plan,
}

/// The summary measured against the state note.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryQuality {
    pub rouge_l: RougeL,
    /// Summary characters / state note characters.
    pub compression: f64,
    pub summary_chars: usize,
    pub note_chars: usize,
}

/// The remaining tasks and the dependencies between them, ready to lay out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
    /// `(dependency, dependent)` as indices into `nodes`.
    pub edges: Vec<(usize, usize)>,
    /// How many tasks are not done, drawn or not.
    pub remaining: usize,
    /// What the drawing holds when it is not every remaining task.
    pub selection: Option<GraphSelection>,
}

/// What a partial drawing holds: the Next 3, the headline path and their
/// direct neighbours — so the caption can say exactly that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSelection {
    /// Next 3 tasks drawn.
    pub next: usize,
    /// Headline-path tasks drawn, and how long the path is.
    pub path: usize,
    pub path_len: usize,
    /// Direct neighbours drawn, and how many there are.
    pub neighbours: usize,
    pub neighbours_total: usize,
}

impl GraphView {
    /// Remaining tasks left out of the drawing.
    pub fn omitted(&self) -> usize {
        self.remaining - self.nodes.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    pub id: String,
    pub title: String,
    pub goal: String,
    /// Position of the goal in the plan (nodes of a goal are drawn together).
    pub goal_index: usize,
    pub status: TaskStatus,
    /// Marked `blocked` by a person.
    pub blocked: bool,
    /// Waiting on an unfinished dependency.
    pub waiting: bool,
    pub overdue: bool,
    /// On the project's critical path.
    pub critical: bool,
    /// 1, 2 or 3 when the task is one of the Next 3.
    pub next_rank: Option<usize>,
}
