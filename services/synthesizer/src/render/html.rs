//! The snapshot as one self-contained HTML page, to read or to share.
//!
//! One file: the stylesheet is inline, there is no script, no font, no
//! image and no link to anything outside the page, and a Content Security
//! Policy in the page says so to the browser (`default-src 'none'`), so a
//! page saved to disk or mailed around looks the same and cannot phone
//! home. It reads on a phone (viewport meta, one column below ~30 rem,
//! the task graph scrolls inside its own box) and on paper (print styles:
//! no navigation, no page breaks inside a card, the graph scaled to the
//! page). Every piece of text from the project goes through `maud`, which
//! escapes it: a task titled `<script>` is shown, never run.
//!
//! Order on the page: the summary and key facts (Current), the Next 3 —
//! right after, because they are what the reader acts on — then Goals,
//! Gap, the task graph, Evidence and Notes.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use vpm_model::Level;
use vpm_model::plan::ActionKind;
use vpm_model::snapshot::{GapItem, GoalView, NextAction};

use vpm_history::burnup_svg;
use vpm_model::history::Changes;

use super::history;
use super::svg::task_graph;
use crate::gaps::by_goal;
use crate::view::{GraphSelection, Snapshot, SummarySource};
use crate::wording;

/// The page's own policy, as a `<meta>` (which cannot carry `frame-ancestors`).
const META_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

// The policy sent with the page over HTTP is `vpm_cell::html::POLICY`,
// this one plus `frame-ancestors 'none'`.

const STYLE: &str = include_str!("page.css");

/// Gap items shown per goal; the rest are counted.
const HTML_GAPS_PER_GOAL: usize = 5;
/// References shown after a gap item; the JSON has them all.
const GAP_REFS_SHOWN: usize = 4;

