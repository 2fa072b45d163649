//! Properties the plan keeps for every project, checked on random ones.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use vpm_model::curated::CuratedSet;
use vpm_model::plan::{ActionKind, OpenPartition};
use vpm_model::{Effort, Level, Plan, TaskStatus};

use crate::planning::plan;
use crate::testing::{ProjectBuilder, TRACE_ID, TaskSpec, assert_valid_plan, date};

const GOAL_IDS: [&str; 3] = ["G1", "G2", "G3"];

/// Raw material of one random task: goal, status, dependencies (indices,
/// folded onto earlier tasks so the graph is a DAG), levels, effort, due.
type RawTask = (usize, u8, Vec<usize>, u8, u8, u8, Option<i64>);

fn raw_task() -> impl Strategy<Value = RawTask> {
    (
        0usize..3,
        0u8..4,
        proptest::collection::vec(0usize..1000, 0..4),
        0u8..3,
        0u8..3,
        0u8..3,
        proptest::option::of(-20i64..60),
    )
}

fn level(n: u8) -> Level {
    [Level::Low, Level::Medium, Level::High][usize::from(n % 3)]
}

/// Ids that sort differently from input order, so tie-breaking by id and
/// by position cannot be confused.
fn task_id(i: usize) -> String {
    format!("T-{:03}", (i * 37 + 11) % 1000)
}

fn specs(raw: &[RawTask]) -> Vec<TaskSpec> {
    raw.iter()
        .enumerate()
        .map(|(i, (goal, status, deps, crit, effort, risk, due))| {
            let deps: Vec<String> = if i == 0 {
                Vec::new()
            } else {
                let mut d: Vec<String> = deps.iter().map(|d| task_id(d % i)).collect();
                d.dedup();
                d
            };
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            let mut spec = TaskSpec::new(&task_id(i), GOAL_IDS[*goal])
                .status(
                    [
                        TaskStatus::Todo,
                        TaskStatus::InProgress,
                        TaskStatus::Done,
                        TaskStatus::Blocked,
                    ][usize::from(*status)],
                )
                .deps(&deps)
                .criticality(level(*crit))
                .effort([Effort::S, Effort::M, Effort::L][usize::from(effort % 3)])
                .risk(level(*risk))
                .owner(["Ann", "Bob", "Chie"][i % 3]);
            if let Some(days) = due {
                spec.due = Some(date("2026-11-30") + chrono::Duration::days(*days));
            }
            spec
        })
        .collect()
}

fn build(specs: &[TaskSpec], goal_dues: &[Option<i64>]) -> CuratedSet {
    let mut builder = ProjectBuilder::new("2026-11-30");
    for (g, due) in GOAL_IDS.iter().zip(goal_dues) {
        let due = due.map(|d| (date("2026-11-30") + chrono::Duration::days(d)).to_string());
        builder = builder.goal(g, &format!("目標 {g}"), due.as_deref());
    }
    for spec in specs {
        builder = builder.task(spec.clone());
    }
    builder.build()
}

fn project() -> impl Strategy<Value = (Vec<TaskSpec>, Vec<Option<i64>>)> {
    (
        proptest::collection::vec(raw_task(), 1..40),
        proptest::collection::vec(proptest::option::of(-10i64..120), 3),
    )
        .prop_map(|(raw, dues)| (specs(&raw), dues))
}

fn planned(set: &CuratedSet) -> Plan {
    plan(set, date("2026-11-30"), TRACE_ID).unwrap()
}

