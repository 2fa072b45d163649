//! What every importer shares: the files it may read, what it produces
//! (goals and tasks as `project.yaml` and `tasks.yaml` would give them),
//! and the small rules that are the same for every tracker.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use vpm_model::Horizon;
use vpm_model::curated::{Goal, Task, Warning};
use vpm_model::{Effort, Level, Problem, SourceRef, TaskStatus};

use crate::fields::{MAX_ID_CHARS, Text};
use crate::project_file::GoalEntry;
use crate::tasks_file::{DEFAULT_CRITICALITY, DEFAULT_EFFORT, DEFAULT_RISK, TaskEntry};

/// A goal due more than this many days after the as-of date is a
/// mid-term goal; sooner (or with no due date) a short-term one.
pub const SHORT_TERM_DAYS: i64 = 42;

/// What the importers read and where they put what they found.
#[derive(Debug)]
pub struct Context<'a> {
    /// The bundle's files by path (byte order marks already removed).
    pub files: &'a HashMap<&'a str, &'a str>,
    /// The goal ids `project.yaml` defines.
    pub folder_goals: &'a HashSet<&'a str>,
    pub as_of: Option<NaiveDate>,
    pub problems: &'a mut Vec<Problem>,
    pub warnings: &'a mut Vec<Warning>,
}

/// Goals and tasks from every source, in the order declared.
#[derive(Debug, Default)]
pub struct Imported {
    pub goals: Vec<GoalEntry>,
    pub tasks: Vec<TaskEntry>,
}

/// A task as an importer builds it, before it becomes a [`TaskEntry`].
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub goal: String,
    pub status: TaskStatus,
    pub depends_on: Vec<String>,
    pub criticality: Option<Level>,
    pub effort: Option<Effort>,
    pub risk: Option<Level>,
    pub due: Option<NaiveDate>,
    pub owner: Option<String>,
    /// When the tracker closed or resolved it; kept only on a done task.
    pub done_on: Option<NaiveDate>,
    pub source: SourceRef,
}

impl Item {
    pub fn new(id: String, title: String, source: SourceRef) -> Self {
        Self {
            id,
            title,
            goal: String::new(),
            status: TaskStatus::Todo,
            depends_on: Vec::new(),
            criticality: None,
            effort: None,
            risk: None,
            due: None,
            owner: None,
            done_on: None,
            source,
        }
    }

    /// The task, with the defaults of `tasks.yaml` for what the tracker
    /// did not say, listed in `assumed` as for a hand-written task.
    pub fn into_entry(self) -> TaskEntry {
        let assumed = [
            ("criticality", self.criticality.is_none()),
            ("effort", self.effort.is_none()),
            ("risk", self.risk.is_none()),
        ]
        .into_iter()
        .filter(|(_, defaulted)| *defaulted)
        .map(|(field, _)| field.to_owned())
        .collect();
        let line = self.source.line;
        TaskEntry {
            done_on_ignored: false,
            id_line: line,
            goal_line: line,
            depends_on: self
                .depends_on
                .iter()
                .map(|d| Text {
                    value: d.clone(),
                    line,
                })
                .collect(),
            task: Task {
                id: self.id,
                title: self.title,
                goal: self.goal,
                status: self.status,
                depends_on: self.depends_on,
                criticality: self.criticality.unwrap_or(DEFAULT_CRITICALITY),
                effort: self.effort.unwrap_or(DEFAULT_EFFORT),
                risk: self.risk.unwrap_or(DEFAULT_RISK),
                due: self.due,
                owner: self.owner,
                // A reopened issue keeps its old close date in some
                // trackers: only a done task has a done date.
                done_on: self.done_on.filter(|_| self.status == TaskStatus::Done),
                source: self.source,
                assumed,
            },
        }
    }
}

/// A goal made from a tracker's milestone, version or project.
pub fn goal(
    id: String,
    title: String,
    due: Option<NaiveDate>,
    acceptance_text: Option<&str>,
    as_of: Option<NaiveDate>,
    source: SourceRef,
) -> GoalEntry {
    let horizon = match (due, as_of) {
        (Some(due), Some(as_of)) if (due - as_of).num_days() > SHORT_TERM_DAYS => Horizon::Mid,
        _ => Horizon::Short,
    };
    let acceptance = acceptance_text
        .map(|text| criteria(&id, text, &source))
        .unwrap_or_default();
    GoalEntry {
        id_line: source.line,
        goal: Goal {
            id,
            title,
            horizon,
            due,
            acceptance,
            source,
        },
    }
}

/// The task-list lines (`- [ ] …`, `- [x] …`) of a description, as the
/// goal's acceptance criteria; other lines are prose and are not read.
fn criteria(goal: &str, text: &str, source: &SourceRef) -> Vec<vpm_model::curated::Criterion> {
    text.lines()
        .filter_map(|line| super::markdown::checkbox(line))
        .filter(|(_, rest)| !rest.is_empty())
        .enumerate()
        .map(|(i, (met, rest))| vpm_model::curated::Criterion {
            id: format!("{goal}.{}", i + 1),
            text: rest.to_owned(),
            met,
            source: source.clone(),
        })
        .collect()
}

