//! Statements of a Markdown file (`state.md`, `reports/*.md`): every
//! paragraph, list item and table row, as plain text with the headings
//! above it and the line it starts on.
//!
//! Parsing is CommonMark (plus GFM tables, task lists and strikethrough) by
//! `pulldown-cmark`; its byte offsets are turned into 1-based lines of the
//! whole file, front matter included.
//!
//! * A list item is one statement: the text of its own paragraphs; a list
//!   nested in it gives statements of its own.
//! * A table row is one statement, `Header: cell; Header: cell`.
//! * Code blocks, HTML and headings are not statements; a heading becomes
//!   part of the `heading_path` of what follows it.
//! * Markup is removed (link text is kept, URLs are not; inline code keeps
//!   its text), task-list boxes are dropped, and whitespace is collapsed.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A statement before de-duplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawStatement {
    pub text: String,
    pub heading_path: Vec<String>,
    pub line: u32,
}

/// 1-based line numbers from byte offsets.
#[derive(Debug)]
pub struct LineIndex {
    /// Byte offset where each line after the first starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        Self {
            starts: text
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1)
                .collect(),
        }
    }

    pub fn line(&self, offset: usize) -> u32 {
        let before = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(before + 1).unwrap_or(u32::MAX)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum CaptureKind {
    Paragraph,
    Item,
}

#[derive(Debug)]
struct Capture {
    kind: CaptureKind,
    offset: usize,
    text: String,
    heading_path: Vec<String>,
}

#[derive(Debug, Default)]
struct Table {
    in_head: bool,
    head: Vec<String>,
    row: Vec<String>,
    row_offset: usize,
    cell: Option<String>,
}

/// The statements of `body`, a Markdown text that starts at byte
/// `body_offset` of the file whose lines `lines` indexes.
pub fn statements(body: &str, body_offset: usize, lines: &LineIndex) -> Vec<(usize, RawStatement)> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut out: Vec<(usize, RawStatement)> = Vec::new();
    let mut headings: Vec<(HeadingLevel, String)> = Vec::new();
    let mut heading: Option<String> = None;
    let mut captures: Vec<Capture> = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut code_depth = 0usize;

    let path_now = |headings: &[(HeadingLevel, String)]| -> Vec<String> {
        headings.iter().map(|(_, h)| h.clone()).collect()
    };
    let emit = |out: &mut Vec<(usize, RawStatement)>,
                offset: usize,
                text: &str,
                heading_path: Vec<String>| {
        let text = collapse_whitespace(text);
        if !text.is_empty() {
            let offset = body_offset + offset;
            out.push((
                offset,
                RawStatement {
                    text,
                    heading_path,
                    line: lines.line(offset),
                },
            ));
        }
    };

    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        let text: Option<&str> = match &event {
            Event::Start(Tag::CodeBlock(_)) => {
                code_depth += 1;
                None
            }
            Event::End(TagEnd::CodeBlock) => {
                code_depth = code_depth.saturating_sub(1);
                None
            }
            _ if code_depth > 0 => None,
            Event::Start(Tag::Heading { .. }) => {
                heading = Some(String::new());
                None
            }
            Event::End(TagEnd::Heading(level)) => {
                let title = collapse_whitespace(&heading.take().unwrap_or_default());
                while headings.last().is_some_and(|(l, _)| l >= level) {
                    headings.pop();
                }
                headings.push((*level, title));
                None
            }
            Event::Start(Tag::Item) => {
                captures.push(Capture {
                    kind: CaptureKind::Item,
                    offset: range.start,
                    text: String::new(),
                    heading_path: path_now(&headings),
                });
                None
            }
            Event::End(TagEnd::Item) => {
                if let Some(c) = captures.pop() {
                    emit(&mut out, c.offset, &c.text, c.heading_path);
                }
                None
            }
            Event::Start(Tag::Paragraph) => {
                match captures.last_mut() {
                    Some(c) if c.kind == CaptureKind::Item => c.text.push(' '),
                    _ => captures.push(Capture {
                        kind: CaptureKind::Paragraph,
                        offset: range.start,
                        text: String::new(),
                        heading_path: path_now(&headings),
                    }),
                }
                None
            }
            Event::End(TagEnd::Paragraph) => {
                if captures
                    .last()
                    .is_some_and(|c| c.kind == CaptureKind::Paragraph)
                    && let Some(c) = captures.pop()
                {
                    emit(&mut out, c.offset, &c.text, c.heading_path);
                }
                None
            }
            Event::Start(Tag::Table(_)) => {
                tables.push(Table::default());
                None
            }
            Event::End(TagEnd::Table) => {
                tables.pop();
                None
            }
            Event::Start(Tag::TableHead) => {
                if let Some(t) = tables.last_mut() {
                    t.in_head = true;
                }
                None
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = tables.last_mut() {
                    t.in_head = false;
                    t.head = std::mem::take(&mut t.row);
                }
                None
            }
            Event::Start(Tag::TableRow) => {
                if let Some(t) = tables.last_mut() {
                    t.row.clear();
                    t.row_offset = range.start;
                }
                None
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(t) = tables.last_mut() {
                    let row = std::mem::take(&mut t.row);
                    let text = table_row_text(&t.head, &row);
                    emit(&mut out, t.row_offset, &text, path_now(&headings));
                }
                None
            }
            Event::Start(Tag::TableCell) => {
                if let Some(t) = tables.last_mut() {
                    t.cell = Some(String::new());
                    if t.in_head && t.row.is_empty() {
                        t.row_offset = range.start;
                    }
                }
                None
            }
            Event::End(TagEnd::TableCell) => {
                if let Some(t) = tables.last_mut() {
                    let cell = collapse_whitespace(&t.cell.take().unwrap_or_default());
                    t.row.push(cell);
                }
                None
            }
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                Some(t.as_ref())
            }
            Event::SoftBreak | Event::HardBreak => Some(" "),
            // HTML, rules, footnote references and task-list boxes carry no statement text.
            _ => None,
        };
        let Some(text) = text else { continue };
        if let Some(h) = heading.as_mut() {
            h.push_str(text);
        } else if let Some(cell) = tables.last_mut().and_then(|t| t.cell.as_mut()) {
            cell.push_str(text);
        } else if let Some(c) = captures.last_mut() {
            c.text.push_str(text);
        }
    }
    out.sort_by_key(|(offset, _)| *offset);
    out
}

