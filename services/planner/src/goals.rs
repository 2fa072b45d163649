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
//! **Status** compares the goal's critical path — the chain of unfinished
//! work with the least slack against its due date (see [`goal_path`]) —
//! with the time left, and looks at what is marked blocked:
//!
//! * `done`: every task done and every criterion met (and at least one of
//!   either recorded);
//! * `off_track` when the due date has passed, or the critical path's slack
//!   is negative (it cannot finish in time), or a marked-blocked task that
//!   threatens the goal (below) is already late;
//! * `at_risk` when the critical path's slack is less than a fifth of the
//!   working days left until the date that binds it ([`AT_RISK_SHARE`]), a
//!   remaining task is past its own due date, a marked-blocked task
//!   threatens the goal, criteria are unmet with no open task left to meet
//!   them, or nothing at all is recorded;
//! * `on_track` otherwise. A goal without a due date cannot be late: it is
//!   on track unless one of the other at-risk conditions holds.
//!
//! A task marked `status: blocked` **threatens** a goal only when it could
//! start if unblocked (every dependency done: otherwise it is merely
//! waiting, and the dependency is what matters) and its slack — set by the
//! goal's due date or one of the goal's tasks', its own or that of a task
//! waiting on it — is at most [`BLOCKED_SLACK_DAYS`]. Other marked-blocked
//! tasks are mentioned, not counted against the goal.
//!
//! Every sentence that counts tasks counts the goal's [`OpenPartition`]:
//! in progress, ready, waiting and blocked add up to the open tasks.

use std::cmp::Reverse;

use vpm_model::TaskStatus;
use vpm_model::plan::{CriticalPath, Gap, GoalPlan, GoalStatus, OpenPartition};

use crate::calendar::{calendar_days, working_days};
use crate::decimals::round3;
use crate::schedule::{DeadlineOwner, Part, Schedule, Slack, TaskState};
use crate::unblocks::WaitingCount;
use crate::wording;
use vpm_model::CheckedSet;

/// Share of progress that comes from tasks when a goal has criteria too.
pub const TASK_SHARE: f64 = 0.75;
/// What an in-progress task earns of its effort.
pub const IN_PROGRESS_CREDIT: f64 = 0.5;
/// A critical path using more than this share of the working days left puts
/// the goal at risk (less than a fifth to spare).
pub const AT_RISK_SHARE: (i64, i64) = (4, 5);
/// A marked-blocked task with at most this many working days of slack
/// threatens its deadline: a blocker is rarely removed in less than a week.
pub const BLOCKED_SLACK_DAYS: i64 = 5;

/// The plan of every goal, in the order of `project.yaml`.
pub fn goal_plans(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    waiting: &[WaitingCount],
) -> Vec<GoalPlan> {
    let threats = blocked_threats(facts, schedule);
    (0..facts.set.goals.len())
        .map(|g| goal_plan(facts, schedule, waiting, &threats[g], g))
        .collect()
}

/// Every open task among `nodes` in exactly one part, in the order given.
pub fn open_partition(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    nodes: impl IntoIterator<Item = usize>,
) -> OpenPartition {
    let mut open = OpenPartition::default();
    for t in nodes {
        let part = match schedule.part(facts, t) {
            Some(Part::InProgress) => &mut open.in_progress,
            Some(Part::Ready) => &mut open.ready,
            Some(Part::Waiting) => &mut open.waiting,
            Some(Part::Blocked) => &mut open.blocked,
            None => continue,
        };
        part.push(facts.task(t).id.clone());
    }
    open
}

/// The project's headline path: the goal path with the least slack; among
/// equals the earlier due date, then the goal written first. Paths without
/// slack (goals without a due date) come after every path with one, the
/// heaviest first.
pub fn headline_path(goals: &[GoalPlan]) -> CriticalPath {
    goals
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.critical_path.tasks.is_empty())
        .min_by_key(|(i, g)| {
            let path = &g.critical_path;
            match path.slack_days {
                Some(slack) => (false, slack, Reverse(0), g.due, *i),
                None => (true, 0, Reverse(path.effort_days), None, *i),
            }
        })
        .map(|(_, g)| g.critical_path.clone())
        .unwrap_or_default()
}

