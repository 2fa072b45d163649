//! The forecast against figures worked out by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Days, NaiveDate};
use common::*;
use vpm_history::{DEFAULT_TRIALS, forecast, forecast_reason};
use vpm_model::history::{TaskLine, TaskState};
use vpm_model::plan::GoalStatus;
use vpm_model::snapshot::GoalView;

const AS_OF: &str = "2026-11-30";

/// Done work of `per_week` effort days in each of the weeks given
/// (0 = the week ending on the as-of date), one task per week.
fn history(per_week: &[u32]) -> Vec<TaskLine> {
    let as_of = date(AS_OF);
    per_week
        .iter()
        .enumerate()
        .map(|(k, &effort)| {
            let mut l = line(&format!("D{k:02}"), "G0", TaskState::Done, effort);
            l.done_on = as_of.checked_sub_days(Days::new(7 * k as u64));
            l
        })
        .collect()
}

fn open(id: &str, goal: &str, effort: u32) -> TaskLine {
    line(id, goal, TaskState::Ready, effort)
}

fn days_after(n: u64) -> NaiveDate {
    date(AS_OF).checked_add_days(Days::new(n)).unwrap()
}

#[test]
fn a_constant_pace_forecasts_the_arithmetic_finish() {
    // R effort days left at c per week: as_of + ⌈7R/c⌉ days, in every trial.
    for (remaining, pace, days) in [
        (10, 3, 24),
        (6, 2, 21),
        (1, 5, 2),
        (100, 7, 100),
        (13, 13, 7),
    ] {
        let mut ledger = history(&[pace; 4]);
        ledger.push(open("T1", "G1", remaining));
        let g1 = goal("G1", Some("2026-12-31"), 0.2, GoalStatus::OnTrack);
        let f = forecast("demo", date(AS_OF), &ledger, &[&g1], 1000).unwrap();
        let g = &f.goals[0];
        assert_eq!(g.remaining, f64::from(remaining));
        assert_eq!(g.p50, Some(days_after(days)), "R {remaining}, c {pace}");
        assert_eq!(g.p85, Some(days_after(days)), "R {remaining}, c {pace}");
        let on_time = if days <= 31 { 1.0 } else { 0.0 };
        assert_eq!(
            g.on_time_probability,
            Some(on_time),
            "R {remaining}, c {pace}"
        );
        assert_eq!(f.weekly_throughput, vec![f64::from(pace); 4]);
    }
}

#[test]
fn later_goals_wait_for_the_earlier_ones_by_due_date() {
    // 4 per week; "A" due later than "B": B first (12 → 21 days), then
    // A after B's 12 and its own 8 (20 → 35 days).
    let mut ledger = history(&[4, 4, 4]);
    ledger.extend([open("T1", "A", 8), open("T2", "B", 12)]);
    let a = goal("A", Some("2027-03-01"), 0.0, GoalStatus::OnTrack);
    let b = goal("B", Some("2026-12-20"), 0.0, GoalStatus::OnTrack);
    let f = forecast("demo", date(AS_OF), &ledger, &[&a, &b], 500).unwrap();
    assert_eq!(f.order, ["B", "A"]);
    let by_id = |id: &str| f.goals.iter().find(|g| g.goal == id).unwrap().clone();
    assert_eq!(by_id("B").p50, Some(days_after(21)));
    assert_eq!(by_id("A").p50, Some(days_after(35)));

    // Swap the due dates: A first (8 → 14 days), then B (20 → 35 days).
    let a = goal("A", Some("2026-12-20"), 0.0, GoalStatus::OnTrack);
    let b = goal("B", None, 0.0, GoalStatus::OnTrack);
    let f = forecast("demo", date(AS_OF), &ledger, &[&b, &a], 500).unwrap();
    assert_eq!(f.order, ["A", "B"], "undated goals come last");
    let by_id = |id: &str| f.goals.iter().find(|g| g.goal == id).unwrap().clone();
    assert_eq!(by_id("A").p50, Some(days_after(14)));
    assert_eq!(by_id("B").p50, Some(days_after(35)));
    assert_eq!(by_id("B").on_time_probability, None, "no due date");
}

#[test]
fn done_goals_are_left_out() {
    let mut ledger = history(&[4, 4, 4]);
    ledger.push(open("T1", "G2", 4));
    let g1 = goal("G1", Some("2026-12-01"), 1.0, GoalStatus::Done);
    let g2 = goal("G2", Some("2026-12-31"), 0.5, GoalStatus::AtRisk);
    let f = forecast("demo", date(AS_OF), &ledger, &[&g1, &g2], 100).unwrap();
    assert_eq!(f.order, ["G2"]);
    assert_eq!(f.goals.len(), 1);
    assert!(forecast("demo", date(AS_OF), &ledger, &[&g1], 100).is_none());
}