fn blocked_ids(plan: &Plan) -> HashSet<String> {
    plan.graph.blocked.iter().map(|b| b.task.clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every action is either a ready task to finish (not done, not marked
    /// blocked, every dependency done) or a marked-blocked task to unblock
    /// that could start and that open work waits on. The whole plan
    /// matches its schema.
    #[test]
    fn every_proposed_action_is_ready_or_worth_unblocking((specs, dues) in project()) {
        let set = build(&specs, &dues);
        let plan = planned(&set);
        assert_valid_plan(&plan);
        let status: HashMap<&str, TaskStatus> =
            set.tasks.iter().map(|t| (t.id.as_str(), t.status)).collect();
        let unblockable = set.tasks.iter().filter(|t| {
            t.status == TaskStatus::Blocked
                && t.depends_on.iter().all(|d| status[d.as_str()] == TaskStatus::Done)
                && set.tasks.iter().any(|w| w.status != TaskStatus::Done && w.depends_on.contains(&t.id))
        }).count();
        prop_assert_eq!(plan.next_actions.len(), (plan.ranking.len() + unblockable).min(3));
        for action in &plan.next_actions {
            let task = set.tasks.iter().find(|t| t.id == action.task).unwrap();
            prop_assert_eq!(action.status, task.status);
            prop_assert_eq!(&action.owner, &task.owner);
            for dep in &task.depends_on {
                prop_assert_eq!(status[dep.as_str()], TaskStatus::Done, "{} waits on {}", task.id, dep);
            }
            match action.kind {
                ActionKind::Finish => {
                    prop_assert!(!matches!(task.status, TaskStatus::Done | TaskStatus::Blocked));
                    prop_assert!(plan.graph.ready.contains(&action.task));
                }
                ActionKind::Unblock => {
                    prop_assert_eq!(task.status, TaskStatus::Blocked);
                    prop_assert!(action.gates > 0);
                    let start = format!("Unblock {}: it holds up ", task.id);
                    prop_assert!(action.rationale.starts_with(&start), "{}", action.rationale);
                }
            }
        }
        for goal in &plan.goals {
            prop_assert_eq!(goal.progress == 1.0, goal.status == vpm_model::plan::GoalStatus::Done);
        }
    }

    /// The open tasks split into in progress, ready, waiting and blocked
    /// with no task in two parts and none left out, for the project and
    /// for each goal; and every sentence that counts them agrees.
    #[test]
    fn the_open_partition_sums_to_the_open_count((specs, dues) in project()) {
        let set = build(&specs, &dues);
        let plan = planned(&set);
        let open: HashSet<&str> = set.tasks.iter()
            .filter(|t| t.status != TaskStatus::Done)
            .map(|t| t.id.as_str())
            .collect();
        let parts = |p: &OpenPartition| -> Vec<String> {
            [&p.in_progress, &p.ready, &p.waiting, &p.blocked].into_iter().flatten().cloned().collect()
        };
        let all = parts(&plan.open);
        prop_assert_eq!(all.len(), open.len());
        prop_assert_eq!(plan.open.total(), open.len());
        prop_assert_eq!(&all.iter().map(String::as_str).collect::<HashSet<&str>>(), &open);
        for goal in &plan.goals {
            let mine = parts(&goal.open);
            prop_assert_eq!(mine.len(), goal.gap.remaining_tasks.len());
            prop_assert_eq!(
                mine.iter().collect::<HashSet<_>>(),
                goal.gap.remaining_tasks.iter().collect::<HashSet<_>>()
            );
        }
        for action in plan.next_actions.iter().filter(|a| a.kind == ActionKind::Finish && a.gates > 0) {
            let of = format!(" of the {} open tasks", open.len());
            prop_assert!(action.rationale.contains(&of) || action.rationale.contains("about "), "{}", action.rationale);
        }
    }

    /// The headline path is the goal path with the least slack.
    #[test]
    fn the_headline_path_has_the_least_slack((specs, dues) in project()) {
        let plan = planned(&build(&specs, &dues));
        let headline = &plan.graph.critical_path;
        if let Some(slack) = headline.slack_days {
            for goal in &plan.goals {
                if let Some(other) = goal.critical_path.slack_days {
                    prop_assert!(slack <= other, "{:?} beside {:?}", headline, goal.critical_path);
                }
            }
        }
        if !headline.tasks.is_empty() {
            let goal = plan.goals.iter().find(|g| Some(&g.goal) == headline.goal.as_ref()).unwrap();
            prop_assert_eq!(&goal.critical_path, headline);
        }
    }

    /// The ranking is a strict total order on (score desc, due, id), its
    /// parts add up, and it does not depend on the order tasks are written.
    #[test]
    fn the_ranking_is_a_deterministic_total_order(
        (specs, dues) in project(),
        seed in any::<u64>(),
    ) {
        let set = build(&specs, &dues);
        let first = planned(&set);
        prop_assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&planned(&set)).unwrap()
        );
        let due_of: HashMap<&str, Option<chrono::NaiveDate>> = set.tasks.iter().map(|t| {
            let goal_due = set.goals.iter().find(|g| g.id == t.goal).and_then(|g| g.due);
            (t.id.as_str(), t.due.or(goal_due))
        }).collect();
        for (i, r) in first.ranking.iter().enumerate() {
            prop_assert_eq!(r.rank as usize, i + 1);
            let f = &r.factors;
            prop_assert!((f.criticality + f.urgency + f.unblocks + f.risk + f.effort - r.score).abs() < 1e-9);
        }
        for pair in first.ranking.windows(2) {
            let key = |r: &vpm_model::plan::RankedTask| {
                let due = due_of[r.task.as_str()];
                (-(r.score * 1000.0).round() as i64, due.is_none(), due, r.task.clone())
            };
            prop_assert!(key(&pair[0]) < key(&pair[1]), "{:?} then {:?}", pair[0], pair[1]);
        }

        // The same tasks in another order.
        let mut order: Vec<usize> = (0..specs.len()).collect();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled: Vec<TaskSpec> = order.iter().map(|&i| specs[i].clone()).collect();
        let other = planned(&build(&shuffled, &dues));
        prop_assert_eq!(&first.ranking, &other.ranking);
        let tasks = |p: &Plan| p.next_actions.iter().map(|a| (a.task.clone(), a.score)).collect::<Vec<_>>();
        prop_assert_eq!(tasks(&first), tasks(&other));
    }

    /// Finishing a task never blocks anything: the blocked set can only
    /// shrink.
    #[test]
    fn marking_a_dependency_done_never_blocks_a_task(
        (specs, dues) in project(),
        pick in any::<usize>(),
    ) {
        let before = planned(&build(&specs, &dues));
        let mut after_specs = specs.clone();
        let i = pick % after_specs.len();
        after_specs[i].status = TaskStatus::Done;
        let after = planned(&build(&after_specs, &dues));
        let (was, now) = (blocked_ids(&before), blocked_ids(&after));
        prop_assert!(now.is_subset(&was), "newly blocked: {:?}", now.difference(&was).collect::<Vec<_>>());
        let ready_before: HashSet<&String> = before.graph.ready.iter().collect();
        for id in &before.graph.ready {
            prop_assert!(after.graph.ready.contains(id) || *id == specs[i].id);
        }
        prop_assert!(after.graph.ready.len() + 1 >= ready_before.len());
    }

    /// A dependency that closes a loop is always reported as a cycle whose
    /// every edge is a real `depends_on` entry.
    #[test]
    fn an_edge_closing_a_loop_is_reported_as_a_cycle(
        (specs, dues) in project(),
        pick in any::<usize>(),
    ) {
        // Pick a task and any task it (transitively) depends on, or itself.
        let ids: Vec<String> = specs.iter().map(|s| s.id.clone()).collect();
        let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let from = pick % specs.len();
        let mut reachable = vec![from];
        let mut seen = HashSet::from([from]);
        let mut stack = vec![from];
        while let Some(t) = stack.pop() {
            for d in &specs[t].deps {
                let d = index[d.as_str()];
                if seen.insert(d) { reachable.push(d); stack.push(d); }
            }
        }
        let to = reachable[(pick / specs.len()) % reachable.len()];
        // `to` now depends on `from`: from ⇝ to ⇝ from.
        let mut looped = specs.clone();
        looped[to].deps.push(ids[from].clone());
        let set = build(&looped, &dues);
        let problems = plan(&set, date("2026-11-30"), TRACE_ID).unwrap_err();
        let cycles: Vec<_> = problems.iter().filter(|p| p.code == "dependency_cycle").collect();
        prop_assert!(!cycles.is_empty());
        let edges: HashSet<(&str, &str)> = set.tasks.iter()
            .flat_map(|t| t.depends_on.iter().map(move |d| (t.id.as_str(), d.as_str())))
            .collect();
        for cycle in cycles {
            let members: Vec<&str> = cycle.value.as_deref().unwrap().split(" → ").collect();
            prop_assert_eq!(members.first(), members.last());
            prop_assert_eq!(cycle.related.len(), members.len() - 1);
            for pair in members.windows(2) {
                prop_assert!(edges.contains(&(pair[0], pair[1])), "{} → {} is not an edge", pair[0], pair[1]);
            }
        }
    }
}

