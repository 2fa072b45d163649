//! GFM task lists (`- [ ] …`, `- [x] …`) in a Markdown file → tasks.
//!
//! Conventions, all optional, written anywhere in the item's line:
//!
//! ```text
//! - [ ] T3: Write the guide @ana due:2026-12-01 goal:G2 (after: T1, T2)
//!       ^id                 ^owner ^due         ^goal     ^depends_on
//! - [x] Ship the beta priority:high effort:L risk:low
//! - [ ] Fix the importer #blocked          (#wip: in progress)
//! ```
//!
//! An item's goal is its `goal:`, else the nearest heading above it whose
//! first word is a goal id of `project.yaml` (`## G2: Docs`), else the
//! source's `goal:`, else the file's catch-all goal. Items without an id
//! are numbered `MD-1`, `MD-2`, … in the order written (the source's
//! `id_prefix`). Lines inside fenced code blocks are not read.

use vpm_model::{Effort, Level, Problem, SourceRef, TaskStatus};

use super::MarkdownSource;
use super::import::{self, Context, Fallback, Imported, Item, MAX_TITLE_CHARS};

/// `[x]`/`[X]` (met) or `[ ]` (not) after a list marker, and the rest of
/// the line: `Some((done, text))` for a task-list item.
pub fn checkbox(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    let rest = if let Some(r) = t.strip_prefix(['-', '*', '+']) {
        r
    } else {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        t[digits..].strip_prefix(['.', ')'])?
    };
    let rest = rest.strip_prefix([' ', '\t'])?.trim_start();
    let (done, rest) = if let Some(r) = rest.strip_prefix("[ ]") {
        (false, r)
    } else if let Some(r) = rest
        .strip_prefix("[x]")
        .or_else(|| rest.strip_prefix("[X]"))
    {
        (true, r)
    } else {
        return None;
    };
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((done, rest.trim()))
}

pub fn import(source: &MarkdownSource, cx: &mut Context<'_>, out: &mut Imported) {
    let Some(text) = cx.files.get(source.file.as_str()).copied() else {
        cx.problems.push(
            Problem::new(
                "missing_source",
                crate::layout::PROJECT,
                Some(source.line),
                format!(
                    "the Markdown source {} is not in the project folder; create it or correct \
                     the `markdown:` entry",
                    source.file
                ),
            )
            .with_value(source.file.clone()),
        );
        return;
    };
    let mut fallback = Fallback {
        declared: source.goal.as_deref(),
        id: format!("{}backlog", source.id_prefix),
        title: format!("{}: items under no goal", source.file),
        source: SourceRef::new(crate::layout::PROJECT, source.line),
        used: false,
    };
    let mut heading_goal: Option<String> = None;
    let mut fence: Option<&str> = None;
    let mut numbered = 0usize;
    for (n, line) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim_start();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            continue;
        }
        if let Some(heading) = trimmed.strip_prefix('#') {
            let heading = heading.trim_start_matches('#');
            if heading.starts_with(' ') || heading.is_empty() {
                let first = heading
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches([':', '.', ',']);
                heading_goal = cx.folder_goals.contains(first).then(|| first.to_owned());
                continue;
            }
        }
        let Some((done, rest)) = checkbox(line) else {
            continue;
        };
        let at = SourceRef::new(source.file.clone(), line_no);
        let parsed = parse_item(rest);
        for why in &parsed.unreadable {
            cx.problems.push(
                Problem::at("bad_value", &at, why.clone()).with_value(import::clean(rest, 80)),
            );
        }
        let id = match parsed.id {
            Some(id) => id,
            None => {
                numbered += 1;
                format!("{}{numbered}", source.id_prefix)
            }
        };
        let title = import::clean(&parsed.title, MAX_TITLE_CHARS);
        if title.is_empty() {
            cx.problems.push(Problem::at(
                "empty_value",
                &at,
                "this task-list item has no text; write what is to be done after the box",
            ));
            continue;
        }
        let mut item = Item::new(id, title, at);
        item.goal = parsed
            .goal
            .or_else(|| heading_goal.clone())
            .unwrap_or_else(|| fallback.goal_of_unplanned());
        item.status = if done {
            TaskStatus::Done
        } else {
            parsed.status.unwrap_or(TaskStatus::Todo)
        };
        item.owner = parsed.owner;
        item.due = parsed.due;
        item.depends_on = parsed.after;
        item.criticality = parsed.priority;
        item.effort = parsed.effort;
        item.risk = parsed.risk;
        out.tasks.push(item.into_entry());
    }
    out.goals.extend(fallback.into_goal(cx.folder_goals));
}

