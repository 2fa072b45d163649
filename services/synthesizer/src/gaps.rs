//! `gaps`: what stands between each goal and done, with `path:line`
//! references a reader can open.
//!
//! Goals come in the plan's order; within a goal the items that need
//! someone to act come first: each task marked blocked, then one item
//! for the tasks waiting on unfinished dependencies (the normal order of
//! work, worth a look only in sum), overdue tasks, risky tasks, unmet
//! acceptance criteria, and one item summing up the remaining work and
//! its critical path. A goal that is done has no gaps.
//!
//! Every item is here, however many: the JSON is complete. Only the
//! wording is bounded — the waiting item names [`WAITING_NAMED`] tasks and
//! a long critical path keeps its ends (`T1 → T2 → … 37 more … → T40 → T41`),
//! while `refs` still lists every one. The views cap the items per goal
//! (see `render::markdown`).

use std::collections::BTreeMap;

use vpm_model::plan::{GoalPlan, Plan};
use vpm_model::snapshot::{GapItem, GapKind};

use crate::wording;
use vpm_model::CheckedSet;

/// Waiting tasks named in a goal's one waiting item, at most.
pub const WAITING_NAMED: usize = 8;

pub fn gaps(facts: &CheckedSet<'_>, plan: &Plan) -> Vec<GapItem> {
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
    facts: &CheckedSet<'_>,
    plan: &Plan,
    goal: &GoalPlan,
    blocked_by: &BTreeMap<&str, (&[String], bool)>,
    items: &mut Vec<GapItem>,
) {
    // Only real (1-based) lines make a reference a reader can open.
    let task_ref = |id: &str| {
        facts
            .task_by_id(id)
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
        // Named in full up to a point; `refs` keeps every one.
        let each: Vec<String> = waiting
            .iter()
            .take(WAITING_NAMED)
            .map(|(id, on)| format!("{id} (on {})", wording::some_of(on, 3)))
            .collect();
        let mut named = each.join(", ");
        if waiting.len() > WAITING_NAMED {
            named.push_str(&format!(" and {} more", waiting.len() - WAITING_NAMED));
        }
        let summary = format!(
            "{} wait on unfinished work: {named}",
            wording::count(waiting.len(), "task", "tasks"),
        )
        .replacen("1 task wait ", "1 task waits ", 1);
        let refs = waiting.iter().filter_map(|(id, _)| task_ref(id)).collect();
        push(GapKind::BlockedTask, summary, refs);
    }
    for id in &goal.gap.overdue_tasks {
        let label = facts.task_label(id);
        let summary = match facts.task_by_id(id).and_then(|t| t.due) {
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
            .task_by_id(id)
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
        let (summary, refs) = match facts.criterion_by_id(id) {
            Some((_, c)) => (
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
            .filter_map(|id| facts.task_by_id(id))
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
                wording::path(&path.tasks),
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

/// One goal's gap items as a view shows them: the first few in full, the
/// rest counted by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalGaps<'a> {
    pub goal: &'a str,
    pub shown: &'a [GapItem],
    /// Items left out, by kind in the order first met.
    pub more: Vec<(GapKind, usize)>,
}

impl GoalGaps<'_> {
    pub fn more_total(&self) -> usize {
        self.more.iter().map(|(_, n)| n).sum()
    }

    /// `and 4 more: 1 overdue, 1 risk, 2 unmet criteria`, or `None`.
    pub fn more_line(&self) -> Option<String> {
        if self.more.is_empty() {
            return None;
        }
        let kinds: Vec<String> = self
            .more
            .iter()
            .map(|&(kind, n)| wording::gap_kind_count(kind, n))
            .collect();
        Some(format!(
            "and {} more: {}",
            self.more_total(),
            kinds.join(", ")
        ))
    }
}

/// `gaps` (already in goal order) grouped by goal, each showing at most
/// `per_goal` items.
pub fn by_goal(gaps: &[GapItem], per_goal: usize) -> Vec<GoalGaps<'_>> {
    let mut groups = Vec::new();
    let mut start = 0;
    while start < gaps.len() {
        let goal = gaps[start].goal.as_str();
        let end = gaps[start..]
            .iter()
            .position(|g| g.goal != goal)
            .map_or(gaps.len(), |p| start + p);
        let shown_end = (start + per_goal.max(1)).min(end);
        let mut more: Vec<(GapKind, usize)> = Vec::new();
        for item in &gaps[shown_end..end] {
            match more.iter_mut().find(|(k, _)| *k == item.kind) {
                Some((_, n)) => *n += 1,
                None => more.push((item.kind, 1)),
            }
        }
        groups.push(GoalGaps {
            goal,
            shown: &gaps[start..shown_end],
            more,
        });
        start = end;
    }
    groups
}
