//! Fixtures shared by the synthesizer's integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use vpm_model::curated::{Statement, StatementKind};
use vpm_model::{CuratedSet, Plan, SourceRef};

pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `(curated set, plan)` of a fixture project under `tests/fixtures/<name>/`.
pub fn fixture(name: &str) -> (CuratedSet, Plan) {
    let dir = fixture_dir(name);
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
    (
        serde_json::from_str(&read("curated.json")).unwrap(),
        serde_json::from_str(&read("plan.json")).unwrap(),
    )
}

/// Lantern: an offline-first field-notes app by a team in Tokyo and Berlin.
pub fn lantern() -> (CuratedSet, Plan) {
    fixture("lantern")
}

/// Lantern with markup and Markdown in every text the files carry.
pub fn hostile() -> (CuratedSet, Plan) {
    fixture("hostile")
}

/// A fixed `generated_at`, so outputs can be compared byte for byte.
pub fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 11, 9, 0, 0).unwrap()
}

/// A state-note statement with the given text and headings.
pub fn state_statement(n: usize, text: &str, headings: &[&str]) -> Statement {
    Statement {
        id: format!("s{n}"),
        kind: StatementKind::State,
        text: text.to_owned(),
        heading_path: headings.iter().map(|h| (*h).to_owned()).collect(),
        sources: vec![SourceRef::new("state.md", 1 + n as u32)],
        date: None,
    }
}

/// Lantern with its state note replaced by `statements`.
pub fn lantern_with_state(statements: Vec<Statement>) -> (CuratedSet, Plan) {
    let (mut set, plan) = lantern();
    set.statements.retain(|s| s.kind != StatementKind::State);
    set.statements.splice(0..0, statements);
    (set, plan)
}

