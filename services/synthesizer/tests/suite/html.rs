//! The HTML page: self-contained, readable on a phone and on paper, and
//! every text from the project shown as text — checked by parsing the page
//! as a browser does (html5ever, through `scraper`).

use crate::support::*;
use scraper::{Html, Selector};
use synthesizer::{render_html, synthesize};

fn page(fixture: (vpm_model::CuratedSet, vpm_model::Plan)) -> (String, Html) {
    let (set, plan) = fixture;
    let html = render_html(&synthesize(&set, &plan, None, monday()).unwrap());
    let parsed = Html::parse_document(&html);
    (html, parsed)
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn text(e: &scraper::ElementRef<'_>) -> String {
    e.text().collect()
}

#[test]
fn a_script_title_is_text_in_the_page_and_in_the_graph() {
    let (raw, doc) = page(hostile());
    let title = "<script>alert(1)</script>";
    assert!(
        select(&doc, "script").is_empty(),
        "a script element was injected"
    );
    assert!(
        select(&doc, "img, iframe, svg svg").is_empty(),
        "an element was injected"
    );
    assert!(
        !raw.to_lowercase().contains("<script"),
        "raw `<script` in the page"
    );
    let next: Vec<String> = select(&doc, "#next li.action h3")
        .iter()
        .map(text)
        .collect();
    assert!(next.iter().any(|t| t == title), "{next:?}");
    let labels: Vec<String> = select(&doc, "svg.task-graph text.task-title")
        .iter()
        .map(text)
        .collect();
    assert!(labels.iter().any(|t| t == title), "{labels:?}");
    // The other hostile texts too: a goal title closing the SVG, a purpose
    // closing the stylesheet, a project name with markup.
    let goals: Vec<String> = select(&doc, "#goals .goal-head strong")
        .iter()
        .map(text)
        .collect();
    assert!(
        goals
            .iter()
            .any(|t| t.ends_with("<svg onload=alert(4)> & </text></svg>")),
        "{goals:?}"
    );
    assert_eq!(
        text(&select(&doc, ".purpose")[0]),
        "</style><script>alert('purpose')</script>"
    );
    assert_eq!(
        text(&select(&doc, "h1")[0]),
        "Lantern <b>bold</b> & \"quotes\""
    );
    assert_eq!(
        select(&doc, "style").len(),
        1,
        "the stylesheet was closed early"
    );
}

#[test]
fn the_page_is_self_contained() {
    let (raw, doc) = page(lantern());
    assert!(
        select(
            &doc,
            "script, link[rel=stylesheet], img, iframe, object, embed, video, audio"
        )
        .is_empty()
    );
    let sourced: Vec<String> = select(&doc, "[src]")
        .iter()
        .map(|e| format!("{:?}", e.value()))
        .collect();
    assert!(sourced.is_empty(), "external resources: {sourced:?}");
    for element in select(&doc, "[href]") {
        let href = element.value().attr("href").unwrap();
        assert!(
            href.starts_with('#') || href == "data:,",
            "link out of the page: {href}"
        );
    }
    assert!(!raw.contains("@import") && !raw.contains("url(http") && !raw.contains("@font-face"));
    let policy = select(&doc, "meta[http-equiv=Content-Security-Policy]");
    assert!(
        policy[0]
            .value()
            .attr("content")
            .unwrap()
            .starts_with("default-src 'none'")
    );
}

#[test]
fn the_page_reads_on_a_phone_and_on_paper() {
    let (raw, doc) = page(lantern());
    let viewport = select(&doc, "meta[name=viewport]");
    assert_eq!(
        viewport[0].value().attr("content"),
        Some("width=device-width, initial-scale=1")
    );
    assert!(raw.contains("@media print"));
    assert!(raw.contains("@media (max-width:"));
}

#[test]
fn every_goal_has_a_progress_bar_and_a_status_badge() {
    let (set, plan) = lantern();
    let (_, doc) = page((set, plan.clone()));
    let goals = select(&doc, "#goals li.goal");
    assert_eq!(goals.len(), plan.goals.len());
    for (element, goal) in goals.iter().zip(&plan.goals) {
        let bar = element
            .select(&Selector::parse("progress").unwrap())
            .next()
            .unwrap();
        let value: f64 = bar.value().attr("value").unwrap().parse().unwrap();
        assert_eq!(value, (goal.progress * 100.0).round());
        assert_eq!(bar.value().attr("max"), Some("100"));
        let badge = element
            .select(&Selector::parse(".badge").unwrap())
            .next()
            .unwrap();
        assert!(badge.value().has_class(
            goal.status.as_str(),
            scraper::CaseSensitivity::CaseSensitive
        ));
        assert!(text(element).contains(&goal.title));
    }
}

#[test]
fn the_next_3_come_right_after_current() {
    let (_, doc) = page(lantern());
    let order: Vec<&str> = select(&doc, "main > section")
        .iter()
        .map(|s| s.value().id().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "current", "next", "goals", "gap", "graph", "evidence", "notes"
        ]
    );
}

#[test]
fn the_graph_draws_every_remaining_task_and_highlights_the_critical_path() {
    let (set, plan) = lantern();
    let (_, doc) = page((set.clone(), plan.clone()));
    let nodes = select(&doc, "svg.task-graph g.task");
    let remaining = set.tasks.iter().filter(|t| !t.status.is_done()).count();
    assert_eq!(nodes.len(), remaining);
    let critical: Vec<String> = select(&doc, "svg.task-graph g.task.critical text.task-id")
        .iter()
        .map(|e| e.text().next().unwrap().to_owned())
        .collect();
    assert_eq!(critical, {
        let mut ids = plan.graph.critical_path.tasks.clone();
        ids.sort_by_key(|id| set.tasks.iter().position(|t| &t.id == id));
        ids
    });
    let critical_edges = select(&doc, "svg.task-graph path.edge.critical");
    assert_eq!(
        critical_edges.len(),
        plan.graph.critical_path.tasks.len() - 1
    );
    // Every dependency between remaining tasks is an arrow.
    let edges = select(&doc, "svg.task-graph path.edge");
    let expected = set
        .tasks
        .iter()
        .filter(|t| !t.status.is_done())
        .flat_map(|t| &t.depends_on)
        .filter(|d| set.tasks.iter().any(|t| &t.id == *d && !t.status.is_done()))
        .count();
    assert_eq!(edges.len(), expected);
}
