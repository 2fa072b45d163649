//! The whole in-process snapshot of a 2,000-task project, stage by stage:
//! what `vpm snapshot DIR --embedded` does after the process has started.
//!
//! ```text
//! VPM_DATA_DIR=$(mktemp -d) cargo run --release -p vpm --example bench_snapshot [-- RUNS]
//! ```
//!
//! Writes a generated project folder (2,000 tasks in 8 goals with
//! dependencies, owners and due dates; 12 decisions; a state note and 26
//! weekly reports, English and Japanese) to a temporary directory, then
//! RUNS times (default 15) reads it from disk, curates, plans, writes the
//! snapshot (JSON, Markdown and HTML) and appends it durably to a SQLite
//! archive in `VPM_DATA_DIR`, each stage timed. Prints a Markdown table of
//! the median, fastest and slowest of each stage and of the total, and the
//! process's CPU time per run. The first run is a warm-up and not counted.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{SubsecRound, Utc};
use vpm_cell::TraceContext;

const TASKS: usize = 2_000;
const GOALS: usize = 8;

/// xorshift64*: the same project on every run and every machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

fn write_project(dir: &Path) {
    let mut rng = Rng(0x5eed_2000);
    let mut project = String::from(
        "id: bench2k\nname: Generated 2,000-task project\nas_of: 2026-11-23\ngoals:\n",
    );
    for g in 1..=GOALS {
        let _ = write!(
            project,
            "  - id: G{g}\n    title: Goal {g} of the generated project\n    horizon: short\n    due: 2027-{:02}-15\n    acceptance:\n      - \"[x] First criterion of goal {g}\"\n      - \"Second criterion of goal {g} holds\"\n",
            1 + g % 12
        );
    }
    std::fs::write(dir.join("project.yaml"), project).unwrap();

    let statuses = ["todo", "todo", "in_progress", "done", "done", "blocked"];
    let levels = ["high", "medium", "low"];
    let owners = ["Aiko", "Kenji", "Jonas", "Mira", "Yuki", "佐藤", "Lena"];
    let mut tasks = String::from("tasks:\n");
    for t in 1..=TASKS {
        let _ = write!(
            tasks,
            "  - id: T{t}\n    title: Task {t} of the {} stream\n    goal: G{}\n    status: {}\n",
            ["sync", "maps", "billing", "onboarding", "翻訳"][t % 5],
            1 + rng.below(GOALS),
            statuses[rng.below(statuses.len())]
        );
        let deps: std::collections::BTreeSet<String> = (0..rng.below(3))
            .filter(|_| t > 1)
            .map(|_| format!("T{}", t - 1 - rng.below((t - 1).min(40))))
            .collect();
        if !deps.is_empty() {
            let deps: Vec<String> = deps.into_iter().collect();
            let _ = writeln!(tasks, "    depends_on: [{}]", deps.join(", "));
        }
        let _ = write!(
            tasks,
            "    criticality: {}\n    effort: {}\n    risk: {}\n    due: 2027-{:02}-{:02}\n    owner: {}\n",
            levels[rng.below(3)],
            ["S", "M", "L"][rng.below(3)],
            levels[rng.below(3)],
            1 + rng.below(12),
            1 + rng.below(28),
            owners[rng.below(owners.len())]
        );
    }
    std::fs::write(dir.join("tasks.yaml"), tasks).unwrap();

    std::fs::create_dir_all(dir.join("decisions")).unwrap();
    for d in 1..=12 {
        let decision = format!(
            "id: D{d}\ndate: 2026-10-{d:02}\ndecision: Decision {d} about the T{} work\nrationale: It keeps goal G{} on time.\nlinks: [T{}, G{}]\n",
            d * 100,
            1 + d % GOALS,
            d * 100,
            1 + d % GOALS
        );
        std::fs::write(dir.join(format!("decisions/{d:04}.yaml")), decision).unwrap();
    }

    let mut state = String::from("---\ndate: 2026-11-23\n---\n# State\n\n## Status\n\n");
    for i in 0..40 {
        let _ = writeln!(
            state,
            "- T{} is {} and waits on review by {}; 同期の遅延リスクあり。",
            1 + rng.below(TASKS),
            ["on track", "late", "blocked on the vendor"][i % 3],
            owners[i % owners.len()]
        );
    }
    std::fs::write(dir.join("state.md"), state).unwrap();
    std::fs::create_dir_all(dir.join("reports")).unwrap();
    for week in 1..=26 {
        let mut report = format!("# Week {week}\n\n## Done\n\n");
        for _ in 0..12 {
            let _ = writeln!(
                report,
                "- Finished T{} for goal G{}; next is T{}.",
                1 + rng.below(TASKS),
                1 + rng.below(GOALS),
                1 + rng.below(TASKS)
            );
        }
        report.push_str("\n## リスク\n\n- 翻訳の遅延が続いている。\n");
        let date = chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap()
            + chrono::Days::new(7 * (week as u64 - 1));
        std::fs::write(dir.join(format!("reports/{date}.md")), report).unwrap();
    }
}

