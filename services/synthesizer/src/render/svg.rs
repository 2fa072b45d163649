//! The task graph as inline SVG: the remaining tasks laid out in layers
//! ([`super::layout`]), dependencies as arrows, the critical path drawn
//! heavier and in colour. Coordinates are whole pixels computed here, so
//! the same snapshot always gives the same bytes; every label is escaped
//! by `maud`.

use std::collections::BTreeSet;

use maud::{Markup, html};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::layout::{Layout, layered};
use crate::view::{GraphNode, GraphView};
use vpm_model::TaskStatus;

const NODE_W: usize = 184;
const NODE_H: usize = 52;
const COL_GAP: usize = 56;
const ROW_GAP: usize = 14;
const PAD: usize = 8;
/// Terminal columns a title may take in a node (CJK characters take two).
const TITLE_COLUMNS: usize = 26;

/// A dummy vertex (a long edge passing a layer) takes this much height.
const DUMMY_H: usize = 14;

/// The drawing, or `None` when there is nothing left to draw.
pub fn task_graph(graph: &GraphView, critical_path: &[String]) -> Option<Markup> {
    if graph.nodes.is_empty() {
        return None;
    }
    let layout = layered(graph.nodes.len(), &graph.edges);
    let geometry = Geometry::new(&layout);
    let critical_steps: BTreeSet<(&str, &str)> = critical_path
        .windows(2)
        .map(|w| (w[0].as_str(), w[1].as_str()))
        .collect();
    let edges = edge_paths(&layout, &geometry, graph, &critical_steps);
    let (width, height) = (geometry.width, geometry.height);
    let label = format!(
        "Dependency graph of {} remaining tasks; arrows point from a task to the tasks waiting on it",
        graph.nodes.len()
    );
    Some(html! {
        svg xmlns="http://www.w3.org/2000/svg" class="task-graph" width=(width) height=(height)
            viewBox=(format!("0 0 {width} {height}")) role="img" aria-labelledby="graph-title" {
            title id="graph-title" { (label) }
            defs {
                marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto" {
                    path class="arrow" d="M0,0 L10,5 L0,10 z" {}
                }
                marker id="arrow-critical" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto" {
                    path class="arrow critical" d="M0,0 L10,5 L0,10 z" {}
                }
            }
            g class="edges" {
                @for (d, critical) in &edges {
                    @if *critical {
                        path class="edge critical" d=(d) marker-end="url(#arrow-critical)" {}
                    } @else {
                        path class="edge" d=(d) marker-end="url(#arrow)" {}
                    }
                }
            }
            g class="nodes" {
                @for (v, node) in graph.nodes.iter().enumerate() {
                    (task_node(node, geometry.x(&layout, v), geometry.top[v]))
                }
            }
        }
    })
}

/// Pixel positions: layers are columns, slots stack in each column, and
/// each column is centred against the tallest.
struct Geometry {
    /// Top edge of every vertex's slot.
    top: Vec<usize>,
    /// Height of every vertex's slot.
    slot: Vec<usize>,
    width: usize,
    height: usize,
}

impl Geometry {
    fn new(layout: &Layout) -> Self {
        let vertices = layout.layer.len();
        let slot: Vec<usize> = (0..vertices)
            .map(|v| if v < layout.real { NODE_H } else { DUMMY_H })
            .collect();
        let column_height = |vs: &[usize]| -> usize {
            vs.iter().map(|&v| slot[v]).sum::<usize>() + vs.len().saturating_sub(1) * ROW_GAP
        };
        let tallest = layout
            .layers
            .iter()
            .map(|vs| column_height(vs))
            .max()
            .unwrap_or(0);
        let mut top = vec![0; vertices];
        for vs in &layout.layers {
            let mut y = PAD + (tallest - column_height(vs)) / 2;
            for &v in vs {
                top[v] = y;
                y += slot[v] + ROW_GAP;
            }
        }
        let columns = layout.layers.len().max(1);
        Self {
            top,
            slot,
            width: 2 * PAD + columns * NODE_W + (columns - 1) * COL_GAP,
            height: 2 * PAD + tallest,
        }
    }

    fn x(&self, layout: &Layout, v: usize) -> usize {
        PAD + layout.layer[v] * (NODE_W + COL_GAP)
    }

    fn middle(&self, v: usize) -> usize {
        self.top[v] + self.slot[v] / 2
    }
}

