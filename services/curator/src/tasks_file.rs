//! `tasks.yaml`: `tasks:`, a list of tasks.

use vpm_model::curated::Task;
use vpm_model::{Effort, Level, Problem, TaskStatus};

use crate::fields::{Fields, Text};
use crate::yaml::Node;

pub const FILE_KEYS: &[&str] = &["tasks"];
pub const TASK_KEYS: &[&str] = &[
    "id",
    "title",
    "goal",
    "status",
    "depends_on",
    "criticality",
    "effort",
    "risk",
    "due",
    "owner",
    "done_on",
];

/// Defaults for what a task may leave out.
pub const DEFAULT_CRITICALITY: Level = Level::Medium;
pub const DEFAULT_EFFORT: Effort = Effort::M;
pub const DEFAULT_RISK: Level = Level::Medium;

const STATUSES: &[(&str, TaskStatus)] = &[
    ("todo", TaskStatus::Todo),
    ("in_progress", TaskStatus::InProgress),
    ("done", TaskStatus::Done),
    ("blocked", TaskStatus::Blocked),
];
const LEVELS: &[(&str, Level)] = &[
    ("high", Level::High),
    ("medium", Level::Medium),
    ("low", Level::Low),
];
const EFFORTS: &[(&str, Effort)] = &[("S", Effort::S), ("M", Effort::M), ("L", Effort::L)];

/// A task with the lines its references are written on.
#[derive(Debug)]
pub struct TaskEntry {
    pub task: Task,
    pub id_line: u32,
    pub goal_line: u32,
    /// `depends_on` entries as written, each with its line.
    pub depends_on: Vec<Text>,
    /// `done_on` was written on a task that is not done: the date is
    /// dropped, and the curator warns (a task reopened, a date written
    /// ahead of time).
    pub done_on_ignored: bool,
}

/// The tasks of the file. A file that cannot be read as a list of tasks
/// (a bare list, a scalar, `tasks:` not a list) reports why in
/// `root_causes`: no task id is known then, so references to tasks are not
/// checked (see [`crate::curate`]).
pub fn read(
    root: Option<&Node>,
    path: &str,
    problems: &mut Vec<Problem>,
    root_causes: &mut Vec<Problem>,
) -> Vec<TaskEntry> {
    let Some(root) = root else {
        return Vec::new(); // an empty tasks.yaml is a project with no tasks yet
    };
    if matches!(root.value, crate::yaml::Value::Sequence(_)) {
        root_causes.push(
            Problem::new(
                "wrong_type",
                path,
                Some(root.line),
                "tasks.yaml must be a mapping with one key, `tasks:`, holding the list; \
                 add a line `tasks:` at the top and indent the list under it",
            )
            .with_value(crate::fields::excerpt(root)),
        );
        return Vec::new();
    }
    let Some(fields) =
        Fields::read_file(root, path, "tasks.yaml", FILE_KEYS, problems, root_causes)
    else {
        return Vec::new();
    };
    fields
        .list("tasks", "a list of tasks, each `- id: T1`", root_causes)
        .iter()
        .filter_map(|node| read_task(node, path, problems))
        .collect()
}

fn read_task(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Option<TaskEntry> {
    let fields = Fields::read(node, path, "a task", TASK_KEYS, problems)?;
    let id = fields.id("the task", problems);
    let title = fields.required_text("title", "a short title for the task", problems);
    let goal = fields.required_text("goal", "the id of the goal this task advances", problems);
    let status = fields.required_choice("status", STATUSES, problems);
    let depends_on = fields.id_list("depends_on", "task ids, e.g. [T1, T2]", problems);
    let criticality = fields.choice("criticality", LEVELS, problems);
    let effort = fields.choice("effort", EFFORTS, problems);
    let risk = fields.choice("risk", LEVELS, problems);
    let due = fields.date("due", problems);
    let owner = fields.text("owner", problems).map(|t| t.value);
    let done_on = fields.date("done_on", problems);
    let id = id?;
    let done = status == Some(TaskStatus::Done);
    let assumed = [
        ("criticality", criticality.is_none()),
        ("effort", effort.is_none()),
        ("risk", risk.is_none()),
    ]
    .into_iter()
    .filter(|(_, defaulted)| *defaulted)
    .map(|(field, _)| field.to_owned())
    .collect();
    let goal_line = goal.as_ref().map_or(fields.line, |g| g.line);
    Some(TaskEntry {
        id_line: id.line,
        goal_line,
        done_on_ignored: done_on.is_some() && !done,
        task: Task {
            id: id.value,
            title: title.map(|t| t.value).unwrap_or_default(),
            goal: goal.map(|g| g.value).unwrap_or_default(),
            status: status.unwrap_or(TaskStatus::Todo),
            depends_on: depends_on.iter().map(|d| d.value.clone()).collect(),
            criticality: criticality.unwrap_or(DEFAULT_CRITICALITY),
            effort: effort.unwrap_or(DEFAULT_EFFORT),
            risk: risk.unwrap_or(DEFAULT_RISK),
            due,
            owner,
            done_on: done_on.filter(|_| done),
            source: fields.source(),
            assumed,
        },
        depends_on,
    })
}
