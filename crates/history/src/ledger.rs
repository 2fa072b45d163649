//! The task ledger: every task of a snapshot, its state and its done date.
//!
//! The ledger is what the next snapshot compares against and what the
//! forecast counts. Its one subtle field is the done date, which sources
//! often do not give: a task first seen done carries the date of the
//! snapshot that first saw it, and every later snapshot copies that date
//! forward, so throughput can be measured from a plain tasks.yaml that only
//! ever says `status: done`.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use vpm_model::history::{TaskLine, TaskState};
use vpm_model::{CuratedSet, Plan, PmSnapshot, TaskStatus};

/// The ledger of this snapshot: every task of `set`, its state from
/// `plan.open` (done tasks: [`TaskState::Done`]), due date, effort in days
/// ([`vpm_model::Effort::days`]) and done date. Sorted by task id.
///
/// The done date of a done task is, in this order:
/// 1. the date its source gives (`Task::done_on`);
/// 2. else the date `previous`'s ledger carries for it;
/// 3. else `plan.as_of`, when `previous`'s ledger lists the task as open:
///    it was done between the two snapshots, and this one is the first to
///    see it done;
/// 4. else none. A task that appears already done (new in the sources, or
///    the first snapshot of the project, or a previous snapshot without a
///    ledger) was done at some unknown time before: dating it today would
///    count a whole imported backlog as this week's throughput.
///
/// A task the plan's partition does not list (a plan written before the
/// partition existed) gets its state from its status and its dependencies.
pub fn ledger(set: &CuratedSet, plan: &Plan, previous: Option<&PmSnapshot>) -> Vec<TaskLine> {
    let mut partition: HashMap<&str, TaskState> = HashMap::with_capacity(plan.open.total());
    for (ids, state) in [
        (&plan.open.in_progress, TaskState::InProgress),
        (&plan.open.ready, TaskState::Ready),
        (&plan.open.waiting, TaskState::Waiting),
        (&plan.open.blocked, TaskState::Blocked),
    ] {
        for id in ids {
            partition.insert(id.as_str(), state);
        }
    }
    let done: HashSet<&str> = set
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Done)
        .map(|t| t.id.as_str())
        .collect();
    let before: HashMap<&str, &TaskLine> = previous
        .map(|p| p.tasks.iter().map(|l| (l.id.as_str(), l)).collect())
        .unwrap_or_default();

    let mut lines: Vec<TaskLine> = set
        .tasks
        .iter()
        .map(|task| {
            let state = if task.status == TaskStatus::Done {
                TaskState::Done
            } else if let Some(state) = partition.get(task.id.as_str()) {
                *state
            } else {
                match task.status {
                    TaskStatus::InProgress => TaskState::InProgress,
                    TaskStatus::Blocked => TaskState::Blocked,
                    _ if task.depends_on.iter().all(|d| done.contains(d.as_str())) => {
                        TaskState::Ready
                    }
                    _ => TaskState::Waiting,
                }
            };
            let done_on = match state {
                TaskState::Done => task
                    .done_on
                    .or_else(|| carried(before.get(task.id.as_str()), plan.as_of)),
                _ => None,
            };
            TaskLine {
                id: task.id.clone(),
                title: task.title.clone(),
                goal: task.goal.clone(),
                state,
                due: task.due,
                effort_days: task.effort.days(),
                done_on,
            }
        })
        .collect();
    lines.sort_by(|a, b| a.id.cmp(&b.id));
    lines
}

/// Rules 2 to 4 of [`ledger`]'s done date.
fn carried(before: Option<&&TaskLine>, as_of: NaiveDate) -> Option<NaiveDate> {
    let before = before?;
    match before.state {
        TaskState::Done => before.done_on,
        _ => Some(as_of),
    }
}
