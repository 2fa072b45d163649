//! Where each task stands in the graph, and the time it has.
//!
//! * A task is **ready** when it is not done, not marked blocked, and every
//!   task it depends on is done; **blocked** when it is not done and either
//!   is marked blocked or waits on an unfinished task.
//! * The **heaviest chains** of unfinished work (the critical path method):
//!   a finished task neither adds effort to a chain nor joins two pieces.
//! * The **latest finish** of every unfinished task: the working day by which
//!   it must be done so that no due date after it slips — its own due date
//!   (else its goal's), or the latest start of any task waiting on it,
//!   whichever is earlier. Its **slack** is that, minus its own effort.
//! * The **slack of a chain** held against a goal (see [`Schedule::chain_slack`]):
//!   the working days left until the goal's due date (or the chain's last
//!   task's own, earlier one) minus the chain's effort — or, when smaller,
//!   the slack of the chain's first task, if a due date of the same goal
//!   sets it. The first task's slack is the one the ranking shows
//!   (`slack_days`), so there is one notion of slack, not two.
//! * Each open task's **part** ([`Part`]): in progress, ready, waiting or
//!   blocked, exactly one each, so counts of open tasks always add up.
//!
//! All of it is one pass over the graph in topological order or its
//! reverse: linear in tasks + dependencies.

use std::cmp::Ordering;

use chrono::NaiveDate;
use vpm_model::TaskStatus;
use vpm_model::graph::HeaviestChains;

use crate::calendar::working_days;
use vpm_model::CheckedSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Done,
    Ready,
    Blocked,
}

/// The part of the open tasks a task belongs to: exactly one per open task,
/// decided by its status first, then by its dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `status: in_progress`.
    InProgress,
    /// `status: todo` with every dependency done.
    Ready,
    /// `status: todo` with some dependency unfinished.
    Waiting,
    /// `status: blocked`, whatever its dependencies.
    Blocked,
}

/// Who set a due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineOwner {
    Task(usize),
    Goal(usize),
}

/// A due date and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub date: NaiveDate,
    pub owner: DeadlineOwner,
}

/// How long a task may wait before it starts, and the due date that binds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slack {
    /// Working days; negative when it is already too late.
    pub days: i64,
    pub deadline: Deadline,
}

/// The state, chains and latest finish of every task, as of one date.
#[derive(Debug)]
pub struct Schedule {
    pub as_of: NaiveDate,
    state: Vec<TaskState>,
    pub chains: HeaviestChains,
    /// Working days from `as_of` (as day 1) by which the task must be done,
    /// and the deadline that sets it.
    latest_finish: Vec<Option<(i64, Deadline)>>,
    /// `head[t]`: the first task of the heaviest chain ending at `t`.
    head: Vec<usize>,
}

/// Working days the task still needs: its whole effort until it is done.
/// An in-progress task is not discounted: how far along it is, is not known.
pub fn remaining_days(facts: &CheckedSet<'_>, node: usize) -> u64 {
    let task = facts.task(node);
    if task.status.is_done() {
        0
    } else {
        u64::from(task.effort.days())
    }
}

impl Schedule {
    pub fn new(facts: &CheckedSet<'_>, as_of: NaiveDate) -> Self {
        let n = facts.graph.len();
        let state = (0..n)
            .map(|t| {
                let task = facts.task(t);
                if task.status.is_done() {
                    TaskState::Done
                } else if task.status == TaskStatus::Blocked
                    || facts
                        .graph
                        .deps(t)
                        .iter()
                        .any(|&d| !facts.task(d).status.is_done())
                {
                    TaskState::Blocked
                } else {
                    TaskState::Ready
                }
            })
            .collect();
        let chains = facts
            .graph
            .heaviest_chains(&facts.order, |t| remaining_days(facts, t));
        let latest_finish = latest_finish(facts, as_of);
        let mut head: Vec<usize> = (0..n).collect();
        for &t in &facts.order {
            if let Some(before) = chains.previous(t) {
                head[t] = head[before];
            }
        }
        Self {
            as_of,
            state,
            chains,
            latest_finish,
            head,
        }
    }

