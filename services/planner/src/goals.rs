//! Each goal's progress, gap and status, with the reasons for the status.
//!
//! **Progress** (0 to 1) weighs the work done and the criteria met:
//!
//! * task progress is effort-weighted: each task counts its effort in
//!   working days (S = 1, M = 3, L = 8); a done task earns all of it, an
//!   in-progress task half ([`IN_PROGRESS_CREDIT`]), anything else none;
//! * criteria progress is the share of acceptance criteria met;
//! * a goal with both: `0.75 × tasks + 0.25 × criteria` ([`TASK_SHARE`]);
//!   with only one kind, that kind alone; with neither, 0.
//!
//! Progress is 1 only when the goal is done (every task done, every
//! criterion met); otherwise it is capped at 0.999, so rounding never shows
//! an unfinished goal as complete.
//!
//! **Status**, from the remaining critical path (the heaviest chain of
//! unfinished work the goal waits on, in working days) against the working
//! days left until its due date (both ends included):
//!
//! * `done`: every task done and every criterion met (and at least one of
//!   either recorded);
//! * `off_track` when the due date has passed, or the critical path is
//!   longer than the working days left;
//! * `at_risk` when the critical path leaves less than a fifth of the
//!   working days left to spare ([`AT_RISK_SHARE`]), a remaining task is
//!   past its own due date, a task is marked blocked, criteria are unmet
//!   with no open task left to meet them, or nothing at all is recorded;
//! * `on_track` otherwise. A goal without a due date cannot be late: it is
//!   on track unless one of the other at-risk conditions holds.

use vpm_model::TaskStatus;
use vpm_model::plan::{CriticalPath, Gap, GoalPlan, GoalStatus};

use crate::calendar::{calendar_days, working_days};
use crate::decimals::round3;
use crate::facts::Facts;
use crate::schedule::{Schedule, TaskState};
use crate::wording;

/// Share of progress that comes from tasks when a goal has criteria too.
pub const TASK_SHARE: f64 = 0.75;
/// What an in-progress task earns of its effort.
pub const IN_PROGRESS_CREDIT: f64 = 0.5;
/// A critical path using more than this share of the working days left puts
/// the goal at risk (less than a fifth to spare).
pub const AT_RISK_SHARE: (i64, i64) = (4, 5);

/// The plan of every goal, in the order of `project.yaml`.
pub fn goal_plans(facts: &Facts<'_>, schedule: &Schedule) -> Vec<GoalPlan> {
    (0..facts.set.goals.len())
        .map(|g| goal_plan(facts, schedule, g))
        .collect()
}

/// The heaviest chain of unfinished work ending at one of `candidates`.
pub fn critical_path(
    facts: &Facts<'_>,
    schedule: &Schedule,
    candidates: impl IntoIterator<Item = usize>,
) -> CriticalPath {
    match schedule.chains.heaviest_end(candidates) {
        Some(end) => CriticalPath {
            tasks: schedule
                .chains
                .chain_to(end)
                .into_iter()
                .map(|t| facts.task(t).id.clone())
                .collect(),
            effort_days: u32::try_from(schedule.chains.weight(end)).unwrap_or(u32::MAX),
            ..CriticalPath::default()
        },
        None => CriticalPath::default(),
    }
}

fn goal_plan(facts: &Facts<'_>, schedule: &Schedule, g: usize) -> GoalPlan {
    let goal = facts.goal(g);
    let tasks = &facts.tasks_of[g];
    let id = |t: &usize| facts.task(*t).id.clone();
    let remaining: Vec<usize> = tasks
        .iter()
        .copied()
        .filter(|&t| !schedule.is_done(t))
        .collect();
    let gap = Gap {
        unmet_criteria: goal
            .acceptance
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.id.clone())
            .collect(),
        remaining_tasks: remaining.iter().map(id).collect(),
        blocked_tasks: remaining
            .iter()
            .filter(|&&t| schedule.state(t) == TaskState::Blocked)
            .map(id)
            .collect(),
        overdue_tasks: remaining
            .iter()
            .filter(|&&t| facts.task(t).due.is_some_and(|due| due < schedule.as_of))
            .map(id)
            .collect(),
        risky_tasks: remaining
            .iter()
            .filter(|&&t| facts.task(t).risk == vpm_model::Level::High)
            .map(id)
            .collect(),
    };
    let critical_path = critical_path(facts, schedule, remaining.iter().copied());
    let done = (!tasks.is_empty() || !goal.acceptance.is_empty())
        && remaining.is_empty()
        && gap.unmet_criteria.is_empty();
    let judged = Judgement::of(facts, schedule, g, &remaining, &gap, &critical_path, done);
    GoalPlan {
        goal: goal.id.clone(),
        title: goal.title.clone(),
        horizon: goal.horizon,
        due: goal.due,
        progress: progress(facts, g, done),
        status: judged.status,
        reasons: judged.reasons,
        gap,
        critical_path,
        open: Default::default(),
        days_left: goal.due.map(|due| calendar_days(schedule.as_of, due)),
        working_days_left: goal.due.map(|due| working_days(schedule.as_of, due)),
    }
}

