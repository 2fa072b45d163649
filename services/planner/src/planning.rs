//! `curated_set_v1` + as-of date → `plan_v1`: the whole planner as one
//! function, with no I/O.

use chrono::NaiveDate;
use vpm_model::curated::CuratedSet;
use vpm_model::plan::{BlockedTask, Plan, PlanRequest, PlanVersion, TaskGraphSummary};
use vpm_model::{Problem, TaskStatus};

use crate::facts::Facts;
use crate::goals::{critical_path, goal_plans};
use crate::next_actions::next_actions;
use crate::ranking::{rank, ranked_tasks};
use crate::schedule::{Schedule, TaskState};
use crate::unblocks::waiting_counts;

/// Plans `set` as of `as_of`, stamping the plan with `trace_id`.
///
/// The set is checked first (see [`crate::facts`]); if it cannot be
/// planned, every problem is returned, each with its file and line. The
/// plan is a pure function of `set` and `as_of`: the same input always
/// gives the same plan, byte for byte once serialized.
pub fn plan(set: &CuratedSet, as_of: NaiveDate, trace_id: &str) -> Result<Plan, Vec<Problem>> {
    let facts = Facts::check(set)?;
    let schedule = Schedule::new(&facts, as_of);
    let finished: Vec<bool> = (0..facts.graph.len())
        .map(|t| schedule.is_done(t))
        .collect();
    let waiting = waiting_counts(&facts.graph, &facts.order, &finished);
    let scored = rank(&facts, &schedule, &waiting);
    Ok(Plan {
        schema_version: PlanVersion::Current,
        project_id: set.project_id.clone(),
        trace_id: trace_id.to_owned(),
        as_of,
        goals: goal_plans(&facts, &schedule),
        graph: graph_summary(&facts, &schedule),
        ranking: ranked_tasks(&facts, &schedule, &scored),
        next_actions: next_actions(&facts, &schedule, &scored),
        open: Default::default(),
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
            if let Err(more) = Facts::check(&request.curated_set) {
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

fn graph_summary(facts: &Facts<'_>, schedule: &Schedule) -> TaskGraphSummary {
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
        critical_path: critical_path(facts, schedule, 0..n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ProjectBuilder, TRACE_ID, TaskSpec, assert_valid_plan, date};
    use vpm_model::Level;
    use vpm_model::plan::GoalStatus;

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
        assert_eq!(
            status,
            [
                ("G1", GoalStatus::OffTrack),
                ("G2", GoalStatus::AtRisk),
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
                "Critical path needs 20 working days (T-04 → T-05 → T-06 → T-07); only 15 working days remain until 2026-12-18."
            ]
        );
        // 3 (T-03 done) + 8 × ½ (T-04 in progress) of 27 effort days, no
        // criterion met: 0.75 × 7/27.
        assert_eq!(g1.progress, 0.194);
        assert_eq!(g1.gap.risky_tasks, ["T-04"]);
        assert_eq!(
            plan.goals[1].reasons[0],
            "T-12 is marked blocked; nothing that waits on it can start."
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
        assert_eq!(
            plan.graph.critical_path.tasks,
            ["T-04", "T-05", "T-06", "T-07", "T-15", "T-16"]
        );
        assert_eq!(plan.graph.critical_path.effort_days, 24);

        let next: Vec<&str> = plan.next_actions.iter().map(|a| a.task.as_str()).collect();
        assert_eq!(next, ["T-04", "T-10", "T-08"]);
        let sso = &plan.next_actions[0];
        assert_eq!(
            sso.rationale,
            "Finish T-04: it is of high criticality, it is already 5 working days late for goal G1's due date 2026-12-18 and it is high-risk, so doing it early leaves time to recover."
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
        // 7 tasks wait on the SSO work: 30 + 25 + 20 × 7/12 + 15 + 10/8.
        assert_eq!(plan.ranking[0].factors.unblocks_count, 7);
        assert_eq!(plan.ranking[0].score, 82.917);
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