#[derive(Debug, Default, PartialEq)]
struct Parsed {
    id: Option<String>,
    title: String,
    owner: Option<String>,
    due: Option<chrono::NaiveDate>,
    goal: Option<String>,
    after: Vec<String>,
    status: Option<TaskStatus>,
    priority: Option<Level>,
    effort: Option<Effort>,
    risk: Option<Level>,
    /// A convention written with a value it cannot have (`due:tomorrow`).
    unreadable: Vec<String>,
}

fn parse_item(text: &str) -> Parsed {
    let mut p = Parsed::default();
    let mut text = text.to_owned();
    // `(after: T1, T2)` anywhere.
    if let Some(start) = text.to_lowercase().find("(after:")
        && let Some(len) = text[start..].find(')')
    {
        let inside = &text[start + "(after:".len()..start + len];
        p.after = inside
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        text.replace_range(start..=start + len, " ");
    }
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // A leading `T3:` is the id when it holds a digit (so `Note: …` is text).
    if let Some(first) = words.first()
        && let Some(id) = first.strip_suffix(':')
        && !id.is_empty()
        && id.chars().count() <= crate::fields::MAX_ID_CHARS
        && id.chars().any(|c| c.is_ascii_digit())
    {
        p.id = Some(id.to_owned());
        words.remove(0);
    }
    let level = |v: &str| match v.to_ascii_lowercase().as_str() {
        "high" => Some(Level::High),
        "medium" => Some(Level::Medium),
        "low" => Some(Level::Low),
        _ => None,
    };
    let mut title = Vec::new();
    for word in words {
        let lower = word.to_ascii_lowercase();
        if let Some(name) = word.strip_prefix('@')
            && !name.is_empty()
            && p.owner.is_none()
        {
            p.owner = Some(name.trim_end_matches([',', '.', ';']).to_owned());
        } else if let Some(v) = lower.strip_prefix("due:") {
            match import::date_prefix(v).filter(|_| v.len() == 10) {
                Some(d) => p.due = Some(d),
                None => p
                    .unreadable
                    .push(format!("`{word}`: a due date is written due:YYYY-MM-DD")),
            }
        } else if lower.starts_with("goal:") && word.len() > 5 {
            p.goal = Some(word[5..].to_owned());
        } else if let Some(v) = lower.strip_prefix("priority:") {
            p.priority = level(v);
            if p.priority.is_none() {
                p.unreadable
                    .push(format!("`{word}`: priority is high, medium or low"));
            }
        } else if let Some(v) = lower.strip_prefix("risk:") {
            p.risk = level(v);
            if p.risk.is_none() {
                p.unreadable
                    .push(format!("`{word}`: risk is high, medium or low"));
            }
        } else if let Some(v) = lower.strip_prefix("effort:") {
            p.effort = match v {
                "s" => Some(Effort::S),
                "m" => Some(Effort::M),
                "l" => Some(Effort::L),
                _ => {
                    p.unreadable.push(format!("`{word}`: effort is S, M or L"));
                    None
                }
            };
        } else if lower == "#blocked" {
            p.status = Some(TaskStatus::Blocked);
        } else if lower == "#wip" {
            p.status = p.status.or(Some(TaskStatus::InProgress));
        } else {
            title.push(word);
        }
    }
    p.title = title.join(" ");
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_list_items_are_recognised() {
        assert_eq!(checkbox("- [ ] a"), Some((false, "a")));
        assert_eq!(checkbox("  * [x] b "), Some((true, "b")));
        assert_eq!(checkbox("1. [X] c"), Some((true, "c")));
        assert_eq!(checkbox("- [ ]"), Some((false, "")));
        assert_eq!(checkbox("- [x]done"), None);
        assert_eq!(checkbox("-[ ] a"), None);
        assert_eq!(checkbox("- a [ ]"), None);
        assert_eq!(checkbox("[ ] a"), None);
    }

    #[test]
    fn every_convention_is_read_and_removed_from_the_title() {
        let p = parse_item(
            "T3: Write the guide @ana due:2026-12-01 goal:G2 (after: T1, T2) priority:HIGH effort:s #blocked",
        );
        assert_eq!(p.id.as_deref(), Some("T3"));
        assert_eq!(p.title, "Write the guide");
        assert_eq!(p.owner.as_deref(), Some("ana"));
        assert_eq!(p.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(p.goal.as_deref(), Some("G2"));
        assert_eq!(p.after, ["T1", "T2"]);
        assert_eq!(p.priority, Some(Level::High));
        assert_eq!(p.effort, Some(Effort::S));
        assert_eq!(p.status, Some(TaskStatus::Blocked));
        assert!(p.unreadable.is_empty());
    }

    #[test]
    fn a_word_with_a_colon_is_an_id_only_with_a_digit() {
        let p = parse_item("Note: read the docs");
        assert_eq!(p.id, None);
        assert_eq!(p.title, "Note: read the docs");
        assert_eq!(parse_item("due:soon x").unreadable.len(), 1);
    }
}
