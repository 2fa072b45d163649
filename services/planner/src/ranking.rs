//! The ranking of ready tasks: a score from five weighted factors.
//!
//! Each factor is a value from 0 to 1 times its weight, in points; the score
//! is their sum (0 to 100):
//!
//! | factor | weight | value |
//! |---|---|---|
//! | criticality | 30 | high 1, medium 0.5, low 0 |
//! | urgency | 25 | `10 / (10 + slack)` for slack in working days; 1 when the slack is 0 or less; 0 when no due date applies |
//! | unblocks | 20 | `n / (n + 5)` for `n` unfinished tasks waiting on it |
//! | risk | 15 | high 1, medium 0.5, low 0: risky work early leaves time to recover |
//! | effort | 10 | `1 / effort days`: S 1, M 1/3, L 1/8 — quick to land |
//!
//! Slack (see [`crate::schedule`]) is how long the task can wait without
//! making its own, its goal's or any later task's due date unreachable, so a
//! task with a far due date but a long chain of work after it is urgent.
//!
//! Ties are broken by the earlier due date (task's, else goal's; none
//! last), then by task id, so the order is total and does not depend on the
//! order tasks were written in.

use std::cmp::Reverse;

use chrono::NaiveDate;
use vpm_model::Level;
use vpm_model::plan::{RankedTask, ScoreFactors};

use crate::calendar::calendar_days;
use crate::decimals::{Milli, from_milli, to_milli};
use crate::schedule::{Schedule, Slack, TaskState, own_deadline};
use crate::unblocks::WaitingCount;
use vpm_model::CheckedSet;

/// The factors of a score, in the order of [`Scored::parts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Criticality,
    Urgency,
    Unblocks,
    Risk,
    Effort,
}

impl Factor {
    pub const ALL: [Factor; 5] = [
        Factor::Criticality,
        Factor::Urgency,
        Factor::Unblocks,
        Factor::Risk,
        Factor::Effort,
    ];

    /// Points a factor adds at its fullest.
    pub fn weight(self) -> f64 {
        match self {
            Factor::Criticality => 30.0,
            Factor::Urgency => 25.0,
            Factor::Unblocks => 20.0,
            Factor::Risk => 15.0,
            Factor::Effort => 10.0,
        }
    }
}

/// Working days of slack at which urgency has halved.
pub const URGENCY_HALF_SLACK: f64 = 10.0;
/// Waiting tasks at which the unblocks factor is half its weight.
pub const UNBLOCKS_HALF_COUNT: f64 = 5.0;

/// A ready task with its score and what made it.
#[derive(Debug, Clone)]
pub struct Scored {
    pub node: usize,
    /// Weighted parts in the order of [`Factor::ALL`], in thousandths.
    pub parts: [Milli; 5],
    pub score: Milli,
    pub waiting: WaitingCount,
    pub slack: Option<Slack>,
    /// The task's due date, else its goal's.
    pub due: Option<NaiveDate>,
}

impl Scored {
    pub fn part(&self, factor: Factor) -> Milli {
        self.parts[factor as usize]
    }
}

fn level_value(level: Level) -> f64 {
    match level {
        Level::High => 1.0,
        Level::Medium => 0.5,
        Level::Low => 0.0,
    }
}

/// Every ready task, scored, best first.
pub fn rank(facts: &CheckedSet<'_>, schedule: &Schedule, waiting: &[WaitingCount]) -> Vec<Scored> {
    let mut scored: Vec<Scored> = (0..facts.graph.len())
        .filter(|&t| schedule.state(t) == TaskState::Ready)
        .map(|t| score(facts, schedule, t, waiting[t]))
        .collect();
    scored.sort_by(|a, b| order(facts, a, b));
    scored
}

/// Best first: higher score, then the earlier due date (none last), then
/// the smaller task id.
pub fn order(facts: &CheckedSet<'_>, a: &Scored, b: &Scored) -> std::cmp::Ordering {
    let key = |s: &Scored| (Reverse(s.score), s.due.is_none(), s.due);
    key(a)
        .cmp(&key(b))
        .then_with(|| facts.task(a.node).id.cmp(&facts.task(b.node).id))
}