pub fn render_html(snapshot: &Snapshot) -> String {
    let doc = &snapshot.document;
    let view = &snapshot.view;
    let title = format!(
        "{} — PM snapshot as of {}",
        view.project_name, doc.as_of_date
    );
    let generated = doc
        .generated_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let totals = &view.totals;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(META_POLICY);
                meta name="color-scheme" content="light dark";
                link rel="icon" href="data:,";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.masthead {
                    div.wrap {
                        p.eyebrow { "PM snapshot · as of " time datetime=(doc.as_of_date) { (doc.as_of_date) } }
                        h1 { (view.project_name) }
                        @if let Some(purpose) = &view.purpose {
                            p.purpose { (purpose) }
                        }
                        p.meta {
                            "Project " code { (doc.project_id) }
                            " · generated " time datetime=(generated) { (generated) }
                        }
                        ul.totals aria-label="Tasks" {
                            li { b { (totals.done) "/" (totals.total) } "tasks done" }
                            li { b { (totals.remaining()) } "open" }
                            li { b { (totals.in_progress) } "in progress" }
                            li { b { (totals.ready) } "ready" }
                            li { b { (totals.waiting) } "waiting on others" }
                            li { b { (totals.blocked) } "blocked" }
                            li { b { (totals.overdue) } "overdue" }
                        }
                        nav.jump aria-label="Sections" {
                            a href="#current" { "Current" }
                            @if doc.changes.is_some() { a href="#changes" { "Changes" } }
                            a href="#next" { "Next 3" }
                            a href="#goals" { "Goals" }
                            @if !doc.trend.is_empty() { a href="#trend" { "Trend" } }
                            a href="#gap" { "Gap" }
                            a href="#graph" { "Task graph" }
                            a href="#evidence" { "Evidence" }
                            a href="#notes" { "Notes" }
                        }
                    }
                }
                main.wrap {
                    section #current aria-labelledby="current-h" {
                        h2 #current-h { "Current" }
                        @if doc.current.summary.is_empty() {
                            p.summary { "No summary: there is no state note, report or plan to draw one from." }
                        } @else {
                            p.summary { (doc.current.summary) }
                        }
                        p.quality { (source_caption(snapshot)) }
                        ul.plain {
                            @for bullet in &doc.current.bullets { li { (bullet) } }
                        }
                    }
                    @if let Some(changes) = &doc.changes {
                        (changes_section(changes))
                    }
                    section #next aria-labelledby="next-h" {
                        h2 #next-h { "Next 3" }
                        @if doc.next_actions.is_empty() {
                            p { "No task can start now: every remaining task waits on another or is blocked." }
                        } @else {
                            ol.actions {
                                @for (i, action) in doc.next_actions.iter().enumerate() {
                                    (next_action(i + 1, action, doc.as_of_date))
                                }
                            }
                        }
                    }
                    section #goals aria-labelledby="goals-h" {
                        h2 #goals-h { "Goals" }
                        (goal_list("Short term", &doc.goals.short_term, snapshot))
                        (goal_list("Mid term", &doc.goals.mid_term, snapshot))
                    }
                    @if !doc.trend.is_empty() {
                        section #trend aria-labelledby="trend-h" {
                            h2 #trend-h { "Trend" }
                            div.graph-scroll { (PreEscaped(burnup_svg(&doc.trend, &goal_names(doc)))) }
                            p.small { "Each goal's progress in every archived snapshot of the project and this one." }
                            @if let Some(basis) = doc.forecast.as_ref().and_then(history::forecast_basis) {
                                p.small { (basis) }
                            }
                        }
                    }
                    section #gap aria-labelledby="gap-h" {
                        h2 #gap-h { "Gap" }
                        @if doc.gaps.is_empty() {
                            p { "Nothing is missing: every goal is done." }
                        } @else {
                            ul.gap-list {
                                @for group in by_goal(&doc.gaps, HTML_GAPS_PER_GOAL) {
                                    @for gap in group.shown { (gap_item(gap)) }
                                    @if let Some(more) = group.more_line() {
                                        li.more { code { (group.goal) } " " (more) " (all in the JSON)." }
                                    }
                                }
                            }
                        }
                    }
                    section #graph aria-labelledby="graph-h" {
                        h2 #graph-h { "Task graph" }
                        @match task_graph(&view.graph, &view.critical_path.tasks) {
                            Some(svg) => {
                                ul.legend {
                                    li { span.swatch.todo {} "to do" }
                                    li { span.swatch.in_progress {} "in progress" }
                                    li { span.swatch.waiting {} "waiting on another task" }
                                    li { span.swatch.blocked {} "marked blocked" }
                                    li { span.swatch.critical {} "critical path" }
                                }
                                div.graph-scroll { (svg) }
                                p.small {
                                    "Remaining tasks in layers: each task sits to the right of every task it waits on, tasks of one goal together; "
                                    "wide graphs continue in a band below. Hover a task for its full title."
                                    @if let Some(sel) = &view.graph.selection {
                                        " " (graph_caption(sel, view.graph.nodes.len(), view.graph.remaining))
                                    }
                                }
                            }
                            None => p { "No remaining tasks." }
                        }
                    }
                    section #evidence aria-labelledby="evidence-h" {
                        h2 #evidence-h { "Evidence" }
                        @if doc.evidence.is_empty() {
                            p { "No files were read." }
                        } @else {
                            ul.evidence-list {
                                @for e in &doc.evidence {
                                    li {
                                        span.badge { (wording::evidence_kind(e.kind)) } " "
                                        (path_span(&e.path)) " — " (e.summary)
                                    }
                                }
                            }
                        }
                    }
                    section #notes aria-labelledby="notes-h" {
                        h2 #notes-h { "Notes" }
                        @if doc.notes.is_empty() {
                            p { "None." }
                        } @else {
                            ul.plain { @for note in &doc.notes { li { (note) } } }
                        }
                    }
                }
                footer {
                    div.wrap { "pm_snapshot_v1 · written by the vpm synthesizer from the project's own files" }
                }
            }
        }
    };
    page.into_string()
}

/// Where the summary came from. Its quality figures are telemetry for
/// the people who build vpm, not for the reader: they are in the JSON
/// (`current.summary_quality`) and on `/metrics`, not on the page.
fn source_caption(snapshot: &Snapshot) -> String {
    match &snapshot.view.summary.source {
        SummarySource::StateNote => "Drawn from the state note.".to_owned(),
        SummarySource::Report { path } => {
            format!("Drawn from the newest weekly report, {path}.")
        }
        SummarySource::Plan => "Written from the plan (there is no state note).".to_owned(),
    }
}

