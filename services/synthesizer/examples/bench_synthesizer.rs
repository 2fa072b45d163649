//! Measures the synthesizer's work and prints a Markdown table.
//!
//!     cargo run --release -p synthesizer --example bench_synthesizer
//!
//! Cases: the Lantern fixture (26 tasks, 11 state statements); a big
//! project (2,000 tasks in chains, a 2,000-statement state note, about
//! 190 k characters); ROUGE-L at its bounds (a 400-character summary
//! against a 1 Mi-character note); and the layout of the largest graph the
//! page draws. Each figure is the median of the runs shown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use synthesizer::graph::MAX_DRAWN_TASKS;
use synthesizer::render::layout::layered;
use synthesizer::summary::rouge::{MAX_REFERENCE_CHARS, rouge_l};
use synthesizer::{render_html, render_markdown, synthesize};
use vpm_model::curated::{Statement, StatementKind};
use vpm_model::plan::CriticalPath;
use vpm_model::{CuratedSet, Plan, SourceRef, TaskStatus};

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn lantern() -> (CuratedSet, Plan) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lantern");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    (
        serde_json::from_str(&read("curated.json")).unwrap(),
        serde_json::from_str(&read("plan.json")).unwrap(),
    )
}

/// Lantern's goals with `tasks` remaining tasks in chains of 20 and a state
/// note of `statements` sentences, English and Japanese alternating.
fn big(tasks: usize, statements: usize) -> (CuratedSet, Plan) {
    let (mut set, mut plan) = lantern();
    let template = set.tasks[4].clone();
    set.tasks = (0..tasks)
        .map(|i| {
            let mut t = template.clone();
            t.id = format!("B{i}");
            t.title = format!("Big task {i} with a realistic title");
            t.goal = "G1".into();
            t.status = TaskStatus::Todo;
            t.depends_on = if i % 20 == 0 {
                vec![]
            } else {
                vec![format!("B{}", i - 1)]
            };
            t.source = SourceRef::new("tasks.yaml", 2 + i as u32);
            t
        })
        .collect();
    set.statements = (0..statements)
        .map(|i| Statement {
            id: format!("s{i}"),
            kind: StatementKind::State,
            text: if i % 2 == 0 {
                format!("Site {i} reports that B{i} is waiting on the vendor and the sync queue is {i} notes long.")
            } else {
                format!("第{i}地点では同期が遅れているが、来週には解消する予定である。")
            },
            heading_path: vec!["Status".into()],
            sources: vec![SourceRef::new("state.md", 1 + i as u32)],
            date: None,
        })
        .collect();
    for goal in &mut plan.goals {
        goal.gap.remaining_tasks.clear();
        goal.gap.blocked_tasks.clear();
        goal.gap.overdue_tasks.clear();
        goal.gap.risky_tasks.clear();
        goal.critical_path = CriticalPath {
            tasks: vec![],
            effort_days: 0,
            ..Default::default()
        };
    }
    plan.goals[0].gap.remaining_tasks = set.tasks.iter().map(|t| t.id.clone()).collect();
    plan.graph.topological_order = plan.goals[0].gap.remaining_tasks.clone();
    plan.graph.ready = (0..tasks).step_by(20).map(|i| format!("B{i}")).collect();
    plan.graph.blocked.clear();
    plan.graph.critical_path = CriticalPath {
        tasks: (0..20).map(|i| format!("B{i}")).collect(),
        effort_days: 60,
        ..Default::default()
    };
    plan.next_actions.truncate(1);
    plan.next_actions[0].task = "B0".into();
    plan.next_actions[0].goal = "G1".into();
    plan.next_actions[0].evidence_refs = vec!["tasks.yaml:2".into()];
    (set, plan)
}

fn main() {
    let at = Utc.with_ymd_and_hms(2026, 5, 11, 9, 0, 0).unwrap();
    let mut rows: Vec<(String, usize, Duration)> = Vec::new();

    let (set, plan) = lantern();
    let snapshot = synthesize(&set, &plan, None, at).unwrap();
    rows.push((
        "Lantern: synthesize (26 tasks, 11 statements)".into(),
        200,
        median(200, || {
            synthesize(&set, &plan, None, at).unwrap();
        }),
    ));
    rows.push((
        "Lantern: render Markdown".into(),
        200,
        median(200, || {
            render_markdown(&snapshot);
        }),
    ));
    rows.push((
        "Lantern: render HTML (with graph layout)".into(),
        200,
        median(200, || {
            render_html(&snapshot);
        }),
    ));

    let (set, plan) = big(2000, 2000);
    let note_chars: usize = set.statements.iter().map(|s| s.text.chars().count()).sum();
    let snapshot = synthesize(&set, &plan, None, at).unwrap();
    rows.push((
        format!("Big: synthesize (2,000 tasks, {note_chars} note chars)"),
        9,
        median(9, || {
            synthesize(&set, &plan, None, at).unwrap();
        }),
    ));
    rows.push((
        format!("Big: render HTML ({MAX_DRAWN_TASKS} of 2,000 tasks drawn)"),
        9,
        median(9, || {
            render_html(&snapshot);
        }),
    ));

    let summary = "同期は遅れている。Sync is blocked. ".repeat(16);
    let summary: String = summary.chars().take(400).collect();
    let reference: String =
        "同期は遅れているが来週には解消する予定。Sync is waiting on the vendor. "
            .repeat(MAX_REFERENCE_CHARS / 40 + 1);
    rows.push((
        "ROUGE-L: 400 chars vs 1 Mi-char note (the bound)".into(),
        9,
        median(9, || {
            rouge_l(&summary, &reference);
        }),
    ));

    let edges: Vec<(usize, usize)> = (0..MAX_DRAWN_TASKS)
        .flat_map(|i| [(i, i + 1), (i, (i * 7 + 3) % MAX_DRAWN_TASKS)])
        .filter(|&(a, b)| a < b && b < MAX_DRAWN_TASKS)
        .collect();
    rows.push((
        format!("Layout: {MAX_DRAWN_TASKS} tasks, {} edges", edges.len()),
        200,
        median(200, || {
            layered(MAX_DRAWN_TASKS, &edges);
        }),
    ));

    println!("| case | runs | median |");
    println!("|---|---:|---:|");
    for (case, runs, time) in rows {
        println!("| {case} | {runs} | {:.3} ms |", time.as_secs_f64() * 1e3);
    }
}
