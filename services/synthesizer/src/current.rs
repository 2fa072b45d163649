//! `current`: where the project stands — the summary and the key facts.
//!
//! The summary is drawn from the state note (`state.md`); without one,
//! from the newest weekly report dated on or before the as-of date;
//! without either, it is one sentence written from the plan. Only a
//! summary of the state note is measured (ROUGE-L and compression): the
//! others have no note to be measured against.
//!
//! The bullets, in order: task counts; each goal's progress and status;
//! the project's critical path; the latest decision; then up to
//! [`STATEMENT_BULLETS`] of the state note's most important statements
//! that the summary did not already quote in full.

use vpm_model::curated::{Statement, StatementKind};
use vpm_model::plan::CriticalPath;
use vpm_model::plan::Plan;
use vpm_model::snapshot::{Current, SummaryQuality as SummaryQualityFigures};

use crate::summary::fit::{char_len, shorten};
use crate::summary::importance::KnownIds;
use crate::summary::rouge::rouge_l;
use crate::summary::{self, Passage, SUMMARY_LIMIT};
use crate::view::{SummaryQuality, SummaryReport, SummarySource, TaskTotals};
use crate::wording;
use vpm_model::CheckedSet;

/// State-note statements quoted as bullets, at most.
pub const STATEMENT_BULLETS: usize = 3;
/// A quoted statement is shortened to this many characters.
const STATEMENT_BULLET_CHARS: usize = 200;
/// Up to this many goals get a bullet each; more share one bullet (each
/// goal has its own line under Goals anyway).
pub const GOAL_BULLETS: usize = 4;
/// A task's title in the critical-path bullet is shortened to this many characters.
const PATH_TITLE_CHARS: usize = 40;

pub fn current(
    facts: &CheckedSet<'_>,
    plan: &Plan,
    known: &KnownIds,
    totals: &TaskTotals,
) -> (Current, SummaryReport) {
    let set = facts.set;
    let state: Vec<&Statement> = set
        .statements
        .iter()
        .filter(|s| s.kind == StatementKind::State)
        .collect();
    let (source, passages_from) = if !state.is_empty() {
        (SummarySource::StateNote, state.clone())
    } else if let Some((path, statements)) = newest_report(set.statements.iter(), plan.as_of) {
        (SummarySource::Report { path }, statements)
    } else {
        (SummarySource::Plan, Vec::new())
    };
    let passages: Vec<Passage<'_>> = passages_from
        .iter()
        .map(|s| Passage {
            text: &s.text,
            headings: &s.heading_path,
        })
        .collect();
    let ranked = summary::rank(&passages, known);
    let (text, shortened) = if source == SummarySource::Plan {
        let written = plan_sentence(facts, plan, totals);
        let cut = shorten(&written, SUMMARY_LIMIT);
        let shortened = cut != written;
        (cut, shortened)
    } else {
        let composed = summary::compose(&ranked, SUMMARY_LIMIT);
        (composed.text, composed.shortened)
    };
    let quality = (source == SummarySource::StateNote).then(|| {
        let note: Vec<&str> = state.iter().map(|s| s.text.as_str()).collect();
        let note = note.join("\n");
        let summary_chars = char_len(&text);
        let note_chars = char_len(&note);
        SummaryQuality {
            rouge_l: rouge_l(&text, &note),
            compression: if note_chars == 0 {
                0.0
            } else {
                summary_chars as f64 / note_chars as f64
            },
            summary_chars,
            note_chars,
        }
    });

    let mut bullets = vec![task_bullet(totals)];
    if plan.goals.len() <= GOAL_BULLETS {
        for goal in &plan.goals {
            let mut line = format!(
                "{} {}: {}, {}",
                goal.goal,
                goal.title,
                wording::percent(goal.progress),
                wording::goal_status(goal.status)
            );
            if let Some(due) = goal.due {
                line.push_str(", ");
                line.push_str(&wording::due(due, goal.days_left));
            }
            bullets.push(line);
        }
    } else {
        bullets.push(goals_bullet(plan));
    }
    if let Some(line) = headline_path(facts, &plan.graph.critical_path) {
        bullets.push(line);
    }
    if let Some(decision) = set
        .decisions
        .iter()
        .filter(|d| d.date.is_none_or(|date| date <= plan.as_of))
        .max_by_key(|d| d.date)
    {
        let when = decision.date.map(|d| format!(" ({d})")).unwrap_or_default();
        bullets.push(format!(
            "Latest decision {}{when}: {}",
            decision.id,
            shorten(
                &summary::sentences::normalize(&decision.decision),
                STATEMENT_BULLET_CHARS
            )
        ));
    }
    if source == SummarySource::StateNote {
        let mut quoted = Vec::new();
        for sentence in ranked.iter().filter(|s| s.importance.score > 0) {
            if quoted.len() == STATEMENT_BULLETS || quoted.contains(&sentence.passage) {
                continue;
            }
            let statement = summary::sentences::normalize(passages[sentence.passage].text);
            if text.contains(&statement) {
                continue;
            }
            quoted.push(sentence.passage);
            bullets.push(shorten(&statement, STATEMENT_BULLET_CHARS));
        }
    }
    let figures = quality.as_ref().map(|q| SummaryQualityFigures {
        rouge_l_f1: q.rouge_l.f1,
        rouge_l_precision: q.rouge_l.precision,
        rouge_l_recall: q.rouge_l.recall,
        compression: q.compression,
        summary_chars: q.summary_chars as u64,
        note_chars: q.note_chars as u64,
        note_truncated: q.rouge_l.reference_truncated,
        compared_chars: q.rouge_l.reference_chars as u64,
    });
    (
        Current {
            summary: text,
            bullets,
            summary_quality: figures,
        },
        SummaryReport {
            source,
            shortened,
            quality,
        },
    )
}

