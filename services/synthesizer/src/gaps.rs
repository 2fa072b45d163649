//! `gaps`: what stands between each goal and done, with `path:line`
//! references a reader can open.
//!
//! Goals come in the plan's order; within a goal the items that need
//! someone to act come first: blocked tasks, overdue tasks, risky tasks,
//! then unmet acceptance criteria, then one item summing up the remaining
//! work and its critical path. A goal that is done has no gaps.

use std::collections::BTreeMap;

use vpm_model::plan::{GoalPlan, Plan};
use vpm_model::snapshot::{GapItem, GapKind};

use crate::facts::Facts;
use crate::wording;

pub fn gaps(facts: &Facts<'_>, plan: &Plan) -> Vec<GapItem> {
    let blocked_by: BTreeMap<&str, (&[String], bool)> = plan
        .graph
        .blocked
        .iter()
        .map(|b| (b.task.as_str(), (b.blocked_by.as_slice(), b.marked_blocked)))
        .collect();
    let mut items = Vec::new();
    for goal in &plan.goals {
        goal_gaps(facts, plan, goal, &blocked_by, &mut items);
    }
    items
}

fn goal_gaps(
    facts: &Facts<'_>,
    plan: &Plan,
    goal: &GoalPlan,
    blocked_by: &BTreeMap<&str, (&[String], bool)>,
    items: &mut Vec<GapItem>,
) {
    let task_ref = |id: &str| facts.tasks.get(id).map(|t| t.source.to_string());
    let mut push = |kind: GapKind, summary: String, refs: Vec<String>| {
        items.push(GapItem {
            goal: goal.goal.clone(),
            kind,
            summary,
            refs,
        });
    };
    for id in &goal.gap.blocked_tasks {
        let (waits_on, marked) = blocked_by.get(id.as_str()).copied().unwrap_or((&[], true));
        let label = facts.task_label(id);
        let waits: Vec<String> = waits_on.iter().map(|d| facts.task_label(d)).collect();
        let summary = match (marked, waits.is_empty()) {
            (true, true) => format!("{label} is marked blocked"),
            (true, false) => format!(
                "{label} is marked blocked and waits on {}",
                waits.join(", ")
            ),
            (false, _) => format!("{label} waits on {}", waits.join(", ")),
        };
        let refs = std::iter::once(id.as_str())
            .chain(waits_on.iter().map(String::as_str))
            .filter_map(task_ref)
            .collect();
        push(GapKind::BlockedTask, summary, refs);
    }
    for id in &goal.gap.overdue_tasks {
        let label = facts.task_label(id);
        let summary = match facts.tasks.get(id.as_str()).and_then(|t| t.due) {
            Some(due) => {
                let days = (plan.as_of - due).num_days();
                format!(
                    "{label} was due {due} ({} ago)",
                    wording::count(days.max(0) as usize, "day", "days")
                )
            }
            None => match goal.due {
                Some(due) => format!("{label} is past its goal's due date {due}"),
                None => format!("{label} is past its due date"),
            },
        };
        push(
            GapKind::OverdueTask,
            summary,
            task_ref(id).into_iter().collect(),
        );
    }
    for id in &goal.gap.risky_tasks {
        let label = facts.task_label(id);
        let owner = facts
            .tasks
            .get(id.as_str())
            .and_then(|t| t.owner.as_deref())
            .map(|o| format!(" (owner: {o})"))
            .unwrap_or_default();
        push(
            GapKind::Risk,
            format!("{label} carries high risk{owner}"),
            task_ref(id).into_iter().collect(),
        );
    }
    for id in &goal.gap.unmet_criteria {
        let (summary, refs) = match facts.criteria.get(id.as_str()) {
            Some(c) => (
                format!("{id} not met: {}", c.text),
                vec![c.source.to_string()],
            ),
            None => (format!("{id} not met"), Vec::new()),
        };
        push(GapKind::UnmetCriterion, summary, refs);
    }
    let remaining = &goal.gap.remaining_tasks;
    if !remaining.is_empty() {
        let effort: u32 = remaining
            .iter()
            .filter_map(|id| facts.tasks.get(id.as_str()))
            .map(|t| t.effort.days())
            .sum();
        let mut summary = format!(
            "{} remain, about {} of effort",
            wording::count(remaining.len(), "task", "tasks"),
            wording::count(effort as usize, "working day", "working days")
        );
        let path = &goal.critical_path;
        if !path.tasks.is_empty() {
            summary.push_str(&format!(
                "; its critical path {} takes {}",
                path.tasks.join(" → "),
                wording::count(path.effort_days as usize, "working day", "working days")
            ));
        }
        let refs: Vec<String> = if path.tasks.is_empty() {
            remaining
        } else {
            &path.tasks
        }
        .iter()
        .filter_map(|id| task_ref(id))
        .collect();
        push(GapKind::RemainingWork, summary, refs);
    }
}
