//! Curated set + plan → snapshot: the synthesizer's one domain operation.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use vpm_model::history::History;
use vpm_model::plan::Plan;
use vpm_model::snapshot::{GoalView, PmSnapshot, SnapshotVersion};
use vpm_model::{CuratedSet, Problem, TaskStatus};

use crate::consistency;
use crate::current::current;
use crate::evidence::evidence;
use crate::gaps::gaps;
use crate::goals::goals;
use crate::graph::graph_view;
use crate::next_actions::next_actions;
use crate::notes::notes;
use crate::summary::importance::{KnownIds, Topics};
use crate::view::{GoalFigures, Snapshot, SnapshotView, TaskTotals};
use vpm_model::CheckedSet;

/// Writes the snapshot of `set` as planned by `plan`.
///
/// With `history` (what the archive knows of the project's past; see
/// [`add_history`]) it also says what changed, draws the trend and
/// forecasts each goal's finish.
///
/// Pure: the result depends on the inputs and `generated_at` only, and
/// `generated_at` appears nowhere but in the document's field of that
/// name. The as-of date is the plan's (the planner resolved it from the
/// request, the bundle or `project.yaml`; it is never guessed here).
///
/// `Err` lists every inconsistency between the two documents (see
/// [`consistency`]); nothing is written from inputs that disagree.
pub fn synthesize(
    set: &CuratedSet,
    plan: &Plan,
    history: Option<&History>,
    generated_at: DateTime<Utc>,
) -> Result<Snapshot, Vec<Problem>> {
    let facts = consistency::check(set, plan)?;
    let overdue: BTreeSet<&str> = plan
        .goals
        .iter()
        .flat_map(|g| &g.gap.overdue_tasks)
        .map(String::as_str)
        .collect();
    let totals = totals(&facts, plan, &overdue);
    let known = known_ids(&facts, plan);
    let (current, summary) = current(&facts, plan, &known, &totals);
    let mut document = PmSnapshot {
        schema_version: SnapshotVersion::Current,
        project_id: set.project_id.clone(),
        generated_at,
        as_of_date: plan.as_of,
        current,
        goals: goals(plan),
        gaps: gaps(&facts, plan),
        next_actions: next_actions(&facts, plan),
        evidence: evidence(&facts, &known),
        notes: notes(set, &summary),
        tasks: Vec::new(),
        changes: None,
        trend: Vec::new(),
        forecast: None,
    };
    add_history(&mut document, set, plan, history);
    let view = SnapshotView {
        project_name: set.project.name.clone(),
        purpose: set.project.purpose.clone(),
        totals,
        goals: plan
            .goals
            .iter()
            .map(|g| GoalFigures {
                id: g.goal.clone(),
                horizon: g.horizon,
                total_tasks: facts.set.tasks.iter().filter(|t| t.goal == g.goal).count(),
                remaining_tasks: g.gap.remaining_tasks.len(),
                days_left: g.days_left,
                critical_path: g.critical_path.clone(),
            })
            .collect(),
        critical_path: plan.graph.critical_path.clone(),
        summary,
        graph: graph_view(&facts, plan, &overdue),
    };
    Ok(Snapshot { document, view })
}

