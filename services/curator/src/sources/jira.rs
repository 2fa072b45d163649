//! Jira issues → goals and tasks, from the REST search response (`.json`:
//! `{"issues": [{"key", "fields": {...}}]}`) or the CSV export (any
//! other extension). Epics become goals, as do fix versions; every other
//! issue is a task. The rules are documented in `docs/sources.md`.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::Deserialize;
use vpm_model::{Level, SourceRef, TaskStatus};

use super::JiraSource;
use super::github::json_problem;
use super::import::{self, Context, Fallback, Imported, Item, MAX_TITLE_CHARS};
use super::json_lines::element_lines;
use super::table::Table;

#[derive(Debug, Deserialize)]
struct Search {
    issues: Vec<JsonIssue>,
}

#[derive(Debug, Deserialize)]
struct JsonIssue {
    key: String,
    #[serde(default, rename = "self")]
    self_url: Option<String>,
    #[serde(default)]
    fields: JsonFields,
}

#[derive(Debug, Default, Deserialize)]
struct JsonFields {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    assignee: Option<Person>,
    #[serde(default)]
    duedate: Option<String>,
    #[serde(default)]
    resolutiondate: Option<String>,
    #[serde(default)]
    priority: Option<Named>,
    #[serde(default)]
    issuetype: Option<Named>,
    #[serde(default, rename = "fixVersions")]
    fix_versions: Vec<Version>,
    #[serde(default)]
    parent: Option<Parent>,
    /// The epic link of company-managed projects on older sites.
    #[serde(default)]
    customfield_10014: Option<serde_json::Value>,
    #[serde(default)]
    issuelinks: Vec<Link>,
    // Story points, under the ids Jira Cloud and Server usually give them: read one by
    // one rather than through a catch-all map, so the rest of `fields`
    // (descriptions, comments) is skipped, never built as a tree.
    #[serde(default)]
    customfield_10016: Option<serde_json::Value>,
    #[serde(default)]
    customfield_10026: Option<serde_json::Value>,
    #[serde(default)]
    customfield_10028: Option<serde_json::Value>,
    #[serde(default)]
    customfield_10002: Option<serde_json::Value>,
    #[serde(default)]
    customfield_10004: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Status {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "statusCategory")]
    category: Option<Category>,
}

