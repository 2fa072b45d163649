//! GitHub issues and milestones → goals and tasks.
//!
//! Reads the cache `vpm pull` writes (`issues.json`, `milestones.json`,
//! `dependencies.json`, `sub_issues.json`, `pull.json`) or one export file
//! (`file:`), in either shape: the REST API's (trimmed by `vpm pull`, or
//! the full response saved by hand) or `gh issue list --json …`'s
//! camelCase. Unknown fields are ignored, so any superset reads. The rules
//! are documented in `docs/sources.md`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use vpm_model::curated::Warning;
use vpm_model::{Effort, Level, Problem, SourceRef, TaskStatus};

use super::import::{self, Context, Fallback, Imported, Item, MAX_TITLE_CHARS};
use super::json_lines::element_lines;
use super::{GithubSource, LabelMeaning};

#[derive(Debug, Deserialize)]
struct Issue {
    number: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default, alias = "stateReason")]
    state_reason: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    /// The web page in gh's output; the API's own address in REST's.
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    assignees: Vec<Assignee>,
    #[serde(default)]
    milestone: Option<Milestone>,
    /// When it was closed (RFC 3339, UTC): a done task's done date.
    #[serde(default, alias = "closedAt")]
    closed_at: Option<String>,
    #[serde(default)]
    pull_request: Option<serde::de::IgnoredAny>,
    #[serde(default, alias = "isPullRequest")]
    is_pull_request: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Label {
    Named { name: String },
    Plain(String),
}