/// A story-point or estimate figure as an effort: up to 2 is S, up to 5
/// is M, more is L. Zero or a negative number is no estimate.
pub fn effort_of_points(points: f64) -> Option<Effort> {
    if !points.is_finite() || points <= 0.0 {
        None
    } else if points <= 2.0 {
        Some(Effort::S)
    } else if points <= 5.0 {
        Some(Effort::M)
    } else {
        Some(Effort::L)
    }
}

/// A date at the start of `text` (`2026-12-01`, `2026-12-01T17:00:00Z`).
pub fn date_prefix(text: &str) -> Option<NaiveDate> {
    let head = text.trim().get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// Text a tracker gave as a title or name, made fit for the curated set:
/// control characters (a terminal escape in an issue title) become
/// spaces, runs of whitespace one space, and at most `max` characters are
/// kept.
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if out.chars().count() >= max {
            break;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// The longest title kept from a tracker, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// An id a tracker gave (a Jira key, a Linear id), checked as ids of the
/// folder are: a problem at `at` when it cannot be one.
pub fn tracker_id(raw: &str, at: &SourceRef, problems: &mut Vec<Problem>) -> Option<String> {
    let id = raw.trim();
    let why = if id.is_empty() {
        "the item has no id"
    } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "an id must not contain spaces or control characters"
    } else if id.chars().count() > MAX_ID_CHARS {
        "an id may have at most 64 characters"
    } else {
        return Some(id.to_owned());
    };
    problems.push(Problem::at("bad_id", at, why.to_owned()).with_value(clean(id, 80)));
    None
}

/// The goal of an item the tracker puts under no milestone, version or
/// project: the source's `goal:`, else the source's own catch-all goal,
/// made on first use.
#[derive(Debug)]
pub struct Fallback<'s> {
    pub declared: Option<&'s str>,
    pub id: String,
    pub title: String,
    pub source: SourceRef,
    pub used: bool,
}

impl Fallback<'_> {
    pub fn goal_of_unplanned(&mut self) -> String {
        match self.declared {
            Some(goal) => goal.to_owned(),
            None => {
                self.used = true;
                self.id.clone()
            }
        }
    }

    /// The catch-all goal, if an item needed it and `project.yaml` does
    /// not define one of that id.
    pub fn into_goal(self, folder_goals: &HashSet<&str>) -> Option<GoalEntry> {
        (self.used && !folder_goals.contains(self.id.as_str())).then(|| GoalEntry {
            id_line: self.source.line,
            goal: Goal {
                id: self.id,
                title: self.title,
                horizon: Horizon::Mid,
                due: None,
                acceptance: Vec::new(),
                source: self.source,
            },
        })
    }
}

/// Keeps each item's dependencies that name an imported item, once, and
/// never itself; drops the others with one `dropped_dependency` warning
/// each, since a tracker may point at items outside the export (another
/// project, a deleted issue) and that must not stop the snapshot.
pub fn settle_dependencies(
    items: &mut [Item],
    known: &HashSet<String>,
    name: &str,
    warnings: &mut Vec<Warning>,
) {
    for item in items.iter_mut() {
        let mut seen = HashSet::new();
        let deps = std::mem::take(&mut item.depends_on);
        for dep in deps {
            if !seen.insert(dep.clone()) {
                continue;
            }
            if dep == item.id {
                continue;
            }
            if known.contains(&dep) {
                item.depends_on.push(dep);
            } else {
                warnings.push(Warning {
                    code: "dropped_dependency".to_owned(),
                    message: format!(
                        "{name}: {} depends on {dep}, which is not among the imported items \
                         (not in the export, closed as not planned, or a pull request); \
                         the dependency is left out",
                        item.id
                    ),
                    locations: vec![item.source.clone()],
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_map_to_efforts() {
        assert_eq!(effort_of_points(0.0), None);
        assert_eq!(effort_of_points(1.0), Some(Effort::S));
        assert_eq!(effort_of_points(2.0), Some(Effort::S));
        assert_eq!(effort_of_points(3.0), Some(Effort::M));
        assert_eq!(effort_of_points(5.0), Some(Effort::M));
        assert_eq!(effort_of_points(8.0), Some(Effort::L));
        assert_eq!(effort_of_points(f64::NAN), None);
    }

    #[test]
    fn titles_lose_control_characters_and_length() {
        assert_eq!(clean("  a\u{1b}[31m  b\n c ", 100), "a [31m b c");
        assert_eq!(clean("abcdef", 3), "abc");
    }

    #[test]
    fn dates_are_read_from_timestamps() {
        assert_eq!(
            date_prefix("2026-12-01T17:00:00Z"),
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(date_prefix("12/01/2026"), None);
        assert_eq!(date_prefix("é"), None);
    }
}
