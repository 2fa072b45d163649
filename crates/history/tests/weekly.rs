//! Six weekly snapshots of a generated project, and what each says changed
//! since the week before, worked out by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use vpm_history::{changes, ledger, trend};
use vpm_model::history::{ActionChangeCause as Cause, Changes, DueChange, TaskLine, TaskState::*};
use vpm_model::plan::ActionKind::Finish;
use vpm_model::plan::GoalStatus::{AtRisk, OnTrack};
use vpm_model::snapshot::PmSnapshot;

fn ids<T>(list: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    list.iter().map(|t| id(t).to_owned()).collect()
}

fn causes(list: &[vpm_model::history::ActionChange]) -> Vec<(String, Cause, String)> {
    list.iter()
        .map(|a| (a.id.clone(), a.cause, a.reason.clone()))
        .collect()
}

fn tasks(c: &Changes) -> [Vec<String>; 5] {
    [
        ids(&c.done, |t| &t.id),
        ids(&c.added, |t| &t.id),
        ids(&c.removed, |t| &t.id),
        ids(&c.newly_blocked, |t| &t.id),
        ids(&c.unblocked, |t| &t.id),
    ]
}

fn none() -> Vec<String> {
    vec![]
}

fn v(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

fn weeks() -> Vec<PmSnapshot> {
    let t = |id: &str, goal: &str, state| line(id, goal, state, 3);
    vec![
        // Week 1: T2 under way, T3 waits on it, T8 is low in the ranking.
        snapshot(
            "2026-11-02",
            vec![
                due(t("T1", "G1", Ready), "2026-11-20"),
                t("T2", "G1", InProgress),
                t("T3", "G1", Waiting),
                t("T4", "G2", Ready),
                due(t("T5", "G2", Ready), "2026-12-10"),
                t("T8", "G2", Ready),
            ],
            vec![
                goal("G1", Some("2026-12-31"), 0.1, OnTrack),
                goal("G2", Some("2027-01-29"), 0.0, OnTrack),
            ],
            vec![
                action("T2", None, Finish),
                action("T1", Some("2026-11-20"), Finish),
                action("T4", None, Finish),
            ],
        ),
        // Week 2: T2 done on Friday, so T3 can start; T1 slips a week;
        // T5 is marked blocked.
        snapshot(
            "2026-11-09",
            vec![
                due(t("T1", "G1", Ready), "2026-11-27"),
                done_on(t("T2", "G1", Done), "2026-11-06"),
                t("T3", "G1", Ready),
                t("T4", "G2", Ready),
                due(t("T5", "G2", Blocked), "2026-12-10"),
                t("T8", "G2", Ready),
            ],
            vec![
                goal("G1", Some("2026-12-31"), 0.3, OnTrack),
                goal("G2", Some("2027-01-29"), 0.0, OnTrack),
            ],
            vec![
                action("T3", None, Finish),
                action("T1", Some("2026-11-27"), Finish),
                action("T4", None, Finish),
            ],
        ),
        // Week 3: T5's blocker is cleared; T4 is dropped from the sources;
        // T6 is new and goes straight into the Next 3.
        snapshot(
            "2026-11-16",
            vec![
                due(t("T1", "G1", Ready), "2026-11-27"),
                done_on(t("T2", "G1", Done), "2026-11-06"),
                t("T3", "G1", InProgress),
                due(t("T5", "G2", Ready), "2026-12-10"),
                due(t("T6", "G2", Ready), "2026-12-01"),
                t("T8", "G2", Ready),
            ],
            vec![
                goal("G1", Some("2026-12-31"), 0.4, OnTrack),
                // Progress moves by less than the tolerance: no change.
                goal("G2", Some("2027-01-29"), 0.000_000_000_1, OnTrack),
            ],
            vec![
                action("T3", None, Finish),
                action("T1", Some("2026-11-27"), Finish),
                action("T6", Some("2026-12-01"), Finish),
            ],
        ),
        // Week 4: T1 done; T6 loses its due date; G2 is at risk; T5 moves
        // up into the free place.
        snapshot(
            "2026-11-23",
            vec![
                done_on(due(t("T1", "G1", Done), "2026-11-27"), "2026-11-20"),
                done_on(t("T2", "G1", Done), "2026-11-06"),
                t("T3", "G1", InProgress),
                due(t("T5", "G2", Ready), "2026-12-10"),
                t("T6", "G2", Ready),
                t("T8", "G2", Ready),
            ],
            vec![
                goal("G1", Some("2026-12-31"), 0.6, OnTrack),
                goal("G2", Some("2027-01-29"), 0.0, AtRisk),
            ],
            vec![
                action("T3", None, Finish),
                action("T5", Some("2026-12-10"), Finish),
                action("T6", None, Finish),
            ],
        ),
        // Week 5: T3 is marked blocked and leaves the Next 3; unblocking it
        // is not proposed; T7 is new.
        snapshot(
            "2026-11-30",
            vec![
                done_on(due(t("T1", "G1", Done), "2026-11-27"), "2026-11-20"),
                done_on(t("T2", "G1", Done), "2026-11-06"),
                t("T3", "G1", Blocked),
                due(t("T5", "G2", Ready), "2026-12-10"),
                t("T6", "G2", Ready),
                t("T7", "G2", Ready),
                t("T8", "G2", Ready),
            ],
            vec![
                goal("G1", Some("2026-12-31"), 0.6, AtRisk),
                goal("G2", Some("2027-01-29"), 0.0, AtRisk),
            ],
            vec![
                action("T5", Some("2026-12-10"), Finish),
                action("T7", None, Finish),
                action("T6", None, Finish),
            ],
        ),
        // Week 6: T3's blocker clears; T8 now ranks above T6; T5's date
        // moves earlier (not a slip); G2's date moves a month later.
        snapshot(
            "2026-12-07",
            vec![
                done_on(due(t("T1", "G1", Done), "2026-11-27"), "2026-11-20"),
                done_on(t("T2", "G1", Done), "2026-11-06"),
                t("T3", "G1", InProgress),
                due(t("T5", "G2", Ready), "2026-12-05"),
                t("T6", "G2", Ready),
                t("T7", "G2", Ready),
                t("T8", "G2", Ready),
            ],
            vec![
                goal("G1", Some("2026-12-31"), 0.6, AtRisk),
                goal("G2", Some("2027-02-26"), 0.0, AtRisk),
            ],
            vec![
                action("T5", Some("2026-12-05"), Finish),
                action("T8", None, Finish),
                action("T7", None, Finish),
            ],
        ),
    ]
}

fn week(n: usize) -> Changes {
    let w = weeks();
    changes(&archived(&format!("r{}", n - 1), &w[n - 2]), &w[n - 1])
}

#[test]
fn week_2_a_done_task_a_slip_and_a_new_blocker() {
    let c = week(2);
    assert_eq!(c.since.record_id, "r1");
    assert_eq!(c.since.as_of_date, date("2026-11-02"));
    assert!(c.since.had_ledger);
    // done T2; nothing added or removed; T5 newly blocked.
    assert_eq!(tasks(&c), [v(&["T2"]), none(), none(), v(&["T5"]), none()]);
    // T1: due 2026-11-20 → 2026-11-27, 7 days later.
    assert_eq!(
        c.slipped,
        [DueChange {
            id: "T1".into(),
            title: "Task T1".into(),
            goal: "G1".into(),
            from: date("2026-11-20"),
            to: Some(date("2026-11-27")),
            days: Some(7),
        }]
    );
    // G1 0.1 → 0.3; G2 unchanged.
    assert_eq!(ids(&c.goals, |g| &g.id), v(&["G1"]));
    assert_eq!(
        (c.goals[0].progress_from, c.goals[0].progress_to),
        (Some(0.1), Some(0.3))
    );
    assert_eq!(
        (c.goals[0].status_from, c.goals[0].status_to),
        (Some(OnTrack), Some(OnTrack))
    );
    // T2 left (done on its date); T3 entered: it waited on T2, now ready.
    assert_eq!(
        causes(&c.next_actions.left),
        [("T2".into(), Cause::Done, "done on 2026-11-06".into())]
    );
    assert_eq!(
        causes(&c.next_actions.entered),
        [(
            "T3".into(),
            Cause::Ready,
            "every task T3 waited on on 2026-11-02 is now done".into()
        )]
    );
}

#[test]
fn week_3_a_task_added_one_removed_and_a_blocker_cleared() {
    let c = week(3);
    // added T6, removed T4, unblocked T5.
    assert_eq!(
        tasks(&c),
        [none(), v(&["T6"]), v(&["T4"]), none(), v(&["T5"])]
    );
    assert!(c.slipped.is_empty());
    // G1 0.3 → 0.4; G2's 1e-10 is within the tolerance.
    assert_eq!(ids(&c.goals, |g| &g.id), v(&["G1"]));
    assert_eq!(
        causes(&c.next_actions.left),
        [(
            "T4".into(),
            Cause::Removed,
            "T4 is gone from the sources".into()
        )]
    );
    assert_eq!(
        causes(&c.next_actions.entered),
        [("T6".into(), Cause::New, "T6 is new since 2026-11-09".into())]
    );
}

#[test]
fn week_4_a_dropped_due_date_is_a_slip_and_a_place_comes_free() {
    let c = week(4);
    assert_eq!(tasks(&c), [v(&["T1"]), none(), none(), none(), none()]);
    // T6: due 2026-12-01 dropped.
    assert_eq!(c.slipped.len(), 1);
    assert_eq!(
        (
            c.slipped[0].id.as_str(),
            c.slipped[0].from,
            c.slipped[0].to,
            c.slipped[0].days
        ),
        ("T6", date("2026-12-01"), None, None)
    );
    // G1 0.4 → 0.6 (on track); G2 on track → at risk at 1e-10 → 0.
    assert_eq!(ids(&c.goals, |g| &g.id), v(&["G1", "G2"]));
    assert_eq!(
        (c.goals[1].status_from, c.goals[1].status_to),
        (Some(OnTrack), Some(AtRisk))
    );
    assert_eq!(
        causes(&c.next_actions.left),
        [("T1".into(), Cause::Done, "done on 2026-11-20".into())]
    );
    // T5 was ready then too: it entered because T1's place came free.
    assert_eq!(
        causes(&c.next_actions.entered),
        [(
            "T5".into(),
            Cause::Ranking,
            "it moved up as a place in the Next 3 came free".into()
        )]
    );
}

#[test]
fn week_5_a_task_marked_blocked_leaves_the_next_3() {
    let c = week(5);
    // added T7; T3 newly blocked.
    assert_eq!(tasks(&c), [none(), v(&["T7"]), none(), v(&["T3"]), none()]);
    assert!(c.slipped.is_empty());
    assert_eq!(ids(&c.goals, |g| &g.id), v(&["G1"]));
    assert_eq!(
        (c.goals[0].status_from, c.goals[0].status_to),
        (Some(OnTrack), Some(AtRisk))
    );
    assert_eq!(
        causes(&c.next_actions.left),
        [(
            "T3".into(),
            Cause::Blocked,
            "T3 is now marked blocked".into()
        )]
    );
    assert_eq!(
        causes(&c.next_actions.entered),
        [("T7".into(), Cause::New, "T7 is new since 2026-11-23".into())]
    );
}

#[test]
fn week_6_a_ranking_swap_a_cleared_blocker_and_a_goal_date_moved() {
    let c = week(6);
    // T3 unblocked; T5's earlier date is not a slip.
    assert_eq!(tasks(&c), [none(), none(), none(), none(), v(&["T3"])]);
    assert!(c.slipped.is_empty());
    // G2: due 2027-01-29 → 2027-02-26, status and progress as they were.
    assert_eq!(ids(&c.goals, |g| &g.id), v(&["G2"]));
    assert_eq!(
        (c.goals[0].due_from, c.goals[0].due_to),
        (Some(date("2027-01-29")), Some(date("2027-02-26")))
    );
    // T6 was ready and still is: T8 took its place.
    assert_eq!(
        causes(&c.next_actions.left),
        [("T6".into(), Cause::Ranking, "T8 now ranks above it".into())]
    );
    assert_eq!(
        causes(&c.next_actions.entered),
        [("T8".into(), Cause::Ranking, "it now ranks above T6".into())]
    );
}

#[test]
fn an_earlier_snapshot_without_a_ledger_compares_goals_and_the_next_3_only() {
    let w = weeks();
    let mut old = w[0].clone();
    old.tasks.clear();
    let c = changes(&archived("r1", &old), &w[1]);
    assert!(!c.since.had_ledger);
    assert_eq!(tasks(&c), [none(), none(), none(), none(), none()]);
    assert!(c.slipped.is_empty());
    assert_eq!(ids(&c.goals, |g| &g.id), v(&["G1"]));
    // T2 is done in the current ledger; T3's earlier state is unknown.
    assert_eq!(causes(&c.next_actions.left)[0].1, Cause::Done);
    assert_eq!(causes(&c.next_actions.entered)[0].1, Cause::Ranking);
}

#[test]
fn a_goal_new_and_a_goal_gone() {
    let w = weeks();
    let mut now = w[1].clone();
    now.goals.short_term[1] = goal("G3", None, 0.0, OnTrack);
    let c = changes(&archived("r1", &w[0]), &now);
    assert_eq!(ids(&c.goals, |g| &g.id), v(&["G1", "G2", "G3"]));
    let g2 = &c.goals[1];
    assert_eq!(
        (g2.status_from, g2.status_to, g2.progress_to),
        (Some(OnTrack), None, None)
    );
    let g3 = &c.goals[2];
    assert_eq!(
        (g3.status_from, g3.status_to, g3.progress_from),
        (None, Some(OnTrack), None)
    );
}

#[test]
fn the_trend_keeps_one_point_per_date_oldest_first() {
    let w = weeks();
    let mut points = Vec::new();
    for s in &w {
        points = trend(&points, s);
    }
    let dates: Vec<_> = points.iter().map(|p| p.as_of_date.to_string()).collect();
    assert_eq!(
        dates,
        [
            "2026-11-02",
            "2026-11-09",
            "2026-11-16",
            "2026-11-23",
            "2026-11-30",
            "2026-12-07"
        ]
    );
    // Re-running the last week replaces its point.
    let again = trend(&points, &w[5]);
    assert_eq!(again.len(), 6);
    // 200 weeks keep the latest 104.
    let mut long = Vec::new();
    let mut s = w[0].clone();
    for n in 0..200u64 {
        s.as_of_date = date("2026-11-02")
            .checked_add_days(chrono::Days::new(7 * n))
            .unwrap();
        long = trend(&long, &s);
    }
    assert_eq!(long.len(), 104);
    assert_eq!(long.last().map(|p| p.as_of_date), Some(s.as_of_date));
}

/// The real curator's types through the real planner: done dates carried
/// forward week to week.
mod ledger_rules {
    use super::*;
    use vpm_model::Horizon;
    use vpm_model::common::{Effort, Level, SourceRef, TaskStatus};
    use vpm_model::curated::CuratedSetVersion;
    use vpm_model::curated::{CuratedSet, Goal, Project, Task};

    fn source() -> SourceRef {
        SourceRef::new("tasks.yaml", 1)
    }

    fn task(id: &str, status: TaskStatus, deps: &[&str], done: Option<&str>) -> Task {
        Task {
            id: id.into(),
            title: format!("Task {id}"),
            goal: "G1".into(),
            status,
            depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
            criticality: Level::Medium,
            effort: Effort::L,
            risk: Level::Low,
            due: None,
            owner: None,
            done_on: done.map(date),
            source: source(),
            assumed: vec![],
        }
    }

    fn set(tasks: Vec<Task>) -> CuratedSet {
        CuratedSet {
            schema_version: CuratedSetVersion::Current,
            project_id: "demo".into(),
            trace_id: "0".repeat(32),
            as_of: None,
            project: Project {
                id: "demo".into(),
                name: "Demo".into(),
                purpose: None,
                source: source(),
            },
            goals: vec![Goal {
                id: "G1".into(),
                title: "Beta".into(),
                horizon: Horizon::Short,
                due: None,
                acceptance: vec![],
                source: source(),
            }],
            tasks,
            decisions: vec![],
            statements: vec![],
            relations: vec![],
            sources: vec![],
            warnings: vec![],
        }
    }

    fn state(
        lines: &[TaskLine],
        id: &str,
    ) -> (vpm_model::history::TaskState, Option<chrono::NaiveDate>) {
        let l = lines.iter().find(|l| l.id == id).unwrap();
        (l.state, l.done_on)
    }

    #[test]
    fn done_dates_come_from_the_source_else_are_carried_else_are_the_first_day_seen_done() {
        // Week 1: A done before any snapshot (no date), B done with a
        // source date, C in progress, D waits on C, E blocked.
        let s1 = set(vec![
            task("A", TaskStatus::Done, &[], None),
            task("B", TaskStatus::Done, &[], Some("2026-10-30")),
            task("C", TaskStatus::InProgress, &[], None),
            task("D", TaskStatus::Todo, &["C"], None),
            task("E", TaskStatus::Blocked, &[], None),
        ]);
        let p1 = planner::plan(&s1, date("2026-11-02"), "t").unwrap();
        let l1 = ledger(&s1, &p1, None);
        assert_eq!(ids(&l1, |l| &l.id), v(&["A", "B", "C", "D", "E"]));
        assert_eq!(state(&l1, "A"), (Done, None));
        assert_eq!(state(&l1, "B"), (Done, Some(date("2026-10-30"))));
        assert_eq!(state(&l1, "C"), (InProgress, None));
        assert_eq!(state(&l1, "D"), (Waiting, None));
        assert_eq!(state(&l1, "E"), (Blocked, None));
        assert_eq!(l1[0].effort_days, 8, "L is 8 working days");
        let snap1 = snapshot("2026-11-02", l1, vec![], vec![]);

        // Week 2: C done without a date: first seen done now. F appears
        // already done: no date.
        let s2 = set(vec![
            task("A", TaskStatus::Done, &[], None),
            task("B", TaskStatus::Done, &[], Some("2026-10-30")),
            task("C", TaskStatus::Done, &[], None),
            task("D", TaskStatus::Todo, &["C"], None),
            task("E", TaskStatus::Blocked, &[], None),
            task("F", TaskStatus::Done, &[], None),
        ]);
        let p2 = planner::plan(&s2, date("2026-11-09"), "t").unwrap();
        let l2 = ledger(&s2, &p2, Some(&snap1));
        assert_eq!(state(&l2, "C"), (Done, Some(date("2026-11-09"))));
        assert_eq!(state(&l2, "D"), (Ready, None));
        assert_eq!(state(&l2, "F"), (Done, None));
        let snap2 = snapshot("2026-11-09", l2, vec![], vec![]);

        // Week 3: C's date is carried forward.
        let p3 = planner::plan(&s2, date("2026-11-16"), "t").unwrap();
        let l3 = ledger(&s2, &p3, Some(&snap2));
        assert_eq!(state(&l3, "C"), (Done, Some(date("2026-11-09"))));
        assert_eq!(state(&l3, "A"), (Done, None));
    }
}