/// Fills the history sections: the task ledger always (the next snapshot
/// compares against it); with a history (even an empty one: a first
/// snapshot), the forecast, each goal's forecast reason, the changes
/// since the snapshot compared against and the trend.
fn add_history(
    document: &mut PmSnapshot,
    set: &CuratedSet,
    plan: &Plan,
    history: Option<&History>,
) {
    let previous = history
        .and_then(|h| h.previous.as_ref())
        .map(|p| p.snapshot.as_ref());
    document.tasks = vpm_history::ledger(set, plan, previous);
    let Some(history) = history else {
        return;
    };
    let forecast = {
        let goals: Vec<&GoalView> = document
            .goals
            .short_term
            .iter()
            .chain(&document.goals.mid_term)
            .collect();
        vpm_history::forecast(
            &document.project_id,
            document.as_of_date,
            &document.tasks,
            &goals,
            vpm_history::DEFAULT_TRIALS,
        )
    };
    if let Some(forecast) = &forecast {
        for goal in document
            .goals
            .short_term
            .iter_mut()
            .chain(document.goals.mid_term.iter_mut())
        {
            if let Some(reason) = vpm_history::forecast_reason(forecast, goal) {
                goal.reasons.push(reason);
            }
        }
    }
    document.forecast = forecast;
    if let Some(base) = history.compare_to.as_ref().or(history.previous.as_ref()) {
        document.changes = Some(vpm_history::changes(base, document));
    }
    document.trend = vpm_history::trend(&history.trend, document);
}

/// Task counts. The open tasks are split as the plan's `open` partition
/// says; a plan without one (written before the planner computed it) is
/// split here the same way: in progress, marked blocked, waiting on an
/// unfinished dependency, else ready.
fn totals(facts: &CheckedSet<'_>, plan: &Plan, overdue: &BTreeSet<&str>) -> TaskTotals {
    let with = |s: TaskStatus| facts.set.tasks.iter().filter(|t| t.status == s).count();
    let total = facts.set.tasks.len();
    let done = with(TaskStatus::Done);
    let open = &plan.open;
    let (in_progress, ready, waiting, blocked) = if open.total() > 0 {
        (
            open.in_progress.len(),
            open.ready.len(),
            open.waiting.len(),
            open.blocked.len(),
        )
    } else {
        let waiting_ids: BTreeSet<&str> = plan
            .graph
            .blocked
            .iter()
            .filter(|b| !b.marked_blocked && !b.blocked_by.is_empty())
            .map(|b| b.task.as_str())
            .collect();
        let waiting = facts
            .set
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Todo && waiting_ids.contains(t.id.as_str()))
            .count();
        (
            with(TaskStatus::InProgress),
            with(TaskStatus::Todo) - waiting,
            waiting,
            with(TaskStatus::Blocked),
        )
    };
    TaskTotals {
        total,
        done,
        open: in_progress + ready + waiting + blocked,
        in_progress,
        ready,
        waiting,
        blocked,
        overdue: overdue.len(),
    }
}

/// The ids a sentence of the state note may name, with what naming them signals.
fn known_ids(facts: &CheckedSet<'_>, plan: &Plan) -> KnownIds {
    let mut entries: Vec<(String, Topics)> = Vec::new();
    let mut add = |id: &str, topic: Topics| entries.push((id.to_owned(), topic));
    // In id order within each kind, as the look-up has always been built.
    fn sorted(mut ids: Vec<&str>) -> Vec<&str> {
        ids.sort_unstable();
        ids
    }
    for id in sorted(facts.set.goals.iter().map(|g| g.id.as_str()).collect()) {
        add(id, Topics::GOAL);
    }
    for id in sorted(facts.set.decisions.iter().map(|d| d.id.as_str()).collect()) {
        add(id, Topics::DECISION);
    }
    for id in sorted(facts.set.tasks.iter().map(|t| t.id.as_str()).collect()) {
        add(id, Topics::NONE);
    }
    // Only a task a person marked blocked signals a blocker: one that
    // waits on unfinished work is the normal order of work.
    for blocked in plan.graph.blocked.iter().filter(|b| b.marked_blocked) {
        add(&blocked.task, Topics::BLOCKER);
    }
    for goal in &plan.goals {
        for id in &goal.gap.overdue_tasks {
            add(id, Topics::GAP);
        }
        for id in &goal.gap.risky_tasks {
            add(id, Topics::RISK);
        }
        for id in &goal.gap.unmet_criteria {
            add(id, Topics::GAP);
        }
    }
    for action in &plan.next_actions {
        add(&action.task, Topics::NEXT_STEP);
    }
    KnownIds::new(entries)
}