impl Label {
    fn name(&self) -> &str {
        match self {
            Label::Named { name } | Label::Plain(name) => name,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Assignee {
    login: String,
}

#[derive(Debug, Deserialize)]
struct Milestone {
    number: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default, alias = "dueOn")]
    due_on: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Pull {
    fetched_at: String,
}

/// The most items one export may hold; far above any real repository
/// read in one run, and a bound on the work a hostile file can ask for.
pub const MAX_ITEMS: usize = 200_000;

pub fn import(source: &GithubSource, cx: &mut Context<'_>, out: &mut Imported) {
    let name = source.full_name();
    let (issues_path, milestones_path) = match &source.file {
        Some(file) => (file.clone(), None),
        None => (
            format!("{}/issues.json", source.cache_dir()),
            Some(format!("{}/milestones.json", source.cache_dir())),
        ),
    };
    let Some(issues_text) = cx.files.get(issues_path.as_str()).copied() else {
        let message = match &source.file {
            Some(file) => format!(
                "GitHub {name}: the export {file} is not in the project folder; save it there \
                 (gh issue list --json number,title,state,assignees,labels,milestone,closedAt,body,url \
                 > {file}) or correct `file:`"
            ),
            None => format!(
                "GitHub {name} has no cache yet ({issues_path} is missing); run `vpm pull DIR` \
                 to fetch its issues, then run this again"
            ),
        };
        cx.problems.push(
            Problem::new(
                "missing_source",
                crate::layout::PROJECT,
                Some(source.line),
                message,
            )
            .with_value(name),
        );
        return;
    };
    if source.file.is_none() {
        cache_age(source, cx);
    }
    let Some(issues) = decode::<Issue>(issues_text, &issues_path, cx.problems) else {
        return;
    };
    let mut milestones: BTreeMap<u64, (Milestone, SourceRef)> = BTreeMap::new();
    if let Some(path) = &milestones_path
        && let Some(text) = cx.files.get(path.as_str()).copied()
        && let Some(list) = decode::<Milestone>(text, path, cx.problems)
    {
        for (m, line) in list {
            let at = SourceRef::new(path.clone(), line);
            milestones.insert(m.number, (m, at));
        }
    }

    let mut fallback = Fallback {
        declared: source.goal.as_deref(),
        id: format!("{}backlog", source.id_prefix),
        title: format!("{name}: issues without a milestone"),
        source: SourceRef::new(crate::layout::PROJECT, source.line),
        used: false,
    };
    let mut items = Vec::new();
    let mut numbers: HashMap<u64, usize> = HashMap::new();
    let mut used_milestones: BTreeMap<u64, SourceRef> = BTreeMap::new();
    let mut not_planned = 0usize;
    for (issue, line) in issues {
        let is_pr = issue.pull_request.is_some() || issue.is_pull_request == Some(true);
        if is_pr && !source.pull_requests {
            continue;
        }
        let at = SourceRef::new(issues_path.clone(), line);
        let closed = match issue
            .state
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("open") => false,
            Some("closed" | "merged") => true,
            other => {
                cx.problems.push(
                    Problem::at(
                        "bad_value",
                        &at,
                        format!(
                            "GitHub {name}: issue #{} has state {}; it must be open or closed",
                            issue.number,
                            other.map_or("(none)".to_owned(), |s| format!("`{s}`"))
                        ),
                    )
                    .with_value(issue.number.to_string()),
                );
                continue;
            }
        };
        let reason = issue.state_reason.as_deref().map(str::to_ascii_lowercase);
        if closed && matches!(reason.as_deref(), Some("not_planned" | "duplicate")) {
            not_planned += 1;
            continue;
        }
        let url = issue
            .html_url
            .clone()
            .or_else(|| issue.url.clone().filter(|u| !u.contains("//api.")));
        let source_ref = match url {
            Some(url) => at.clone().with_url(url),
            None => at.clone(),
        };
        let title = import::clean(issue.title.as_deref().unwrap_or_default(), MAX_TITLE_CHARS);
        let title = if title.is_empty() {
            format!("issue #{}", issue.number)
        } else {
            title
        };
        let mut item = Item::new(source.issue_task_id(issue.number), title, source_ref);
        item.goal = match &issue.milestone {
            Some(m) => {
                used_milestones
                    .entry(m.number)
                    .or_insert_with(|| at.clone());
                // Known from the issue alone in an export file.
                milestones.entry(m.number).or_insert_with(|| {
                    (
                        Milestone {
                            number: m.number,
                            title: m.title.clone(),
                            description: m.description.clone(),
                            state: m.state.clone(),
                            due_on: m.due_on.clone(),
                            html_url: m.html_url.clone(),
                        },
                        at.clone(),
                    )
                });
                source.milestone_goal_id(m.number)
            }
            None => fallback.goal_of_unplanned(),
        };
        item.status = if closed {
            TaskStatus::Done
        } else {
            TaskStatus::Todo
        };
        item.done_on = issue.closed_at.as_deref().and_then(import::date_prefix);
        apply_labels(&mut item, &issue.labels, source, closed);
        item.owner = issue
            .assignees
            .first()
            .map(|a| import::clean(&a.login, 100));
        item.depends_on = body_references(issue.body.as_deref().unwrap_or_default())
            .into_iter()
            .map(|n| source.issue_task_id(n))
            .collect();
        numbers.insert(issue.number, items.len());
        items.push(item);
    }
    if not_planned > 0 {
        cx.warnings.push(Warning {
            code: "not_planned".to_owned(),
            message: format!(
                "GitHub {name}: {not_planned} issue(s) closed as not planned or duplicate are \
                 not tasks (work that will not be done is neither done nor left to do)"
            ),
            locations: vec![SourceRef::new(issues_path.clone(), 1)],
        });
    }

    // Dependencies and sub-issues from the cache.
    // A blocked issue waits on its blockers; a parent on its sub-issues.
    for file in ["dependencies.json", "sub_issues.json"] {
        if source.file.is_some() {
            break;
        }
        let path = format!("{}/{file}", source.cache_dir());
        let Some(text) = cx.files.get(path.as_str()).copied() else {
            continue;
        };
        let map: BTreeMap<String, Vec<u64>> = match serde_json::from_str(text) {
            Ok(map) => map,
            Err(e) => {
                cx.problems.push(json_problem(
                    &path,
                    &e,
                    "an object of issue number → list of issue numbers",
                ));
                continue;
            }
        };
        for (key, others) in map {
            let Ok(n) = key.trim().parse::<u64>() else {
                cx.problems.push(
                    Problem::new(
                        "bad_value",
                        path.clone(),
                        None,
                        format!("`{key}` is not an issue number"),
                    )
                    .with_value(import::clean(&key, 80)),
                );
                continue;
            };
            let Some(&i) = numbers.get(&n) else {
                continue; // a not-planned issue or a pull request: nothing waits
            };
            for other in others {
                items[i].depends_on.push(source.issue_task_id(other));
            }
        }
    }
    let known: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
    import::settle_dependencies(&mut items, &known, &format!("GitHub {name}"), cx.warnings);

    for (number, first_use) in used_milestones {
        let id = source.milestone_goal_id(number);
        if cx.folder_goals.contains(id.as_str()) {
            continue; // project.yaml's goal stands for the milestone
        }
        let Some((m, at)) = milestones.remove(&number) else {
            continue;
        };
        let at = if at.path == issues_path {
            first_use
        } else {
            at
        };
        let at = match m.html_url.clone() {
            Some(url) => at.with_url(url),
            None => at,
        };
        let title = import::clean(m.title.as_deref().unwrap_or_default(), MAX_TITLE_CHARS);
        let title = if title.is_empty() {
            format!("milestone {number}")
        } else {
            title
        };
        out.goals.push(import::goal(
            id,
            title,
            m.due_on.as_deref().and_then(import::date_prefix),
            m.description.as_deref(),
            cx.as_of,
            at,
        ));
    }
    out.goals.extend(fallback.into_goal(cx.folder_goals));
    out.tasks.extend(items.into_iter().map(Item::into_entry));
}

/// What the labels of an issue say: the source's `labels:` first (a
/// label named there means only what it says), then the defaults.
fn apply_labels(item: &mut Item, labels: &[Label], source: &GithubSource, closed: bool) {
    let mut status: Option<TaskStatus> = None;
    for label in labels {
        let name = label.name();
        let meaning = source
            .labels
            .iter()
            .find(|r| r.label.eq_ignore_ascii_case(name.trim()))
            .map(|r| r.meaning)
            .or_else(|| default_meaning(name));
        match meaning {
            Some(LabelMeaning::Criticality(l)) => {
                item.criticality = Some(max_level(item.criticality, l))
            }
            Some(LabelMeaning::Risk(l)) => item.risk = Some(max_level(item.risk, l)),
            Some(LabelMeaning::Effort(e)) => {
                item.effort = Some(item.effort.map_or(e, |had| had.max_size(e)));
            }
            Some(LabelMeaning::Status(s)) => {
                // Blocked outranks in progress.
                if status != Some(TaskStatus::Blocked) {
                    status = Some(s);
                }
            }
            Some(LabelMeaning::Nothing) | None => {}
        }
    }
    if !closed && let Some(s) = status {
        item.status = s;
    }
}

fn max_level(had: Option<Level>, new: Level) -> Level {
    had.map_or(new, |h| h.max(new))
}

trait Larger {
    fn max_size(self, other: Self) -> Self;
}

impl Larger for Effort {
    fn max_size(self, other: Self) -> Self {
        if other.days() > self.days() {
            other
        } else {
            self
        }
    }
}

/// The default meaning of a label, matched without regard to case, with
/// `/`, `:` or `-` between a scope and its value (`priority/high`,
/// `Priority: High`, `size-M`), and the bare words teams use.
pub fn default_meaning(label: &str) -> Option<LabelMeaning> {
    let lower = label.trim().to_lowercase();
    let bare = match lower.as_str() {
        "blocked" | "status/blocked" | "status: blocked" | "on hold" => {
            Some(LabelMeaning::Status(TaskStatus::Blocked))
        }
        "in progress"
        | "in-progress"
        | "wip"
        | "doing"
        | "status/in progress"
        | "status: in progress"
        | "status/in-progress" => Some(LabelMeaning::Status(TaskStatus::InProgress)),
        "p0" | "p1" | "critical" | "urgent" => Some(LabelMeaning::Criticality(Level::High)),
        "p2" => Some(LabelMeaning::Criticality(Level::Medium)),
        "p3" | "p4" => Some(LabelMeaning::Criticality(Level::Low)),
        _ => None,
    };
    if bare.is_some() {
        return bare;
    }
    let (scope, value) = lower.split_once(['/', ':', '-'])?;
    let (scope, value) = (scope.trim(), value.trim());
    let level = |v: &str| match v {
        "high" | "critical" | "urgent" | "highest" => Some(Level::High),
        "medium" | "normal" | "mid" => Some(Level::Medium),
        "low" | "lowest" | "minor" => Some(Level::Low),
        _ => None,
    };
    match scope {
        "priority" | "prio" => level(value).map(LabelMeaning::Criticality),
        "risk" => level(value).map(LabelMeaning::Risk),
        "size" | "effort" | "estimate" => match value {
            "xs" | "s" | "small" => Some(LabelMeaning::Effort(Effort::S)),
            "m" | "medium" => Some(LabelMeaning::Effort(Effort::M)),
            "l" | "xl" | "xxl" | "large" => Some(LabelMeaning::Effort(Effort::L)),
            _ => None,
        },
        _ => None,
    }
}

/// The issue numbers a body says the issue waits on: on a line holding
/// `depends on` or `blocked by` (any case, `-`/`:` allowed, as in
/// `Depends-on: #3, #4`), every `#N` after those words. `owner/repo#N`
/// (another repository) is not one of them.
pub fn body_references(body: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for line in body.lines().take(10_000) {
        let lower = line.to_lowercase().replace(['-', ':'], " ");
        let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
        for phrase in ["depends on", "blocked by"] {
            let mut rest = lower.as_str();
            while let Some(at) = rest.find(phrase) {
                rest = &rest[at + phrase.len()..];
                let until = rest.find(['.', ';']).unwrap_or(rest.len());
                for (i, _) in rest[..until].match_indices('#') {
                    let before = rest[..i].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '_') {
                        continue;
                    }
                    let digits: String = rest[i + 1..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    if let Ok(n) = digits.parse::<u64>()
                        && !out.contains(&n)
                    {
                        out.push(n);
                    }
                }
            }
        }
    }
    out
}

/// "GitHub owner/repo: cache fetched 3 days before the as-of date
/// (2026-11-30T…); run `vpm pull DIR` to refresh", from `pull.json`.
fn cache_age(source: &GithubSource, cx: &mut Context<'_>) {
    let path = format!("{}/pull.json", source.cache_dir());
    let name = source.full_name();
    let Some(text) = cx.files.get(path.as_str()).copied() else {
        cx.warnings.push(Warning {
            code: "cache_age".to_owned(),
            message: format!(
                "GitHub {name}: the cache has no pull.json, so its age is unknown; run \
                 `vpm pull DIR` to refresh it"
            ),
            locations: vec![SourceRef::new(crate::layout::PROJECT, source.line)],
        });
        return;
    };
    let fetched = serde_json::from_str::<Pull>(text)
        .ok()
        .and_then(|p| DateTime::parse_from_rfc3339(p.fetched_at.trim()).ok())
        .map(|t| t.with_timezone(&Utc));
    let Some(fetched) = fetched else {
        cx.problems.push(Problem::new(
            "bad_value",
            path,
            Some(1),
            "pull.json must hold {\"fetched_at\": \"<RFC 3339 time>\", …}; run `vpm pull DIR` \
             to write a new cache",
        ));
        return;
    };
    let stamp = fetched.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let age = match cx.as_of {
        Some(as_of) => {
            let days = (as_of - fetched.date_naive()).num_days();
            match days {
                d if d < 0 => format!("after the as-of date {as_of}"),
                0 => "on the as-of date".to_owned(),
                1 => "1 day before the as-of date".to_owned(),
                d => format!("{d} days before the as-of date"),
            }
        }
        None => "at".to_owned(),
    };
    cx.warnings.push(Warning {
        code: "cache_age".to_owned(),
        message: format!(
            "GitHub {name}: cache fetched {age} ({stamp}); run `vpm pull DIR` to refresh"
        ),
        locations: vec![SourceRef::new(path, 1)],
    });
}

/// A JSON array of `T` (or `{"items": [...]}` wrappers are not accepted:
/// the cache and gh both write a bare array), each with its line; a
/// malformed file is one problem naming the line and column.
fn decode<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<(T, u32)>> {
    let items: Vec<T> = match serde_json::from_str(text) {
        Ok(items) => items,
        Err(e) => {
            problems.push(json_problem(path, &e, "a JSON array of issues"));
            return None;
        }
    };
    if items.len() > MAX_ITEMS {
        problems.push(Problem::new(
            "too_many_items",
            path,
            None,
            format!(
                "{} items; at most {MAX_ITEMS} are read from one file",
                items.len()
            ),
        ));
        return None;
    }
    let lines = element_lines(text, None);
    Some(
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| (item, lines.get(i).copied().unwrap_or(1)))
            .collect(),
    )
}