/// A goal's critical path and the slack that chose it.
#[derive(Debug, Clone)]
pub struct GoalPath {
    pub path: CriticalPath,
    /// `None` when the goal has no due date (or no open work).
    pub slack: Option<Slack>,
}

/// The chain of unfinished work with the least slack against goal `g`'s
/// due date, ending at one of its open tasks (it may run through other
/// goals' tasks it waits on). Among equal slack the longer chain (it
/// names more of the work at stake), then the end written first. For a
/// goal without a due date: the heaviest chain, slack absent.
pub fn goal_path(facts: &CheckedSet<'_>, schedule: &Schedule, g: usize) -> GoalPath {
    let ends = facts.tasks_of[g]
        .iter()
        .copied()
        .filter(|&t| !schedule.is_done(t));
    let chosen = if facts.goal(g).due.is_some() {
        ends.filter_map(|e| Some((e, schedule.chain_slack(facts, g, e)?)))
            .min_by_key(|&(e, slack)| (slack.days, Reverse(schedule.chains.weight(e)), e))
            .map(|(e, slack)| (e, Some(slack)))
    } else {
        schedule
            .chains
            .heaviest_end(ends)
            .map(|e| (e, None::<Slack>))
    };
    match chosen {
        Some((end, slack)) if schedule.chains.weight(end) > 0 => GoalPath {
            path: CriticalPath {
                tasks: schedule
                    .chains
                    .chain_to(end)
                    .into_iter()
                    .map(|t| facts.task(t).id.clone())
                    .collect(),
                effort_days: u32::try_from(schedule.chains.weight(end)).unwrap_or(u32::MAX),
                goal: Some(facts.goal(g).id.clone()),
                slack_days: slack.map(|s| s.days),
            },
            slack,
        },
        _ => GoalPath {
            path: CriticalPath::default(),
            slack: None,
        },
    }
}

/// A marked-blocked task that could start if unblocked, and the slack it
/// has before the date that binds it.
#[derive(Debug, Clone, Copy)]
struct Threat {
    node: usize,
    slack: Slack,
}

/// For every goal, the marked-blocked tasks that threaten it: one pass
/// over the tasks, each counted against the goal whose date binds it.
fn blocked_threats(facts: &CheckedSet<'_>, schedule: &Schedule) -> Vec<Vec<Threat>> {
    let mut threats = vec![Vec::new(); facts.set.goals.len()];
    for t in 0..facts.graph.len() {
        if schedule.part(facts, t) != Some(Part::Blocked)
            || schedule.blocked_by(facts, t).next().is_some()
        {
            continue;
        }
        let Some(slack) = schedule.slack(facts, t) else {
            continue;
        };
        if slack.days > BLOCKED_SLACK_DAYS {
            continue;
        }
        let goal = match slack.deadline.owner {
            DeadlineOwner::Goal(g) => g,
            DeadlineOwner::Task(d) => facts.goal_of[d],
        };
        threats[goal].push(Threat { node: t, slack });
    }
    threats
}

fn goal_plan(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    waiting: &[WaitingCount],
    threats: &[Threat],
    g: usize,
) -> GoalPlan {
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
    let open = open_partition(facts, schedule, remaining.iter().copied());
    let path = goal_path(facts, schedule, g);
    let done = (!tasks.is_empty() || !goal.acceptance.is_empty())
        && remaining.is_empty()
        && gap.unmet_criteria.is_empty();
    let judged = Judgement::of(
        &Context {
            facts,
            schedule,
            waiting,
            g,
            remaining: &remaining,
            gap: &gap,
            open: &open,
            path: &path,
            threats,
        },
        done,
    );
    GoalPlan {
        goal: goal.id.clone(),
        title: goal.title.clone(),
        horizon: goal.horizon,
        due: goal.due,
        progress: progress(facts, g, done),
        status: judged.status,
        reasons: judged.reasons,
        gap,
        critical_path: path.path,
        open,
        days_left: goal.due.map(|due| calendar_days(schedule.as_of, due)),
        working_days_left: goal.due.map(|due| working_days(schedule.as_of, due)),
    }
}

