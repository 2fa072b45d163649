//! A YAML document as a small tree in which every node knows its line.
//!
//! The events come from `saphyr-parser` (a maintained YAML 1.2 parser that
//! reports the position of every event); this module only assembles them.
//! It builds its own tree rather than using `saphyr`'s `MarkedYaml` because
//! project files need three things that loader does not give:
//!
//! * every duplicate key reported, with both lines, instead of the first one
//!   aborting the load;
//! * scalars kept as the text that was written (`id: 0012` is the id
//!   `"0012"`, not the integer 12), with whether they were quoted;
//! * hard bounds on hostile input: nesting deeper than [`MAX_DEPTH`] and
//!   alias expansion beyond [`MAX_ALIAS_NODES`] stop the file with a
//!   problem, so a 1 MB line of `- - - -` cannot exhaust the stack when the
//!   tree is dropped, nor a "billion laughs" document the memory.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use vpm_model::{Problem, SourceRef};

/// Deeper than any project file needs (`tasks` → task → `depends_on` → id
/// is four levels) and far below what could overflow a stack.
pub const MAX_DEPTH: usize = 32;

/// Nodes that aliases (`*name`) may produce in one file, all aliases together.
pub const MAX_ALIAS_NODES: usize = 10_000;

/// One node of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: u32,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
}

/// A scalar exactly as written, minus YAML's quoting and folding.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Unquoted and not a block scalar: only these can mean null.
    pub plain: bool,
}

/// A key of a mapping (always a scalar) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: u32,
    pub value: Node,
}

impl Node {
    /// `~`, `null` or nothing at all, unquoted: YAML's null.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What kind of node this is, for messages ("a list", "a mapping").
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            _ if self.is_null() => "empty",
            Value::Scalar(_) => "text",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    /// The scalar's text, if this is a non-null scalar.
    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !self.is_null() => Some(&s.text),
            _ => None,
        }
    }

    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Scalar(_) => 0,
            Value::Sequence(items) => items.iter().map(Node::count).sum(),
            Value::Mapping(entries) => entries.iter().map(|e| 1 + e.value.count()).sum(),
        }
    }
}

/// A collection being assembled.
enum Open {
    Sequence {
        line: u32,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        line: u32,
        anchor: usize,
        entries: Vec<Entry>,
        /// The key waiting for its value.
        key: PendingKey,
        /// Index of each key in `entries`, built only for large mappings;
        /// small ones (nearly all) are searched directly.
        index: Option<HashMap<String, usize>>,
    },
}

enum PendingKey {
    None,
    Key(String, u32),
    /// A key that was not a scalar (already reported); its value is dropped.
    Invalid,
}