#[test]
fn the_same_inputs_give_the_same_forecast_and_the_seed_follows_the_date() {
    let mut ledger = history(&[2, 0, 5, 1, 8, 3]);
    ledger.push(open("T1", "G1", 40));
    let g1 = goal("G1", Some("2027-01-31"), 0.2, GoalStatus::OnTrack);
    let a = forecast("demo", date(AS_OF), &ledger, &[&g1], DEFAULT_TRIALS).unwrap();
    let b = forecast("demo", date(AS_OF), &ledger, &[&g1], DEFAULT_TRIALS).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.seed.len(), 16);
    assert!(
        a.seed
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(a.trials, 10_000);
    // A day later the weeks shift and the seed changes.
    let c = forecast("demo", date("2026-12-01"), &ledger, &[&g1], DEFAULT_TRIALS).unwrap();
    assert_ne!(a.seed, c.seed);
    let d = forecast("other", date(AS_OF), &ledger, &[&g1], DEFAULT_TRIALS).unwrap();
    assert_ne!(a.seed, d.seed);
}

#[test]
fn the_seed_is_the_documented_hash() {
    // printf 'vpm-forecast-v1\0demo\0002026-11-30' | sha256sum, first 16 hex digits.
    let f = forecast(
        "demo",
        date(AS_OF),
        &history(&[1, 1, 1]),
        &[&goal("G1", None, 0.0, GoalStatus::OnTrack)],
        1,
    )
    .unwrap();
    assert_eq!(f.seed, "f54e4b1d007d53d7");
}

#[test]
fn a_pace_of_two_or_four_finishes_near_the_mean() {
    // Weeks of 2 and 4 effort days, equally likely: 3 per week on average.
    // 60 days of work take 20 weeks = 140 days on average; the sum of 20
    // draws has a standard deviation of √20 ≈ 4.5 effort days (≈ 10.4
    // days), so the median of 10,000 trials lies well within a week of 140
    // and P85 about 11 days later.
    let mut ledger = history(&[2, 4, 2, 4]);
    ledger.push(open("T1", "G1", 60));
    let g = |due: &str| goal("G1", Some(due), 0.0, GoalStatus::OnTrack);
    let g1 = g("2027-04-19"); // as_of + 140
    let f = forecast("demo", date(AS_OF), &ledger, &[&g1], DEFAULT_TRIALS).unwrap();
    let gf = &f.goals[0];
    let p50 = (gf.p50.unwrap() - date(AS_OF)).num_days();
    let p85 = (gf.p85.unwrap() - date(AS_OF)).num_days();
    assert!((133..=147).contains(&p50), "P50 {p50} days");
    assert!(p85 >= p50 && p85 <= p50 + 21, "P85 {p85}, P50 {p50}");
    let on_time = gf.on_time_probability.unwrap();
    assert!((0.4..=0.65).contains(&on_time), "{on_time}");

    // A later due date is never less likely to be met.
    let mut last = 0.0;
    for due in [
        "2027-02-01",
        "2027-03-15",
        "2027-04-19",
        "2027-05-01",
        "2027-06-30",
    ] {
        let gd = g(due);
        let p = forecast("demo", date(AS_OF), &ledger, &[&gd], DEFAULT_TRIALS)
            .unwrap()
            .goals[0]
            .on_time_probability
            .unwrap();
        assert!(p >= last, "{due}: {p} < {last}");
        last = p;
    }
    assert_eq!(last, 1.0, "even at 2 a week 60 days take 210 days at most");
}

#[test]
fn too_little_history_says_so_instead_of_guessing() {
    let g1 = goal("G1", Some("2026-12-31"), 0.2, GoalStatus::OnTrack);
    for (ledger, why) in [
        (history(&[5, 3]), "2 weeks of done dates, 3 needed"),
        (history(&[5]), "1 week of done dates, 3 needed"),
        (vec![], "0 weeks of done dates, 3 needed"),
        (
            history(&[0, 0, 0, 0]),
            "nothing was done in the last 4 weeks",
        ),
    ] {
        let mut ledger = ledger;
        ledger.push(open("T1", "G1", 5));
        let f = forecast("demo", date(AS_OF), &ledger, &[&g1], 100).unwrap();
        let g = &f.goals[0];
        assert_eq!((g.p50, g.p85, g.on_time_probability), (None, None, None));
        assert_eq!(g.insufficient.as_deref(), Some(why));
        assert_eq!(
            forecast_reason(&f, &g1).unwrap(),
            format!("no forecast yet: {why}")
        );
    }
}