/// A file that is not the JSON it should be, at serde's line and column.
pub fn json_problem(path: &str, e: &serde_json::Error, expected: &str) -> Problem {
    let line = u32::try_from(e.line()).unwrap_or(u32::MAX).max(1);
    Problem::new(
        "bad_export",
        path,
        Some(line),
        format!(
            "not {expected} (line {}, column {}): {e}",
            e.line(),
            e.column()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_lines_name_what_an_issue_waits_on() {
        assert_eq!(
            body_references("Depends on #3 and #4.\nblocked by #5; #6"),
            [3, 4, 5]
        );
        assert_eq!(body_references("Depends-on: #7, acme/api#8, #9"), [7, 9]);
        assert_eq!(body_references("see #3\nrelated to #4"), Vec::<u64>::new());
        assert_eq!(body_references("BLOCKED BY #12"), [12]);
    }

    #[test]
    fn default_label_meanings_ignore_case_and_separators() {
        use LabelMeaning::*;
        assert_eq!(
            default_meaning("priority/high"),
            Some(Criticality(Level::High))
        );
        assert_eq!(
            default_meaning("Priority: Low"),
            Some(Criticality(Level::Low))
        );
        assert_eq!(default_meaning("P1"), Some(Criticality(Level::High)));
        assert_eq!(
            default_meaning("size/XL"),
            Some(Effort(vpm_model::Effort::L))
        );
        assert_eq!(
            default_meaning("Size-S"),
            Some(Effort(vpm_model::Effort::S))
        );
        assert_eq!(default_meaning("risk/medium"), Some(Risk(Level::Medium)));
        assert_eq!(
            default_meaning("BLOCKED"),
            Some(Status(TaskStatus::Blocked))
        );
        assert_eq!(
            default_meaning("in-progress"),
            Some(Status(TaskStatus::InProgress))
        );
        assert_eq!(default_meaning("bug"), None);
        assert_eq!(default_meaning("good first issue"), None);
    }
}
