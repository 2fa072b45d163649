//! What the synthesizer relies on, checked before anything is written.
//!
//! The curated set and the plan usually come straight from the curator and
//! the planner, but over HTTP they are just JSON: they may belong to two
//! different projects, or the plan may name a task the set does not have.
//! Rather than write a snapshot with holes, every such problem is listed
//! (all of them, not the first) and the request is refused with 422.
//!
//! Problems in the curated set point at the fact's own file and line.
//! Problems in the plan, which has no lines of its own, point into it with
//! a JSON pointer: `path` is `plan#/goals/1/gap/blocked_tasks/0`.

use vpm_model::plan::{ActionKind, Plan};
use vpm_model::{CheckedSet, CuratedSet, Problem, SourceRef, TaskStatus};

/// Checks `set` (once, by [`CheckedSet::check`], the same check the
/// planner makes) and then `plan` against it: the checked set, or every
/// problem. A set that fails its own check is reported alone: the plan's
/// references into a broken set would only repeat its problems.
pub fn check<'a>(set: &'a CuratedSet, plan: &Plan) -> Result<CheckedSet<'a>, Vec<Problem>> {
    let facts = CheckedSet::check(set)?;
    let mut problems = Vec::new();
    check_plan(&facts, plan, &mut problems);
    if problems.is_empty() {
        Ok(facts)
    } else {
        Err(problems)
    }
}

fn plan_problem(code: &str, pointer: String, value: &str, message: String) -> Problem {
    Problem::new(code, format!("plan#{pointer}"), None, message).with_value(value)
}

fn check_plan(facts: &CheckedSet<'_>, plan: &Plan, problems: &mut Vec<Problem>) {
    if plan.project_id != facts.set.project_id {
        problems.push(plan_problem(
            "project_mismatch",
            "/project_id".into(),
            &plan.project_id,
            format!(
                "the plan is for project `{}` but the curated set is for `{}`",
                plan.project_id, facts.set.project_id
            ),
        ));
    }
    let task_ref = |id: &str, pointer: String, problems: &mut Vec<Problem>| {
        if facts.task_by_id(id).is_none() {
            problems.push(plan_problem(
                "unknown_reference",
                pointer,
                id,
                format!("the plan names task `{id}`, which the curated set does not have"),
            ));
        }
    };
    let task_refs = |ids: &[String], pointer: &str, problems: &mut Vec<Problem>| {
        for (i, id) in ids.iter().enumerate() {
            task_ref(id, format!("{pointer}/{i}"), problems);
        }
    };
    for (g, goal) in plan.goals.iter().enumerate() {
        let at = format!("/goals/{g}");
        if facts.goal_by_id(&goal.goal).is_none() {
            problems.push(plan_problem(
                "unknown_reference",
                format!("{at}/goal"),
                &goal.goal,
                format!(
                    "the plan has goal `{}`, which the curated set does not have",
                    goal.goal
                ),
            ));
        }
        if !(0.0..=1.0).contains(&goal.progress) {
            problems.push(plan_problem(
                "bad_value",
                format!("{at}/progress"),
                &goal.progress.to_string(),
                format!(
                    "goal `{}` has progress {}, outside 0 to 1",
                    goal.goal, goal.progress
                ),
            ));
        }
        for (i, id) in goal.gap.unmet_criteria.iter().enumerate() {
            let belongs = facts
                .criterion_by_id(id)
                .is_some_and(|(owner, _)| owner.id == goal.goal);
            if !belongs {
                problems.push(plan_problem(
                    "unknown_reference",
                    format!("{at}/gap/unmet_criteria/{i}"),
                    id,
                    format!(
                        "`{id}` is not an acceptance criterion of goal `{}`",
                        goal.goal
                    ),
                ));
            }
        }
        task_refs(
            &goal.gap.remaining_tasks,
            &format!("{at}/gap/remaining_tasks"),
            problems,
        );
        task_refs(
            &goal.gap.blocked_tasks,
            &format!("{at}/gap/blocked_tasks"),
            problems,
        );
        task_refs(
            &goal.gap.overdue_tasks,
            &format!("{at}/gap/overdue_tasks"),
            problems,
        );
        task_refs(
            &goal.gap.risky_tasks,
            &format!("{at}/gap/risky_tasks"),
            problems,
        );
        task_refs(
            &goal.critical_path.tasks,
            &format!("{at}/critical_path/tasks"),
            problems,
        );
    }
    task_refs(
        &plan.graph.critical_path.tasks,
        "/graph/critical_path/tasks",
        problems,
    );
    task_refs(&plan.graph.ready, "/graph/ready", problems);
    for (i, blocked) in plan.graph.blocked.iter().enumerate() {
        task_ref(&blocked.task, format!("/graph/blocked/{i}/task"), problems);
        task_refs(
            &blocked.blocked_by,
            &format!("/graph/blocked/{i}/blocked_by"),
            problems,
        );
    }
    for (a, action) in plan.next_actions.iter().enumerate() {
        let at = format!("/next_actions/{a}");
        task_ref(&action.task, format!("{at}/task"), problems);
        if facts.goal_by_id(&action.goal).is_none() {
            problems.push(plan_problem(
                "unknown_reference",
                format!("{at}/goal"),
                &action.goal,
                format!(
                    "next action `{}` advances goal `{}`, which the curated set does not have",
                    action.task, action.goal
                ),
            ));
        }
        // An `unblock` action names the blocked task it frees; a `finish`
        // action must be a task that can start.
        if action.status == TaskStatus::Blocked && action.kind != ActionKind::Unblock {
            problems.push(plan_problem(
                "bad_value",
                format!("{at}/status"),
                action.status.as_str(),
                format!(
                    "next action `{}` is blocked; only a task that can start can be a next action (or an unblock action)",
                    action.task
                ),
            ));
        }
        for (i, reference) in action.evidence_refs.iter().enumerate() {
            match parse_ref(reference) {
                None => problems.push(plan_problem(
                    "bad_reference",
                    format!("{at}/evidence_refs/{i}"),
                    reference,
                    format!("evidence reference `{reference}` is not of the form path:line"),
                )),
                Some(source) if !facts.has_source(&source.path) => {
                    problems.push(plan_problem(
                        "unknown_reference",
                        format!("{at}/evidence_refs/{i}"),
                        reference,
                        format!("evidence reference `{reference}` names a file the curated set was not read from"),
                    ))
                }
                Some(_) => {}
            }
        }
    }
}

/// `path:line` (line ≥ 1) as a [`SourceRef`].
pub fn parse_ref(reference: &str) -> Option<SourceRef> {
    let (path, line) = reference.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    (line >= 1 && !path.is_empty()).then(|| SourceRef::new(path, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_as_path_and_line() {
        assert_eq!(
            parse_ref("tasks.yaml:12"),
            Some(SourceRef::new("tasks.yaml", 12))
        );
        assert_eq!(
            parse_ref("reports/2026:04.md:3"),
            Some(SourceRef::new("reports/2026:04.md", 3))
        );
        assert_eq!(parse_ref("tasks.yaml"), None);
        assert_eq!(parse_ref("tasks.yaml:0"), None);
        assert_eq!(parse_ref(":3"), None);
        assert_eq!(parse_ref("tasks.yaml:x"), None);
    }
}