/// Parses `text` (the file at `path`) into its one document.
///
/// Returns `None` for a file with no document (empty, or only comments),
/// and when the file cannot be read as YAML at all; problems found are
/// appended to `problems`, every one of them, not just the first. Line
/// numbers are shifted by `first_line - 1`, for YAML embedded in another
/// file (Markdown front matter).
pub fn parse(text: &str, path: &str, first_line: u32, problems: &mut Vec<Problem>) -> Option<Node> {
    let shift = first_line.saturating_sub(1);
    let line_of = |marker: &saphyr_parser::Marker| -> u32 {
        u32::try_from(marker.line())
            .unwrap_or(u32::MAX)
            .saturating_add(shift)
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut alias_budget = MAX_ALIAS_NODES;
    let mut root: Option<Node> = None;
    let mut documents = 0u32;

    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ok) => ok,
            Err(e) => {
                let mut at = e.marker().line();
                let mut column = e.marker().col() + 1;
                let mut fix = "";
                // The parser's words for a tab are cryptic ("while scanning
                // a plain scalar, found a tab"), and it may stop on the line
                // before the tab: name the tab's place and the fix.
                if e.info().contains("tab")
                    && let Some((line, tab_column)) = tab_in_indentation(text, at)
                {
                    (at, column) = (line, tab_column);
                    fix = "; YAML indents with spaces, never tabs: replace the tab at the start of \
                           this line with spaces";
                }
                let message = format!("not valid YAML: {} (column {column}){fix}", e.info());
                let line = u32::try_from(at).unwrap_or(u32::MAX).saturating_add(shift);
                problems.push(
                    Problem::new("yaml_syntax", path, Some(line), message)
                        .with_value(line_text(text, at)),
                );
                return None;
            }
        };
        let line = line_of(&span.start);
        let node = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    problems.push(
                        Problem::new(
                            "multiple_documents",
                            path,
                            Some(line),
                            "this file holds more than one YAML document (a second `---`); \
                             put everything in one document",
                        )
                        .with_value("---"),
                    );
                    return None;
                }
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    problems.push(Problem::new(
                        "too_deep",
                        path,
                        Some(line),
                        format!(
                            "nested deeper than {MAX_DEPTH} levels; project files need no more than a few"
                        ),
                    ));
                    return None;
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Sequence {
                        line,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Open::Mapping {
                        line,
                        anchor,
                        entries: Vec::new(),
                        key: PendingKey::None,
                        index: None,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Open::Sequence {
                        line,
                        anchor,
                        items,
                    }) => (
                        Node {
                            line,
                            value: Value::Sequence(items),
                        },
                        anchor,
                    ),
                    Some(Open::Mapping {
                        line,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            line,
                            value: Value::Mapping(entries),
                        },
                        anchor,
                    ),
                    None => continue, // the parser never ends what it did not start
                };
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let node = Node {
                    line,
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    }),
                };
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    // The parser rejects unknown aliases itself; be safe anyway.
                    continue;
                };
                let size = target.count();
                if size > alias_budget {
                    problems.push(Problem::new(
                        "alias_limit",
                        path,
                        Some(line),
                        format!(
                            "aliases (`*name`) in this file expand to more than {MAX_ALIAS_NODES} nodes; \
                             write the values out instead"
                        ),
                    ));
                    return None;
                }
                alias_budget -= size;
                target.clone()
            }
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping {
                entries,
                key,
                index,
                ..
            }) => match std::mem::replace(key, PendingKey::None) {
                PendingKey::None => {
                    *key = match node.value {
                        Value::Scalar(s) => PendingKey::Key(s.text, node.line),
                        _ => {
                            problems.push(Problem::new(
                                "complex_key",
                                path,
                                Some(node.line),
                                format!(
                                    "a mapping key must be plain text, not {}",
                                    node.kind_name()
                                ),
                            ));
                            PendingKey::Invalid
                        }
                    }
                }
                PendingKey::Key(name, key_line) => {
                    if let Some(first) = find_key(entries, index, &name) {
                        problems.push(
                            Problem::new(
                                "duplicate_key",
                                path,
                                Some(key_line),
                                format!(
                                    "key `{name}` appears twice in this mapping (first on line {first}); \
                                     keep one"
                                ),
                            )
                            .with_value(name)
                            .with_related([SourceRef::new(path, first)]),
                        );
                    } else {
                        entries.push(Entry {
                            key: name,
                            key_line,
                            value: node,
                        });
                    }
                }
                PendingKey::Invalid => {}
            },
        }
    }
    root
}

/// Mappings up to this many keys are searched for duplicates directly.
const SMALL_MAPPING: usize = 16;

/// The line of `name` if `entries` already has it; keeps `index` (a key →
/// position map) once the mapping grows past [`SMALL_MAPPING`], so a hostile
/// mapping of 100,000 keys stays linear.
fn find_key(
    entries: &[Entry],
    index: &mut Option<HashMap<String, usize>>,
    name: &str,
) -> Option<u32> {
    if entries.len() < SMALL_MAPPING {
        return entries.iter().find(|e| e.key == name).map(|e| e.key_line);
    }
    let index = index.get_or_insert_with(|| {
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect()
    });
    match index.get(name) {
        Some(&i) => entries.get(i).map(|e| e.key_line),
        None => {
            index.insert(name.to_owned(), entries.len());
            None
        }
    }
}

fn remember(anchors: &mut HashMap<usize, Node>, anchor: usize, node: &Node) {
    if anchor > 0 {
        anchors.insert(anchor, node.clone());
    }
}

/// The first tab in the indentation of a line from line `from` (1-based)
/// on: its line and column, both 1-based.
fn tab_in_indentation(text: &str, from: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, line)| {
            let column = line
                .chars()
                .take_while(|c| c.is_whitespace())
                .position(|c| c == '\t')?;
            Some((i + 1, column + 1))
        })
}

