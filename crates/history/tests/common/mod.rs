//! Hand-built snapshots for the tests.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use vpm_model::history::{ArchivedSnapshot, TaskLine, TaskState};
use vpm_model::plan::GoalStatus;
use vpm_model::snapshot::{
    ActionStatus, Current, GoalView, Goals, NextAction, PmSnapshot, SnapshotVersion,
};
use vpm_model::{Level, plan::ActionKind};

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn line(id: &str, goal: &str, state: TaskState, effort: u32) -> TaskLine {
    TaskLine {
        id: id.to_owned(),
        title: format!("Task {id}"),
        goal: goal.to_owned(),
        state,
        due: None,
        effort_days: effort,
        done_on: None,
    }
}

pub fn due(mut l: TaskLine, d: &str) -> TaskLine {
    l.due = Some(date(d));
    l
}

pub fn done_on(mut l: TaskLine, d: &str) -> TaskLine {
    l.done_on = Some(date(d));
    l
}

pub fn goal(id: &str, due: Option<&str>, progress: f64, status: GoalStatus) -> GoalView {
    GoalView {
        id: id.to_owned(),
        title: format!("Goal {id}"),
        due: due.map(date),
        progress,
        status,
        reasons: vec![],
    }
}

pub fn action(id: &str, due: Option<&str>, kind: ActionKind) -> NextAction {
    NextAction {
        id: id.to_owned(),
        title: format!("Task {id}"),
        details: String::new(),
        evidence_refs: vec![],
        links: vec![],
        impact: Level::Medium,
        effort: Level::Medium,
        status: ActionStatus::Todo,
        owner: None,
        due: due.map(date),
        kind,
        gates: None,
    }
}

pub fn snapshot(
    as_of: &str,
    tasks: Vec<TaskLine>,
    goals: Vec<GoalView>,
    next: Vec<NextAction>,
) -> PmSnapshot {
    PmSnapshot {
        schema_version: SnapshotVersion::Current,
        project_id: "demo".to_owned(),
        generated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        as_of_date: date(as_of),
        current: Current {
            summary: String::new(),
            bullets: vec![],
            summary_quality: None,
        },
        goals: Goals {
            short_term: goals,
            mid_term: vec![],
        },
        gaps: vec![],
        next_actions: next,
        evidence: vec![],
        notes: vec![],
        tasks,
        changes: None,
        trend: vec![],
        forecast: None,
    }
}

pub fn archived(id: &str, snapshot: &PmSnapshot) -> ArchivedSnapshot {
    ArchivedSnapshot {
        record_id: id.to_owned(),
        snapshot: Box::new(snapshot.clone()),
    }
}
