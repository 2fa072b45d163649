//! The few phrases every view words the same way.

use vpm_model::plan::GoalStatus;
use vpm_model::snapshot::{ActionStatus, EvidenceKind, GapKind};

/// `0.654` → `65%` (rounded, clamped to 0–100).
pub fn percent(fraction: f64) -> String {
    let value = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    format!("{}%", (value * 100.0).round() as i64)
}

/// `on_track` → `on track`.
pub fn goal_status(status: GoalStatus) -> &'static str {
    match status {
        GoalStatus::OnTrack => "on track",
        GoalStatus::AtRisk => "at risk",
        GoalStatus::OffTrack => "off track",
        GoalStatus::Done => "done",
    }
}

pub fn action_status(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Todo => "to do",
        ActionStatus::InProgress => "in progress",
        ActionStatus::Done => "done",
    }
}

pub fn gap_kind(kind: GapKind) -> &'static str {
    match kind {
        GapKind::UnmetCriterion => "unmet criterion",
        GapKind::BlockedTask => "blocked",
        GapKind::OverdueTask => "overdue",
        GapKind::Risk => "risk",
        GapKind::RemainingWork => "remaining work",
    }
}

/// `2 unmet criteria`, `1 risk`, `the remaining work`.
pub fn gap_kind_count(kind: GapKind, n: usize) -> String {
    match kind {
        GapKind::UnmetCriterion => count(n, "unmet criterion", "unmet criteria"),
        GapKind::BlockedTask => format!("{n} blocked"),
        GapKind::OverdueTask => format!("{n} overdue"),
        GapKind::Risk => count(n, "risk", "risks"),
        GapKind::RemainingWork if n == 1 => "the remaining work".to_owned(),
        GapKind::RemainingWork => count(n, "remaining-work item", "remaining-work items"),
    }
}

pub fn evidence_kind(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Doc => "doc",
        EvidenceKind::State => "state",
        EvidenceKind::Report => "report",
        EvidenceKind::Decision => "decision",
    }
}

/// `due 2026-05-15 (in 31 days)`, `due 2026-04-01 (13 days ago)`.
pub fn due(date: chrono::NaiveDate, days_left: Option<i64>) -> String {
    match days_left {
        Some(0) => format!("due {date} (today)"),
        Some(1) => format!("due {date} (tomorrow)"),
        Some(-1) => format!("due {date} (1 day ago)"),
        Some(d) if d > 0 => format!("due {date} (in {d} days)"),
        Some(d) => format!("due {date} ({} days ago)", -d),
        None => format!("due {date}"),
    }
}

/// `1 task`, `3 tasks`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// A chain of steps joined by arrows; a long one keeps its first and last
/// [`PATH_ENDS`] steps and counts the rest:
/// `T1 → T2 → … 37 more … → T40 → T41`.
pub fn path<S: AsRef<str>>(steps: &[S]) -> String {
    fn join<S: AsRef<str>>(part: &[S]) -> String {
        part.iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(" → ")
    }
    if steps.len() <= 2 * PATH_ENDS + 1 {
        return join(steps);
    }
    let head = join(&steps[..PATH_ENDS]);
    let tail = join(&steps[steps.len() - PATH_ENDS..]);
    format!("{head} → … {} more … → {tail}", steps.len() - 2 * PATH_ENDS)
}

/// Steps shown at each end of a long path.
pub const PATH_ENDS: usize = 2;

/// At most `shown` items joined by `, `, then `and N more`.
pub fn some_of<S: AsRef<str>>(items: &[S], shown: usize) -> String {
    let mut out: Vec<&str> = items.iter().take(shown).map(AsRef::as_ref).collect();
    let more = items.len().saturating_sub(shown);
    let more = format!("and {more} more");
    if items.len() > shown {
        out.push(&more);
    }
    out.join(", ")
}

/// `2 working days to spare`, `3 working days short`, `no slack`.
pub fn slack(days: i64) -> String {
    match days {
        0 => "no working day to spare".to_owned(),
        d if d > 0 => format!(
            "{} to spare",
            count(d as usize, "working day", "working days")
        ),
        d => format!(
            "{} short",
            count(d.unsigned_abs() as usize, "working day", "working days")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_keep_their_ends_and_count_the_middle() {
        let steps: Vec<String> = (1..=41).map(|i| format!("T{i}")).collect();
        assert_eq!(path(&steps), "T1 → T2 → … 37 more … → T40 → T41");
        assert_eq!(path(&steps[..5]), "T1 → T2 → T3 → T4 → T5");
        assert_eq!(path(&steps[..6]), "T1 → T2 → … 2 more … → T5 → T6");
        assert_eq!(some_of(&steps[..4], 2), "T1, T2, and 2 more");
        assert_eq!(some_of(&steps[..2], 2), "T1, T2");
    }

    #[test]
    fn percentages_round_and_clamp() {
        assert_eq!(percent(0.654), "65%");
        assert_eq!(percent(0.655_1), "66%");
        assert_eq!(percent(1.2), "100%");
        assert_eq!(percent(f64::NAN), "0%");
    }

    #[test]
    fn due_dates_say_how_far() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 5, 15).unwrap();
        assert_eq!(due(d, Some(31)), "due 2026-05-15 (in 31 days)");
        assert_eq!(due(d, Some(-3)), "due 2026-05-15 (3 days ago)");
        assert_eq!(due(d, None), "due 2026-05-15");
    }
}
