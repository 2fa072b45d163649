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
