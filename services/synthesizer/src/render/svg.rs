//! The task graph as inline SVG: the remaining tasks laid out in layers
//! ([`super::layout`]), dependencies as arrows, the critical path drawn
//! heavier and in colour. Coordinates are whole pixels computed here, so
//! the same snapshot always gives the same bytes; every label is escaped
//! by `maud`.

use std::collections::{BTreeSet, VecDeque};

use maud::{Markup, html};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::layout::{Layout, layered_in_groups};
use crate::view::{GraphNode, GraphView};
use vpm_model::TaskStatus;

const NODE_W: i64 = 184;
/// Room for the id line and [`TITLE_LINES`] lines of title.
const NODE_H: i64 = 76;
const COL_GAP: i64 = 56;
const ROW_GAP: i64 = 14;
/// Margin around the drawing; edges from one band to the next run in it.
const PAD: i64 = 24;
/// Vertical room between two bands of layers.
const BAND_GAP: i64 = 36;
/// Terminal columns a title line may take in a node (CJK characters take two).
const TITLE_COLUMNS: usize = 26;
/// Lines of title in a node; the full title is in the node's `<title>`.
const TITLE_LINES: usize = 3;
/// Layers side by side before the drawing wraps into another band below,
/// which bounds its width to [`MAX_WIDTH`] pixels.
pub const BAND_LAYERS: usize = 5;
/// The widest the drawing gets, in pixels.
pub const MAX_WIDTH: usize =
    (2 * PAD + BAND_LAYERS as i64 * NODE_W + (BAND_LAYERS as i64 - 1) * COL_GAP) as usize;

/// A dummy vertex (a long edge passing a layer) takes this much height.
const DUMMY_H: i64 = 14;