/// Exactly what a partial drawing holds.
fn graph_caption(sel: &GraphSelection, drawn: usize, remaining: usize) -> String {
    let mut parts = Vec::new();
    if sel.next > 0 {
        parts.push(format!("the Next {}", sel.next));
    }
    if sel.path_len > 0 {
        if sel.path == sel.path_len {
            parts.push(format!(
                "the critical path ({})",
                wording::count(sel.path_len, "task", "tasks")
            ));
        } else {
            parts.push(format!(
                "{} of the critical path's {} tasks",
                sel.path, sel.path_len
            ));
        }
    }
    let neighbours = if sel.neighbours == sel.neighbours_total {
        format!(
            "their direct neighbours ({})",
            wording::count(sel.neighbours, "task", "tasks")
        )
    } else {
        format!(
            "{} of their {} direct neighbours",
            sel.neighbours, sel.neighbours_total
        )
    };
    parts.push(neighbours);
    let last = parts.pop().unwrap_or_default();
    let listed = if parts.is_empty() {
        last
    } else {
        format!("{} and {last}", parts.join(", "))
    };
    format!(
        "Showing {drawn} of {remaining} remaining tasks: {listed}; {} more are left out.",
        remaining - drawn
    )
}

/// A file path or `path:line` that never breaks inside a name: it stays on
/// one line and, when wider than the column, ends in an ellipsis, with the
/// whole path in its tooltip.
fn path_span(path: &str) -> Markup {
    html! { code.path title=(path) { (path) } }
}

fn level_class(level: Level, good_when_high: bool) -> &'static str {
    match (level, good_when_high) {
        (Level::High, true) => "high-impact",
        (Level::Low, false) => "low-effort",
        (Level::Medium, _) => "medium",
        _ => "",
    }
}

fn next_action(rank: usize, action: &NextAction, as_of: chrono::NaiveDate) -> Markup {
    let unblock = action.kind == ActionKind::Unblock;
    html! {
        li.action.(if unblock { "unblock" } else { "finish" }) {
            span.rank aria-hidden="true" { (rank) }
            h3 {
                @if unblock { "Unblock " (action.id) ": " }
                (action.title)
            }
            p.small {
                code { (action.id) }
                @for link in action.links.iter().take(1) { " · goal " code { (link) } }
                // The tracker page of an imported task: only http(s) URLs
                // become links (never `javascript:`); maud escapes the rest.
                @for url in action.links.iter().skip(1).filter_map(|l| super::markdown::web_link(l)).take(1) {
                    " · " a href=(url) rel="noopener noreferrer" { "tracker page" }
                }
            }
            p.who {
                span.owner {
                    @match &action.owner {
                        Some(owner) => { "Owner: " b { (owner) } }
                        None => { "No owner" }
                    }
                }
                " · "
                span.due {
                    @match action.due {
                        Some(due) => { "Due " time datetime=(due) { (wording::due(due, Some((due - as_of).num_days())).trim_start_matches("due ")) } }
                        None => { "No due date" }
                    }
                }
                @if let Some(gates) = action.gates {
                    " · "
                    span.gates { (frees(unblock, gates)) }
                }
            }
            p {
                span.badge.(level_class(action.impact, true)) { "impact " (action.impact) } " "
                span.badge.(level_class(action.effort, false)) { "effort " (action.effort) } " "
                span.badge.(status_class(action)) { (wording::action_status(action.status)) }
            }
            p.why { (action.details) }
            @if !action.evidence_refs.is_empty() {
                p.small {
                    "Evidence: "
                    @for (i, r) in action.evidence_refs.iter().enumerate() {
                        @if i > 0 { ", " }
                        (path_span(r))
                    }
                }
            }
            @if action.links.len() > 1 {
                p.small {
                    "Decisions: "
                    @for (i, l) in action.links.iter().skip(1).enumerate() {
                        @if i > 0 { ", " }
                        code { (l) }
                    }
                }
            }
        }
    }
}

