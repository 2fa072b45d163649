//! `curated_set_v1`: every fact of a project folder, typed, de-duplicated,
//! and each with the file and line it came from.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::{Effort, Horizon, Level, SourceRef, TaskStatus};

crate::schema_version!(
    /// Always `"curated_set_v1"`.
    CuratedSetVersion = "curated_set_v1"
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CuratedSet {
    pub schema_version: CuratedSetVersion,
    pub project_id: String,
    /// The W3C trace id (32 hex digits) of the run that produced this set.
    pub trace_id: String,
    /// The bundle's `as_of`, else `project.yaml`'s; absent if neither says.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
    pub project: Project,
    pub goals: Vec<Goal>,
    pub tasks: Vec<Task>,
    pub decisions: Vec<Decision>,
    /// Paragraphs and list items of `state.md` and `reports/*.md`.
    pub statements: Vec<Statement>,
    /// task → goal, task → task (`depends_on`), decision → anything it links.
    pub relations: Vec<Relation>,
    /// Every file that was read, with its hash.
    pub sources: Vec<SourceDigest>,
    /// Things worth a look that are not errors (near-duplicates, ignored files).
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub purpose: Option<String>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub id: String,
    pub title: String,
    pub horizon: Horizon,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    pub acceptance: Vec<Criterion>,
    pub source: SourceRef,
}

/// One acceptance criterion of a goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// `<goal id>.<n>`, 1-based in the order written (`G1.2`).
    pub id: String,
    pub text: String,
    /// Written as met (a leading `[x]` in `project.yaml`).
    pub met: bool,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub title: String,
    /// The id of the goal this task advances.
    pub goal: String,
    pub status: TaskStatus,
    pub depends_on: Vec<String>,
    pub criticality: Level,
    pub effort: Effort,
    pub risk: Level,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub owner: Option<String>,
    /// When the task was done, when its source says (`done_on` in
    /// tasks.yaml, a tracker's close or resolution date): the throughput a
    /// forecast is drawn from. Only meaningful on a done task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub done_on: Option<NaiveDate>,
    pub source: SourceRef,
    /// The fields left out of `tasks.yaml` and given their documented
    /// default (`criticality`, `effort`, `risk`): a plan must not present
    /// them as facts someone wrote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
}

impl Task {
    /// Whether `field` (`"criticality"`, `"effort"` or `"risk"`) was left
    /// out and defaulted rather than written.
    pub fn is_assumed(&self, field: &str) -> bool {
        self.assumed.iter().any(|f| f == field)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub id: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    /// What was decided.
    pub decision: String,
    #[serde(default)]
    pub rationale: Option<String>,
    /// Ids of goals, tasks or other decisions this decision concerns.
    pub links: Vec<String>,
    pub source: SourceRef,
}

/// Which Markdown file a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// `state.md`: how things stand.
    State,
    /// `reports/*.md`: a weekly report.
    Report,
}

/// A paragraph or list item of the state note or a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Stable across runs: derived from the normalised text.
    pub id: String,
    pub kind: StatementKind,
    /// The text with Markdown markup removed and whitespace collapsed.
    pub text: String,
    /// The headings above it, outermost first (`["Status", "Risks"]`).
    pub heading_path: Vec<String>,
    /// Every place this statement was written; more than one when identical
    /// statements were merged. The first is where it was first seen.
    pub sources: Vec<SourceRef>,
    /// The date of the file it came from: front matter `date`, else, for a
    /// report, a `YYYY-MM-DD` in its file name. `state.md` may carry one too.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// task → goal
    AdvancesGoal,
    /// task → task it waits for
    DependsOn,
    /// decision → goal, task or decision
    Links,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub kind: RelationKind,
    pub from: String,
    pub to: String,
    /// Where the relation is written (the `depends_on` entry's line, say).
    pub source: SourceRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Project,
    State,
    Tasks,
    Decision,
    Report,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceDigest {
    pub path: String,
    pub kind: SourceKind,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    pub bytes: u64,
    /// Length in Unicode scalar values (characters), not bytes.
    pub chars: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// `near_duplicate`, `ignored_file`, ...
    pub code: String,
    pub message: String,
    pub locations: Vec<SourceRef>,
}