/// The drawing, or `None` when there is nothing left to draw.
pub fn task_graph(graph: &GraphView, critical_path: &[String]) -> Option<Markup> {
    if graph.nodes.is_empty() {
        return None;
    }
    let groups: Vec<usize> = graph.nodes.iter().map(|n| n.goal_index).collect();
    let layout = layered_in_groups(graph.nodes.len(), &graph.edges, &groups);
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

/// Pixel positions: layers are columns, slots stack in each column, each
/// column centred against the tallest of its band; every
/// [`BAND_LAYERS`] layers the drawing wraps into a new band below.
struct Geometry {
    /// Top edge of every vertex's slot.
    top: Vec<i64>,
    /// Height of every vertex's slot.
    slot: Vec<i64>,
    /// Top edge of every band.
    band_top: Vec<i64>,
    width: i64,
    height: i64,
}

impl Geometry {
    fn new(layout: &Layout) -> Self {
        let vertices = layout.layer.len();
        let slot: Vec<i64> = (0..vertices)
            .map(|v| if v < layout.real { NODE_H } else { DUMMY_H })
            .collect();
        let column_height = |vs: &[usize]| -> i64 {
            vs.iter().map(|&v| slot[v]).sum::<i64>() + vs.len().saturating_sub(1) as i64 * ROW_GAP
        };
        let mut top = vec![0; vertices];
        let mut band_top = Vec::new();
        let mut y0 = PAD;
        for band in layout.layers.chunks(BAND_LAYERS) {
            let tallest = band.iter().map(|vs| column_height(vs)).max().unwrap_or(0);
            band_top.push(y0);
            for vs in band {
                let mut y = y0 + (tallest - column_height(vs)) / 2;
                for &v in vs {
                    top[v] = y;
                    y += slot[v] + ROW_GAP;
                }
            }
            y0 += tallest + BAND_GAP;
        }
        let columns = layout.layers.len().clamp(1, BAND_LAYERS) as i64;
        Self {
            top,
            slot,
            band_top,
            width: 2 * PAD + columns * NODE_W + (columns - 1) * COL_GAP,
            height: y0 - BAND_GAP + PAD,
        }
    }

    fn x(&self, layout: &Layout, v: usize) -> i64 {
        PAD + (layout.layer[v] % BAND_LAYERS) as i64 * (NODE_W + COL_GAP)
    }

    fn middle(&self, v: usize) -> i64 {
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
    let gutter = PAD / 2;
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
            let mut from = first;
            let mut d = format!("M{},{}", at.0, at.1);
            for &v in &chain[1..] {
                let target = (geometry.x(layout, v), geometry.middle(v));
                let band = layout.layer[v] / BAND_LAYERS;
                if band != layout.layer[from] / BAND_LAYERS {
                    // Into the next band: down the right margin, across the
                    // gap between the bands, down the left margin.
                    let gap = geometry.band_top.get(band).copied().unwrap_or(0) - BAND_GAP / 2;
                    d.push_str(&format!(
                        " L{},{} L{},{} L{},{} L{},{} L{},{}",
                        at.0 + gutter,
                        at.1,
                        at.0 + gutter,
                        gap,
                        target.0 - gutter,
                        gap,
                        target.0 - gutter,
                        target.1,
                        target.0,
                        target.1
                    ));
                } else {
                    d.push_str(&format!(
                        " C{},{} {},{} {},{}",
                        at.0 + bend,
                        at.1,
                        target.0 - bend,
                        target.1,
                        target.0,
                        target.1
                    ));
                }
                at = target;
                from = v;
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

fn task_node(node: &GraphNode, x: i64, y: i64) -> Markup {
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
    let lines = wrap_columns(&node.title, TITLE_COLUMNS, TITLE_LINES);
    html! {
        g class=(classes.join(" ")) data-task=(node.id) {
            title { (tooltip) }
            rect x=(x) y=(y) width=(NODE_W) height=(NODE_H) rx="6" {}
            text class="task-id" x=(x + 10) y=(y + 18) {
                (fit_columns(&node.id, 14))
                @if !flags.is_empty() {
                    tspan class="flags" dx="6" { (flags.join(" · ")) }
                }
            }
            @for (i, line) in lines.iter().enumerate() {
                text class="task-title" x=(x + 10) y=(y + 36 + 15 * i as i64) { (line) }
            }
        }
    }
}

/// `text` in at most `lines` lines of `columns` display columns, broken
/// between words (UAX #29) — inside a word only when the word alone is
/// wider than a line, and then between grapheme clusters; `…` ends the
/// last line when the text does not fit.
pub fn wrap_columns(text: &str, columns: usize, lines: usize) -> Vec<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut words: VecDeque<String> = text.split_word_bounds().map(str::to_owned).collect();
    while out.len() < lines {
        let Some(word) = words.pop_front() else {
            break;
        };
        if line.is_empty() && word.trim().is_empty() {
            continue;
        }
        let candidate = format!("{line}{word}");
        if candidate.trim_end().width() <= columns {
            line = candidate;
        } else if line.is_empty() {
            // A word wider than a line: split it between graphemes.
            let mut head = String::new();
            let mut split = word.len();
            for (i, g) in word.grapheme_indices(true) {
                if head.width() + g.width() > columns && !head.is_empty() {
                    split = i;
                    break;
                }
                head.push_str(g);
            }
            out.push(head);
            if split < word.len() {
                words.push_front(word[split..].to_owned());
            }
        } else {
            out.push(line.trim_end().to_owned());
            line.clear();
            words.push_front(word);
        }
    }
    if out.len() < lines && !line.trim().is_empty() {
        out.push(line.trim_end().to_owned());
        line.clear();
    }
    let cut = !line.trim().is_empty() || words.iter().any(|w| !w.trim().is_empty());
    if cut && let Some(last) = out.last_mut() {
        *last = fit_columns(&format!("{last}…"), columns);
    }
    out
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

    #[test]
    fn titles_wrap_between_words_and_keep_every_word_whole() {
        let title = "Conflict resolution UI for offline edits on two devices";
        let lines = wrap_columns(title, 26, 3);
        assert_eq!(
            lines,
            [
                "Conflict resolution UI for",
                "offline edits on two",
                "devices"
            ]
        );
        assert_eq!(lines.join(" "), title);
        let long = wrap_columns(&"word ".repeat(30), 26, 3);
        assert_eq!(long.len(), 3);
        assert!(long[2].ends_with('…') && long[2].width() <= 26, "{long:?}");
        let japanese = wrap_columns("オフライン同期の競合解決画面を作る", 12, 3);
        assert!(japanese.iter().all(|l| l.width() <= 12), "{japanese:?}");
        assert_eq!(japanese.concat(), "オフライン同期の競合解決画面を作る");
        let url = wrap_columns("https://example.com/a/very/long/path/name", 16, 3);
        assert!(url.iter().all(|l| l.width() <= 16), "{url:?}");
    }
}