/// The score of one task, ready or not: the Next 3 also scores the
/// marked-blocked tasks it could propose to unblock, the same way.
pub fn score(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    node: usize,
    waiting: WaitingCount,
) -> Scored {
    let task = facts.task(node);
    let slack = schedule.slack(facts, node);
    let urgency = match slack {
        Some(s) if s.days <= 0 => 1.0,
        Some(s) => URGENCY_HALF_SLACK / (URGENCY_HALF_SLACK + s.days as f64),
        None => 0.0,
    };
    let n = f64::from(waiting.count);
    let values = [
        level_value(task.criticality),
        urgency,
        n / (n + UNBLOCKS_HALF_COUNT),
        level_value(task.risk),
        1.0 / f64::from(task.effort.days()),
    ];
    let mut parts = [0; 5];
    for (i, factor) in Factor::ALL.iter().enumerate() {
        parts[i] = to_milli(factor.weight() * values[i]);
    }
    Scored {
        node,
        parts,
        score: parts.iter().sum(),
        waiting,
        slack,
        due: own_deadline(facts, node).map(|d| d.date),
    }
}

/// The ranking as `plan_v1` prints it.
pub fn ranked_tasks(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    scored: &[Scored],
) -> Vec<RankedTask> {
    scored
        .iter()
        .enumerate()
        .map(|(i, s)| RankedTask {
            task: facts.task(s.node).id.clone(),
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
            score: from_milli(s.score),
            factors: ScoreFactors {
                criticality: from_milli(s.part(Factor::Criticality)),
                urgency: from_milli(s.part(Factor::Urgency)),
                effort: from_milli(s.part(Factor::Effort)),
                risk: from_milli(s.part(Factor::Risk)),
                unblocks: from_milli(s.part(Factor::Unblocks)),
                unblocks_count: s.waiting.count,
                unblocks_estimated: s.waiting.estimated,
                days_to_due: s.due.map(|due| calendar_days(schedule.as_of, due)),
                slack_days: s.slack.map(|slack| slack.days),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ProjectBuilder, TaskSpec};
    use crate::unblocks::waiting_counts;
    use vpm_model::Effort::{L, M, S};

    fn ranking(set: &vpm_model::CuratedSet) -> Vec<(String, Scored)> {
        let facts = CheckedSet::check(set).unwrap();
        let schedule = Schedule::new(&facts, set.as_of.unwrap());
        let finished: Vec<bool> = (0..facts.graph.len())
            .map(|t| schedule.is_done(t))
            .collect();
        let waiting = waiting_counts(&facts.graph, &facts.order, &finished);
        rank(&facts, &schedule, &waiting)
            .into_iter()
            .map(|s| (facts.task(s.node).id.clone(), s))
            .collect()
    }

    /// A hand-checked score: as of Monday 2026-11-30, goal due Friday
    /// 2026-12-11 (10 working days). T-1 (high criticality, low risk, M)
    /// has T-2 (L) and T-3 (S, after T-2) waiting: latest finish of T-3 is
    /// day 10, of T-2 day 9, of T-1 day 1; slack 1 - 3 = -2.
    #[test]
    fn a_score_is_the_sum_of_its_weighted_parts() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "リリース", Some("2026-12-11"))
            .task(
                TaskSpec::new("T-1", "G1")
                    .criticality(Level::High)
                    .risk(Level::Low)
                    .effort(M),
            )
            .task(TaskSpec::new("T-2", "G1").effort(L).deps(&["T-1"]))
            .task(TaskSpec::new("T-3", "G1").effort(S).deps(&["T-2"]))
            .build();
        let ranked = ranking(&set);
        let (id, t1) = &ranked[0];
        assert_eq!(id, "T-1");
        assert_eq!(t1.slack.unwrap().days, -2);
        // 30 + 25 + 20 × 2/7 + 0 + 10/3
        assert_eq!(t1.parts, [30_000, 25_000, 5_714, 0, 3_333]);
        assert_eq!(t1.score, 64_047);
        let printed = ranked_tasks(
            &CheckedSet::check(&set).unwrap(),
            &Schedule::new(&CheckedSet::check(&set).unwrap(), set.as_of.unwrap()),
            std::slice::from_ref(t1),
        );
        let f = &printed[0].factors;
        assert_eq!(printed[0].score, 64.047);
        let sum = f.criticality + f.urgency + f.unblocks + f.risk + f.effort;
        assert!((sum - 64.047).abs() < 1e-9, "parts sum to {sum}");
        assert_eq!(f.slack_days, Some(-2));
        assert_eq!(f.days_to_due, Some(11));
        assert_eq!(f.unblocks_count, 2);
    }

    #[test]
    fn equal_scores_go_to_the_earlier_due_date_then_the_smaller_id() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "A", None)
            .task(TaskSpec::new("T-b", "G1"))
            .task(TaskSpec::new("T-a", "G1"))
            .task(TaskSpec::new("T-c", "G1").due("2027-06-30"))
            .build();
        let ids: Vec<String> = ranking(&set).into_iter().map(|(id, _)| id).collect();
        // T-c's far due date adds a little urgency; the other two tie.
        assert_eq!(ids, ["T-c", "T-a", "T-b"]);
    }
}
