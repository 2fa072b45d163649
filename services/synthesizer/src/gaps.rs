//! `gaps`: what stands between each goal and done, with `path:line`
//! references a reader can open.
//!
//! Goals come in the plan's order; within a goal the items that need
//! someone to act come first: each task marked blocked, then one item
//! for the tasks waiting on unfinished dependencies (the normal order of
//! work, worth a look only in sum), overdue tasks, risky tasks, unmet
//! acceptance criteria, and one item summing up the remaining work and
//! its critical path. A goal that is done has no gaps.

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
    // Only real (1-based) lines make a reference a reader can open.
    let task_ref = |id: &str| {
        facts
            .tasks
            .get(id)
            .filter(|t| t.source.line >= 1)
            .map(|t| t.source.to_string())
    };
    let mut push = |kind: GapKind, summary: String, refs: Vec<String>| {
        items.push(GapItem {
            goal: goal.goal.clone(),
            kind,
            summary,
            refs,
        });
    };
    // Marked blocked: each on its own, since someone has to unblock it.
    let mut waiting = Vec::new();
    for id in &goal.gap.blocked_tasks {
        let (waits_on, marked) = blocked_by.get(id.as_str()).copied().unwrap_or((&[], true));
        if !marked {
            waiting.push((id, waits_on));
            continue;
        }
        let label = facts.task_label(id);
        let summary = if waits_on.is_empty() {
            format!("{label} is marked blocked")
        } else {
            format!(
                "{label} is marked blocked and also waits on {}",
                waits_on.join(", ")
            )
        };
        push(
            GapKind::BlockedTask,
            summary,
            task_ref(id).into_iter().collect(),
        );
    }
    // Waiting on unfinished work: one item for the goal, as this is the
    // normal order of work and only worth a look in sum.
    if !waiting.is_empty() {
        let each: Vec<String> = waiting
            .iter()
            .map(|(id, on)| format!("{id} (on {})", on.join(", ")))
            .collect();
        let summary = format!(
            "{} wait on unfinished work: {}",
            wording::count(waiting.len(), "task", "tasks"),
            each.join(", ")
        )
        .replacen("1 task wait ", "1 task waits ", 1);
        let refs = waiting.iter().filter_map(|(id, _)| task_ref(id)).collect();
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
                (c.source.line >= 1)
                    .then(|| c.source.to_string())
                    .into_iter()
                    .collect(),
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