fn progress(facts: &CheckedSet<'_>, g: usize, done: bool) -> f64 {
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

/// Everything a goal's judgement reads.
struct Context<'c, 'a> {
    facts: &'c CheckedSet<'a>,
    schedule: &'c Schedule,
    waiting: &'c [WaitingCount],
    g: usize,
    remaining: &'c [usize],
    gap: &'c Gap,
    open: &'c OpenPartition,
    path: &'c GoalPath,
    threats: &'c [Threat],
}

/// `T-1's due date 2026-12-04`, `goal G1's due date 2026-12-11`, or `its
/// due date …` when the date is `node`'s own.
pub fn whose_date(facts: &CheckedSet<'_>, slack: &Slack, node: Option<usize>) -> String {
    let date = slack.deadline.date;
    match slack.deadline.owner {
        DeadlineOwner::Task(t) if Some(t) == node => format!("its due date {date}"),
        DeadlineOwner::Task(t) => format!("{}'s due date {date}", facts.task(t).id),
        DeadlineOwner::Goal(g) => format!("goal {}'s due date {date}", facts.goal(g).id),
    }
}

/// `2 working days of slack`, `no slack`, `3 working days late`.
pub fn slack_words(days: i64) -> String {
    match days {
        d if d < 0 => format!("{} late", wording::working_days(d)),
        0 => "no slack".to_owned(),
        d => format!("{} of slack", wording::working_days(d)),
    }
}

/// `, with efforts assumed (M) for T-3 and T-4` when a chain counts effort
/// nobody wrote; empty otherwise.
fn assumed_efforts(facts: &CheckedSet<'_>, ids: &[String]) -> String {
    let assumed: Vec<&str> = ids
        .iter()
        .filter_map(|id| facts.graph.node(id))
        .map(|t| facts.task(t))
        .filter(|t| t.is_assumed("effort"))
        .map(|t| t.id.as_str())
        .collect();
    if assumed.is_empty() {
        String::new()
    } else {
        format!(" (effort assumed for {})", wording::id_list(&assumed))
    }
}

/// A status and the sentences that justify it, worst first.
struct Judgement {
    status: GoalStatus,
    reasons: Vec<String>,
}

impl Judgement {
    fn of(cx: &Context<'_, '_>, done: bool) -> Self {
        let facts = cx.facts;
        let goal = facts.goal(cx.g);
        let tasks = &facts.tasks_of[cx.g];
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
        let as_of = cx.schedule.as_of;
        let path = &cx.path.path;
        let need = i64::from(path.effort_days);
        let chain = || {
            format!(
                "{}{}",
                wording::chain(&path.tasks),
                assumed_efforts(facts, &path.tasks)
            )
        };
        match goal.due {
            Some(due) if due < as_of => {
                let open = if cx.remaining.is_empty() {
                    format!(
                        "{} still unmet",
                        wording::count(
                            cx.gap.unmet_criteria.len() as u64,
                            "acceptance criterion",
                            "acceptance criteria"
                        )
                    )
                } else {
                    format!("{} still open", wording::open_tasks(cx.open))
                };
                let days = calendar_days(due, as_of);
                off_track.push(format!(
                    "It was due on {due}, {} before the as-of date {as_of}, with {open}.",
                    wording::count(days.unsigned_abs(), "day", "days")
                ));
                if need > 0 {
                    context.push(format!(
                        "The critical path {} still needs {}.",
                        chain(),
                        wording::working_days(need)
                    ));
                }
            }
            Some(due) => {
                if let (Some(slack), true) = (cx.path.slack, need > 0) {
                    let left = working_days(as_of, due);
                    let by_goal = slack.deadline.owner == DeadlineOwner::Goal(cx.g);
                    let needs = if need <= left {
                        format!(
                            "Critical path {} needs {} of the {} left until {due}",
                            chain(),
                            need,
                            wording::working_days(left)
                        )
                    } else {
                        format!(
                            "Critical path {} needs {}; only {} remain until {due}",
                            chain(),
                            wording::working_days(need),
                            wording::working_days(left)
                        )
                    };
                    let sentence = if by_goal {
                        format!("{needs} ({}).", slack_words(slack.days))
                    } else {
                        format!(
                            "{needs}, but {} leaves {}.",
                            whose_date(facts, &slack, None),
                            slack_words(slack.days)
                        )
                    };
                    let budget = working_days(as_of, slack.deadline.date);
                    if slack.days < 0 {
                        off_track.push(sentence);
                    } else if slack.days * AT_RISK_SHARE.1 < budget * (AT_RISK_SHARE.1 - AT_RISK_SHARE.0)
                    {
                        at_risk.push(sentence);
                    } else {
                        context.push(sentence);
                    }
                }
            }
            None => context.push(if need > 0 {
                format!(
                    "No due date is set, so the schedule cannot be checked; the critical path {} needs {}.",
                    chain(),
                    wording::working_days(need)
                )
            } else {
                "No due date is set, so the schedule cannot be checked.".to_owned()
            }),
        }

        if !cx.gap.overdue_tasks.is_empty() {
            let listed: Vec<String> = cx
                .remaining
                .iter()
                .map(|&t| facts.task(t))
                .filter_map(|t| {
                    let due = t.due.filter(|due| *due < as_of)?;
                    Some(format!("{} (due {due})", t.id))
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
        for threat in cx.threats {
            let task = facts.task(threat.node);
            let waits = cx.waiting[threat.node];
            let holds = match waits.count {
                0 => String::new(),
                n => format!(
                    "; {}{} on it",
                    if waits.estimated { "about " } else { "" },
                    wording::count(u64::from(n), "open task waits", "open tasks wait")
                ),
            };
            let sentence = format!(
                "{} is marked blocked with {} before {}{holds}.",
                task.id,
                slack_words(threat.slack.days),
                whose_date(facts, &threat.slack, Some(threat.node))
            );
            if threat.slack.days < 0 {
                off_track.push(sentence);
            } else {
                at_risk.push(sentence);
            }
        }
        for &t in cx.remaining {
            if facts.task(t).status != TaskStatus::Blocked
                || cx.threats.iter().any(|th| th.node == t)
            {
                continue;
            }
            let task = facts.task(t);
            let deps: Vec<&str> = cx
                .schedule
                .blocked_by(facts, t)
                .map(|d| facts.task(d).id.as_str())
                .collect();
            context.push(if !deps.is_empty() {
                format!(
                    "{} is marked blocked but also waits on {}, which {} not done.",
                    task.id,
                    wording::id_list(&deps),
                    if deps.len() == 1 { "is" } else { "are" }
                )
            } else {
                match cx.schedule.slack(facts, t) {
                    Some(slack) => format!(
                        "{} is marked blocked, with {} before {}.",
                        task.id,
                        slack_words(slack.days),
                        whose_date(facts, &slack, Some(t))
                    ),
                    None => format!("{} is marked blocked; no due date applies to it.", task.id),
                }
            });
        }
        if cx.remaining.is_empty() && !cx.gap.unmet_criteria.is_empty() {
            let n = cx.gap.unmet_criteria.len();
            let unmet = format!(
                "{} ({}) {} not met",
                wording::count(n as u64, "acceptance criterion", "acceptance criteria"),
                wording::id_list(&cx.gap.unmet_criteria),
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
                "{} {}, with no schedule conflict.",
                wording::open_tasks(cx.open),
                if cx.open.total() == 1 {
                    "remains"
                } else {
                    "remain"
                }
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
        let facts = CheckedSet::check(set).unwrap();
        let schedule = Schedule::new(&facts, set.as_of.unwrap());
        let finished: Vec<bool> = (0..facts.graph.len())
            .map(|t| schedule.is_done(t))
            .collect();
        let waiting = crate::unblocks::waiting_counts(&facts.graph, &facts.order, &finished);
        goal_plans(&facts, &schedule, &waiting)
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
            "Critical path T-12 → T-15 → T-18 needs 14 working days; only 8 working days remain until 2026-12-09 (6 working days late)."
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
                "Critical path T-1 → T-2 needs 9 of the 10 working days left until 2026-12-11 (1 working day of slack)."
            ]
        );
        // In progress S earns half a day of 9.
        assert_eq!(goals[0].progress, round3(0.5 / 9.0));
        assert_eq!(goals[1].status, GoalStatus::OnTrack);
        assert_eq!(
            goals[1].reasons,
            [
                "Critical path T-3 needs 3 of the 10 working days left until 2026-12-11 (7 working days of slack)."
            ]
        );
        assert_eq!(goals[1].progress, 0.5);
    }

    /// The false alarm a lead reported: T-9 is marked blocked but also
    /// waits on T-2, which is not done, and nothing waits on T-9. As of
    /// Monday 2026-11-30 the goal is due 2027-01-29: 45 working days; the
    /// heaviest chain T-1 (M) → T-2 (L) → T-9 (S) needs 12, leaving 33.
    /// T-2 is what matters, and it has time: the goal is on track.
    #[test]
    fn a_blocked_task_that_is_itself_waiting_raises_no_alarm() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Reporting", Some("2027-01-29"))
            .task(
                TaskSpec::new("T-1", "G1")
                    .effort(M)
                    .status(TaskStatus::InProgress),
            )
            .task(TaskSpec::new("T-2", "G1").effort(L).deps(&["T-1"]))
            .task(
                TaskSpec::new("T-9", "G1")
                    .effort(S)
                    .deps(&["T-2"])
                    .status(TaskStatus::Blocked),
            )
            .build();
        let g = &plans(&set)[0];
        assert_eq!(g.status, GoalStatus::OnTrack, "{:?}", g.reasons);
        assert_eq!(g.critical_path.tasks, ["T-1", "T-2", "T-9"]);
        assert_eq!(g.critical_path.slack_days, Some(33));
        assert_eq!(
            g.reasons,
            [
                "Critical path T-1 → T-2 → T-9 needs 12 of the 45 working days left until 2027-01-29 (33 working days of slack).",
                "T-9 is marked blocked but also waits on T-2, which is not done.",
            ]
        );
        assert_eq!(g.open.in_progress, ["T-1"]);
        assert_eq!(g.open.waiting, ["T-2"]);
        assert_eq!(g.open.blocked, ["T-9"]);
        assert_eq!(g.open.total(), g.gap.remaining_tasks.len());
    }

    /// A blocked task that could start threatens the goal only when its
    /// slack is small. As of Monday 2026-11-30: T-5 (M) is due Friday
    /// 2026-12-04 (5 working days, slack 2) and T-6 (S) waits on it; T-7
    /// (M), also blocked, has the goal's 2027-01-29 (45 days, slack 42).
    #[test]
    fn a_blocked_task_counts_against_a_goal_only_with_little_slack() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Partner launch", Some("2027-01-29"))
            .task(
                TaskSpec::new("T-5", "G1")
                    .effort(M)
                    .due("2026-12-04")
                    .status(TaskStatus::Blocked),
            )
            .task(TaskSpec::new("T-6", "G1").effort(S).deps(&["T-5"]))
            .task(
                TaskSpec::new("T-7", "G1")
                    .effort(M)
                    .status(TaskStatus::Blocked),
            )
            .build();
        let g = &plans(&set)[0];
        assert_eq!(g.status, GoalStatus::AtRisk);
        assert_eq!(
            g.reasons[0],
            "T-5 is marked blocked with 2 working days of slack before its due date 2026-12-04; 1 open task waits on it."
        );
        assert!(
            g.reasons
                .contains(&"T-7 is marked blocked, with 42 working days of slack before goal G1's due date 2027-01-29.".to_owned()),
            "{:?}",
            g.reasons
        );
        // The chain T-5 → T-6 (4 days) against the goal leaves 41, but
        // T-5's own due date leaves it 2: the path says so.
        assert_eq!(g.critical_path.tasks, ["T-5", "T-6"]);
        assert_eq!(g.critical_path.slack_days, Some(2));
    }

    /// Effort nobody wrote is counted (M, the documented default) but
    /// said to be assumed.
    #[test]
    fn a_path_built_on_assumed_effort_says_so() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Docs", Some("2026-12-11"))
            .task(TaskSpec::new("T-1", "G1").effort(S))
            .task(TaskSpec::new("T-2", "G1").deps(&["T-1"]))
            .build();
        let g = &plans(&set)[0];
        assert_eq!(
            g.reasons[0],
            "Critical path T-1 → T-2 (effort assumed for T-2) needs 4 of the 10 working days left until 2026-12-11 (6 working days of slack)."
        );
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
                "It was due on 2026-11-26, 4 days before the as-of date 2026-11-30, with 1 task (1 ready) still open.",
                "T-1 (due 2026-11-25) is past its due date and not done.",
                "The critical path T-1 still needs 1 working day.",
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