/// CPU time of the whole process (user + system), from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

const STAGES: [&str; 6] = [
    "read the folder",
    "curate",
    "plan",
    "synthesize (JSON, Markdown, HTML)",
    "archive (durable append)",
    "total",
];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(15, |r| r.parse().expect("RUNS is a number"));
    assert!(
        std::env::var_os("VPM_DATA_DIR").is_some(),
        "set VPM_DATA_DIR to an empty directory for the archive"
    );
    let folder = tempfile::tempdir().unwrap();
    write_project(folder.path());
    let limits = curator::Limits::from_env().unwrap();
    let archive = archivist::open_embedded().await.unwrap();

    let mut times: Vec<[Duration; 6]> = Vec::new();
    let cpu_before = cpu_time();
    let mut shape = String::new();
    for run in 0..=runs {
        let trace = TraceContext::new_root();
        let trace_id = trace.trace_id_hex();
        let t0 = Instant::now();
        let packed = curator::folder::bundle_from_dir(folder.path(), None, &limits).unwrap();
        let t1 = Instant::now();
        let curated = curator::curate_event(&packed.bundle, &trace_id, &limits).unwrap();
        let t2 = Instant::now();
        let tasks = curated.curated_set.tasks.len();
        let statements = curated.curated_set.statements.len();
        let planned = planner::plan_event(curated, &trace_id).unwrap();
        let t3 = Instant::now();
        let (submission, _) = synthesizer::step::record_submission(
            planned,
            &synthesizer::past::Past::NotAsked,
            Utc::now().trunc_subsecs(0),
            &trace_id,
        )
        .unwrap();
        let t4 = Instant::now();
        let bytes: usize = submission.attachments.iter().map(|a| a.content.len()).sum();
        if let Err(e) = archive.submit(submission).await {
            panic!("the archive refused the snapshot: {e}");
        }
        let t5 = Instant::now();
        if run == 0 {
            shape = format!(
                "{tasks} tasks, {statements} statements; {} source bytes; snapshot attachments {bytes} bytes",
                packed
                    .bundle
                    .sources
                    .iter()
                    .map(|s| s.content.len())
                    .sum::<usize>()
            );
            continue; // warm-up
        }
        times.push([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0]);
    }
    let cpu_per_run = (cpu_time() - cpu_before) / (runs as u32 + 1);

    println!("In-process snapshot, {shape}; {runs} runs after one warm-up, one thread\n");
    println!("| stage | median | fastest | slowest |");
    println!("|---|---:|---:|---:|");
    for (i, stage) in STAGES.iter().enumerate() {
        let mut column: Vec<Duration> = times.iter().map(|t| t[i]).collect();
        column.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {stage} | {:.1} ms | {:.1} ms | {:.1} ms |",
            ms(column[column.len() / 2]),
            ms(column[0]),
            ms(column[column.len() - 1])
        );
    }
    println!(
        "\nProcess CPU time per run (all stages, all threads): {:.0} ms",
        cpu_per_run.as_secs_f64() * 1000.0
    );
}