fn task_bullet(totals: &TaskTotals) -> String {
    if totals.total == 0 {
        return "No tasks are listed yet.".to_owned();
    }
    let done_share = totals.done as f64 / totals.total as f64;
    format!(
        "Tasks: {} of {} done ({}); {} open: {} in progress, {} ready, {} waiting, {} blocked; {} overdue.",
        totals.done,
        totals.total,
        wording::percent(done_share),
        totals.open,
        totals.in_progress,
        totals.ready,
        totals.waiting,
        totals.blocked,
        totals.overdue
    )
}

/// `10 goals: 2 off track (G7, G9), 3 at risk (G1, G2, G5), 4 on track, 1 done.`
fn goals_bullet(plan: &Plan) -> String {
    use vpm_model::plan::GoalStatus;
    let mut parts = Vec::new();
    for status in [
        GoalStatus::OffTrack,
        GoalStatus::AtRisk,
        GoalStatus::OnTrack,
        GoalStatus::Done,
    ] {
        let ids: Vec<&str> = plan
            .goals
            .iter()
            .filter(|g| g.status == status)
            .map(|g| g.goal.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let mut part = format!("{} {}", ids.len(), wording::goal_status(status));
        if matches!(status, GoalStatus::OffTrack | GoalStatus::AtRisk) {
            part.push_str(&format!(" ({})", wording::some_of(&ids, 6)));
        }
        parts.push(part);
    }
    format!(
        "{}: {}.",
        wording::count(plan.goals.len(), "goal", "goals"),
        parts.join(", ")
    )
}

/// `Critical path of G3 (2 working days to spare): T4 CRDT merge engine → … (22 working days)`.
fn headline_path(facts: &CheckedSet<'_>, path: &CriticalPath) -> Option<String> {
    if path.tasks.is_empty() {
        return None;
    }
    let labels: Vec<String> = path
        .tasks
        .iter()
        .map(|t| shorten(&facts.task_label(t), PATH_TITLE_CHARS))
        .collect();
    let mut held = Vec::new();
    if let Some(goal) = &path.goal {
        held.push(format!("of {goal}"));
    }
    let slack = path.slack_days.map(wording::slack);
    Some(format!(
        "Critical path{}{}: {} ({})",
        held.first().map(|h| format!(" {h}")).unwrap_or_default(),
        slack.map(|s| format!(" ({s})")).unwrap_or_default(),
        wording::path(&labels),
        wording::count(path.effort_days as usize, "working day", "working days")
    ))
}

/// The statements of the newest report dated on or before `as_of`
/// (undated reports count as old; ties go to the later path).
fn newest_report<'a>(
    statements: impl Iterator<Item = &'a Statement>,
    as_of: chrono::NaiveDate,
) -> Option<(String, Vec<&'a Statement>)> {
    let mut reports: std::collections::BTreeMap<&str, Vec<&'a Statement>> = Default::default();
    for statement in statements.filter(|s| s.kind == StatementKind::Report) {
        if statement.date.is_some_and(|d| d > as_of) {
            continue;
        }
        if let Some(source) = statement.sources.first() {
            reports
                .entry(source.path.as_str())
                .or_default()
                .push(statement);
        }
    }
    reports
        .into_iter()
        .max_by_key(|(path, statements)| (statements.iter().filter_map(|s| s.date).max(), *path))
        .map(|(path, statements)| (path.to_owned(), statements))
}

/// The fallback summary: counts, goal states and the first next action.
fn plan_sentence(facts: &CheckedSet<'_>, plan: &Plan, totals: &TaskTotals) -> String {
    let mut text = format!(
        "{}: {} of {} tasks done.",
        facts.set.project.name, totals.done, totals.total
    );
    let goals: Vec<String> = plan
        .goals
        .iter()
        .map(|g| {
            format!(
                "{} {} ({})",
                g.goal,
                wording::goal_status(g.status),
                wording::percent(g.progress)
            )
        })
        .collect();
    if !goals.is_empty() {
        text.push_str(&format!(" Goals: {}.", goals.join(", ")));
    }
    if let Some(action) = plan.next_actions.first() {
        text.push_str(&format!(" Next: {} {}.", action.task, action.title));
    }
    summary::sentences::normalize(&text)
}
