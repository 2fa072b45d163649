//! `project.yaml`: the project, its as-of date and its goals with their
//! acceptance criteria.

use chrono::NaiveDate;
use vpm_model::curated::{Criterion, Goal, Project};
use vpm_model::{Horizon, Problem, SourceRef};

use crate::fields::{Fields, Text};
use crate::sources::Declared;
use crate::yaml::Node;

pub const PROJECT_KEYS: &[&str] = &["id", "name", "purpose", "as_of", "goals", "sources"];
pub const GOAL_KEYS: &[&str] = &["id", "title", "horizon", "due", "acceptance"];

/// A goal's `horizon` when none is written.
pub const DEFAULT_HORIZON: Horizon = Horizon::Short;

const HORIZONS: &[(&str, Horizon)] = &[("short", Horizon::Short), ("mid", Horizon::Mid)];

/// What `project.yaml` says. Fields that could not be read hold
/// placeholders; the problems say why, and a curation with problems
/// returns no facts.
#[derive(Debug)]
pub struct ProjectFile {
    pub project: Project,
    /// The `id` as written, with its line (for the bundle's `project_id` check).
    pub id: Option<Text>,
    pub as_of: Option<NaiveDate>,
    pub goals: Vec<GoalEntry>,
    /// Where more goals and tasks live (`docs/sources.md`).
    pub sources: Vec<Declared>,
}

#[derive(Debug)]
pub struct GoalEntry {
    pub goal: Goal,
    /// Line of the goal's `id`, for duplicate-id reports.
    pub id_line: u32,
}

/// What the file says. An empty file, one that is not a mapping, or
/// `goals:` that is not a list reports why in `root_causes`: the goal ids
/// are unknown then, so references to goals are not checked (see
/// [`crate::curate`]).
pub fn read(
    root: Option<&Node>,
    path: &str,
    problems: &mut Vec<Problem>,
    root_causes: &mut Vec<Problem>,
) -> ProjectFile {
    let mut file = ProjectFile {
        project: Project {
            id: String::new(),
            name: String::new(),
            purpose: None,
            source: SourceRef::new(path, 1),
        },
        id: None,
        as_of: None,
        goals: Vec::new(),
        sources: Vec::new(),
    };
    let Some(root) = root else {
        root_causes.push(Problem::new(
            "missing_key",
            path,
            Some(1),
            "project.yaml is empty; it needs at least `id` and `name` (and `goals`)",
        ));
        return file;
    };
    let Some(fields) = Fields::read_file(
        root,
        path,
        "project.yaml",
        PROJECT_KEYS,
        problems,
        root_causes,
    ) else {
        return file;
    };
    file.id = fields.id("the project", problems);
    let id = file
        .id
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_default();
    file.project = Project {
        // `name` defaults to the id: a folder is usable before it is polished.
        name: fields
            .text("name", problems)
            .map_or_else(|| id.clone(), |t| t.value),
        id,
        purpose: fields.text("purpose", problems).map(|t| t.value),
        source: fields.source(),
    };
    file.as_of = fields.date("as_of", problems);
    for node in fields.list("goals", "a list of goals, each `- id: G1`", root_causes) {
        if let Some(goal) = read_goal(node, path, problems) {
            file.goals.push(goal);
        }
    }
    if let Some(node) = fields.node("sources") {
        file.sources = crate::sources::read(node, path, problems);
    }
    file
}

fn read_goal(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Option<GoalEntry> {
    let fields = Fields::read(node, path, "a goal", GOAL_KEYS, problems)?;
    let id = fields.id("the goal", problems);
    let title = fields.required_text("title", "a short title for the goal", problems);
    let horizon = fields
        .choice("horizon", HORIZONS, problems)
        .unwrap_or(DEFAULT_HORIZON);
    let due = fields.date("due", problems);
    let criteria = fields.text_list(
        "acceptance",
        "each criterion a line of text, `[x] ` in front when met",
        problems,
    );
    let id = id?;
    let acceptance = criteria
        .into_iter()
        .enumerate()
        .filter_map(|(i, text)| criterion(&id.value, i + 1, text, path, problems))
        .collect();
    Some(GoalEntry {
        id_line: id.line,
        goal: Goal {
            id: id.value,
            title: title.map(|t| t.value).unwrap_or_default(),
            horizon,
            due,
            acceptance,
            source: fields.source(),
        },
    })
}

/// `[x] text` is a met criterion; `[ ] text` and plain `text` are not.
fn criterion(
    goal: &str,
    n: usize,
    text: Text,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Criterion> {
    let (met, rest) = split_checkbox(&text.value);
    if rest.is_empty() {
        problems.push(
            Problem::new(
                "empty_value",
                path,
                Some(text.line),
                "this acceptance criterion has a checkbox but no text",
            )
            .with_value(text.value.clone()),
        );
        return None;
    }
    Some(Criterion {
        id: format!("{goal}.{n}"),
        text: rest.to_owned(),
        met,
        source: SourceRef::new(path, text.line),
    })
}

/// Splits a leading `[x]`/`[X]` (met) or `[ ]` (not met) from a criterion.
pub fn split_checkbox(text: &str) -> (bool, &str) {
    for (mark, met) in [("[x]", true), ("[X]", true), ("[ ]", false)] {
        if let Some(rest) = text.strip_prefix(mark) {
            return (met, rest.trim_start());
        }
    }
    (false, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkboxes_mark_criteria_met_or_not() {
        assert_eq!(split_checkbox("[x] Beta shipped"), (true, "Beta shipped"));
        assert_eq!(split_checkbox("[X]  Beta shipped"), (true, "Beta shipped"));
        assert_eq!(split_checkbox("[ ] Beta shipped"), (false, "Beta shipped"));
        assert_eq!(split_checkbox("Beta shipped"), (false, "Beta shipped"));
        assert_eq!(split_checkbox("[x]"), (true, ""));
        assert_eq!(split_checkbox("[y] odd"), (false, "[y] odd"));
    }
}