#[test]
fn old_and_future_done_dates_are_not_counted() {
    // Done 30 weeks ago and tomorrow: neither is in the observed weeks.
    let as_of = date(AS_OF);
    let mut old = line("D1", "G0", TaskState::Done, 5);
    old.done_on = as_of.checked_sub_days(Days::new(7 * 30));
    let mut future = line("D2", "G0", TaskState::Done, 5);
    future.done_on = as_of.checked_add_days(Days::new(1));
    let mut ledger = history(&[1, 0, 2]);
    ledger.extend([old, future, open("T1", "G1", 3)]);
    let g1 = goal("G1", None, 0.0, GoalStatus::OnTrack);
    let f = forecast("demo", as_of, &ledger, &[&g1], 10).unwrap();
    assert_eq!(f.weekly_throughput, vec![2.0, 0.0, 1.0]);
}

#[test]
fn the_reason_compares_p85_with_the_due_date() {
    // 3 per week, 10 left: 24 days → 2026-12-24 in every run; due
    // 2026-12-18, so 6 days late and never on time.
    let mut ledger = history(&[3, 3, 3]);
    ledger.push(open("T1", "G1", 10));
    let g1 = goal("G1", Some("2026-12-18"), 0.2, GoalStatus::OnTrack);
    let f = forecast("demo", date(AS_OF), &ledger, &[&g1], DEFAULT_TRIALS).unwrap();
    assert_eq!(
        forecast_reason(&f, &g1).unwrap(),
        "forecast: P50 2026-12-24, P85 2026-12-24, 6 days after the due date (on time in 0% of 10,000 runs)"
    );
    let early = goal("G1", Some("2026-12-25"), 0.2, GoalStatus::OnTrack);
    let f = forecast("demo", date(AS_OF), &ledger, &[&early], 10).unwrap();
    assert_eq!(
        forecast_reason(&f, &early).unwrap(),
        "forecast: P50 2026-12-24, P85 2026-12-24, 1 day before the due date (on time in 100% of 10 runs)"
    );
    let undated = goal("G1", None, 0.2, GoalStatus::OnTrack);
    let f = forecast("demo", date(AS_OF), &ledger, &[&undated], 10).unwrap();
    assert_eq!(
        forecast_reason(&f, &undated).unwrap(),
        "forecast: P50 2026-12-24, P85 2026-12-24 (10 runs)"
    );
    let other = goal("G9", None, 0.2, GoalStatus::OnTrack);
    assert_eq!(forecast_reason(&f, &other), None);
}

#[test]
fn a_pace_too_slow_for_ten_years_says_so() {
    // 1 effort day in 3 weeks, 10,000 left: not within 520 weeks.
    let mut ledger = history(&[1, 0, 0]);
    ledger.push(open("T1", "G1", 10_000));
    let g1 = goal("G1", Some("2027-01-31"), 0.0, GoalStatus::OnTrack);
    let f = forecast("demo", date(AS_OF), &ledger, &[&g1], 200).unwrap();
    let g = &f.goals[0];
    assert_eq!((g.p50, g.p85), (None, None));
    assert_eq!(g.on_time_probability, Some(0.0));
    assert!(
        g.insufficient.as_deref().unwrap().contains("520 weeks"),
        "{g:?}"
    );
}

#[test]
fn hostile_efforts_and_dates_do_not_panic() {
    let mut ledger = history(&[u32::MAX, u32::MAX, u32::MAX]);
    ledger.push(open("T1", "G1", u32::MAX));
    ledger.push(open("T2", "G2", u32::MAX));
    let mut g1 = goal("G1", None, 0.0, GoalStatus::OnTrack);
    g1.due = Some(NaiveDate::MAX);
    let mut g2: GoalView = goal("G2", None, 0.0, GoalStatus::OnTrack);
    g2.due = Some(NaiveDate::MIN);
    let f = forecast("demo", NaiveDate::MAX, &ledger, &[&g1, &g2], 50).unwrap();
    for g in &f.goals {
        let _ = forecast_reason(&f, &goal(&g.goal, None, 0.0, GoalStatus::OnTrack));
    }
    let f = forecast("demo", NaiveDate::MIN, &ledger, &[&g1, &g2], 50).unwrap();
    assert_eq!(f.goals.len(), 2);
}
