//! `next_actions`: the plan's Next 3, in its order.
//!
//! `details` is the planner's rationale (why this task, now); `links` are
//! the goal the task advances and every decision that concerns the task or
//! that goal, so a reader can see what was already settled, then, for a
//! task imported from a tracker (docs/sources.md), its page there. `owner`,
//! `due`, `kind` (finish or unblock) and `gates` (open tasks waiting on
//! it) are the plan's, so the cards can say who, by when, and what it frees.

use vpm_model::TaskStatus;
use vpm_model::plan::Plan;
use vpm_model::snapshot::{ActionStatus, NextAction};

use vpm_model::CheckedSet;

pub fn next_actions(facts: &CheckedSet<'_>, plan: &Plan) -> Vec<NextAction> {
    plan.next_actions
        .iter()
        .map(|action| {
            let concerned = [action.task.as_str(), action.goal.as_str()];
            let mut links = vec![action.goal.clone()];
            for decision in facts.decisions_linking(&concerned) {
                if !links.contains(&decision.id) {
                    links.push(decision.id.clone());
                }
            }
            // A task imported from a tracker links to its page there
            // (GitHub, Jira, Linear), last so the goal stays first.
            if let Some(url) = facts
                .task_by_id(&action.task)
                .and_then(|t| t.source.web_url())
            {
                links.push(url.to_owned());
            }
            NextAction {
                id: action.task.clone(),
                title: action.title.clone(),
                details: action.rationale.clone(),
                evidence_refs: action.evidence_refs.clone(),
                links,
                impact: action.impact,
                effort: action.effort,
                status: match action.status {
                    TaskStatus::InProgress => ActionStatus::InProgress,
                    TaskStatus::Done => ActionStatus::Done,
                    // Blocked next actions are refused by the consistency check.
                    TaskStatus::Todo | TaskStatus::Blocked => ActionStatus::Todo,
                },
                owner: action.owner.clone().filter(|o| !o.trim().is_empty()),
                due: action.due,
                kind: action.kind,
                gates: (action.gates > 0).then_some(action.gates),
            }
        })
        .collect()
}