#[derive(Debug, Deserialize)]
struct Category {
    #[serde(default)]
    key: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Person {
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Named {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Version {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "releaseDate")]
    release_date: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Parent {
    key: String,
    #[serde(default)]
    fields: Option<ParentFields>,
}

#[derive(Debug, Deserialize)]
struct ParentFields {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    issuetype: Option<Named>,
}

#[derive(Debug, Deserialize)]
struct Link {
    #[serde(rename = "type")]
    kind: Option<LinkType>,
    #[serde(default, rename = "inwardIssue")]
    inward: Option<Keyed>,
    #[serde(default, rename = "outwardIssue")]
    outward: Option<Keyed>,
}

#[derive(Debug, Deserialize)]
struct LinkType {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Keyed {
    key: String,
}

/// One issue, as either format gives it.
#[derive(Debug)]
struct Row {
    key: String,
    summary: String,
    issue_type: Option<String>,
    status_category: Option<String>,
    status: Option<String>,
    assignee: Option<String>,
    due: Option<NaiveDate>,
    /// The resolution date: a done task's done date.
    resolved: Option<NaiveDate>,
    priority: Option<String>,
    points: Option<f64>,
    /// Fix versions: name, release date, description.
    versions: Vec<(String, Option<NaiveDate>, Option<String>)>,
    epic: Option<(String, Option<String>)>,
    /// Keys this issue is blocked by / blocks.
    blocked_by: Vec<String>,
    blocks: Vec<String>,
    url: Option<String>,
    at: SourceRef,
}

pub fn import(source: &JiraSource, cx: &mut Context<'_>, out: &mut Imported) {
    let Some(text) = cx.files.get(source.file.as_str()).copied() else {
        cx.problems.push(
            vpm_model::Problem::new(
                "missing_source",
                crate::layout::PROJECT,
                Some(source.line),
                format!(
                    "the Jira export {} is not in the project folder; save it there or correct \
                     the `jira:` entry",
                    source.file
                ),
            )
            .with_value(source.file.clone()),
        );
        return;
    };
    let rows = if source.file.to_ascii_lowercase().ends_with(".json") {
        from_json(text, source, cx)
    } else {
        from_csv(text, source, cx)
    };
    let Some(rows) = rows else { return };
    build(rows, source, cx, out);
}

fn browse(source: &JiraSource, self_url: Option<&str>, key: &str) -> Option<String> {
    let base = source.browse_url.clone().or_else(|| {
        let s = self_url?;
        let lower = s.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return None;
        }
        s.find("/rest/").map(|i| s[..i].to_owned())
    })?;
    Some(format!("{base}/browse/{key}"))
}

fn from_json(text: &str, source: &JiraSource, cx: &mut Context<'_>) -> Option<Vec<Row>> {
    let search: Search = match serde_json::from_str(text) {
        Ok(s) => s,
        Err(e) => {
            cx.problems.push(json_problem(
                &source.file,
                &e,
                "a Jira search response ({\"issues\": [...]})",
            ));
            return None;
        }
    };
    let lines = element_lines(text, Some("issues"));
    let mut rows = Vec::with_capacity(search.issues.len());
    for (i, issue) in search.issues.into_iter().enumerate() {
        let at = SourceRef::new(source.file.clone(), lines.get(i).copied().unwrap_or(1));
        let f = issue.fields;
        let mut blocked_by = Vec::new();
        let mut blocks = Vec::new();
        for link in &f.issuelinks {
            let is_blocks = link
                .kind
                .as_ref()
                .and_then(|k| k.name.as_deref())
                .is_some_and(|n| n.eq_ignore_ascii_case("blocks"));
            if !is_blocks {
                continue;
            }
            if let Some(k) = &link.inward {
                blocked_by.push(k.key.clone());
            }
            if let Some(k) = &link.outward {
                blocks.push(k.key.clone());
            }
        }
        let points = [
            &f.customfield_10016,
            &f.customfield_10026,
            &f.customfield_10028,
            &f.customfield_10002,
            &f.customfield_10004,
        ]
        .into_iter()
        .find_map(|v| v.as_ref().and_then(serde_json::Value::as_f64));
        let epic = match (&f.parent, &f.customfield_10014) {
            (Some(p), _) => Some((
                p.key.clone(),
                p.fields.as_ref().and_then(|pf| pf.summary.clone()),
            ))
            .filter(|_| {
                // A sub-task's parent is a task, not an epic.
                p.fields
                    .as_ref()
                    .and_then(|pf| pf.issuetype.as_ref())
                    .and_then(|t| t.name.as_deref())
                    .is_none_or(|n| n.eq_ignore_ascii_case("epic"))
            }),
            (None, Some(serde_json::Value::String(key))) => Some((key.clone(), None)),
            _ => None,
        };
        rows.push(Row {
            url: browse(source, issue.self_url.as_deref(), &issue.key),
            key: issue.key,
            summary: f.summary.unwrap_or_default(),
            issue_type: f.issuetype.and_then(|t| t.name),
            status_category: f
                .status
                .as_ref()
                .and_then(|s| s.category.as_ref())
                .and_then(|c| c.key.clone()),
            status: f.status.and_then(|s| s.name),
            assignee: f.assignee.and_then(|a| a.display_name),
            due: f.duedate.as_deref().and_then(jira_date),
            resolved: f.resolutiondate.as_deref().and_then(jira_date),
            priority: f.priority.and_then(|p| p.name),
            points,
            versions: f
                .fix_versions
                .into_iter()
                .filter_map(|v| {
                    Some((
                        v.name?,
                        v.release_date.as_deref().and_then(jira_date),
                        v.description,
                    ))
                })
                .collect(),
            epic,
            blocked_by,
            blocks,
            at,
        });
    }
    Some(rows)
}

fn from_csv(text: &str, source: &JiraSource, cx: &mut Context<'_>) -> Option<Vec<Row>> {
    let table = Table::read(text, &source.file, cx.problems)?;
    if !table.has("Issue key") || !table.has("Summary") {
        cx.problems.push(vpm_model::Problem::new(
            "bad_export",
            source.file.clone(),
            Some(1),
            "a Jira CSV export needs the columns `Issue key` and `Summary`",
        ));
        return None;
    }
    let mut rows = Vec::with_capacity(table.rows.len());
    for r in &table.rows {
        let key = table.get(r, &["Issue key"]).unwrap_or_default().to_owned();
        let at = SourceRef::new(source.file.clone(), r.line);
        let epic = table
            .get(
                r,
                &[
                    "Custom field (Epic Link)",
                    "Epic Link",
                    "Parent key",
                    "Parent",
                ],
            )
            .map(|k| {
                (
                    k.to_owned(),
                    table
                        .get(
                            r,
                            &["Parent summary", "Epic Name", "Custom field (Epic Name)"],
                        )
                        .map(str::to_owned),
                )
            });
        rows.push(Row {
            url: browse(source, None, &key),
            key,
            summary: table.get(r, &["Summary"]).unwrap_or_default().to_owned(),
            issue_type: table.get(r, &["Issue Type"]).map(str::to_owned),
            status_category: table.get(r, &["Status Category"]).map(str::to_owned),
            status: table.get(r, &["Status"]).map(str::to_owned),
            assignee: table.get(r, &["Assignee"]).map(str::to_owned),
            due: table.get(r, &["Due Date", "Due date"]).and_then(jira_date),
            resolved: table.get(r, &["Resolved"]).and_then(jira_date),
            priority: table.get(r, &["Priority"]).map(str::to_owned),
            points: table
                .get(
                    r,
                    &[
                        "Story Points",
                        "Custom field (Story Points)",
                        "Custom field (Story point estimate)",
                    ],
                )
                .and_then(|p| p.trim().parse::<f64>().ok()),
            versions: table
                .all(r, "Fix Version/s")
                .into_iter()
                .chain(table.all(r, "Fix versions"))
                .map(|v| (v.to_owned(), None, None))
                .collect(),
            epic,
            blocked_by: table
                .all(r, "Inward issue link (Blocks)")
                .into_iter()
                .flat_map(|v| v.split([',', ';', ' ']))
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            blocks: table
                .all(r, "Outward issue link (Blocks)")
                .into_iter()
                .flat_map(|v| v.split([',', ';', ' ']))
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            at,
        });
    }
    Some(rows)
}

/// `2026-12-01` (REST, ISO exports) or `01/Dec/26` with or without a time
/// (Jira's CSV default).
pub fn jira_date(text: &str) -> Option<NaiveDate> {
    import::date_prefix(text).or_else(|| {
        let first = text.split_whitespace().next()?;
        NaiveDate::parse_from_str(first, "%d/%b/%y")
            .or_else(|_| NaiveDate::parse_from_str(first, "%d/%b/%Y"))
            .ok()
    })
}

/// A fix version's goal id: its name with spaces as `-` (`Release 2` →
/// `Release-2`).
pub fn version_goal_id(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join("-")
}

fn build(rows: Vec<Row>, source: &JiraSource, cx: &mut Context<'_>, out: &mut Imported) {
    let name = format!("Jira {}", source.file);
    let mut fallback = Fallback {
        declared: source.goal.as_deref(),
        id: "JIRA-backlog".to_owned(),
        title: format!("{}: issues under no version or epic", source.file),
        source: SourceRef::new(crate::layout::PROJECT, source.line),
        used: false,
    };
    // Epics in the export are goals, with their own summary and link.
    let mut epic_goals: BTreeMap<String, (String, SourceRef, bool)> = BTreeMap::new();
    for r in &rows {
        if r.issue_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("epic"))
        {
            let at = match &r.url {
                Some(u) => r.at.clone().with_url(u.clone()),
                None => r.at.clone(),
            };
            epic_goals.insert(r.key.clone(), (r.summary.clone(), at, false));
        }
    }
    let mut version_goals: BTreeMap<
        String,
        (String, Option<NaiveDate>, Option<String>, SourceRef),
    > = BTreeMap::new();
    let mut items: Vec<Item> = Vec::new();
    let mut blocks: Vec<(String, String)> = Vec::new();
    for r in rows {
        if epic_goals.contains_key(&r.key) {
            continue;
        }
        let Some(id) = import::tracker_id(&r.key, &r.at, cx.problems) else {
            continue;
        };
        let at = match &r.url {
            Some(u) => r.at.clone().with_url(u.clone()),
            None => r.at.clone(),
        };
        let title = import::clean(&r.summary, MAX_TITLE_CHARS);
        let title = if title.is_empty() { id.clone() } else { title };
        let mut item = Item::new(id.clone(), title, at);
        item.goal = if let Some((v, due, description)) = r.versions.first() {
            let gid = version_goal_id(v);
            version_goals
                .entry(gid.clone())
                .or_insert_with(|| (v.clone(), *due, description.clone(), r.at.clone()));
            gid
        } else if let Some((epic, summary)) = &r.epic {
            match epic_goals.get_mut(epic) {
                Some(e) => e.2 = true,
                None => {
                    epic_goals.insert(
                        epic.clone(),
                        (
                            summary.clone().unwrap_or_else(|| format!("epic {epic}")),
                            r.at.clone(),
                            true,
                        ),
                    );
                }
            }
            epic.clone()
        } else {
            fallback.goal_of_unplanned()
        };
        item.status = status(r.status_category.as_deref(), r.status.as_deref());
        item.owner = r
            .assignee
            .map(|a| import::clean(&a, 100))
            .filter(|a| !a.is_empty());
        item.due = r.due;
        item.done_on = r.resolved;
        item.criticality = r.priority.as_deref().and_then(priority);
        item.effort = r.points.and_then(import::effort_of_points);
        item.depends_on = r.blocked_by;
        for other in r.blocks {
            blocks.push((other, id.clone()));
        }
        items.push(item);
    }
    for (waiting, blocker) in blocks {
        if let Some(item) = items.iter_mut().find(|i| i.id == waiting) {
            item.depends_on.push(blocker);
        } else {
            cx.warnings.push(vpm_model::curated::Warning {
                code: "dropped_dependency".to_owned(),
                message: format!(
                    "{name}: {blocker} blocks {waiting}, which is not among the imported issues; \
                     the dependency is left out"
                ),
                locations: vec![SourceRef::new(source.file.clone(), 1)],
            });
        }
    }
    let known: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
    import::settle_dependencies(&mut items, &known, &name, cx.warnings);
    for (id, (title, due, description, at)) in version_goals {
        if cx.folder_goals.contains(id.as_str()) {
            continue;
        }
        out.goals.push(import::goal(
            id,
            import::clean(&title, MAX_TITLE_CHARS),
            due,
            description.as_deref(),
            cx.as_of,
            at,
        ));
    }
    for (id, (title, at, used)) in epic_goals {
        if !used || cx.folder_goals.contains(id.as_str()) {
            continue;
        }
        let title = import::clean(&title, MAX_TITLE_CHARS);
        let title = if title.is_empty() {
            format!("epic {id}")
        } else {
            title
        };
        out.goals
            .push(import::goal(id, title, None, None, cx.as_of, at));
    }
    out.goals.extend(fallback.into_goal(cx.folder_goals));
    out.tasks.extend(items.into_iter().map(Item::into_entry));
}

/// Status category (`new`, `indeterminate`, `done`, or their names `To
/// Do`, `In Progress`, `Done`) first; else the status's own name.
fn status(category: Option<&str>, name: Option<&str>) -> TaskStatus {
    let norm = |s: &str| s.trim().to_lowercase().replace(['-', '_'], " ");
    if let Some(name) = name.map(norm)
        && (name == "blocked" || name == "on hold")
    {
        return TaskStatus::Blocked;
    }
    let word = category.map(norm).or_else(|| name.map(norm));
    match word.as_deref() {
        Some("done" | "closed" | "resolved" | "complete" | "completed") => TaskStatus::Done,
        Some("indeterminate" | "in progress" | "in review" | "review") => TaskStatus::InProgress,
        _ => TaskStatus::Todo,
    }
}

/// Highest/High → high, Medium → medium, Low/Lowest → low.
fn priority(name: &str) -> Option<Level> {
    match name.trim().to_lowercase().as_str() {
        "highest" | "high" | "blocker" | "critical" => Some(Level::High),
        "medium" | "major" => Some(Level::Medium),
        "low" | "lowest" | "minor" | "trivial" => Some(Level::Low),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_jira_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1);
        assert_eq!(jira_date("2026-12-01"), d);
        assert_eq!(jira_date("01/Dec/26 12:00 AM"), d);
        assert_eq!(jira_date("01/Dec/2026"), d);
        assert_eq!(jira_date("soon"), None);
    }

    #[test]
    fn statuses_and_priorities() {
        assert_eq!(
            status(Some("indeterminate"), Some("In Review")),
            TaskStatus::InProgress
        );
        assert_eq!(status(Some("done"), None), TaskStatus::Done);
        assert_eq!(status(None, Some("Closed")), TaskStatus::Done);
        assert_eq!(status(Some("new"), Some("Blocked")), TaskStatus::Blocked);
        assert_eq!(status(None, Some("Backlog")), TaskStatus::Todo);
        assert_eq!(priority("Highest"), Some(Level::High));
        assert_eq!(priority("LOW"), Some(Level::Low));
        assert_eq!(priority("whatever"), None);
    }
}
