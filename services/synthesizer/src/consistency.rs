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

use std::collections::BTreeMap;

use vpm_model::curated::CuratedSet;
use vpm_model::graph::TaskGraph;
use vpm_model::plan::{ActionKind, Plan};
use vpm_model::{Problem, SourceRef, TaskStatus};

use crate::facts::Facts;

/// Every problem that stops `set` and `plan` from making a snapshot.
pub fn check(set: &CuratedSet, plan: &Plan) -> Vec<Problem> {
    let facts = Facts::new(set);
    let mut problems = Vec::new();
    check_set(set, &mut problems);
    check_plan(&facts, plan, &mut problems);
    problems
}

fn check_set(set: &CuratedSet, problems: &mut Vec<Problem>) {
    if set.project_id.is_empty() {
        problems.push(Problem::new(
            "missing_value",
            "curated_set#/project_id",
            None,
            "the curated set has an empty project id",
        ));
    }
    let ids = set
        .goals
        .iter()
        .map(|g| ("goal", &g.id, &g.source))
        .chain(set.tasks.iter().map(|t| ("task", &t.id, &t.source)))
        .chain(set.decisions.iter().map(|d| ("decision", &d.id, &d.source)));
    for (kind, id, source) in ids {
        if id.trim().is_empty() {
            problems.push(Problem::at(
                "missing_value",
                source,
                format!("a {kind} has an empty id"),
            ));
        }
    }
    for (i, source) in set.sources.iter().enumerate() {
        if source.path.is_empty() {
            problems.push(Problem::new(
                "missing_value",
                format!("curated_set#/sources/{i}/path"),
                None,
                "a source file has an empty path",
            ));
        }
    }
    if set.project.id != set.project_id {
        problems.push(
            Problem::at(
                "project_mismatch",
                &set.project.source,
                format!(
                    "the curated set is for project `{}` but its project.yaml says `{}`",
                    set.project_id, set.project.id
                ),
            )
            .with_value(&set.project.id),
        );
    }
    let criteria = set.goals.iter().flat_map(|g| &g.acceptance);
    duplicates(
        set.goals.iter().map(|g| (&g.id, &g.source)),
        "goal",
        problems,
    );
    duplicates(criteria.map(|c| (&c.id, &c.source)), "criterion", problems);
    duplicates(
        set.tasks.iter().map(|t| (&t.id, &t.source)),
        "task",
        problems,
    );
    duplicates(
        set.decisions.iter().map(|d| (&d.id, &d.source)),
        "decision",
        problems,
    );

    let goals: Vec<&str> = set.goals.iter().map(|g| g.id.as_str()).collect();
    for task in &set.tasks {
        if !goals.contains(&task.goal.as_str()) {
            problems.push(
                Problem::at(
                    "unknown_reference",
                    &task.source,
                    format!(
                        "task `{}` advances goal `{}`, which is not defined",
                        task.id, task.goal
                    ),
                )
                .with_value(&task.goal),
            );
        }
    }
    let (graph, unknown) = TaskGraph::new(
        set.tasks
            .iter()
            .map(|t| (t.id.as_str(), t.depends_on.iter().map(String::as_str))),
    );
    for dep in unknown {
        let task = &set.tasks[dep.task];
        problems.push(
            Problem::at(
                "unknown_reference",
                &task.source,
                format!(
                    "task `{}` depends on `{}`, which is not a task",
                    task.id, dep.missing
                ),
            )
            .with_value(dep.missing),
        );
    }
    if let Err(cycles) = graph.topological_order() {
        let source_of: BTreeMap<&str, &SourceRef> = set
            .tasks
            .iter()
            .rev()
            .map(|t| (t.id.as_str(), &t.source))
            .collect();
        for cycle in cycles {
            let ids: Vec<&str> = cycle.iter().map(|&n| graph.id(n)).collect();
            let Some(first) = ids.first().and_then(|id| source_of.get(id)) else {
                continue;
            };
            problems.push(
                Problem::at(
                    "dependency_cycle",
                    first,
                    format!(
                        "tasks depend on each other in a circle: {} → {}",
                        ids.join(" → "),
                        ids[0]
                    ),
                )
                .with_value(ids.join(","))
                .with_related(
                    ids.iter()
                        .skip(1)
                        .filter_map(|id| source_of.get(id).map(|s| (*s).clone())),
                ),
            );
        }
    }
}

/// `duplicate_id` for every fact whose id an earlier fact of the same kind has.
fn duplicates<'a>(
    facts: impl Iterator<Item = (&'a String, &'a SourceRef)>,
    kind: &str,
    problems: &mut Vec<Problem>,
) {
    let mut first: BTreeMap<&str, &SourceRef> = BTreeMap::new();
    for (id, source) in facts {
        match first.get(id.as_str()) {
            Some(original) => problems.push(
                Problem::at(
                    "duplicate_id",
                    source,
                    format!("{kind} id `{id}` is used twice"),
                )
                .with_value(id)
                .with_related([(*original).clone()]),
            ),
            None => {
                first.insert(id, source);
            }
        }
    }
}

fn plan_problem(code: &str, pointer: String, value: &str, message: String) -> Problem {
    Problem::new(code, format!("plan#{pointer}"), None, message).with_value(value)
}

fn check_plan(facts: &Facts<'_>, plan: &Plan, problems: &mut Vec<Problem>) {
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
        if !facts.tasks.contains_key(id) {
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
        if !facts.goals.contains_key(goal.goal.as_str()) {
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
            let belongs = facts.criteria.get(id.as_str()).is_some_and(|_| {
                facts
                    .goals
                    .get(goal.goal.as_str())
                    .is_some_and(|g| g.acceptance.iter().any(|c| &c.id == id))
            });
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
        if !facts.goals.contains_key(action.goal.as_str()) {
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
                Some(source) if !facts.paths.contains(source.path.as_str()) => {
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
