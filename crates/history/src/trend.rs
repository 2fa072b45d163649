//! Each goal's progress over the archived snapshots.

use vpm_model::PmSnapshot;
use vpm_model::history::{GoalPoint, TrendPoint};

/// At most this many points (two years of weekly snapshots).
pub const MAX_POINTS: usize = 104;

/// The trend to write into `current`: the `earlier` points (from
/// `History::trend`) plus `current`'s own, oldest first, at most
/// [`MAX_POINTS`] (the latest). An earlier point dated on or after
/// `current`'s as-of date is replaced by it: one point per date, and the
/// snapshot being written is the latest word on its date.
pub fn trend(earlier: &[TrendPoint], current: &PmSnapshot) -> Vec<TrendPoint> {
    let mut points: Vec<TrendPoint> = earlier
        .iter()
        .filter(|p| p.as_of_date < current.as_of_date)
        .cloned()
        .collect();
    points.sort_by_key(|p| p.as_of_date);
    // One point per date: the latest given for it.
    points.reverse();
    points.dedup_by_key(|p| p.as_of_date);
    points.reverse();
    points.push(point(current));
    let excess = points.len().saturating_sub(MAX_POINTS);
    points.drain(..excess);
    points
}

/// `snapshot`'s goals as one trend point.
pub fn point(snapshot: &PmSnapshot) -> TrendPoint {
    TrendPoint {
        as_of_date: snapshot.as_of_date,
        record_id: None,
        goals: goal_points(snapshot),
    }
}

/// Every goal's progress and status in one snapshot, short-term first.
pub fn goal_points(snapshot: &PmSnapshot) -> Vec<GoalPoint> {
    snapshot
        .goals
        .short_term
        .iter()
        .chain(&snapshot.goals.mid_term)
        .map(|g| GoalPoint {
            id: g.id.clone(),
            progress: g.progress,
            status: g.status,
        })
        .collect()
}
