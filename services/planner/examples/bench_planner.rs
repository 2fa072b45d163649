//! Planning time as projects grow: 1,000, 10,000 and 100,000 tasks, about
//! three dependencies each, a realistic mix of statuses and goals.
//!
//! `cargo run --release -p planner --example bench_planner`
//!
//! Prints a Markdown table of medians. "plan" is `planner::plan` alone (all
//! checks and algorithms, one thread), as wall-clock time and as the CPU
//! time of the planning thread (which a busy machine does not inflate by
//! making the thread wait for a core); the JSON columns are what the HTTP
//! route adds around it: reading the curated set and writing the plan.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]
#![allow(unsafe_code)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use vpm_model::curated::{
    Criterion, CuratedSet, CuratedSetVersion, Goal, Project, Relation, RelationKind, Task,
};
use vpm_model::{Effort, Horizon, Level, SourceRef, TaskStatus};

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const RUNS: usize = 7;
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn level(rng: &mut StdRng) -> Level {
    [Level::Low, Level::Medium, Level::Medium, Level::High][rng.random_range(0..4)]
}

/// A project of `n` tasks in `n / 200` goals (at least 3). Tasks come
/// roughly in the order work happens: early ones mostly done, late ones
/// mostly to do. Each depends on about three earlier tasks, two nearby (the
/// same stream of work) and one anywhere before it.
fn project(n: usize, seed: u64) -> CuratedSet {
    let mut rng = StdRng::seed_from_u64(seed);
    let goal_count = (n / 200).max(3);
    let goals: Vec<Goal> = (0..goal_count)
        .map(|g| {
            let id = format!("G{}", g + 1);
            Goal {
                acceptance: (0..3)
                    .map(|c| Criterion {
                        id: format!("{id}.{}", c + 1),
                        text: format!("受け入れ基準 {}", c + 1),
                        met: rng.random_bool(0.3),
                        source: SourceRef::new("project.yaml", (g * 8 + c + 10) as u32),
                    })
                    .collect(),
                id,
                title: format!("目標 {}", g + 1),
                horizon: if g % 3 == 0 {
                    Horizon::Short
                } else {
                    Horizon::Mid
                },
                due: Some(as_of() + chrono::Duration::days(rng.random_range(10..250))),
                source: SourceRef::new("project.yaml", (g * 8 + 6) as u32),
            }
        })
        .collect();
    let id = |i: usize| format!("T-{i:06}");
    let mut relations = Vec::new();
    let mut line = 2u32;
    let tasks: Vec<Task> = (0..n)
        .map(|i| {
            let progress = i as f64 / n as f64;
            let roll: f64 = rng.random();
            let status = if progress < 0.4 {
                if roll < 0.85 {
                    TaskStatus::Done
                } else {
                    TaskStatus::InProgress
                }
            } else if roll < 0.1 {
                TaskStatus::Done
            } else if roll < 0.17 {
                TaskStatus::InProgress
            } else if roll < 0.25 {
                TaskStatus::Blocked
            } else {
                TaskStatus::Todo
            };
            let mut deps: Vec<String> = Vec::new();
            if i > 0 {
                let wanted = rng.random_range(2..=4).min(i);
                while deps.len() < wanted {
                    let d = if deps.len() < 2 {
                        i - rng.random_range(1..=i.min(300))
                    } else {
                        rng.random_range(0..i)
                    };
                    if !deps.contains(&id(d)) {
                        deps.push(id(d));
                    }
                }
            }
            let source = SourceRef::new("tasks.yaml", line);
            for (k, d) in deps.iter().enumerate() {
                relations.push(Relation {
                    kind: RelationKind::DependsOn,
                    from: id(i),
                    to: d.clone(),
                    source: SourceRef::new("tasks.yaml", line + 5 + k as u32),
                });
            }
            line += 9 + deps.len() as u32;
            Task {
                id: id(i),
                title: format!("タスク {i} の実装とレビュー"),
                goal: format!(
                    "G{}",
                    (i * goal_count / n + rng.random_range(0..2)).min(goal_count - 1) + 1
                ),
                status,
                depends_on: deps,
                criticality: level(&mut rng),
                effort: [Effort::S, Effort::M, Effort::M, Effort::L][rng.random_range(0..4)],
                risk: level(&mut rng),
                due: rng
                    .random_bool(0.2)
                    .then(|| as_of() + chrono::Duration::days(rng.random_range(-10..200))),
                // A team of twelve, without touching the random stream.
                owner: Some(format!("Person {}", i % 12)),
                done_on: None,
                source,
                assumed: Vec::new(),
            }
        })
        .collect();
    CuratedSet {
        schema_version: CuratedSetVersion::Current,
        project_id: "bench".to_owned(),
        trace_id: TRACE_ID.to_owned(),
        as_of: Some(as_of()),
        project: Project {
            id: "bench".to_owned(),
            name: "Benchmark".to_owned(),
            purpose: None,
            source: SourceRef::new("project.yaml", 1),
        },
        goals,
        tasks,
        decisions: Vec::new(),
        statements: Vec::new(),
        relations,
        sources: Vec::new(),
        warnings: Vec::new(),
    }
}

/// CPU time consumed so far by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which we own, and nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    println!(
        "| tasks | dependencies | ready | estimated counts | plan, wall (median of {RUNS}) | plan, CPU | CPU per task | curated JSON | parse it | write plan JSON |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in SIZES {
        let set = project(n, 42);
        let edges: usize = set.tasks.iter().map(|t| t.depends_on.len()).sum();
        let json = serde_json::to_string(&set).unwrap();
        let mut plan_times = Vec::new();
        let mut cpu_times = Vec::new();
        let mut parse_times = Vec::new();
        let mut write_times = Vec::new();
        let mut last = None;
        for _ in 0..RUNS {
            let started = Instant::now();
            let parsed: CuratedSet = serde_json::from_str(&json).unwrap();
            parse_times.push(started.elapsed());

            let started = Instant::now();
            let cpu_started = thread_cpu_time();
            let plan = planner::plan(&parsed, as_of(), TRACE_ID).unwrap();
            cpu_times.push(thread_cpu_time() - cpu_started);
            plan_times.push(started.elapsed());

            let started = Instant::now();
            let out = serde_json::to_vec(&plan).unwrap();
            write_times.push(started.elapsed());
            std::hint::black_box(out);
            last = Some(plan);
        }
        let plan = last.unwrap();
        let estimated = plan
            .ranking
            .iter()
            .filter(|r| r.factors.unblocks_estimated)
            .count();
        let cpu_median = median(cpu_times);
        println!(
            "| {n} | {edges} | {} | {estimated} | {} | {} | {:.2} µs | {:.1} MB | {} | {} |",
            plan.graph.ready.len(),
            ms(median(plan_times)),
            ms(cpu_median),
            cpu_median.as_secs_f64() * 1e6 / n as f64,
            json.len() as f64 / 1e6,
            ms(median(parse_times)),
            ms(median(write_times)),
        );
    }
}