/// Line `line` (1-based) of `text`, trimmed, at most 80 characters: the
/// offending value of a syntax error.
fn line_text(text: &str, line: usize) -> String {
    let raw = text.lines().nth(line.saturating_sub(1)).unwrap_or_default();
    raw.trim().chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Node {
        let mut problems = Vec::new();
        let node = parse(text, "t.yaml", 1, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        node.unwrap()
    }

    fn problems_of(text: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        parse(text, "t.yaml", 1, &mut problems);
        problems
    }

    #[test]
    fn every_node_knows_its_line_and_scalars_keep_their_text() {
        let node = parse_ok("id: 0012\ngoals:\n  - id: G1\n    done: \"yes\"\n");
        let Value::Mapping(entries) = &node.value else {
            panic!()
        };
        assert_eq!(entries[0].key, "id");
        assert_eq!(entries[0].value.as_text(), Some("0012"));
        assert_eq!(entries[1].key_line, 2);
        let Value::Sequence(goals) = &entries[1].value.value else {
            panic!()
        };
        assert_eq!(goals[0].line, 3);
        let Value::Mapping(goal) = &goals[0].value else {
            panic!()
        };
        assert_eq!(goal[1].key_line, 4);
        assert_eq!(goal[1].value.line, 4);
    }

    #[test]
    fn every_duplicate_key_is_reported_with_both_lines() {
        let problems = problems_of("a: 1\nb: 2\na: 3\nb: 4\n");
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].code, "duplicate_key");
        assert_eq!(problems[0].line, Some(3));
        assert_eq!(problems[0].value.as_deref(), Some("a"));
        assert_eq!(problems[0].related, [SourceRef::new("t.yaml", 1)]);
        assert_eq!(problems[1].line, Some(4));
    }

    #[test]
    fn syntax_errors_name_the_line_and_show_it() {
        let problems = problems_of("tasks:\n  - id: T1\n    title: [unclosed\n  - id: T2\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "yaml_syntax");
        assert!(problems[0].line.is_some());
    }

    #[test]
    fn a_tab_indent_is_named_at_its_line_with_the_fix() {
        for text in [
            "tasks:\n  - id: T1\n\ttitle: x\n",
            "tasks:\n  - id: T1\n  \t  title: x\n",
            "tasks:\n  - id: T1\n    title: x\n\t- id: T2\n",
        ] {
            let problems = problems_of(text);
            assert_eq!(problems.len(), 1, "{text:?}: {problems:?}");
            assert_eq!(problems[0].code, "yaml_syntax");
            let tab = text.lines().position(|l| l.contains('\t')).unwrap() + 1;
            assert_eq!(problems[0].line, Some(tab as u32), "{text:?}: {problems:?}");
            let column = text.lines().nth(tab - 1).unwrap().find('\t').unwrap() + 1;
            assert!(
                problems[0].message.contains(&format!(
                    "(column {column}); YAML indents with spaces, never tabs"
                )),
                "{}",
                problems[0].message
            );
        }
    }

    #[test]
    fn nulls_are_only_unquoted() {
        let node = parse_ok("a: ~\nb: 'null'\nc:\n");
        let Value::Mapping(e) = &node.value else {
            panic!()
        };
        assert!(e[0].value.is_null());
        assert!(!e[1].value.is_null());
        assert!(e[2].value.is_null());
    }

    #[test]
    fn hostile_nesting_stops_with_a_problem_not_a_crash() {
        let deep = "- ".repeat(500_000) + "x\n";
        let problems = problems_of(&deep);
        assert_eq!(problems[0].code, "too_deep");
        let flow = "[".repeat(300) + &"]".repeat(300);
        assert!(!problems_of(&flow).is_empty());
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='j' {
            doc.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let problems = problems_of(&doc);
        assert_eq!(problems[0].code, "alias_limit");
    }

    #[test]
    fn a_second_document_is_a_problem_and_empty_files_have_none() {
        assert_eq!(
            problems_of("a: 1\n---\nb: 2\n")[0].code,
            "multiple_documents"
        );
        let mut problems = Vec::new();
        assert!(parse("# only a comment\n", "t.yaml", 1, &mut problems).is_none());
        assert!(problems.is_empty());
    }

    #[test]
    fn embedded_yaml_is_shifted_to_the_host_files_lines() {
        let mut problems = Vec::new();
        let node = parse("date: x\n", "state.md", 2, &mut problems).unwrap();
        let Value::Mapping(e) = &node.value else {
            panic!()
        };
        assert_eq!(e[0].key_line, 2);
    }
}
