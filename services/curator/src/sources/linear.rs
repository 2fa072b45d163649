//! Linear issues → goals and tasks, from Linear's CSV export (Settings →
//! Import / Export → Export CSV). Columns read: `ID`, `Title`, `Status`,
//! `Assignee`, `Due Date`, `Priority`, `Estimate`, `Project`, `Cycle
//! Name`, `Completed`, `Canceled`, and where present `URL` and `Blocked
//! By`. A project, else a cycle, is the goal. The rules are documented in
//! `docs/sources.md`.

use std::collections::{BTreeMap, HashSet};

use vpm_model::{Level, Problem, SourceRef, TaskStatus};

use super::LinearSource;
use super::import::{self, Context, Fallback, Imported, Item, MAX_TITLE_CHARS};
use super::table::Table;

pub fn import(source: &LinearSource, cx: &mut Context<'_>, out: &mut Imported) {
    let Some(text) = cx.files.get(source.file.as_str()).copied() else {
        cx.problems.push(
            Problem::new(
                "missing_source",
                crate::layout::PROJECT,
                Some(source.line),
                format!(
                    "the Linear export {} is not in the project folder; save it there or correct \
                     the `linear:` entry",
                    source.file
                ),
            )
            .with_value(source.file.clone()),
        );
        return;
    };
    let Some(table) = Table::read(text, &source.file, cx.problems) else {
        return;
    };
    if !table.has("ID") || !table.has("Title") {
        cx.problems.push(Problem::new(
            "bad_export",
            source.file.clone(),
            Some(1),
            "a Linear CSV export needs the columns `ID` and `Title`",
        ));
        return;
    }
    let name = format!("Linear {}", source.file);
    let mut fallback = Fallback {
        declared: source.goal.as_deref(),
        id: "LIN-backlog".to_owned(),
        title: format!("{}: issues in no project or cycle", source.file),
        source: SourceRef::new(crate::layout::PROJECT, source.line),
        used: false,
    };
    let mut goals: BTreeMap<String, (String, SourceRef)> = BTreeMap::new();
    let mut items = Vec::new();
    let mut canceled = 0usize;
    for r in &table.rows {
        let at = SourceRef::new(source.file.clone(), r.line);
        let status_name = table.get(r, &["Status"]).unwrap_or_default();
        let lower = status_name.trim().to_lowercase();
        if table.get(r, &["Canceled"]).is_some()
            || matches!(lower.as_str(), "canceled" | "cancelled" | "duplicate")
        {
            canceled += 1;
            continue;
        }
        let Some(id) =
            import::tracker_id(table.get(r, &["ID"]).unwrap_or_default(), &at, cx.problems)
        else {
            continue;
        };
        let url = table.get(r, &["URL", "Url"]).map(str::to_owned);
        let cited = match url {
            Some(u) => at.clone().with_url(u),
            None => at.clone(),
        };
        let title = import::clean(
            table.get(r, &["Title"]).unwrap_or_default(),
            MAX_TITLE_CHARS,
        );
        let title = if title.is_empty() { id.clone() } else { title };
        let mut item = Item::new(id, title, cited);
        item.goal = match table
            .get(r, &["Project"])
            .map(|p| ("", p))
            .or_else(|| table.get(r, &["Cycle Name"]).map(|c| ("cycle-", c)))
        {
            Some((kind, group)) => {
                let gid = format!(
                    "{kind}{}",
                    group.split_whitespace().collect::<Vec<_>>().join("-")
                );
                goals
                    .entry(gid.clone())
                    .or_insert_with(|| (group.to_owned(), at.clone()));
                gid
            }
            None => fallback.goal_of_unplanned(),
        };
        item.status = if table.get(r, &["Completed"]).is_some() {
            TaskStatus::Done
        } else {
            match lower.as_str() {
                "done" | "completed" | "merged" => TaskStatus::Done,
                "in progress" | "in review" | "started" => TaskStatus::InProgress,
                "blocked" => TaskStatus::Blocked,
                _ => TaskStatus::Todo,
            }
        };
        item.owner = table
            .get(r, &["Assignee"])
            .map(|a| import::clean(a, 100))
            .filter(|a| !a.is_empty());
        item.due = table.get(r, &["Due Date"]).and_then(import::date_prefix);
        item.done_on = table.get(r, &["Completed"]).and_then(import::date_prefix);
        item.criticality = table.get(r, &["Priority"]).and_then(priority);
        item.effort = table
            .get(r, &["Estimate"])
            .and_then(|e| e.trim().parse::<f64>().ok())
            .and_then(import::effort_of_points);
        item.depends_on = table
            .get(r, &["Blocked By", "Blocked by"])
            .map(|v| {
                v.split([',', ';', ' '])
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        items.push(item);
    }
    if canceled > 0 {
        cx.warnings.push(vpm_model::curated::Warning {
            code: "not_planned".to_owned(),
            message: format!(
                "{name}: {canceled} canceled or duplicate issue(s) are not tasks (work that \
                 will not be done is neither done nor left to do)"
            ),
            locations: vec![SourceRef::new(source.file.clone(), 1)],
        });
    }
    let known: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
    import::settle_dependencies(&mut items, &known, &name, cx.warnings);
    for (id, (title, at)) in goals {
        if cx.folder_goals.contains(id.as_str()) {
            continue;
        }
        out.goals.push(import::goal(
            id,
            import::clean(&title, MAX_TITLE_CHARS),
            None,
            None,
            cx.as_of,
            at,
        ));
    }
    out.goals.extend(fallback.into_goal(cx.folder_goals));
    out.tasks.extend(items.into_iter().map(Item::into_entry));
}

/// Urgent/High → high, Medium → medium, Low → low; `No priority` is left
/// to the default.
fn priority(name: &str) -> Option<Level> {
    match name.trim().to_lowercase().as_str() {
        "urgent" | "high" | "1" | "2" => Some(Level::High),
        "medium" | "3" => Some(Level::Medium),
        "low" | "4" => Some(Level::Low),
        _ => None,
    }
}