    /// The part an open task belongs to; `None` once it is done.
    pub fn part(&self, facts: &CheckedSet<'_>, node: usize) -> Option<Part> {
        match facts.task(node).status {
            TaskStatus::Done => None,
            TaskStatus::Blocked => Some(Part::Blocked),
            TaskStatus::InProgress => Some(Part::InProgress),
            TaskStatus::Todo if self.blocked_by(facts, node).next().is_some() => {
                Some(Part::Waiting)
            }
            TaskStatus::Todo => Some(Part::Ready),
        }
    }

    /// The first task of the heaviest chain of unfinished work ending at
    /// `node` (`node` itself when nothing unfinished comes before it).
    pub fn chain_head(&self, node: usize) -> usize {
        self.head[node]
    }

    /// The slack of the heaviest chain ending at `end`, held against goal
    /// `goal`; `None` when the goal has no due date.
    ///
    /// It is the working days left until the goal's due date — or `end`'s
    /// own due date when that is earlier — minus the chain's effort; or the
    /// slack of the chain's first task (its `slack_days` in the ranking)
    /// when that is smaller **and** set by a due date of this goal or of
    /// one of its tasks. A first task squeezed only by another goal's date
    /// shows that in the other goal's path, not in this one.
    pub fn chain_slack(&self, facts: &CheckedSet<'_>, goal: usize, end: usize) -> Option<Slack> {
        let goal_due = facts.goal(goal).due?;
        let deadline = match facts.task(end).due {
            Some(date) if date < goal_due => Deadline {
                date,
                owner: DeadlineOwner::Task(end),
            },
            _ => Deadline {
                date: goal_due,
                owner: DeadlineOwner::Goal(goal),
            },
        };
        let weight = i64::try_from(self.chains.weight(end)).unwrap_or(i64::MAX);
        let by_end = Slack {
            days: working_days(self.as_of, deadline.date).saturating_sub(weight),
            deadline,
        };
        let same_goal = |owner: DeadlineOwner| match owner {
            DeadlineOwner::Goal(g) => g == goal,
            DeadlineOwner::Task(t) => facts.goal_of[t] == goal,
        };
        Some(match self.slack(facts, self.head[end]) {
            Some(first) if first.days <= by_end.days && same_goal(first.deadline.owner) => first,
            _ => by_end,
        })
    }

    pub fn state(&self, node: usize) -> TaskState {
        self.state[node]
    }

    pub fn is_done(&self, node: usize) -> bool {
        self.state[node] == TaskState::Done
    }

    /// The unfinished tasks `node` depends on directly, in the order written.
    pub fn blocked_by<'f>(
        &'f self,
        facts: &'f CheckedSet<'_>,
        node: usize,
    ) -> impl Iterator<Item = usize> + 'f {
        facts
            .graph
            .deps(node)
            .iter()
            .copied()
            .filter(|&d| !self.is_done(d))
    }

    /// The unfinished tasks that depend on `node` directly.
    pub fn waiting<'f>(
        &'f self,
        facts: &'f CheckedSet<'_>,
        node: usize,
    ) -> impl Iterator<Item = usize> + 'f {
        facts
            .graph
            .dependents(node)
            .iter()
            .copied()
            .filter(|&d| !self.is_done(d))
    }

    /// `None` for finished tasks and for tasks no due date applies to.
    pub fn slack(&self, facts: &CheckedSet<'_>, node: usize) -> Option<Slack> {
        let (finish, deadline) = self.latest_finish[node]?;
        Some(Slack {
            days: finish - i64::from(facts.task(node).effort.days()),
            deadline,
        })
    }
}

/// The task's own due date, else its goal's.
pub fn own_deadline(facts: &CheckedSet<'_>, node: usize) -> Option<Deadline> {
    let task = facts.task(node);
    match task.due {
        Some(date) => Some(Deadline {
            date,
            owner: DeadlineOwner::Task(node),
        }),
        None => facts.goal_of_task(node).due.map(|date| Deadline {
            date,
            owner: DeadlineOwner::Goal(facts.goal_of[node]),
        }),
    }
}

fn owner_id<'a>(facts: &CheckedSet<'a>, owner: DeadlineOwner) -> &'a str {
    match owner {
        DeadlineOwner::Task(t) => &facts.task(t).id,
        DeadlineOwner::Goal(g) => &facts.goal(g).id,
    }
}

/// Earlier finish first; among equals the earlier date, then the owner's
/// id, so the binding deadline named does not depend on input order.
fn tighter(facts: &CheckedSet<'_>, a: &(i64, Deadline), b: &(i64, Deadline)) -> bool {
    let key = |x: &(i64, Deadline)| (x.0, x.1.date);
    match key(a).cmp(&key(b)) {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => owner_id(facts, a.1.owner) < owner_id(facts, b.1.owner),
    }
}

