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

#[cfg(test)]
mod tests {
    use super::*;

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
