//! `evidence`: the files the snapshot rests on, each with a one-line summary.
//!
//! Every file the curator read is listed (it is all evidence the answer was
//! drawn from): `project.yaml` and `tasks.yaml` as `doc`, `state.md` as
//! `state`, each decision file as `decision`, each weekly report as
//! `report`; in that order, reports newest (by path) first. A state note's
//! or report's line quotes its most important sentence.

use vpm_model::curated::{SourceKind, Statement, StatementKind};
use vpm_model::snapshot::{Evidence, EvidenceKind};
use vpm_model::{Horizon, TaskStatus};

use crate::summary::fit::shorten;
use crate::summary::importance::KnownIds;
use crate::summary::{self, Passage};
use crate::wording::count;
use vpm_model::CheckedSet;

/// A quoted sentence in an evidence line is cut to this many characters.
const QUOTE_CHARS: usize = 120;

pub fn evidence(facts: &CheckedSet<'_>, known: &KnownIds) -> Vec<Evidence> {
    let mut sources: Vec<_> = facts.set.sources.iter().collect();
    sources.sort_by(|a, b| {
        let rank = |k: SourceKind| match k {
            SourceKind::Project => 0,
            SourceKind::Tasks => 1,
            SourceKind::State => 2,
            SourceKind::Decision => 3,
            SourceKind::Report => 4,
        };
        rank(a.kind).cmp(&rank(b.kind)).then_with(|| {
            if a.kind == SourceKind::Report {
                b.path.cmp(&a.path)
            } else {
                a.path.cmp(&b.path)
            }
        })
    });
    sources
        .into_iter()
        .map(|source| {
            let (kind, summary) = match source.kind {
                SourceKind::Project => (EvidenceKind::Doc, project_line(facts)),
                SourceKind::Tasks => (EvidenceKind::Doc, tasks_line(facts)),
                SourceKind::State => (
                    EvidenceKind::State,
                    notes_line(
                        "State note",
                        facts,
                        &source.path,
                        StatementKind::State,
                        known,
                    ),
                ),
                SourceKind::Report => (
                    EvidenceKind::Report,
                    notes_line(
                        "Weekly report",
                        facts,
                        &source.path,
                        StatementKind::Report,
                        known,
                    ),
                ),
                SourceKind::Decision => {
                    (EvidenceKind::Decision, decision_line(facts, &source.path))
                }
            };
            Evidence {
                kind,
                path: source.path.clone(),
                summary,
            }
        })
        .collect()
}

fn project_line(facts: &CheckedSet<'_>) -> String {
    let set = facts.set;
    let short = set
        .goals
        .iter()
        .filter(|g| g.horizon == Horizon::Short)
        .count();
    let criteria: Vec<_> = set.goals.iter().flat_map(|g| &g.acceptance).collect();
    let met = criteria.iter().filter(|c| c.met).count();
    format!(
        "Project definition of {}: {} ({short} short-term, {} mid-term), {} ({met} met).",
        set.project.name,
        count(set.goals.len(), "goal", "goals"),
        set.goals.len() - short,
        count(
            criteria.len(),
            "acceptance criterion",
            "acceptance criteria"
        ),
    )
}

fn tasks_line(facts: &CheckedSet<'_>) -> String {
    let tasks = &facts.set.tasks;
    let with = |s: TaskStatus| tasks.iter().filter(|t| t.status == s).count();
    format!(
        "Task list: {}; {} done, {} in progress, {} to do, {} marked blocked.",
        count(tasks.len(), "task", "tasks"),
        with(TaskStatus::Done),
        with(TaskStatus::InProgress),
        with(TaskStatus::Todo),
        with(TaskStatus::Blocked),
    )
}

fn notes_line(
    label: &str,
    facts: &CheckedSet<'_>,
    path: &str,
    kind: StatementKind,
    known: &KnownIds,
) -> String {
    let statements: Vec<&Statement> = facts
        .set
        .statements
        .iter()
        .filter(|s| s.kind == kind && s.sources.iter().any(|r| r.path == path))
        .collect();
    let date = statements
        .iter()
        .filter_map(|s| s.date)
        .max()
        .map(|d| format!(" of {d}"))
        .unwrap_or_default();
    let passages: Vec<Passage<'_>> = statements
        .iter()
        .map(|s| Passage {
            text: &s.text,
            headings: &s.heading_path,
        })
        .collect();
    let mut line = format!(
        "{label}{date}: {}",
        count(statements.len(), "statement", "statements")
    );
    if let Some(top) = summary::rank(&passages, known).first() {
        line.push_str("; most important: ");
        line.push_str(&shorten(&top.text, QUOTE_CHARS));
    } else {
        line.push('.');
    }
    line
}

fn decision_line(facts: &CheckedSet<'_>, path: &str) -> String {
    let lines: Vec<String> = facts
        .set
        .decisions
        .iter()
        .filter(|d| d.source.path == path)
        .map(|d| {
            let when = d.date.map(|d| format!(" ({d})")).unwrap_or_default();
            let what = summary::sentences::normalize(&d.decision);
            format!("{}{when}: {}", d.id, shorten(&what, QUOTE_CHARS))
        })
        .collect();
    if lines.is_empty() {
        "Decision file with no decision in it.".to_owned()
    } else {
        lines.join("; ")
    }
}