fn progress(facts: &Facts<'_>, g: usize, done: bool) -> f64 {
    if done {
        return 1.0;
    }
    let goal = facts.goal(g);
    let tasks = &facts.tasks_of[g];
    let task_part = (!tasks.is_empty()).then(|| {
        let (mut earned, mut total) = (0.0, 0.0);
        for &t in tasks {
            let task = facts.task(t);
            let days = f64::from(task.effort.days());
            total += days;
            earned += days
                * match task.status {
                    TaskStatus::Done => 1.0,
                    TaskStatus::InProgress => IN_PROGRESS_CREDIT,
                    TaskStatus::Todo | TaskStatus::Blocked => 0.0,
                };
        }
        earned / total
    });
    let criteria_part = (!goal.acceptance.is_empty()).then(|| {
        goal.acceptance.iter().filter(|c| c.met).count() as f64 / goal.acceptance.len() as f64
    });
    let value = match (task_part, criteria_part) {
        (Some(t), Some(c)) => TASK_SHARE * t + (1.0 - TASK_SHARE) * c,
        (Some(t), None) => t,
        (None, Some(c)) => c,
        (None, None) => 0.0,
    };
    round3(value).min(0.999)
}

/// A status and the sentences that justify it, worst first.
struct Judgement {
    status: GoalStatus,
    reasons: Vec<String>,
}

