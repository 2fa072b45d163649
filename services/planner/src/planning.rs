//! `curated_set_v1` + as-of date → `plan_v1`: the whole planner as one
//! function, with no I/O.

use chrono::NaiveDate;
use vpm_model::curated::CuratedSet;
use vpm_model::pipeline::{self, CuratedEvent, PlanEvent};
use vpm_model::plan::{
    BlockedTask, CriticalPath, Plan, PlanRequest, PlanVersion, TaskGraphSummary,
};
use vpm_model::{Problem, TaskStatus};

use crate::goals::{goal_plans, headline_path, open_partition};
use crate::next_actions::next_actions;
use crate::ranking::{rank, ranked_tasks};
use crate::schedule::{Schedule, TaskState};
use crate::unblocks::waiting_counts;
use vpm_model::CheckedSet;

/// Plans `set` as of `as_of`, stamping the plan with `trace_id`.
///
/// The set is checked first (see [`crate::facts`]); if it cannot be
/// planned, every problem is returned, each with its file and line. The
/// plan is a pure function of `set` and `as_of`: the same input always
/// gives the same plan, byte for byte once serialized.
pub fn plan(set: &CuratedSet, as_of: NaiveDate, trace_id: &str) -> Result<Plan, Vec<Problem>> {
    let facts = CheckedSet::check(set)?;
    let schedule = Schedule::new(&facts, as_of);
    let finished: Vec<bool> = (0..facts.graph.len())
        .map(|t| schedule.is_done(t))
        .collect();
    let waiting = waiting_counts(&facts.graph, &facts.order, &finished);
    let scored = rank(&facts, &schedule, &waiting);
    let goals = goal_plans(&facts, &schedule, &waiting);
    let open = open_partition(&facts, &schedule, 0..facts.graph.len());
    Ok(Plan {
        schema_version: PlanVersion::Current,
        project_id: set.project_id.clone(),
        trace_id: trace_id.to_owned(),
        as_of,
        graph: graph_summary(&facts, &schedule, headline_path(&goals)),
        goals,
        ranking: ranked_tasks(&facts, &schedule, &scored),
        next_actions: next_actions(&facts, &schedule, &waiting, &scored, &open),
        open,
    })
}

/// The planner's step of the pipeline, one definition for every way it is
/// run (the cell's `POST /`, `vpm snapshot --embedded`): the curated event
/// in, the plan event out, with the planner's activity appended. The as-of
/// date travels in the curated set (from the bundle or `project.yaml`); the
/// planner never guesses one.
pub fn plan_event(event: CuratedEvent, trace_id: &str) -> Result<PlanEvent, Vec<Problem>> {
    let started = chrono::Utc::now();
    let CuratedEvent {
        curated_set,
        mut activities,
    } = event;
    let request = PlanRequest {
        curated_set,
        as_of: None,
    };
    let plan = plan_request(&request, trace_id)?;
    activities.push(pipeline::activity("planner", started));
    Ok(PlanEvent {
        curated_set: request.curated_set,
        plan,
        activities,
        since: None,
    })
}

/// `POST /v1/plan`'s work: the as-of date resolved, then [`plan`]. When
/// no as-of date is given, the set is still checked so that every problem
/// is reported at once.
pub fn plan_request(request: &PlanRequest, trace_id: &str) -> Result<Plan, Vec<Problem>> {
    match resolve_as_of(request.as_of, &request.curated_set) {
        Some(as_of) => plan(&request.curated_set, as_of, trace_id),
        None => {
            let mut problems = vec![missing_as_of(&request.curated_set)];
            if let Err(more) = CheckedSet::check(&request.curated_set) {
                problems.extend(more);
            }
            Err(problems)
        }
    }
}

/// The date a plan is for: the one asked for, else the curated set's (from
/// the bundle or `project.yaml`). Never guessed from file dates or the
/// clock: a plan must be reproducible.
pub fn resolve_as_of(requested: Option<NaiveDate>, set: &CuratedSet) -> Option<NaiveDate> {
    requested.or(set.as_of)
}

