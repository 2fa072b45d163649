//! The task graph on the page stays readable and bounded for big projects.

use crate::support::*;
use scraper::{Html, Selector};
use synthesizer::graph::MAX_DRAWN_TASKS;
use synthesizer::{render_html, synthesize};
use vpm_model::plan::{CriticalPath, Gap};
use vpm_model::{SourceRef, TaskStatus};

/// Lantern's goals with `n` remaining tasks in chains of ten; the project's
/// critical path is the last chain.
fn big_project(n: usize) -> (vpm_model::CuratedSet, vpm_model::Plan) {
    let (mut set, mut plan) = lantern();
    let template = set.tasks[4].clone();
    set.tasks = (0..n)
        .map(|i| {
            let mut task = template.clone();
            task.id = format!("B{i}");
            task.title = format!("Big task {i}");
            task.goal = "G1".into();
            task.status = TaskStatus::Todo;
            task.depends_on = if i % 10 == 0 {
                vec![]
            } else {
                vec![format!("B{}", i - 1)]
            };
            task.source = SourceRef::new("tasks.yaml", 2 + i as u32);
            task
        })
        .collect();
    set.statements.retain(|s| !s.text.contains('T'));
    let last_chain: Vec<String> = (n - 10..n).map(|i| format!("B{i}")).collect();
    for goal in &mut plan.goals {
        goal.gap = Gap {
            unmet_criteria: vec![],
            remaining_tasks: vec![],
            blocked_tasks: vec![],
            overdue_tasks: vec![],
            risky_tasks: vec![],
        };
        goal.critical_path = CriticalPath {
            tasks: vec![],
            effort_days: 0,
            ..Default::default()
        };
    }
    plan.graph.topological_order = set.tasks.iter().map(|t| t.id.clone()).collect();
    plan.graph.ready = (0..n).step_by(10).map(|i| format!("B{i}")).collect();
    plan.graph.blocked = vec![];
    plan.graph.critical_path = CriticalPath {
        tasks: last_chain,
        effort_days: 30,
        ..Default::default()
    };
    plan.ranking.clear();
    plan.next_actions.truncate(1);
    plan.next_actions[0].task = "B0".into();
    plan.next_actions[0].title = "Big task 0".into();
    plan.next_actions[0].goal = "G1".into();
    plan.next_actions[0].evidence_refs = vec!["tasks.yaml:2".into()];
    (set, plan)
}

fn drawn_ids(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse("svg.task-graph g.task text.task-id").unwrap())
        .map(|e| e.text().next().unwrap().to_owned())
        .collect()
}

#[test]
fn a_big_project_draws_what_its_caption_says_and_counts_what_is_left_out() {
    let (set, plan) = big_project(300);
    let html = render_html(&synthesize(&set, &plan, None, monday()).unwrap());
    let drawn = drawn_ids(&html);
    // The critical path (B290..B299, a chain of its own), the one next
    // action B0 and its one direct neighbour B1 — nothing further out.
    let mut expected: Vec<String> = plan.graph.critical_path.tasks.clone();
    expected.extend(["B0".to_owned(), "B1".to_owned()]);
    expected.sort();
    let mut got = drawn.clone();
    got.sort();
    assert_eq!(got, expected);
    assert!(html.contains(
        "Showing 12 of 300 remaining tasks: the Next 1, the critical path (10 tasks) and their direct neighbours (1 task); 288 more are left out."
    ), "caption");
    // Ten layers wrap into two bands: the drawing stays narrow.
    let width: usize = html
        .split("class=\"task-graph\" width=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(width <= synthesizer::render::svg::MAX_WIDTH, "{width}");
}

#[test]
fn a_project_within_the_bound_is_drawn_whole() {
    let (set, plan) = big_project(MAX_DRAWN_TASKS);
    let html = render_html(&synthesize(&set, &plan, None, monday()).unwrap());
    assert_eq!(drawn_ids(&html).len(), MAX_DRAWN_TASKS);
    assert!(!html.contains("are left out"));
}