/// A generated project of `tasks` tasks over `goals` goals, with its plan
/// written the way the planner writes one: Lantern's files and people,
/// each goal's tasks in chains of 50 (every third done, every 37th marked
/// blocked, every 11th overdue, every 13th high-risk), three unmet
/// criteria per goal, a 40-task critical path per goal, the headline path
/// of goal 2 with its slack, and a Next 3 with owners and due dates, the
/// third an `unblock` action. Task titles are 60 characters or more.
pub fn big_project(tasks: usize, goals: usize) -> (CuratedSet, Plan) {
    use vpm_model::Level;
    use vpm_model::plan::{ActionKind, BlockedTask, CriticalPath, Gap, GoalPlan};
    use vpm_model::{Horizon, TaskStatus};
    let (mut set, mut plan) = lantern();
    let as_of = plan.as_of;
    let goal_template = set.goals[0].clone();
    set.goals = (1..=goals)
        .map(|g| {
            let mut goal = goal_template.clone();
            goal.id = format!("G{g}");
            goal.title = format!("Goal {g}: ship the field-ready workflow for region {g}");
            goal.horizon = if g % 2 == 1 {
                Horizon::Short
            } else {
                Horizon::Mid
            };
            goal.due = Some(as_of + chrono::Duration::days(20 + 10 * g as i64));
            for (c, criterion) in goal.acceptance.iter_mut().enumerate() {
                criterion.id = format!("G{g}.{}", c + 1);
                criterion.met = false;
            }
            goal
        })
        .collect();
    let per_goal = tasks / goals;
    let template = set.tasks[4].clone();
    set.tasks = (0..tasks)
        .map(|i| {
            let mut t = template.clone();
            t.id = format!("T{i}");
            t.goal = format!("G{}", (i / per_goal).min(goals - 1) + 1);
            t.title = format!("Task {i}: wire the offline sync queue into background capture");
            t.status = if i % 3 == 0 {
                TaskStatus::Done
            } else if i % 37 == 0 {
                TaskStatus::Blocked
            } else if i % 17 == 0 {
                TaskStatus::InProgress
            } else {
                TaskStatus::Todo
            };
            t.depends_on = if i % 50 == 0 {
                vec![]
            } else {
                vec![format!("T{}", i - 1)]
            };
            t.risk = if i % 13 == 0 {
                Level::High
            } else {
                Level::Medium
            };
            t.due = Some(if i % 11 == 0 {
                as_of - chrono::Duration::days(3)
            } else {
                as_of + chrono::Duration::days(30)
            });
            t.owner = Some(["Mei", "Jonas", "Kenji", "Aiko"][i % 4].to_owned());
            t.source = SourceRef::new("tasks.yaml", 2 + 10 * i as u32);
            t
        })
        .collect();
    let open = |t: &&vpm_model::curated::Task| !t.status.is_done();
    let mut partition = vpm_model::plan::OpenPartition::default();
    let mut blocked = Vec::new();
    let done: std::collections::BTreeSet<&str> = set
        .tasks
        .iter()
        .filter(|t| t.status.is_done())
        .map(|t| t.id.as_str())
        .collect();
    for t in set.tasks.iter().filter(open) {
        let waits_on: Vec<String> = t
            .depends_on
            .iter()
            .filter(|d| !done.contains(d.as_str()))
            .cloned()
            .collect();
        let marked = t.status == TaskStatus::Blocked;
        if marked || !waits_on.is_empty() {
            blocked.push(BlockedTask {
                task: t.id.clone(),
                blocked_by: waits_on.clone(),
                marked_blocked: marked,
            });
        }
        let part = match t.status {
            TaskStatus::InProgress => &mut partition.in_progress,
            TaskStatus::Blocked => &mut partition.blocked,
            _ if !waits_on.is_empty() => &mut partition.waiting,
            _ => &mut partition.ready,
        };
        part.push(t.id.clone());
    }
    let goal_template = plan.goals[0].clone();
    plan.goals = set
        .goals
        .iter()
        .map(|goal| {
            let mine: Vec<&vpm_model::curated::Task> = set
                .tasks
                .iter()
                .filter(|t| t.goal == goal.id)
                .filter(open)
                .collect();
            let ids = |keep: &dyn Fn(&vpm_model::curated::Task) -> bool| -> Vec<String> {
                mine.iter()
                    .filter(|t| keep(t))
                    .map(|t| t.id.clone())
                    .collect()
            };
            let blocked_ids: std::collections::BTreeSet<&str> =
                blocked.iter().map(|b| b.task.as_str()).collect();
            GoalPlan {
                goal: goal.id.clone(),
                title: goal.title.clone(),
                horizon: goal.horizon,
                due: goal.due,
                gap: Gap {
                    unmet_criteria: goal.acceptance.iter().map(|c| c.id.clone()).collect(),
                    remaining_tasks: ids(&|_| true),
                    blocked_tasks: ids(&|t| blocked_ids.contains(t.id.as_str())),
                    overdue_tasks: ids(&|t| t.due.is_some_and(|d| d < as_of)),
                    risky_tasks: ids(&|t| t.risk == Level::High),
                },
                critical_path: CriticalPath {
                    tasks: mine.iter().take(40).map(|t| t.id.clone()).collect(),
                    effort_days: 120,
                    goal: Some(goal.id.clone()),
                    slack_days: Some(-3),
                },
                days_left: goal.due.map(|d| (d - as_of).num_days()),
                ..goal_template.clone()
            }
        })
        .collect();
    plan.graph.topological_order = set.tasks.iter().map(|t| t.id.clone()).collect();
    plan.graph.ready = partition.ready.clone();
    plan.graph.blocked = blocked;
    plan.graph.critical_path = plan.goals[1.min(goals - 1)].critical_path.clone();
    plan.open = partition;
    plan.ranking.clear();
    let ready: Vec<&vpm_model::curated::Task> = set
        .tasks
        .iter()
        .filter(|t| plan.open.ready.contains(&t.id))
        .collect();
    let first_blocked = set
        .tasks
        .iter()
        .find(|t| t.status == TaskStatus::Blocked && t.goal != "G1")
        .unwrap();
    let template = plan.next_actions[0].clone();
    plan.next_actions = [ready[0], ready[ready.len() / 2], first_blocked]
        .into_iter()
        .enumerate()
        .map(|(rank, t)| vpm_model::plan::PlannedAction {
            kind: if rank == 2 {
                ActionKind::Unblock
            } else {
                ActionKind::Finish
            },
            task: t.id.clone(),
            title: t.title.clone(),
            goal: t.goal.clone(),
            rationale: format!("Ranked {} of the ready work.", rank + 1),
            evidence_refs: vec![t.source.to_string()],
            status: t.status,
            owner: t.owner.clone(),
            due: t.due,
            gates: 12 + rank as u32,
            ..template.clone()
        })
        .collect();
    (set, plan)
}