/// The problem reported when [`resolve_as_of`] finds no date: it says how
/// to give one.
pub fn missing_as_of(set: &CuratedSet) -> Problem {
    Problem::new(
        "missing_as_of",
        set.project.source.path.clone(),
        None,
        "no as-of date: a plan is computed for a date you choose. Give one as `as_of` \
         (YYYY-MM-DD) in the request body, with `--as-of DATE` on the command line, \
         or as `as_of:` in project.yaml",
    )
}

fn graph_summary(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    critical_path: CriticalPath,
) -> TaskGraphSummary {
    let id = |t: usize| facts.task(t).id.clone();
    let n = facts.graph.len();
    TaskGraphSummary {
        topological_order: facts.order.iter().map(|&t| id(t)).collect(),
        ready: (0..n)
            .filter(|&t| schedule.state(t) == TaskState::Ready)
            .map(id)
            .collect(),
        blocked: (0..n)
            .filter(|&t| schedule.state(t) == TaskState::Blocked)
            .map(|t| BlockedTask {
                task: id(t),
                blocked_by: schedule.blocked_by(facts, t).map(id).collect(),
                marked_blocked: facts.task(t).status == TaskStatus::Blocked,
            })
            .collect(),
        critical_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ProjectBuilder, TRACE_ID, TaskSpec, assert_valid_plan, date};
    use vpm_model::plan::{ActionKind, GoalStatus};
    use vpm_model::{Effort, Level};

    /// `tests/fixtures/expense-app/` as the curator writes it.
    fn expense_app() -> CuratedSet {
        serde_json::from_str(include_str!("../tests/fixtures/expense-app.curated.json")).unwrap()
    }

    /// Hand-checked against the folder: as of Monday 2026-11-30.
    #[test]
    fn the_expense_app_plan_reads_as_a_lead_would_expect() {
        let set = expense_app();
        let plan = plan(&set, set.as_of.unwrap(), TRACE_ID).unwrap();
        assert_valid_plan(&plan);
        let status: Vec<(&str, GoalStatus)> = plan
            .goals
            .iter()
            .map(|g| (g.goal.as_str(), g.status))
            .collect();
        // G2 used to be at risk because T-12 is marked blocked; but T-12
        // also waits on T-11 (which waits on T-10), so it is waiting, and
        // T-10 has 7 working days of slack: no alarm.
        assert_eq!(
            status,
            [
                ("G1", GoalStatus::OffTrack),
                ("G2", GoalStatus::OnTrack),
                ("G3", GoalStatus::OnTrack),
                ("G4", GoalStatus::Done),
            ]
        );
        // G1: 15 working days to Friday 2026-12-18; SSO (L, in progress) →
        // form (M) → approval flow (L) → browser checks (S) = 20.
        let g1 = &plan.goals[0];
        assert_eq!(
            g1.reasons,
            [
                "Critical path T-04 → T-05 → T-06 → T-07 needs 20 working days; only 15 working days remain until 2026-12-18 (5 working days late)."
            ]
        );
        assert_eq!(g1.critical_path.slack_days, Some(-5));
        // 3 (T-03 done) + 8 × ½ (T-04 in progress) of 27 effort days, no
        // criterion met: 0.75 × 7/27.
        assert_eq!(g1.progress, 0.194);
        assert_eq!(g1.gap.risky_tasks, ["T-04"]);
        assert!(
            plan.goals[1].reasons.contains(
                &"T-12 is marked blocked but also waits on T-11, which is not done.".to_owned()
            ),
            "{:?}",
            plan.goals[1].reasons
        );
        assert_eq!(plan.goals[3].progress, 1.0);

        assert_eq!(plan.graph.ready, ["T-04", "T-08", "T-09", "T-10", "T-13"]);
        let t12 = plan
            .graph
            .blocked
            .iter()
            .find(|b| b.task == "T-12")
            .unwrap();
        assert_eq!(
            (t12.blocked_by.as_slice(), t12.marked_blocked),
            (&["T-11".to_owned()][..], true)
        );
        // The headline is the path with the least slack — G1's, 5 days
        // late — not the heaviest chain (G3's 24 days through T-16, which
        // has 88 − 24 = 64 working days of slack).
        assert_eq!(
            plan.graph.critical_path.tasks,
            ["T-04", "T-05", "T-06", "T-07"]
        );
        assert_eq!(plan.graph.critical_path.effort_days, 20);
        assert_eq!(plan.graph.critical_path.goal.as_deref(), Some("G1"));
        assert_eq!(plan.graph.critical_path.slack_days, Some(-5));
        assert_eq!(plan.goals[2].critical_path.effort_days, 24);
        assert_eq!(plan.goals[2].critical_path.slack_days, Some(64));

        // 16 tasks, 3 done: 13 open, in exactly one part each.
        assert_eq!(plan.open.in_progress, ["T-04"]);
        assert_eq!(plan.open.ready, ["T-08", "T-09", "T-10", "T-13"]);
        assert_eq!(plan.open.blocked, ["T-12"]);
        assert_eq!(plan.open.waiting.len(), 7);
        assert_eq!(plan.open.total(), 13);

        let next: Vec<&str> = plan.next_actions.iter().map(|a| a.task.as_str()).collect();
        assert_eq!(next, ["T-04", "T-10", "T-08"]);
        let sso = &plan.next_actions[0];
        assert_eq!(
            sso.rationale,
            "Finish T-04: 7 of the 13 open tasks wait on it (T-05 directly), it is of high criticality, it is already 5 working days late for goal G1's due date 2026-12-18 and it is high-risk, so doing it early leaves time to recover."
        );
        assert_eq!(
            sso.evidence_refs,
            [
                "tasks.yaml:30",
                "project.yaml:6",
                "decisions/0001-sso.yaml:1",
                "tasks.yaml:40"
            ]
        );
        assert_eq!((sso.impact, sso.effort), (Level::High, Level::High));
        assert_eq!(sso.gates, 7);
        // T-04 has no due date of its own: G1's applies.
        assert_eq!(sso.due, Some(date("2026-12-18")));
        let owners: Vec<Option<&str>> = plan
            .next_actions
            .iter()
            .map(|a| a.owner.as_deref())
            .collect();
        assert_eq!(owners, [Some("高橋"), Some("高橋"), Some("田中")]);
        // 高橋 keeps two: T-08 (田中) scores 42.857, 62 % of T-10's 68.753,
        // and has 4 working days of slack to T-10's 7 — not a working week
        // less.
        assert!(
            plan.next_actions[1]
                .rationale
                .ends_with("高橋 also owns T-04: no task with another owner is comparably urgent."),
            "{}",
            plan.next_actions[1].rationale
        );
        // 7 tasks wait on the SSO work: 30 + 25 + 20 × 7/12 + 15 + 10/8.
        assert_eq!(plan.ranking[0].factors.unblocks_count, 7);
        assert_eq!(plan.ranking[0].score, 82.917);
    }

    /// `examples/lantern`, as of Monday 2026-11-23 (its `as_of`), curated
    /// by `vpm curate examples/lantern` into the fixture. Worked by hand:
    ///
    /// * G1 is due 2026-12-11: 15 working days. T04 (L, 8 days, in
    ///   progress, due 2026-12-04 = working day 10) → T05 (M, 3, due
    ///   2026-12-09 = day 13) needs 11: 4 to spare against the goal, but
    ///   T04 must be done by day 10 (its own due date; T05's latest start
    ///   is day 10 too), so its slack, and the chain's, is 10 − 8 = 2.
    /// * G2 (due 2026-12-04, 10 days): T13 (M, blocked, due 2026-11-30 =
    ///   day 6) → T15 (S): slack 6 − 3 = 3.
    /// * G3 (2027-03-31, 93 days): T16 (L, due 2027-01-29 = day 50) →
    ///   T23 (S): slack 50 − 8 = 42.
    /// * G4 (2027-02-26, 70 days): T25 (L) → T26 (M) → T28 (S) = 12, the
    ///   heaviest chain of the project and the old headline; T25's due
    ///   date 2027-01-15 (day 40) leaves 40 − 8 = 32.
    ///
    /// Least slack: G1's T04 → T05, with 2.
    #[test]
    fn the_lantern_headline_is_the_chain_that_threatens_the_beta() {
        let set: CuratedSet =
            serde_json::from_str(include_str!("../tests/fixtures/lantern.curated.json")).unwrap();
        let plan = plan(&set, date("2026-11-23"), TRACE_ID).unwrap();
        assert_valid_plan(&plan);
        let path = &plan.graph.critical_path;
        assert_eq!(path.tasks, ["T04", "T05"]);
        assert_eq!(path.effort_days, 11);
        assert_eq!(path.goal.as_deref(), Some("G1"));
        assert_eq!(path.slack_days, Some(2));
        let slack: Vec<(&[String], Option<i64>)> = plan
            .goals
            .iter()
            .map(|g| (g.critical_path.tasks.as_slice(), g.critical_path.slack_days))
            .collect();
        let ids = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            slack,
            [
                (&ids(&["T04", "T05"])[..], Some(2)),
                (&ids(&["T13", "T15"])[..], Some(3)),
                (&ids(&["T16", "T23"])[..], Some(42)),
                (&ids(&["T25", "T26", "T28"])[..], Some(32)),
            ]
        );
        let g1 = &plan.goals[0];
        assert_eq!(g1.status, GoalStatus::AtRisk);
        assert_eq!(
            g1.reasons,
            [
                "T10 is marked blocked with 2 working days of slack before its due date 2026-11-27.",
                "Critical path T04 → T05 needs 11 of the 15 working days left until 2026-12-11, but T04's due date 2026-12-04 leaves 2 working days of slack.",
            ]
        );

        // 28 tasks, 7 done: 21 open.
        assert_eq!(
            plan.open.in_progress,
            ["T04", "T07", "T12", "T18", "T21", "T25"]
        );
        assert_eq!(plan.open.ready, ["T09", "T14", "T16", "T17"]);
        assert_eq!(plan.open.blocked, ["T10", "T13"]);
        assert_eq!(plan.open.waiting.len(), 9);
        assert_eq!(plan.open.total(), 21);
        let per_goal: usize = plan.goals.iter().map(|g| g.open.total()).sum();
        assert_eq!(per_goal, 21);

        // T13 (the agency's German review) is blocked, could start, and
        // T15 and T20 (and through T20, T23) wait on it. Its score, like a
        // ready task's: 30 (high) + 25 × 10/13 (slack 3) + 20 × 3/8 + 15
        // (high risk) + 10/3 (M) = 75.064.
        let actions: Vec<(ActionKind, &str, Option<&str>, u32)> = plan
            .next_actions
            .iter()
            .map(|a| (a.kind, a.task.as_str(), a.owner.as_deref(), a.gates))
            .collect();
        assert_eq!(
            actions,
            [
                (ActionKind::Unblock, "T13", Some("Mira Hoffmann"), 3),
                (ActionKind::Finish, "T04", Some("Jonas Weber"), 1),
                (ActionKind::Finish, "T12", Some("Yuki Mori"), 2),
            ]
        );
        let unblock = &plan.next_actions[0];
        assert_eq!(unblock.score, 75.064);
        assert_eq!(unblock.status, TaskStatus::Blocked);
        assert!(
            unblock
                .rationale
                .starts_with("Unblock T13: it holds up 3 open tasks (T15 and T20 directly)"),
            "{}",
            unblock.rationale
        );
        assert_eq!(unblock.due, Some(date("2026-11-30")));
        assert_eq!(
            plan.next_actions[1].rationale,
            "Finish T04: 1 of the 21 open tasks waits on it (T05), it is of high criticality, only 2 working days of slack remain before its due date 2026-12-04 and it is high-risk, so doing it early leaves time to recover."
        );
        // No level nobody wrote is given as a reason: T12's risk is the
        // default.
        assert_no_assumed_reason(&set, &plan);
        assert!(!plan.next_actions[2].rationale.contains("risk"));
    }

    /// Every rationale leaves out the fields its task did not write.
    fn assert_no_assumed_reason(set: &CuratedSet, plan: &Plan) {
        for action in &plan.next_actions {
            let task = set.tasks.iter().find(|t| t.id == action.task).unwrap();
            for field in &task.assumed {
                let word = if field == "effort" {
                    "quick to land"
                } else {
                    field.as_str()
                };
                assert!(
                    !action.rationale.contains(word),
                    "{} states its assumed {field}: {}",
                    task.id,
                    action.rationale
                );
            }
        }
    }

    /// As of Monday 2026-11-30: G1's chain is the heavier (5 × L = 40 of
    /// 88 working days to 2027-03-31: 48 to spare), G2's the tighter
    /// (M → M = 6 of 10 to 2026-12-11: 4 to spare). The headline is G2's.
    #[test]
    fn the_headline_is_the_path_with_least_slack_not_the_longest() {
        let mut builder =
            ProjectBuilder::new("2026-11-30").goal("G1", "Platform", Some("2027-03-31"));
        for i in 1..=5 {
            let dep = format!("P-{}", i - 1);
            let deps: Vec<&str> = if i == 1 { vec![] } else { vec![dep.as_str()] };
            builder = builder.task(
                TaskSpec::new(&format!("P-{i}"), "G1")
                    .effort(Effort::L)
                    .deps(&deps),
            );
        }
        let set = builder
            .goal("G2", "Pilot", Some("2026-12-11"))
            .task(TaskSpec::new("Q-1", "G2").effort(Effort::M))
            .task(TaskSpec::new("Q-2", "G2").effort(Effort::M).deps(&["Q-1"]))
            .build();
        let plan = plan(&set, date("2026-11-30"), TRACE_ID).unwrap();
        assert_valid_plan(&plan);
        assert_eq!(plan.goals[0].critical_path.effort_days, 40);
        assert_eq!(plan.goals[0].critical_path.slack_days, Some(48));
        let headline = &plan.graph.critical_path;
        assert_eq!(headline.tasks, ["Q-1", "Q-2"]);
        assert_eq!((headline.effort_days, headline.slack_days), (6, Some(4)));
        assert_eq!(headline.goal.as_deref(), Some("G2"));
    }

    /// T-B is marked blocked, could start (no dependency), and five tasks
    /// wait on it: it becomes an action to unblock, ahead of the one ready
    /// task. As of Monday 2026-11-30, G1 due 2026-12-18 (15 working days):
    /// T-B must be done by day 14, slack 14 − 3 = 11.
    #[test]
    fn a_blocked_task_gating_five_becomes_an_unblock_action() {
        let mut builder = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Partner integration", Some("2026-12-18"))
            .task(
                TaskSpec::new("T-B", "G1")
                    .status(TaskStatus::Blocked)
                    .criticality(Level::High)
                    .risk(Level::Low)
                    .effort(Effort::M)
                    .owner("Ren"),
            )
            .task(
                TaskSpec::new("T-R", "G1")
                    .criticality(Level::Low)
                    .risk(Level::Low)
                    .effort(Effort::S)
                    .owner("Sam"),
            );
        for i in 1..=5 {
            builder = builder.task(
                TaskSpec::new(&format!("T-{i}"), "G1")
                    .effort(Effort::S)
                    .deps(&["T-B"]),
            );
        }
        let plan = plan(&builder.build(), date("2026-11-30"), TRACE_ID).unwrap();
        assert_valid_plan(&plan);
        let first = &plan.next_actions[0];
        assert_eq!(
            (first.kind, first.task.as_str()),
            (ActionKind::Unblock, "T-B")
        );
        assert_eq!(first.gates, 5);
        assert_eq!(first.owner.as_deref(), Some("Ren"));
        assert_eq!(first.due, Some(date("2026-12-18")));
        // 30 + 25 × 10/21 + 20 × 5/10 + 0 + 10/3
        assert_eq!(first.score, 55.238);
        assert_eq!(
            first.rationale,
            "Unblock T-B: it holds up 5 open tasks (T-1, T-2, T-3 and 2 more) and it is of high criticality."
        );
        assert_eq!(plan.next_actions[1].task, "T-R");
        assert_eq!(
            plan.next_actions.len(),
            2,
            "the five waiting tasks cannot start"
        );
        // The ranking lists what can start now; T-B cannot.
        assert!(plan.ranking.iter().all(|r| r.task != "T-B"));
    }

    /// Ann owns the two best ready tasks; Bob's scores less (41.667 to
    /// A-2's 60.952, 68 %) but has 5 working days of slack to A-2's 32:
    /// comparably urgent, so the Next 3 go Ann, Bob, Ann, and the second
    /// of Ann's says why she keeps it. As of Monday 2026-11-30:
    /// * A-1 (high, high risk, S, due 2026-12-04, slack 4): 30 + 25 ×
    ///   10/14 + 15 + 10 = 72.857;
    /// * A-2 (same, due 2027-01-13, slack 32): 30 + 25 × 10/42 + 15 + 10;
    /// * B-1 (medium, low risk, S, due 2026-12-07, slack 5): 15 + 25 ×
    ///   10/15 + 0 + 10.
    #[test]
    fn the_next_three_spread_over_owners_when_it_costs_little() {
        let task = |id: &str, owner: &str, crit: Level, risk: Level, due: &str| {
            TaskSpec::new(id, "G1")
                .criticality(crit)
                .risk(risk)
                .effort(Effort::S)
                .due(due)
                .owner(owner)
        };
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Launch", Some("2027-03-31"))
            .task(task("A-1", "Ann", Level::High, Level::High, "2026-12-04"))
            .task(task("A-2", "Ann", Level::High, Level::High, "2027-01-13"))
            .task(task("B-1", "Bob", Level::Medium, Level::Low, "2026-12-07"))
            .build();
        let plan = plan(&set, date("2026-11-30"), TRACE_ID).unwrap();
        assert_valid_plan(&plan);
        let ranked: Vec<(&str, f64)> = plan
            .ranking
            .iter()
            .map(|r| (r.task.as_str(), r.score))
            .collect();
        assert_eq!(ranked, [("A-1", 72.857), ("A-2", 60.952), ("B-1", 41.667)]);
        let next: Vec<(&str, Option<&str>)> = plan
            .next_actions
            .iter()
            .map(|a| (a.task.as_str(), a.owner.as_deref()))
            .collect();
        assert_eq!(
            next,
            [
                ("A-1", Some("Ann")),
                ("B-1", Some("Bob")),
                ("A-2", Some("Ann"))
            ]
        );
        assert!(
            plan.next_actions[1]
                .rationale
                .ends_with("It goes before A-2, whose owner Ann already has an action, and is comparably urgent."),
            "{}",
            plan.next_actions[1].rationale
        );
        assert!(
            plan.next_actions[2]
                .rationale
                .ends_with("Ann also owns A-1: no task with another owner is comparably urgent."),
            "{}",
            plan.next_actions[2].rationale
        );
    }

    /// A 2,000-task project with every status: each open task is in
    /// exactly one part, project-wide and per goal.
    #[test]
    fn the_open_parts_add_up_on_a_large_project() {
        let statuses = [
            TaskStatus::Todo,
            TaskStatus::InProgress,
            TaskStatus::Done,
            TaskStatus::Blocked,
            TaskStatus::Todo,
        ];
        let mut builder = ProjectBuilder::new("2026-11-30");
        for g in 1..=10 {
            builder = builder.goal(
                &format!("G{g}"),
                "目標",
                Some(&format!("2027-0{}-15", 1 + g % 6)),
            );
        }
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..2000usize {
            let deps: Vec<String> = (0..(next() % 4))
                .filter(|_| i > 0)
                .map(|_| format!("T-{}", next() as usize % i))
                .collect();
            let mut deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            deps.sort_unstable();
            deps.dedup();
            builder = builder.task(
                TaskSpec::new(&format!("T-{i}"), &format!("G{}", 1 + next() % 10))
                    .status(statuses[(next() % 5) as usize])
                    .deps(&deps),
            );
        }
        let set = builder.build();
        let plan = plan(&set, date("2026-11-30"), TRACE_ID).unwrap();
        let open_count = set
            .tasks
            .iter()
            .filter(|t| t.status != TaskStatus::Done)
            .count();
        assert!(open_count > 1000);
        assert_eq!(plan.open.total(), open_count);
        let mut seen = std::collections::HashSet::new();
        for part in [
            &plan.open.in_progress,
            &plan.open.ready,
            &plan.open.waiting,
            &plan.open.blocked,
        ] {
            for id in part {
                assert!(seen.insert(id.clone()), "{id} is in two parts");
            }
        }
        for goal in &plan.goals {
            assert_eq!(
                goal.open.total(),
                goal.gap.remaining_tasks.len(),
                "{}",
                goal.goal
            );
        }
        assert!(plan.open.waiting.len() > 100 && plan.open.blocked.len() > 100);
    }

    /// The schema is strict: a plan that breaks the contract fails it.
    #[test]
    fn the_schema_rejects_what_the_contract_forbids() {
        let set = expense_app();
        let good = serde_json::to_value(plan(&set, date("2026-11-30"), TRACE_ID).unwrap()).unwrap();
        let schema = crate::testing::plan_schema();
        assert!(schema.is_valid(&good));
        type Breakage = (&'static str, fn(&mut serde_json::Value));
        let breakages: [Breakage; 6] = [
            ("an unknown field", |p| p["surprise"] = true.into()),
            ("progress above 1", |p| {
                p["goals"][0]["progress"] = 1.5.into()
            }),
            ("an unknown status", |p| {
                p["goals"][0]["status"] = "late".into()
            }),
            ("a done task proposed", |p| {
                p["next_actions"][0]["status"] = "done".into()
            }),
            ("a bad as-of date", |p| p["as_of"] = "30/11/2026".into()),
            ("a reference without a line", |p| {
                p["next_actions"][0]["evidence_refs"][0] = "tasks.yaml".into()
            }),
        ];
        for (what, breaking) in breakages {
            let mut bad = good.clone();
            breaking(&mut bad);
            assert!(!schema.is_valid(&bad), "the schema accepts {what}");
        }
    }

    #[test]
    fn a_project_without_tasks_still_gets_a_plan() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "方針を決める", Some("2026-12-25"))
            .criterion("方針が承認された", false)
            .build();
        let plan = plan(&set, date("2026-11-30"), TRACE_ID).unwrap();
        assert_valid_plan(&plan);
        assert!(plan.ranking.is_empty() && plan.next_actions.is_empty());
        assert_eq!(plan.goals[0].status, GoalStatus::AtRisk);
        assert_eq!(plan.graph.critical_path.effort_days, 0);
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let set = expense_app();
        let a = serde_json::to_vec(&plan(&set, date("2026-11-30"), TRACE_ID).unwrap()).unwrap();
        let b = serde_json::to_vec(&plan(&set, date("2026-11-30"), TRACE_ID).unwrap()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn the_requested_as_of_date_wins_over_the_sets() {
        let set = expense_app();
        let request = PlanRequest {
            curated_set: set,
            as_of: Some(date("2026-12-21")),
        };
        let plan = plan_request(&request, TRACE_ID).unwrap();
        assert_eq!(plan.as_of, date("2026-12-21"));
        assert_eq!(plan.goals[0].days_left, Some(-3));
    }

    #[test]
    fn without_an_as_of_date_every_problem_is_reported_and_none_is_guessed() {
        let set = ProjectBuilder::new("2026-11-30")
            .without_as_of()
            .goal("G1", "A", None)
            .task(TaskSpec::new("T-1", "G2"))
            .build();
        let request = PlanRequest {
            curated_set: set,
            as_of: None,
        };
        let problems = plan_request(&request, TRACE_ID).unwrap_err();
        let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["missing_as_of", "unknown_reference"]);
        assert!(problems[0].message.contains("`as_of`"));
        assert!(problems[0].message.contains("--as-of"));
    }
}
