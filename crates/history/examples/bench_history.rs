//! The two bars of issue 16 for the computing core: the changes between two
//! 10,000-task snapshots (under 20 ms) and a 10,000-trial forecast over
//! 10,000 tasks (under 50 ms).
//!
//! `cargo run --release -p vpm-history --example bench_history`
//!
//! Prints a Markdown table of medians over repeated runs, wall clock on one
//! thread, with the bar beside each. The project is generated with a fixed
//! seed: 10,000 tasks in 50 goals, 40 % done with done dates spread over
//! the last 26 weeks, the rest open; the later snapshot has 300 tasks done
//! since, 200 added, 100 removed, 150 slipped, 50 newly blocked and a
//! different Next 3.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, TimeZone, Utc};
use vpm_history::{DEFAULT_TRIALS, changes, forecast};
use vpm_model::Level;
use vpm_model::history::{ArchivedSnapshot, TaskLine, TaskState};
use vpm_model::plan::{ActionKind, GoalStatus};
use vpm_model::snapshot::{
    ActionStatus, Current, GoalView, Goals, NextAction, PmSnapshot, SnapshotVersion,
};

const TASKS: usize = 10_000;
const GOALS: usize = 50;
const RUNS: usize = 21;

/// xorshift64*: enough to spread a synthetic project, and no dependency.
struct Spread(u64);
impl Spread {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn day(base: NaiveDate, plus: u64) -> NaiveDate {
    base.checked_add_days(Days::new(plus)).unwrap()
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn ledger(spread: &mut Spread) -> Vec<TaskLine> {
    let start = as_of().checked_sub_days(Days::new(26 * 7 - 1)).unwrap();
    (0..TASKS)
        .map(|i| {
            let done = i % 5 < 2;
            let state = if done {
                TaskState::Done
            } else {
                [
                    TaskState::InProgress,
                    TaskState::Ready,
                    TaskState::Waiting,
                    TaskState::Waiting,
                    TaskState::Blocked,
                ][spread.next(5) as usize]
            };
            TaskLine {
                id: format!("T-{i:05}"),
                title: format!("Task number {i} of the generated project"),
                goal: format!("G{:02}", i % GOALS),
                state,
                due: (spread.next(3) == 0).then(|| day(as_of(), spread.next(120))),
                effort_days: [1, 3, 8][spread.next(3) as usize],
                done_on: done.then(|| day(start, spread.next(26 * 7))),
            }
        })
        .collect()
}

fn goals(progress_shift: f64) -> Vec<GoalView> {
    (0..GOALS)
        .map(|g| GoalView {
            id: format!("G{g:02}"),
            title: format!("Goal {g}"),
            due: Some(day(as_of(), 30 + 7 * g as u64)),
            progress: 0.4 + progress_shift * (g % 3) as f64,
            status: if g % 7 == 0 {
                GoalStatus::AtRisk
            } else {
                GoalStatus::OnTrack
            },
            reasons: vec![],
        })
        .collect()
}

fn snapshot(
    as_of: NaiveDate,
    tasks: Vec<TaskLine>,
    goals: Vec<GoalView>,
    next: &[&str],
) -> PmSnapshot {
    PmSnapshot {
        schema_version: SnapshotVersion::Current,
        project_id: "bench".to_owned(),
        generated_at: Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap(),
        as_of_date: as_of,
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
        next_actions: next
            .iter()
            .map(|id| NextAction {
                id: (*id).to_owned(),
                title: format!("Task {id}"),
                details: String::new(),
                evidence_refs: vec![],
                links: vec![],
                impact: Level::High,
                effort: Level::Medium,
                status: ActionStatus::Todo,
                owner: None,
                due: None,
                kind: ActionKind::Finish,
                gates: None,
            })
            .collect(),
        evidence: vec![],
        notes: vec![],
        tasks,
        changes: None,
        trend: vec![],
        forecast: None,
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let mut spread = Spread(0x9E37_79B9_7F4A_7C15);
    let before = ledger(&mut spread);

    // A week later: some done, some slipped, some blocked, some added and removed.
    let week_later = day(as_of(), 7);
    let mut after: Vec<TaskLine> = before.iter().skip(100).cloned().collect();
    let (mut done, mut slipped, mut blocked) = (0, 0, 0);
    for line in &mut after {
        if line.state == TaskState::Done {
            continue;
        }
        if done < 300 {
            line.state = TaskState::Done;
            line.done_on = Some(day(as_of(), 3));
            done += 1;
        } else if slipped < 150 && line.due.is_some() {
            line.due = line.due.map(|d| day(d, 7));
            slipped += 1;
        } else if blocked < 50 && line.state != TaskState::Blocked {
            line.state = TaskState::Blocked;
            blocked += 1;
        }
    }
    for (i, line) in before.iter().take(200).enumerate() {
        let mut line = line.clone();
        line.id = format!("U-{i:05}");
        line.state = TaskState::Ready;
        line.done_on = None;
        after.push(line);
    }
    after.sort_by(|a, b| a.id.cmp(&b.id));

    let base = ArchivedSnapshot {
        record_id: "0".repeat(64),
        snapshot: Box::new(snapshot(
            as_of(),
            before.clone(),
            goals(0.0),
            &["T-00002", "T-00003", "T-00004"],
        )),
    };
    let current = snapshot(
        week_later,
        after.clone(),
        goals(0.05),
        &["T-00002", "U-00001", "T-00009"],
    );

    let first = changes(&base, &current);
    let diff_times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            black_box(changes(black_box(&base), black_box(&current)));
            t.elapsed()
        })
        .collect();

    let goal_views = goals(0.0);
    let goal_refs: Vec<&GoalView> = goal_views.iter().collect();
    let result = forecast("bench", week_later, &after, &goal_refs, DEFAULT_TRIALS).unwrap();
    let forecast_times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            black_box(forecast(
                "bench",
                week_later,
                black_box(&after),
                &goal_refs,
                DEFAULT_TRIALS,
            ));
            t.elapsed()
        })
        .collect();
    let last_goal = result.goals.last().unwrap();
    let open_effort: f64 = result.goals.iter().map(|g| g.remaining).sum();

    println!("| step | input | median of {RUNS} | bar |");
    println!("|---|---|---:|---:|");
    println!(
        "| changes | 2 × {TASKS} tasks; {} done, {} added, {} removed, {} slipped, {} newly blocked | {} | 20 ms |",
        first.done.len(),
        first.added.len(),
        first.removed.len(),
        first.slipped.len(),
        first.newly_blocked.len(),
        ms(median(diff_times))
    );
    println!(
        "| forecast | {TASKS} tasks, {} open goals, {open_effort} effort days open, {} observed weeks, {} trials; last goal P50 {} | {} | 50 ms |",
        result.goals.len(),
        result.weekly_throughput.len(),
        result.trials,
        last_goal.p50.map_or("none".to_owned(), |d| d.to_string()),
        ms(median(forecast_times))
    );
}