impl Judgement {
    fn of(
        facts: &Facts<'_>,
        schedule: &Schedule,
        g: usize,
        remaining: &[usize],
        gap: &Gap,
        path: &CriticalPath,
        done: bool,
    ) -> Self {
        let goal = facts.goal(g);
        let tasks = &facts.tasks_of[g];
        if done {
            let tasks_part = match tasks.len() {
                0 => None,
                1 => Some("Its only task is done".to_owned()),
                n => Some(format!("All {n} tasks are done")),
            };
            let criteria_part = match goal.acceptance.len() {
                0 => None,
                1 => Some("its acceptance criterion is met".to_owned()),
                n => Some(format!("all {n} acceptance criteria are met")),
            };
            let sentence = match (tasks_part, criteria_part) {
                (Some(t), Some(c)) => format!("{t} and {c}."),
                (Some(t), None) => format!("{t}."),
                (None, Some(c)) => format!("{}{}.", c[..1].to_uppercase(), &c[1..]),
                (None, None) => "Nothing remains.".to_owned(),
            };
            return Self {
                status: GoalStatus::Done,
                reasons: vec![sentence],
            };
        }

        let mut off_track = Vec::new();
        let mut at_risk = Vec::new();
        let mut context = Vec::new();
        let as_of = schedule.as_of;
        let need = i64::from(path.effort_days);
        let path_text = || {
            format!(
                "Critical path needs {} ({})",
                wording::working_days(need),
                wording::chain(&path.tasks)
            )
        };
        match goal.due {
            Some(due) if due < as_of => {
                let open = if remaining.is_empty() {
                    format!(
                        "{} still unmet",
                        wording::count(gap.unmet_criteria.len() as u64, "acceptance criterion", "acceptance criteria")
                    )
                } else {
                    format!(
                        "{} still open",
                        wording::count(remaining.len() as u64, "task", "tasks")
                    )
                };
                let days = calendar_days(due, as_of);
                off_track.push(format!(
                    "It was due on {due}, {} before the as-of date {as_of}, with {open}.",
                    wording::count(days.unsigned_abs(), "day", "days")
                ));
                if need > 0 {
                    context.push(format!(
                        "The critical path still needs {} ({}).",
                        wording::working_days(need),
                        wording::chain(&path.tasks)
                    ));
                }
            }
            Some(due) => {
                let left = working_days(as_of, due);
                if need > left {
                    off_track.push(format!(
                        "{}; only {} remain until {due}.",
                        path_text(),
                        wording::working_days(left)
                    ));
                } else if need * AT_RISK_SHARE.1 > left * AT_RISK_SHARE.0 {
                    at_risk.push(format!(
                        "{} of the {} left until {due}, leaving {} to spare.",
                        path_text(),
                        wording::working_days(left),
                        wording::working_days(left - need)
                    ));
                } else if need > 0 {
                    context.push(format!(
                        "{}; {} remain until {due}.",
                        path_text(),
                        wording::working_days(left)
                    ));
                }
            }
            None => context.push(if need > 0 {
                format!(
                    "No due date is set, so the schedule cannot be checked; the critical path needs {} ({}).",
                    wording::working_days(need),
                    wording::chain(&path.tasks)
                )
            } else {
                "No due date is set, so the schedule cannot be checked.".to_owned()
            }),
        }

        if !gap.overdue_tasks.is_empty() {
            let listed: Vec<String> = gap
                .overdue_tasks
                .iter()
                .filter_map(|id| {
                    let task = remaining
                        .iter()
                        .map(|&t| facts.task(t))
                        .find(|t| &t.id == id)?;
                    Some(format!("{} (due {})", task.id, task.due?))
                })
                .collect();
            at_risk.push(if listed.len() == 1 {
                format!("{} is past its due date and not done.", listed[0])
            } else {
                format!(
                    "{} are past their due dates and not done: {}.",
                    wording::count(listed.len() as u64, "task", "tasks"),
                    wording::id_list(&listed)
                )
            });
        }
        let marked: Vec<&str> = remaining
            .iter()
            .map(|&t| facts.task(t))
            .filter(|t| t.status == TaskStatus::Blocked)
            .map(|t| t.id.as_str())
            .collect();
        match marked.len() {
            0 => {}
            1 => at_risk.push(format!(
                "{} is marked blocked; nothing that waits on it can start.",
                marked[0]
            )),
            n => at_risk.push(format!(
                "{n} tasks are marked blocked ({}); nothing that waits on them can start.",
                wording::id_list(&marked)
            )),
        }
        if remaining.is_empty() && !gap.unmet_criteria.is_empty() {
            let n = gap.unmet_criteria.len();
            let unmet = format!(
                "{} ({}) {} not met",
                wording::count(n as u64, "acceptance criterion", "acceptance criteria"),
                wording::id_list(&gap.unmet_criteria),
                if n == 1 { "is" } else { "are" }
            );
            at_risk.push(if tasks.is_empty() {
                format!("{unmet}, and no task is planned to meet them.")
            } else {
                format!("Every task is done, but {unmet}, and no open task addresses them.")
            });
        }
        if tasks.is_empty() && goal.acceptance.is_empty() {
            at_risk.push(
                "No tasks or acceptance criteria are recorded, so progress cannot be measured."
                    .to_owned(),
            );
        }

        let status = if !off_track.is_empty() {
            GoalStatus::OffTrack
        } else if !at_risk.is_empty() {
            GoalStatus::AtRisk
        } else {
            GoalStatus::OnTrack
        };
        let mut reasons = off_track;
        reasons.append(&mut at_risk);
        reasons.append(&mut context);
        if reasons.is_empty() {
            reasons.push(format!(
                "{} remain, with no schedule conflict.",
                wording::count(remaining.len() as u64, "task", "tasks")
            ));
        }
        Self { status, reasons }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ProjectBuilder, TaskSpec};
    use vpm_model::Effort::{L, M, S};

    fn plans(set: &vpm_model::CuratedSet) -> Vec<GoalPlan> {
        let facts = Facts::check(set).unwrap();
        let schedule = Schedule::new(&facts, set.as_of.unwrap());
        goal_plans(&facts, &schedule)
    }

