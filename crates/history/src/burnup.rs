//! The burn-up chart: each goal's progress (0–100 %) over the trend's
//! dates, as one self-contained SVG.
//!
//! No script, no external reference, no font download: the file can be
//! inlined in an HTML page or opened on its own. Goal titles come from the
//! project's files and are hostile: every text is escaped, and characters
//! XML cannot carry at all (control characters) are replaced. Numbers are
//! written with one decimal, so the same trend gives the same bytes.

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::NaiveDate;
use vpm_model::history::TrendPoint;

const WIDTH: f64 = 640.0;
const PLOT_LEFT: f64 = 48.0;
const PLOT_RIGHT: f64 = 620.0;
const PLOT_TOP: f64 = 16.0;
const PLOT_BOTTOM: f64 = 196.0;
const LEGEND_TOP: f64 = 232.0;
const LEGEND_LINE: f64 = 18.0;
/// Legend labels longer than this are shortened with an ellipsis.
const LABEL_CHARS: usize = 70;

/// Colours told apart by most forms of colour blindness (Okabe and Ito);
/// past eight goals the dash pattern tells lines apart too.
const COLOURS: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];
const DASHES: [&str; 3] = ["", "6 3", "2 3"];

/// A self-contained SVG burn-up of each goal's progress over the trend's
/// dates: one labelled line per goal of `goals` (id, title), in that order,
/// then any other goal the trend names (labelled by its id).
pub fn burnup_svg(trend: &[TrendPoint], goals: &[(&str, &str)]) -> String {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    for (id, title) in goals {
        if seen.insert((*id).to_owned()) {
            lines.push(((*id).to_owned(), (*title).to_owned()));
        }
    }
    let others: BTreeSet<&str> = trend
        .iter()
        .flat_map(|p| p.goals.iter().map(|g| g.id.as_str()))
        .filter(|id| !seen.contains(*id))
        .collect();
    lines.extend(others.into_iter().map(|id| (id.to_owned(), String::new())));

    let first = trend.iter().map(|p| p.as_of_date).min();
    let last = trend.iter().map(|p| p.as_of_date).max();
    let span = match (first, last) {
        (Some(a), Some(b)) => (b - a).num_days().max(0) as f64,
        _ => 0.0,
    };
    let x = |date: NaiveDate| -> f64 {
        match first {
            Some(first) if span > 0.0 => {
                PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * ((date - first).num_days() as f64 / span)
            }
            _ => (PLOT_LEFT + PLOT_RIGHT) / 2.0,
        }
    };
    let y = |progress: f64| -> f64 {
        let p = if progress.is_finite() {
            progress.clamp(0.0, 1.0)
        } else {
            0.0
        };
        PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * p
    };

    let height = LEGEND_TOP + LEGEND_LINE * lines.len() as f64 + 8.0;
    let mut svg = String::with_capacity(2048 + 64 * trend.len() * lines.len().max(1));
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" role="img" aria-labelledby="burnup-title burnup-desc" font-family="sans-serif" font-size="12">"#
    );
    svg.push_str(r#"<title id="burnup-title">Progress of each goal over time</title>"#);
    let _ = write!(
        svg,
        r#"<desc id="burnup-desc">{}</desc>"#,
        escape(&describe(trend, &lines))
    );

    // Axes and the 0, 25, 50, 75 and 100 % grid.
    for step in 0..=4 {
        let p = f64::from(step) / 4.0;
        let gy = y(p);
        let _ = write!(
            svg,
            r##"<line x1="{PLOT_LEFT:.1}" y1="{gy:.1}" x2="{PLOT_RIGHT:.1}" y2="{gy:.1}" stroke="#ccc" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555">{}%</text>"##,
            PLOT_LEFT - 6.0,
            gy + 4.0,
            step * 25
        );
    }
    if let (Some(first), Some(last)) = (first, last) {
        let _ = write!(
            svg,
            r##"<text x="{PLOT_LEFT:.1}" y="{:.1}" fill="#555">{first}</text>"##,
            PLOT_BOTTOM + 18.0
        );
        if last != first {
            let _ = write!(
                svg,
                r##"<text x="{PLOT_RIGHT:.1}" y="{:.1}" text-anchor="end" fill="#555">{last}</text>"##,
                PLOT_BOTTOM + 18.0
            );
        }
    } else {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">No snapshots yet</text>"##,
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            (PLOT_TOP + PLOT_BOTTOM) / 2.0
        );
    }

    for (index, (id, title)) in lines.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let dash = DASHES[(index / COLOURS.len()) % DASHES.len()];
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let points: Vec<(f64, f64)> = trend
            .iter()
            .filter_map(|p| {
                p.goals
                    .iter()
                    .find(|g| &g.id == id)
                    .map(|g| (x(p.as_of_date), y(g.progress)))
            })
            .collect();
        let _ = write!(svg, r#"<g><title>{}</title>"#, escape(&label(id, title)));
        if points.len() > 1 {
            svg.push_str(r#"<polyline fill="none" stroke-width="2" stroke=""#);
            svg.push_str(colour);
            svg.push('"');
            svg.push_str(&dash_attr);
            svg.push_str(r#" points=""#);
            for (i, (px, py)) in points.iter().enumerate() {
                if i > 0 {
                    svg.push(' ');
                }
                let _ = write!(svg, "{px:.1},{py:.1}");
            }
            svg.push_str(r#""/>"#);
        }
        // The latest point is marked, so a goal seen once still shows.
        if let Some((px, py)) = points.last() {
            let _ = write!(
                svg,
                r#"<circle cx="{px:.1}" cy="{py:.1}" r="3" fill="{colour}"/>"#
            );
        }
        let ly = LEGEND_TOP + LEGEND_LINE * index as f64;
        let _ = write!(
            svg,
            r#"<line x1="{PLOT_LEFT:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2"{dash_attr}/><text x="{:.1}" y="{ly:.1}">{}</text></g>"#,
            ly - 4.0,
            PLOT_LEFT + 20.0,
            ly - 4.0,
            PLOT_LEFT + 26.0,
            escape(&shorten(&label(id, title)))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn label(id: &str, title: &str) -> String {
    if title.is_empty() {
        id.to_owned()
    } else {
        format!("{id} {title}")
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// What the chart shows, in words, for screen readers.
fn describe(trend: &[TrendPoint], lines: &[(String, String)]) -> String {
    if trend.is_empty() {
        return "No snapshots yet.".to_owned();
    }
    let mut text = format!(
        "Progress of {} goals over {} snapshots.",
        lines.len(),
        trend.len()
    );
    for (id, title) in lines {
        let seen: Vec<(NaiveDate, f64)> = trend
            .iter()
            .filter_map(|p| {
                p.goals
                    .iter()
                    .find(|g| &g.id == id)
                    .map(|g| (p.as_of_date, g.progress))
            })
            .collect();
        let (Some(a), Some(b)) = (seen.first(), seen.last()) else {
            continue;
        };
        let _ = write!(
            text,
            " {}: {} on {} to {} on {}.",
            label(id, title),
            pct(a.1),
            a.0,
            pct(b.1),
            b.0
        );
    }
    text
}

fn pct(progress: f64) -> String {
    let p = if progress.is_finite() {
        progress.clamp(0.0, 1.0)
    } else {
        0.0
    };
    format!("{:.0}%", p * 100.0)
}

/// Escapes XML's five special characters and replaces the characters XML
/// 1.0 cannot carry even escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