/// A task drawn from a tiny id space, so that duplicate ids, unknown goals,
/// unknown dependencies, self-dependencies and cycles all occur.
fn hostile_task() -> impl Strategy<Value = TaskSpec> {
    (
        "[a-d ]{0,2}",
        "G[0-3]",
        proptest::collection::vec("[a-d ]{0,2}", 0..4),
        0u8..4,
        proptest::option::of(-400_000i64..400_000),
    )
        .prop_map(|(id, goal, deps, status, due)| {
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            let mut spec = TaskSpec::new(&id, &goal).deps(&deps).status(
                [
                    TaskStatus::Todo,
                    TaskStatus::InProgress,
                    TaskStatus::Done,
                    TaskStatus::Blocked,
                ][usize::from(status)],
            );
            spec.due =
                due.and_then(|d| date("2026-11-30").checked_add_signed(chrono::Duration::days(d)));
            spec
        })
}

proptest! {
    /// Whatever arrives, the planner answers: a plan that matches its
    /// schema, or a non-empty list of problems, each located in a file.
    #[test]
    fn hostile_input_gives_a_plan_or_located_problems(
        tasks in proptest::collection::vec(hostile_task(), 0..12),
        goals in proptest::collection::vec(("G[1-3]", proptest::option::of(-400_000i64..400_000)), 0..4),
    ) {
        let mut builder = ProjectBuilder::new("2026-11-30");
        for (g, due) in &goals {
            let due = due
                .and_then(|d| date("2026-11-30").checked_add_signed(chrono::Duration::days(d)))
                .map(|d| d.to_string());
            builder = builder.goal(g, "目標", due.as_deref());
        }
        for task in tasks {
            builder = builder.task(task);
        }
        let set = builder.build();
        match plan(&set, date("2026-11-30"), TRACE_ID) {
            Ok(plan) => assert_valid_plan(&plan),
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for p in &problems {
                    prop_assert!(!p.path.is_empty() && !p.message.is_empty(), "{p:?}");
                }
            }
        }
    }
}
