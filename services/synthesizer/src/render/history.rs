//! The history sections in words, shared by the Markdown report and the
//! HTML page: what changed since an earlier snapshot, and each goal's
//! forecast. The sentences are plain text holding project titles as they
//! are; each view escapes them its own way.

use vpm_model::history::{ActionChange, Changes, DueChange, Forecast, GoalChange, TaskChange};

use crate::wording;

/// Items listed per group of changes, at most; the JSON holds them all.
pub const CHANGE_ITEMS: usize = 8;

/// One group of changes: a label ("Done", "Slipped") and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeGroup {
    pub label: &'static str,
    pub lines: Vec<String>,
    /// How many more there are than the lines shown.
    pub more: usize,
}

/// The non-empty groups of `changes`, in reading order: what got done,
/// what is new, what slipped, what got blocked or unblocked, what was
/// removed, the goals, then the Next 3.
pub fn change_groups(changes: &Changes) -> Vec<ChangeGroup> {
    let groups = [
        ("Done", changes.done.iter().map(task).collect::<Vec<_>>()),
        ("New", changes.added.iter().map(task).collect()),
        ("Slipped", changes.slipped.iter().map(slipped).collect()),
        (
            "Newly blocked",
            changes.newly_blocked.iter().map(task).collect(),
        ),
        ("Unblocked", changes.unblocked.iter().map(task).collect()),
        ("Removed", changes.removed.iter().map(task).collect()),
        ("Goals", changes.goals.iter().map(goal).collect()),
        (
            "Entered the Next 3",
            changes.next_actions.entered.iter().map(action).collect(),
        ),
        (
            "Left the Next 3",
            changes.next_actions.left.iter().map(action).collect(),
        ),
    ];
    groups
        .into_iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(label, mut lines)| {
            let more = lines.len().saturating_sub(CHANGE_ITEMS);
            lines.truncate(CHANGE_ITEMS);
            ChangeGroup { label, lines, more }
        })
        .collect()
}

/// "since 2026-11-23 (record 1a2b3c4d…)", and why some changes cannot be
/// told when the earlier snapshot had no task ledger.
pub fn since_caption(changes: &Changes) -> String {
    let id: String = changes.since.record_id.chars().take(12).collect();
    let mut caption = format!(
        "Compared with the snapshot as of {} (record {id}…).",
        changes.since.as_of_date
    );
    if !changes.since.had_ledger {
        caption.push_str(
            " That snapshot has no task list, so only goal and Next 3 changes can be told.",
        );
    }
    caption
}

fn task(t: &TaskChange) -> String {
    format!("{} {} (goal {})", t.id, t.title, t.goal)
}

fn slipped(d: &DueChange) -> String {
    match (d.to, d.days) {
        (Some(to), Some(days)) => format!(
            "{} {} — due {} → {} ({} later)",
            d.id,
            d.title,
            d.from,
            to,
            wording::count(days.unsigned_abs() as usize, "day", "days")
        ),
        _ => format!("{} {} — due {} dropped", d.id, d.title, d.from),
    }
}

fn goal(g: &GoalChange) -> String {
    let mut parts = Vec::new();
    match (g.status_from, g.status_to) {
        (None, Some(to)) => parts.push(format!("new, {}", wording::goal_status(to))),
        (Some(_), None) => parts.push("gone".to_owned()),
        (Some(from), Some(to)) if from != to => parts.push(format!(
            "{} → {}",
            wording::goal_status(from),
            wording::goal_status(to)
        )),
        _ => {}
    }
    if let (Some(from), Some(to)) = (g.progress_from, g.progress_to)
        && from != to
    {
        parts.push(format!(
            "{} → {}",
            wording::percent(from),
            wording::percent(to)
        ));
    }
    if g.due_from != g.due_to && g.status_from.is_some() && g.status_to.is_some() {
        let show = |d: Option<chrono::NaiveDate>| d.map_or("no date".to_owned(), |d| d.to_string());
        parts.push(format!("due {} → {}", show(g.due_from), show(g.due_to)));
    }
    format!("{} {}: {}", g.id, g.title, parts.join(", "))
}

fn action(a: &ActionChange) -> String {
    format!("{} {} — {}", a.id, a.title, a.reason)
}

/// The forecast's basis in a sentence, so a reader can judge it; `None`
/// when no trial ran (each goal's reasons say why there is no forecast).
pub fn forecast_basis(forecast: &Forecast) -> Option<String> {
    if forecast.trials == 0 {
        return None;
    }
    let unit = match forecast.unit {
        vpm_model::history::ThroughputUnit::EffortDays => "planned working days done",
        vpm_model::history::ThroughputUnit::Tasks => "tasks done",
    };
    let weeks = forecast.weekly_throughput.len();
    let total: f64 = forecast.weekly_throughput.iter().sum();
    let mean = if weeks == 0 {
        0.0
    } else {
        total / weeks as f64
    };
    Some(format!(
        "Monte Carlo over {} trials (seed {}), drawing from {} of observed throughput in {unit} (mean {mean:.1} a week).",
        forecast.trials,
        forecast.seed,
        wording::count(weeks, "week", "weeks"),
    ))
}