    /// As of Monday 2026-11-30. G1 is due Wednesday 2026-12-09: 8 working
    /// days. Its open chain is T-12 (M) → T-15 (L) → T-18 (M) = 14 days.
    #[test]
    fn a_critical_path_longer_than_the_time_left_is_off_track() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "ベータ版リリース", Some("2026-12-09"))
            .criterion("主要機能が動く", false)
            .task(TaskSpec::new("T-10", "G1").effort(L).done())
            .task(TaskSpec::new("T-12", "G1").effort(M).deps(&["T-10"]))
            .task(TaskSpec::new("T-15", "G1").effort(L).deps(&["T-12"]))
            .task(TaskSpec::new("T-16", "G1").effort(S).deps(&["T-12"]))
            .task(
                TaskSpec::new("T-18", "G1")
                    .effort(M)
                    .deps(&["T-15", "T-16"]),
            )
            .build();
        let g = &plans(&set)[0];
        assert_eq!(g.status, GoalStatus::OffTrack);
        assert_eq!(g.critical_path.tasks, ["T-12", "T-15", "T-18"]);
        assert_eq!(g.critical_path.effort_days, 14);
        assert_eq!(g.working_days_left, Some(8));
        assert_eq!(g.days_left, Some(9));
        assert_eq!(
            g.reasons[0],
            "Critical path needs 14 working days (T-12 → T-15 → T-18); only 8 working days remain until 2026-12-09."
        );
        // Tasks: 8 of 23 effort days done; criteria: 0 of 1 → 0.75 × 8/23.
        assert_eq!(g.progress, round3(0.75 * 8.0 / 23.0));
        assert_eq!(g.gap.remaining_tasks, ["T-12", "T-15", "T-16", "T-18"]);
        assert_eq!(g.gap.blocked_tasks, ["T-15", "T-16", "T-18"]);
        assert_eq!(g.gap.unmet_criteria, ["G1.1"]);
    }

    /// 10 working days left, 9 needed: less than a fifth to spare.
    #[test]
    fn a_thin_margin_is_at_risk_and_a_wide_one_on_track() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "決済対応", Some("2026-12-11"))
            .task(
                TaskSpec::new("T-1", "G1")
                    .effort(S)
                    .status(TaskStatus::InProgress),
            )
            .task(TaskSpec::new("T-2", "G1").effort(L).deps(&["T-1"]))
            .goal("G2", "ドキュメント整備", Some("2026-12-11"))
            .task(TaskSpec::new("T-3", "G2").effort(M))
            .task(TaskSpec::new("T-4", "G2").effort(M).done())
            .build();
        let goals = plans(&set);
        assert_eq!(goals[0].status, GoalStatus::AtRisk);
        assert_eq!(
            goals[0].reasons,
            [
                "Critical path needs 9 working days (T-1 → T-2) of the 10 working days left until 2026-12-11, leaving 1 working day to spare."
            ]
        );
        // In progress S earns half a day of 9.
        assert_eq!(goals[0].progress, round3(0.5 / 9.0));
        assert_eq!(goals[1].status, GoalStatus::OnTrack);
        assert_eq!(
            goals[1].reasons,
            ["Critical path needs 3 working days (T-3); 10 working days remain until 2026-12-11."]
        );
        assert_eq!(goals[1].progress, 0.5);
    }

    #[test]
    fn a_goal_with_all_tasks_done_and_criteria_met_is_done() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "社内説明会", Some("2026-11-20"))
            .criterion("資料を共有した", true)
            .task(TaskSpec::new("T-1", "G1").done())
            .task(TaskSpec::new("T-2", "G1").done().deps(&["T-1"]))
            .build();
        let g = &plans(&set)[0];
        assert_eq!(g.status, GoalStatus::Done);
        assert_eq!(g.progress, 1.0);
        assert_eq!(
            g.reasons,
            ["All 2 tasks are done and its acceptance criterion is met."]
        );
        assert!(g.critical_path.tasks.is_empty());
    }

    #[test]
    fn a_passed_due_date_with_work_open_is_off_track() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Migration", Some("2026-11-26"))
            .task(TaskSpec::new("T-1", "G1").effort(S).due("2026-11-25"))
            .build();
        let g = &plans(&set)[0];
        assert_eq!(g.status, GoalStatus::OffTrack);
        assert_eq!(g.days_left, Some(-4));
        assert_eq!(
            g.reasons,
            [
                "It was due on 2026-11-26, 4 days before the as-of date 2026-11-30, with 1 task still open.",
                "T-1 (due 2026-11-25) is past its due date and not done.",
                "The critical path still needs 1 working day (T-1).",
            ]
        );
        assert_eq!(g.gap.overdue_tasks, ["T-1"]);
    }

    #[test]
    fn goals_without_tasks_still_get_a_progress_and_a_reason() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Criteria only", None)
            .criterion("one", true)
            .criterion("two", false)
            .criterion("three", true)
            .criterion("four", false)
            .goal("G2", "Empty", Some("2027-01-29"))
            .build();
        let goals = plans(&set);
        assert_eq!(goals[0].progress, 0.5);
        assert_eq!(goals[0].status, GoalStatus::AtRisk);
        assert_eq!(
            goals[0].reasons,
            [
                "2 acceptance criteria (G1.2 and G1.4) are not met, and no task is planned to meet them.",
                "No due date is set, so the schedule cannot be checked.",
            ]
        );
        assert_eq!(goals[1].progress, 0.0);
        assert_eq!(goals[1].status, GoalStatus::AtRisk);
        assert!(goals[1].reasons[0].starts_with("No tasks or acceptance criteria"));
    }

    #[test]
    fn progress_never_rounds_an_open_goal_to_one() {
        let mut builder = ProjectBuilder::new("2026-11-30").goal("G1", "Big", None);
        for i in 0..3000 {
            builder = builder.task(TaskSpec::new(&format!("T-{i}"), "G1").effort(L).done());
        }
        let set = builder
            .task(
                TaskSpec::new("T-last", "G1")
                    .effort(S)
                    .status(TaskStatus::InProgress),
            )
            .build();
        assert_eq!(plans(&set)[0].progress, 0.999);
    }
}