/// `Header: cell; Header: cell`, leaving out empty cells; cells alone when
/// the header is empty.
fn table_row_text(head: &[String], row: &[String]) -> String {
    row.iter()
        .enumerate()
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(i, cell)| match head.get(i).filter(|h| !h.is_empty()) {
            Some(h) => format!("{h}: {cell}"),
            None => cell.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs of Unicode whitespace (the ideographic space U+3000 included)
/// become one ASCII space; leading and trailing whitespace goes.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<RawStatement> {
        statements(text, 0, &LineIndex::new(text))
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }

    #[test]
    fn paragraphs_and_items_with_their_heading_path_and_line() {
        let doc = "# Status\n\nSync engine is **done**.\n\n## Risks\n\n- Offline *conflicts* on\n  shared notebooks\n- [Map tiles](https://x.test) too large\n\n# Next\n\nBeta in December.\n";
        let s = run(doc);
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].text, "Sync engine is done.");
        assert_eq!(s[0].heading_path, ["Status"]);
        assert_eq!(s[0].line, 3);
        assert_eq!(s[1].text, "Offline conflicts on shared notebooks");
        assert_eq!(s[1].heading_path, ["Status", "Risks"]);
        assert_eq!(s[1].line, 7);
        assert_eq!(s[2].text, "Map tiles too large");
        assert_eq!(s[2].line, 9);
        assert_eq!(s[3].heading_path, ["Next"]);
    }

    #[test]
    fn nested_items_are_their_own_statements_in_line_order() {
        let s = run("- Parent item\n  - Child one\n  - Child two\n- Next\n");
        let texts: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["Parent item", "Child one", "Child two", "Next"]);
        assert_eq!(s[2].line, 3);
    }

    #[test]
    fn code_html_and_task_boxes_are_not_statement_text() {
        let s = run("```\nnot a statement\n```\n\n<div>html</div>\n\n- [x] Ship `v1`\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "Ship v1");
    }

    #[test]
    fn table_rows_read_as_header_value_pairs() {
        let s = run("| Metric | Value |\n|---|---|\n| Crash-free | 99.2% |\n| Testers |  |\n");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "Metric: Crash-free; Value: 99.2%");
        assert_eq!(s[0].line, 3);
        assert_eq!(s[1].text, "Metric: Testers");
    }

    #[test]
    fn japanese_text_keeps_its_characters_and_collapses_ideographic_spaces() {
        let s = run("## リスク\n\n- 同期エンジンの　競合解決が\n  未完了\n");
        assert_eq!(s[0].heading_path, ["リスク"]);
        assert_eq!(s[0].text, "同期エンジンの 競合解決が 未完了");
        assert_eq!(s[0].line, 3);
    }

    #[test]
    fn lines_count_from_the_start_of_the_file() {
        let text = "---\ndate: 2026-11-23\n---\n\nHello.\n";
        let split = crate::front_matter::split(text);
        let s = statements(split.body, split.body_offset, &LineIndex::new(text));
        assert_eq!(s[0].1.line, 5);
    }
}