fn latest_finish(facts: &CheckedSet<'_>, as_of: NaiveDate) -> Vec<Option<(i64, Deadline)>> {
    let mut latest: Vec<Option<(i64, Deadline)>> = vec![None; facts.graph.len()];
    for &t in facts.order.iter().rev() {
        if facts.task(t).status.is_done() {
            continue;
        }
        let mut best =
            own_deadline(facts, t).map(|deadline| (working_days(as_of, deadline.date), deadline));
        for &s in facts.graph.dependents(t) {
            if facts.task(s).status.is_done() {
                continue;
            }
            if let Some((finish, deadline)) = latest[s] {
                let candidate = (finish - i64::from(facts.task(s).effort.days()), deadline);
                if best.is_none_or(|b| tighter(facts, &candidate, &b)) {
                    best = Some(candidate);
                }
            }
        }
        latest[t] = best;
    }
    latest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ProjectBuilder, TaskSpec, date};
    use vpm_model::Effort;

    #[test]
    fn ready_and_blocked_follow_dependencies_and_marks() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "A", None)
            .task(TaskSpec::new("T-1", "G1").done())
            .task(TaskSpec::new("T-2", "G1").deps(&["T-1"]))
            .task(TaskSpec::new("T-3", "G1").deps(&["T-2"]))
            .task(TaskSpec::new("T-4", "G1").status(TaskStatus::Blocked))
            .task(TaskSpec::new("T-5", "G1").status(TaskStatus::InProgress))
            .build();
        let facts = CheckedSet::check(&set).unwrap();
        let s = Schedule::new(&facts, date("2026-11-30"));
        let states: Vec<TaskState> = (0..5).map(|t| s.state(t)).collect();
        use TaskState::*;
        assert_eq!(states, [Done, Ready, Blocked, Blocked, Ready]);
        assert_eq!(s.blocked_by(&facts, 2).collect::<Vec<_>>(), [1]);
        assert_eq!(s.blocked_by(&facts, 1).count(), 0);
    }

    #[test]
    fn slack_counts_the_work_waiting_downstream() {
        // Monday 2026-11-30; goal due Friday 2026-12-11: 10 working days.
        // T-1 (M, 3d) <- T-2 (L, 8d): T-2 must start by day 3, so T-1 must
        // finish by day 2: slack -1. T-3 (S) alone has 9 days of slack.
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "A", Some("2026-12-11"))
            .task(TaskSpec::new("T-1", "G1").effort(Effort::M))
            .task(TaskSpec::new("T-2", "G1").effort(Effort::L).deps(&["T-1"]))
            .task(TaskSpec::new("T-3", "G1").effort(Effort::S))
            .build();
        let facts = CheckedSet::check(&set).unwrap();
        let s = Schedule::new(&facts, date("2026-11-30"));
        let t1 = s.slack(&facts, 0).unwrap();
        assert_eq!(t1.days, -1);
        assert_eq!(t1.deadline.owner, DeadlineOwner::Goal(0));
        assert_eq!(s.slack(&facts, 1).unwrap().days, 2);
        assert_eq!(s.slack(&facts, 2).unwrap().days, 9);
        assert_eq!(s.chains.weight(1), 11);
    }

    #[test]
    fn a_dependents_earlier_due_date_binds() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Late goal", Some("2027-03-31"))
            .goal("G2", "Early goal", None)
            .task(TaskSpec::new("T-1", "G1").effort(Effort::S))
            .task(
                TaskSpec::new("T-2", "G2")
                    .effort(Effort::S)
                    .due("2026-12-02")
                    .deps(&["T-1"]),
            )
            .task(TaskSpec::new("T-3", "G2").effort(Effort::S))
            .build();
        let facts = CheckedSet::check(&set).unwrap();
        let s = Schedule::new(&facts, date("2026-11-30"));
        let t1 = s.slack(&facts, 0).unwrap();
        assert_eq!(t1.deadline.owner, DeadlineOwner::Task(1));
        assert_eq!(t1.days, 1, "3 working days to T-2's due date, minus 1 + 1");
        assert_eq!(s.slack(&facts, 2), None, "no due date applies to T-3");
    }
}