/// `frees 12 waiting tasks` (unblock) or `12 tasks wait on it` (finish).
pub(crate) fn frees(unblock: bool, gates: u32) -> String {
    let tasks = wording::count(gates as usize, "open task", "open tasks");
    if unblock {
        format!("frees {tasks}")
    } else if gates == 1 {
        "1 open task waits on it".to_owned()
    } else {
        format!("{tasks} wait on it")
    }
}

fn status_class(action: &NextAction) -> &'static str {
    match action.status {
        vpm_model::snapshot::ActionStatus::InProgress => "in_progress",
        _ => "todo",
    }
}

/// What changed since the snapshot compared against, group by group.
fn changes_section(changes: &Changes) -> Markup {
    let groups = history::change_groups(changes);
    html! {
        section #changes aria-labelledby="changes-h" {
            h2 #changes-h { "Changes since " time datetime=(changes.since.as_of_date) { (changes.since.as_of_date) } }
            p.small { (history::since_caption(changes)) }
            @if groups.is_empty() {
                p { "Nothing changed." }
            }
            @for group in &groups {
                h3 { (group.label) }
                ul.plain {
                    @for item in &group.lines { li { (item) } }
                    @if group.more > 0 { li.more { "and " (group.more) " more (all in the JSON)." } }
                }
            }
        }
    }
}

/// `(id, title)` of every goal, short-term first: the burn-up's legend.
fn goal_names(doc: &vpm_model::PmSnapshot) -> Vec<(&str, &str)> {
    doc.goals
        .short_term
        .iter()
        .chain(&doc.goals.mid_term)
        .map(|g| (g.id.as_str(), g.title.as_str()))
        .collect()
}

fn goal_list(label: &str, goals: &[GoalView], snapshot: &Snapshot) -> Markup {
    html! {
        h3 { (label) }
        @if goals.is_empty() {
            p.small { "None." }
        } @else {
            ul.goal-list {
                @for goal in goals {
                    @let figures = snapshot.view.goals.iter().find(|g| g.id == goal.id);
                    @let status = goal.status.as_str();
                    @let pct = (goal.progress.clamp(0.0, 1.0) * 100.0).round() as i64;
                    li.goal {
                        div.goal-head {
                            strong { code { (goal.id) } " " (goal.title) }
                            span.badge.(status) { (wording::goal_status(goal.status)) }
                        }
                        div.progress-row {
                            progress.(status) max="100" value=(pct) aria-label=(format!("{} progress", goal.id)) { (pct) "%" }
                            span.pct { (pct) "%" }
                        }
                        p.small {
                            @if let Some(f) = figures {
                                (f.remaining_tasks) " of " (wording::count(f.total_tasks, "task", "tasks")) " left"
                                @if !f.critical_path.tasks.is_empty() {
                                    " · critical path " (wording::count(f.critical_path.effort_days as usize, "working day", "working days"))
                                }
                            }
                            @if let Some(due) = goal.due {
                                " · " (wording::due(due, figures.and_then(|f| f.days_left)))
                            }
                        }
                        @if !goal.reasons.is_empty() {
                            ul.plain { @for reason in &goal.reasons { li { (reason) } } }
                        }
                    }
                }
            }
        }
    }
}

fn gap_item(gap: &GapItem) -> Markup {
    let kind = match gap.kind {
        vpm_model::snapshot::GapKind::UnmetCriterion => "unmet_criterion",
        vpm_model::snapshot::GapKind::BlockedTask => "blocked_task",
        vpm_model::snapshot::GapKind::OverdueTask => "overdue_task",
        vpm_model::snapshot::GapKind::Risk => "risk",
        vpm_model::snapshot::GapKind::RemainingWork => "remaining_work",
    };
    html! {
        li {
            code { (gap.goal) } " "
            span.badge.(kind) { (wording::gap_kind(gap.kind)) } " "
            (gap.summary)
            @if !gap.refs.is_empty() {
                " "
                span.small {
                    "("
                    @for (i, r) in gap.refs.iter().take(GAP_REFS_SHOWN).enumerate() {
                        @if i > 0 { ", " }
                        (path_span(r))
                    }
                    @if gap.refs.len() > GAP_REFS_SHOWN {
                        ", and " (gap.refs.len() - GAP_REFS_SHOWN) " more"
                    }
                    ")"
                }
            }
        }
    }
}
