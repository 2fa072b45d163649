//! What changed from an earlier archived snapshot to the current one.
//!
//! Every rule compares the two snapshots' ledgers ([`TaskLine`]s), goal
//! views and Next 3, and nothing else, so each line of a `changes` section
//! can be checked by hand against the two records:
//!
//! | list | a task (or goal) is listed when |
//! |---|---|
//! | `done` | open in the earlier ledger, done now |
//! | `added` | in the current ledger, not in the earlier one |
//! | `removed` | in the earlier ledger, not in the current one |
//! | `slipped` | open now, and its due date is later than the earlier one or was dropped (`days`: how much later) |
//! | `newly_blocked` | in both, marked blocked now and not then (a task added blocked is only in `added`) |
//! | `unblocked` | in both, marked blocked then, open and not blocked now (a blocked task now done is only in `done`) |
//! | `goals` | its status or due date changed, or its progress moved by more than 1e-9, or it is new or gone; every value known on each side is given |
//!
//! **Next 3.** An action *left* when its task is in the earlier Next 3 and
//! not in the current one; its cause is the first that holds of: its task is
//! gone from the ledger (`removed`), is done (`done`), is now marked blocked
//! while it was proposed to be finished (`blocked`), else `ranking`. An
//! action *entered* when it is in the current Next 3 and not the earlier
//! one; its cause: its task was not in the earlier ledger (`new`), was
//! marked blocked then and is not now (`unblocked`), was waiting on a
//! dependency then and can start now (`ready`), else `ranking`. Causes that
//! need the earlier ledger fall back to `ranking` without one.
//!
//! The `ranking` reasons pair actions in order: the first action that left
//! for ranking names the first action that entered (best first) as the one
//! that now ranks above it, the second the second, and so on; an action
//! that entered for ranking names the action that left for ranking in the
//! same position, or says a place came free.
//!
//! Without a ledger in the earlier snapshot (written before 0.3) the task
//! lists are empty and `since.had_ledger` is false: goals and the Next 3
//! are still compared.

use std::collections::{HashMap, HashSet};

use vpm_model::history::{
    ActionChange, ActionChangeCause, ArchivedSnapshot, ChangeBase, Changes, DueChange, GoalChange,
    NextActionChanges, TaskChange, TaskLine, TaskState,
};
use vpm_model::snapshot::{GoalView, NextAction};
use vpm_model::{PmSnapshot, plan::ActionKind};

/// Goal progress is a float; a move smaller than this is no change.
pub const PROGRESS_TOLERANCE: f64 = 1e-9;

/// What changed from `base` to `current`. `current` must already carry its
/// `tasks`, `goals` and `next_actions`. The rules are in the module
/// documentation; every list is sorted by task or goal id.
pub fn changes(base: &ArchivedSnapshot, current: &PmSnapshot) -> Changes {
    let earlier = &base.snapshot;
    let had_ledger = !earlier.tasks.is_empty();
    let then: HashMap<&str, &TaskLine> = earlier.tasks.iter().map(|l| (l.id.as_str(), l)).collect();
    let now: HashMap<&str, &TaskLine> = current.tasks.iter().map(|l| (l.id.as_str(), l)).collect();

    let mut done = Vec::new();
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut slipped = Vec::new();
    let mut newly_blocked = Vec::new();
    let mut unblocked = Vec::new();
    if had_ledger {
        for line in &current.tasks {
            let Some(old) = then.get(line.id.as_str()) else {
                added.push(task_change(line));
                continue;
            };
            let open_now = line.state != TaskState::Done;
            if old.state != TaskState::Done && !open_now {
                done.push(task_change(line));
            }
            if open_now && let Some(from) = old.due {
                match line.due {
                    None => slipped.push(due_change(line, from, None)),
                    Some(to) if to > from => slipped.push(due_change(line, from, Some(to))),
                    Some(_) => {}
                }
            }
            let blocked_now = line.state == TaskState::Blocked;
            let blocked_then = old.state == TaskState::Blocked;
            if blocked_now && !blocked_then {
                newly_blocked.push(task_change(line));
            }
            if blocked_then && open_now && !blocked_now {
                unblocked.push(task_change(line));
            }
        }
        for line in &earlier.tasks {
            if !now.contains_key(line.id.as_str()) {
                removed.push(task_change(line));
            }
        }
    }
    for list in [
        &mut done,
        &mut added,
        &mut removed,
        &mut newly_blocked,
        &mut unblocked,
    ] {
        list.sort_by(|a, b| a.id.cmp(&b.id));
    }
    slipped.sort_by(|a, b| a.id.cmp(&b.id));

    Changes {
        since: ChangeBase {
            record_id: base.record_id.clone(),
            as_of_date: earlier.as_of_date,
            generated_at: earlier.generated_at,
            had_ledger,
        },
        done,
        added,
        removed,
        slipped,
        newly_blocked,
        unblocked,
        goals: goal_changes(earlier, current),
        next_actions: next_action_changes(earlier, current, had_ledger, &then, &now),
    }
}

