//! The Markdown report parses as CommonMark with the six sections in order,
//! and text from the project's files can never add markup to it.

use crate::support::*;
use proptest::prelude::*;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use synthesizer::render::markdown::{SECTIONS, code_span, escape};
use synthesizer::{render_markdown, synthesize};

/// `(level, text)` of every heading.
fn headings(markdown: &str) -> Vec<(HeadingLevel, String)> {
    let mut found = Vec::new();
    let mut current: Option<(HeadingLevel, String)> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => current = Some((level, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => found.extend(current.take()),
            _ => {}
        }
    }
    found
}

fn has_html(markdown: &str) -> bool {
    Parser::new(markdown).any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)))
}

#[test]
fn the_six_sections_come_in_order_under_one_title() {
    for (set, plan) in [lantern(), hostile()] {
        let markdown = render_markdown(&synthesize(&set, &plan, None, monday()).unwrap());
        let found = headings(&markdown);
        let sections: Vec<&str> = found
            .iter()
            .filter(|(level, _)| *level == HeadingLevel::H2)
            .map(|(_, text)| text.as_str())
            .collect();
        assert_eq!(sections, SECTIONS);
        assert_eq!(
            found.len(),
            7,
            "one title and six sections, nothing else: {found:?}"
        );
        assert_eq!(found[0].0, HeadingLevel::H1);
        assert!(found[0].1.starts_with(&set.project.name), "{:?}", found[0]);
    }
}

#[test]
fn hostile_titles_stay_text() {
    let (set, plan) = hostile();
    let markdown = render_markdown(&synthesize(&set, &plan, None, monday()).unwrap());
    assert!(!has_html(&markdown), "raw HTML got through");
    let mut text = String::new();
    let mut links = 0;
    for event in Parser::new(&markdown) {
        match event {
            Event::Text(t) => text.push_str(&t),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => links += 1,
            _ => {}
        }
    }
    assert_eq!(links, 0, "a link or image got through");
    assert!(text.contains("<script>alert(1)</script>"));
    assert!(text.contains("<svg onload=alert(4)> & </text></svg>"));
    assert!(text.contains("Lantern <b>bold</b> & \"quotes\""));
    assert!(text.contains("1. Not a list & &amp; \\ trailing backslash \\"));
}

#[test]
fn each_section_has_its_content() {
    let (set, plan) = lantern();
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    let markdown = render_markdown(&snapshot);
    let section = |name: &str| {
        let start = markdown.find(&format!("## {name}\n")).unwrap();
        let rest = &markdown[start + 4..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
    };
    let current = section("Current");
    assert!(
        current
            .replace('\n', " ")
            .contains(&escape(&snapshot.document.current.summary))
    );
    for goal in &plan.goals {
        assert!(
            section("Goals").contains(&escape(&goal.title)),
            "{}",
            goal.title
        );
    }
    let next = section("Next 3");
    for (i, action) in plan.next_actions.iter().enumerate() {
        assert!(next.contains(&format!(
            "{}. **{} {}** — ",
            i + 1,
            action.task,
            escape(&action.title)
        )));
    }
    assert!(section("Gap").contains("`tasks.yaml:79`"));
    assert!(section("Evidence").contains("`state.md`"));
    assert!(
        !section("Notes").contains("ROUGE"),
        "quality figures are in the JSON"
    );
}

/// The text of a one-item list, as a CommonMark reader sees it.
fn list_item_text(markdown: &str) -> (String, usize) {
    let mut text = String::new();
    let mut blocks = 0;
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::Start(Tag::Item) => blocks += 1,
            Event::Start(
                Tag::Heading { .. } | Tag::BlockQuote(_) | Tag::CodeBlock(_) | Tag::List(_),
            ) => blocks += 10,
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Link { .. } | Tag::Image { .. }) => {
                blocks += 100
            }
            Event::Html(_)
            | Event::InlineHtml(_)
            | Event::Rule
            | Event::SoftBreak
            | Event::HardBreak => blocks += 100,
            _ => {}
        }
    }
    (text, blocks)
}

/// Found by the property below in a CI run: CommonMark strips one space
/// from each end of a span that starts and ends with one, so `" 0 "` came
/// back as `"0"`.
#[test]
fn a_code_span_that_starts_and_ends_with_a_space_keeps_both() {
    for text in [" 0 ", " T04 ", "  x  "] {
        let markdown = format!("- {}\n", code_span(text));
        let code: Vec<String> = Parser::new(&markdown)
            .filter_map(|e| match e {
                Event::Code(c) => Some(c.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(code, [text], "{markdown}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the text, `- {escape(text)}` is one plain list item whose
    /// text is the input with whitespace collapsed.
    #[test]
    fn escaped_text_renders_as_itself(text in "[ -~\\t\\n\u{a0}あ漢]{0,40}") {
        let expected = synthesizer::summary::sentences::normalize(&text);
        prop_assume!(!expected.is_empty());
        let markdown = format!("- {}\n", escape(&text));
        let (rendered, blocks) = list_item_text(&markdown);
        // One list (10) holding one item (1), nothing else.
        prop_assert_eq!(blocks, 11, "{:?} → {:?}", text, markdown);
        prop_assert_eq!(rendered, expected);
    }

    #[test]
    fn code_spans_hold_any_text_verbatim(text in "[ -~]{1,30}") {
        prop_assume!(!text.trim().is_empty());
        let markdown = format!("- {}\n", code_span(&text));
        let mut code = None;
        for event in Parser::new(&markdown) {
            if let Event::Code(c) = event { code = Some(c.to_string()); }
        }
        prop_assert_eq!(code.as_deref(), Some(text.as_str()), "{}", markdown);
    }
}