/// SVG path data for every edge, with whether it is a step of the critical path.
fn edge_paths(
    layout: &Layout,
    geometry: &Geometry,
    graph: &GraphView,
    critical_steps: &BTreeSet<(&str, &str)>,
) -> Vec<(String, bool)> {
    let bend = COL_GAP / 2;
    let mut paths: Vec<(String, bool)> = layout
        .chains
        .iter()
        .filter_map(|chain| {
            let (&first, &last) = (chain.first()?, chain.last()?);
            let critical = critical_steps.contains(&(
                graph.nodes[first].id.as_str(),
                graph.nodes[last].id.as_str(),
            ));
            let mut at = (geometry.x(layout, first) + NODE_W, geometry.middle(first));
            let mut d = format!("M{},{}", at.0, at.1);
            for &v in &chain[1..] {
                let target = (geometry.x(layout, v), geometry.middle(v));
                d.push_str(&format!(
                    " C{},{} {},{} {},{}",
                    at.0 + bend,
                    at.1,
                    target.0 - bend,
                    target.1,
                    target.0,
                    target.1
                ));
                at = target;
                if v >= layout.real {
                    // A dummy: pass straight through its slot.
                    at = (target.0 + NODE_W, target.1);
                    d.push_str(&format!(" L{},{}", at.0, at.1));
                }
            }
            Some((d, critical))
        })
        .collect();
    // Critical edges last, so they are drawn on top.
    paths.sort_by_key(|(_, critical)| *critical);
    paths
}

fn task_node(node: &GraphNode, x: usize, y: usize) -> Markup {
    let mut classes = vec!["task", node.status.as_str()];
    let ready = !node.blocked && !node.waiting;
    for (on, class) in [
        (node.blocked, "blocked"),
        (node.waiting, "waiting"),
        (ready, "ready"),
        (node.critical, "critical"),
        (node.overdue, "overdue"),
    ] {
        if on {
            classes.push(class);
        }
    }
    let mut flags = Vec::new();
    if let Some(rank) = node.next_rank {
        flags.push(format!("next #{rank}"));
    } else if ready && node.status == TaskStatus::Todo {
        flags.push("ready".to_owned());
    }
    if node.overdue {
        flags.push("overdue".to_owned());
    }
    if node.blocked {
        flags.push("blocked".to_owned());
    }
    let tooltip = format!(
        "{} {} — {}, goal {}{}",
        node.id,
        node.title,
        node.status.as_str().replace('_', " "),
        node.goal,
        if node.critical {
            ", on the critical path"
        } else {
            ""
        }
    );
    html! {
        g class=(classes.join(" ")) {
            title { (tooltip) }
            rect x=(x) y=(y) width=(NODE_W) height=(NODE_H) rx="6" {}
            text class="task-id" x=(x + 10) y=(y + 20) {
                (fit_columns(&node.id, 12))
                @if !flags.is_empty() {
                    tspan class="flags" dx="6" { (flags.join(" · ")) }
                }
            }
            text class="task-title" x=(x + 10) y=(y + 40) { (fit_columns(&node.title, TITLE_COLUMNS)) }
        }
    }
}

/// `text` cut to `columns` display columns (wide characters count two),
/// at a word boundary when one is in the second half, else between
/// grapheme clusters, with `…` when cut.
fn fit_columns(text: &str, columns: usize) -> String {
    if text.width() <= columns {
        return text.to_owned();
    }
    let room = columns.saturating_sub(1);
    let mut used = 0;
    let mut end = 0;
    let mut word_end = 0;
    for (i, grapheme) in text.grapheme_indices(true) {
        let w = grapheme.width();
        if used + w > room {
            break;
        }
        used += w;
        end = i + grapheme.len();
        if text[end..].starts_with(char::is_whitespace) {
            word_end = end;
        }
    }
    let cut = if word_end * 2 >= end { word_end } else { end };
    format!("{}…", text[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_fit_by_display_width() {
        assert_eq!(fit_columns("Sync engine", 26), "Sync engine");
        assert_eq!(
            fit_columns("Conflict resolution UI for offline edits", 26),
            "Conflict resolution UI…"
        );
        let japanese = fit_columns("オフライン同期の競合解決画面を作る", 10);
        assert!(japanese.width() <= 10, "{japanese}");
        assert!(japanese.ends_with('…'));
    }
}