fn task_change(line: &TaskLine) -> TaskChange {
    TaskChange {
        id: line.id.clone(),
        title: line.title.clone(),
        goal: line.goal.clone(),
    }
}

fn due_change(
    line: &TaskLine,
    from: chrono::NaiveDate,
    to: Option<chrono::NaiveDate>,
) -> DueChange {
    DueChange {
        id: line.id.clone(),
        title: line.title.clone(),
        goal: line.goal.clone(),
        from,
        to,
        days: to.map(|to| (to - from).num_days()),
    }
}

fn all_goals(snapshot: &PmSnapshot) -> impl Iterator<Item = &GoalView> {
    snapshot
        .goals
        .short_term
        .iter()
        .chain(&snapshot.goals.mid_term)
}

fn goal_changes(earlier: &PmSnapshot, current: &PmSnapshot) -> Vec<GoalChange> {
    let then: HashMap<&str, &GoalView> = all_goals(earlier).map(|g| (g.id.as_str(), g)).collect();
    let now: HashMap<&str, &GoalView> = all_goals(current).map(|g| (g.id.as_str(), g)).collect();
    let mut out = Vec::new();
    for goal in all_goals(current) {
        match then.get(goal.id.as_str()) {
            None => out.push(GoalChange {
                id: goal.id.clone(),
                title: goal.title.clone(),
                status_from: None,
                status_to: Some(goal.status),
                progress_from: None,
                progress_to: Some(goal.progress),
                due_from: None,
                due_to: goal.due,
            }),
            Some(old) => {
                let moved = (goal.progress - old.progress).abs() > PROGRESS_TOLERANCE
                    // NaN never compares: a hostile progress counts as a change.
                    || goal.progress.is_nan() != old.progress.is_nan();
                if old.status != goal.status || old.due != goal.due || moved {
                    out.push(GoalChange {
                        id: goal.id.clone(),
                        title: goal.title.clone(),
                        status_from: Some(old.status),
                        status_to: Some(goal.status),
                        progress_from: Some(old.progress),
                        progress_to: Some(goal.progress),
                        due_from: old.due,
                        due_to: goal.due,
                    });
                }
            }
        }
    }
    for old in all_goals(earlier) {
        if !now.contains_key(old.id.as_str()) {
            out.push(GoalChange {
                id: old.id.clone(),
                title: old.title.clone(),
                status_from: Some(old.status),
                status_to: None,
                progress_from: Some(old.progress),
                progress_to: None,
                due_from: old.due,
                due_to: None,
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    // A snapshot lists each goal once; should a hostile one repeat an id,
    // report it once.
    out.dedup_by(|a, b| a.id == b.id);
    out
}

fn next_action_changes(
    earlier: &PmSnapshot,
    current: &PmSnapshot,
    had_ledger: bool,
    then: &HashMap<&str, &TaskLine>,
    now: &HashMap<&str, &TaskLine>,
) -> NextActionChanges {
    let before: HashSet<&str> = earlier.next_actions.iter().map(|a| a.id.as_str()).collect();
    let after: HashSet<&str> = current.next_actions.iter().map(|a| a.id.as_str()).collect();
    let has_ledger_now = !current.tasks.is_empty();

    // Best first, as each snapshot ranks them.
    let left_actions: Vec<&NextAction> = earlier
        .next_actions
        .iter()
        .filter(|a| !after.contains(a.id.as_str()))
        .collect();
    let entered_actions: Vec<&NextAction> = current
        .next_actions
        .iter()
        .filter(|a| !before.contains(a.id.as_str()))
        .collect();

    let left_causes: Vec<(ActionChangeCause, String)> = left_actions
        .iter()
        .map(|action| {
            let line = now.get(action.id.as_str());
            match line {
                None if has_ledger_now => (
                    ActionChangeCause::Removed,
                    format!("{} is gone from the sources", action.id),
                ),
                Some(line) if line.state == TaskState::Done => (
                    ActionChangeCause::Done,
                    match line.done_on {
                        Some(date) => format!("done on {date}"),
                        None => "done".to_owned(),
                    },
                ),
                Some(line)
                    if line.state == TaskState::Blocked && action.kind == ActionKind::Finish =>
                {
                    (
                        ActionChangeCause::Blocked,
                        format!("{} is now marked blocked", action.id),
                    )
                }
                _ => (ActionChangeCause::Ranking, String::new()),
            }
        })
        .collect();
    let entered_causes: Vec<(ActionChangeCause, String)> = entered_actions
        .iter()
        .map(|action| {
            let old = then.get(action.id.as_str());
            let state_now = now.get(action.id.as_str()).map(|l| l.state);
            match old {
                None if had_ledger => (
                    ActionChangeCause::New,
                    format!("{} is new since {}", action.id, earlier.as_of_date),
                ),
                Some(old)
                    if old.state == TaskState::Blocked
                        && state_now.is_some_and(|s| s != TaskState::Blocked) =>
                {
                    (
                        ActionChangeCause::Unblocked,
                        format!(
                            "{} was marked blocked on {} and no longer is",
                            action.id, earlier.as_of_date
                        ),
                    )
                }
                Some(old)
                    if old.state == TaskState::Waiting
                        && matches!(state_now, Some(TaskState::Ready | TaskState::InProgress)) =>
                {
                    (
                        ActionChangeCause::Ready,
                        format!(
                            "every task {} waited on on {} is now done",
                            action.id, earlier.as_of_date
                        ),
                    )
                }
                _ => (ActionChangeCause::Ranking, String::new()),
            }
        })
        .collect();

    // Pair the ranking moves in order, best first on each side.
    let left_by_ranking: Vec<&NextAction> = left_actions
        .iter()
        .zip(&left_causes)
        .filter(|(_, (c, _))| *c == ActionChangeCause::Ranking)
        .map(|(a, _)| *a)
        .collect();

    let mut left: Vec<ActionChange> = Vec::with_capacity(left_actions.len());
    let mut ranking_index = 0;
    for (action, (cause, reason)) in left_actions.iter().zip(left_causes) {
        let reason = if cause == ActionChangeCause::Ranking {
            let above = entered_actions.get(ranking_index);
            ranking_index += 1;
            match above {
                Some(above) => match above.due {
                    Some(due) => format!("{} now ranks above it (due {due})", above.id),
                    None => format!("{} now ranks above it", above.id),
                },
                None => "it no longer ranks among the Next 3".to_owned(),
            }
        } else {
            reason
        };
        left.push(action_change(action, cause, reason));
    }
    let mut entered: Vec<ActionChange> = Vec::with_capacity(entered_actions.len());
    let mut ranking_index = 0;
    for (action, (cause, reason)) in entered_actions.iter().zip(entered_causes) {
        let reason = if cause == ActionChangeCause::Ranking {
            let below = left_by_ranking.get(ranking_index);
            ranking_index += 1;
            match below {
                Some(below) => format!("it now ranks above {}", below.id),
                None => "it moved up as a place in the Next 3 came free".to_owned(),
            }
        } else {
            reason
        };
        entered.push(action_change(action, cause, reason));
    }
    left.sort_by(|a, b| a.id.cmp(&b.id));
    entered.sort_by(|a, b| a.id.cmp(&b.id));
    NextActionChanges { entered, left }
}

fn action_change(action: &NextAction, cause: ActionChangeCause, reason: String) -> ActionChange {
    ActionChange {
        id: action.id.clone(),
        title: action.title.clone(),
        cause,
        reason,
    }
}
