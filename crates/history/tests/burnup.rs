//! The burn-up SVG: well-formed, escaped, deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Days;
use common::*;
use vpm_history::burnup_svg;
use vpm_model::history::{GoalPoint, TrendPoint};
use vpm_model::plan::GoalStatus;

fn point(as_of: chrono::NaiveDate, goals: &[(&str, f64)]) -> TrendPoint {
    TrendPoint {
        as_of_date: as_of,
        record_id: None,
        goals: goals
            .iter()
            .map(|(id, p)| GoalPoint {
                id: (*id).to_owned(),
                progress: *p,
                status: GoalStatus::OnTrack,
            })
            .collect(),
    }
}

/// A small well-formedness check: every tag closes in order, attribute
/// values are quoted, and text holds no raw `<` or stray `&`.
fn assert_well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    assert!(svg.starts_with("<svg "), "{svg}");
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('>').expect("an unclosed tag");
        let tag = &after[..close];
        assert!(!tag.contains('<'), "a raw < inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap().to_owned();
            stack.push(name);
        }
        rest = &after[close + 1..];
        if stack.is_empty() {
            assert_eq!(rest, "", "content after the root element");
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
}

fn check_text(text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| after.starts_with(e)),
            "a stray & in {text:?}"
        );
        rest = &after[1..];
    }
    assert!(
        !text.chars().any(|c| (c as u32) < 0x20 && c != '\n'),
        "a control character in {text:?}"
    );
}

#[test]
fn one_point_and_two_years_of_points_draw_well_formed_svg() {
    let start = date("2025-01-06");
    let one = vec![point(start, &[("G1", 0.25), ("G2", 1.0)])];
    let svg = burnup_svg(&one, &[("G1", "Beta"), ("G2", "Launch")]);
    assert_well_formed(&svg);
    assert!(svg.contains("<title id=\"burnup-title\">"));
    assert!(svg.contains("<circle"), "a single point is still drawn");
    assert!(svg.contains("G1 Beta: 25% on 2025-01-06 to 25% on 2025-01-06."));

    let many: Vec<TrendPoint> = (0..104u64)
        .map(|w| {
            let d = start.checked_add_days(Days::new(7 * w)).unwrap();
            point(d, &[("G1", w as f64 / 103.0), ("G2", 0.5)])
        })
        .collect();
    let svg = burnup_svg(&many, &[("G1", "Beta"), ("G2", "Launch")]);
    assert_well_formed(&svg);
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert!(svg.contains("G1 Beta: 0% on 2025-01-06 to 100% on 2026-12-28."));
    assert!(svg.contains(">2025-01-06<") && svg.contains(">2026-12-28<"));
}

#[test]
fn hostile_titles_are_escaped() {
    let hostile = "</text><script>alert(1)</script>&amp \"q\" 'a' \u{1}\u{0}end";
    let trend = vec![
        point(date("2026-11-02"), &[("G1", 0.1), ("<G2>", f64::NAN)]),
        point(date("2026-11-09"), &[("G1", 0.3), ("<G2>", 7.0)]),
    ];
    let svg = burnup_svg(&trend, &[("G1", hostile)]);
    assert_well_formed(&svg);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp &quot;q&quot; &apos;a&apos; \u{FFFD}\u{FFFD}end"));
    assert!(
        svg.contains("&lt;G2&gt;"),
        "a goal only the trend names is labelled by its id"
    );
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
}

#[test]
fn the_same_trend_gives_the_same_bytes() {
    let trend = vec![
        point(date("2026-11-02"), &[("G1", 0.1), ("G2", 0.0)]),
        point(date("2026-11-09"), &[("G1", 0.3)]),
        point(date("2026-11-16"), &[("G1", 0.35), ("G2", 0.2)]),
    ];
    let goals = [("G1", "Beta"), ("G2", "Launch")];
    assert_eq!(burnup_svg(&trend, &goals), burnup_svg(&trend, &goals));
    assert_well_formed(&burnup_svg(&[], &goals));
}
