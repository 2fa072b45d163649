//! Reading one YAML mapping of a project file into typed values, reporting
//! every unknown key, missing key and bad value with its line.
//!
//! Each reader returns `None` when the value is absent or unusable and
//! pushes a [`Problem`] for the unusable case, so a caller can read every
//! field of every item and report all problems in one pass.

use chrono::NaiveDate;
use vpm_model::{Problem, SourceRef};

use crate::dates::parse_date;
use crate::suggest::{closest_key, closest_value};
use crate::yaml::{Entry, Node, Value};

/// The longest id accepted, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// A text value and the line it is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub line: u32,
}

/// The keys of one mapping, checked against the keys its kind allows.
#[derive(Debug)]
pub struct Fields<'a> {
    pub path: &'a str,
    /// Line of the mapping itself (its first key).
    pub line: u32,
    entries: &'a [Entry],
}

impl<'a> Fields<'a> {
    /// Reads `node` as a mapping of `what` ("a task") with keys `allowed`.
    /// Unknown keys are reported (with the closest allowed key); a node that
    /// is not a mapping is reported and gives `None`.
    pub fn read(
        node: &'a Node,
        path: &'a str,
        what: &str,
        allowed: &[&str],
        problems: &mut Vec<Problem>,
    ) -> Option<Self> {
        Self::read_or(node, path, what, allowed, problems, None)
    }

    /// [`Fields::read`] for the top of a file: a file that is not a mapping
    /// cannot be read at all, so that problem is a root cause (see
    /// [`crate::curate`]) and goes to `root_causes`.
    pub fn read_file(
        node: &'a Node,
        path: &'a str,
        what: &str,
        allowed: &[&str],
        problems: &mut Vec<Problem>,
        root_causes: &mut Vec<Problem>,
    ) -> Option<Self> {
        Self::read_or(node, path, what, allowed, problems, Some(root_causes))
    }

    fn read_or(
        node: &'a Node,
        path: &'a str,
        what: &str,
        allowed: &[&str],
        problems: &mut Vec<Problem>,
        root_causes: Option<&mut Vec<Problem>>,
    ) -> Option<Self> {
        let Value::Mapping(entries) = &node.value else {
            let problem = Problem::new(
                "wrong_type",
                path,
                Some(node.line),
                format!(
                    "{what} must be a mapping of keys to values, not {}",
                    node.kind_name()
                ),
            )
            .with_value(excerpt(node));
            root_causes.unwrap_or(problems).push(problem);
            return None;
        };
        for entry in entries {
            if !allowed.contains(&entry.key.as_str()) {
                let hint = match (what, entry.key.as_str()) {
                    // A habit from ADRs; say where the text goes instead.
                    ("a decision", "title") => {
                        "; decisions have no title: write what was decided under `decision`"
                            .to_owned()
                    }
                    _ => closest_key(&entry.key, allowed)
                        .map(|k| format!("; did you mean `{k}`?"))
                        .unwrap_or_default(),
                };
                problems.push(
                    Problem::new(
                        "unknown_key",
                        path,
                        Some(entry.key_line),
                        format!(
                            "`{}` is not a key of {what}{hint} (allowed: {})",
                            entry.key,
                            allowed.join(", ")
                        ),
                    )
                    .with_value(entry.key.clone()),
                );
            }
        }
        Some(Self {
            path,
            line: node.line,
            entries,
        })
    }

    /// The value of `key`, unless absent or null.
    pub fn node(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
            .filter(|n| !n.is_null())
    }

    /// A text value; absent, null and empty are all `None` (empty text is
    /// as good as nothing for an optional key).
    pub fn text(&self, key: &str, problems: &mut Vec<Problem>) -> Option<Text> {
        let node = self.node(key)?;
        match &node.value {
            Value::Scalar(s) => {
                let value = s.text.trim();
                (!value.is_empty()).then(|| Text {
                    value: value.to_owned(),
                    line: node.line,
                })
            }
            _ => {
                problems.push(self.wrong_type(key, node, "text"));
                None
            }
        }
    }

    /// A text value that must be there and must not be empty; `hint` says
    /// what the key is for ("the id of the goal this task advances").
    pub fn required_text(
        &self,
        key: &str,
        hint: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<Text> {
        let present = self.entries.iter().find(|e| e.key == key);
        let text = self.text(key, problems);
        if text.is_none() {
            match present {
                Some(entry) if !matches!(entry.value.value, Value::Scalar(_)) => {} // wrong_type, reported
                Some(entry) => problems.push(
                    Problem::new(
                        "empty_value",
                        self.path,
                        Some(entry.value.line),
                        format!("`{key}` is empty; it must be {hint}"),
                    )
                    .with_value(key),
                ),
                None => problems.push(
                    Problem::new(
                        "missing_key",
                        self.path,
                        Some(self.line),
                        format!("`{key}` is missing; it must be {hint}"),
                    )
                    .with_value(key),
                ),
            }
        }
        text
    }

    /// A required id: text without whitespace, at most [`MAX_ID_CHARS`] characters.
    pub fn id(&self, what: &str, problems: &mut Vec<Problem>) -> Option<Text> {
        let id = self.required_text("id", &format!("the id of {what}"), problems)?;
        check_id(&id, self.path, problems);
        Some(id)
    }

    /// An optional `YYYY-MM-DD` date.
    pub fn date(&self, key: &str, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
        let text = self.text(key, problems)?;
        match parse_date(&text.value) {
            Ok(date) => Some(date),
            Err(why) => {
                problems.push(
                    Problem::new(
                        "bad_date",
                        self.path,
                        Some(text.line),
                        format!("`{key}`: {why}"),
                    )
                    .with_value(text.value),
                );
                None
            }
        }
    }

    /// One of a fixed set of words (matched case-insensitively), if present.
    pub fn choice<T: Copy>(
        &self,
        key: &str,
        options: &[(&str, T)],
        problems: &mut Vec<Problem>,
    ) -> Option<T> {
        let text = self.text(key, problems)?;
        self.match_choice(key, text, options, problems)
    }

    /// One of a fixed set of words, which must be there.
    pub fn required_choice<T: Copy>(
        &self,
        key: &str,
        options: &[(&str, T)],
        problems: &mut Vec<Problem>,
    ) -> Option<T> {
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let hint = format!("one of {}", names.join(", "));
        let text = self.required_text(key, &hint, problems)?;
        self.match_choice(key, text, options, problems)
    }

    fn match_choice<T: Copy>(
        &self,
        key: &str,
        text: Text,
        options: &[(&str, T)],
        problems: &mut Vec<Problem>,
    ) -> Option<T> {
        if let Some((_, value)) = options
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&text.value))
        {
            return Some(*value);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let message = match closest_value(&text.value, &names) {
            Some(meant) => format!(
                "`{key}` is `{}`: did you mean `{meant}`? (allowed: {})",
                text.value,
                names.join(", ")
            ),
            None => format!(
                "`{key}` is `{}`; it must be one of {}",
                text.value,
                names.join(", ")
            ),
        };
        problems.push(
            Problem::new("bad_value", self.path, Some(text.line), message).with_value(text.value),
        );
        None
    }

    /// A list; absent or null is an empty list.
    pub fn list(&self, key: &str, example: &str, problems: &mut Vec<Problem>) -> &'a [Node] {
        let Some(node) = self.node(key) else {
            return &[];
        };
        match &node.value {
            Value::Sequence(items) => items,
            _ => {
                problems.push(
                    Problem::new(
                        "wrong_type",
                        self.path,
                        Some(node.line),
                        format!(
                            "`{key}` must be a list ({example}), not {}",
                            node.kind_name()
                        ),
                    )
                    .with_value(excerpt(node)),
                );
                &[]
            }
        }
    }

    /// A list of text items (ids, criteria), each with its line. A single
    /// text value is taken as a list of one (`depends_on: T1`), a common
    /// shorthand that cannot be misread.
    pub fn text_list(&self, key: &str, example: &str, problems: &mut Vec<Problem>) -> Vec<Text> {
        if let Some(node) = self.node(key)
            && let Value::Scalar(_) = node.value
        {
            return self.text(key, problems).into_iter().collect();
        }
        let mut out = Vec::new();
        for item in self.list(key, example, problems) {
            match (&item.value, item.is_null()) {
                (Value::Scalar(s), false) if !s.text.trim().is_empty() => out.push(Text {
                    value: s.text.trim().to_owned(),
                    line: item.line,
                }),
                (Value::Scalar(_), _) => problems.push(
                    Problem::new(
                        "empty_value",
                        self.path,
                        Some(item.line),
                        format!("an entry of `{key}` is empty; remove it or fill it in"),
                    )
                    .with_value(key),
                ),
                _ => problems.push(
                    Problem::new(
                        "wrong_type",
                        self.path,
                        Some(item.line),
                        format!(
                            "each entry of `{key}` must be text ({example}), not {}",
                            item.kind_name()
                        ),
                    )
                    .with_value(excerpt(item)),
                ),
            }
        }
        out
    }

    /// A list of ids (`depends_on`, `links`), each checked with
    /// [`check_id`]; only the well-formed ones are returned, so a bad id is
    /// one problem, not also an unknown reference.
    ///
    /// One text holding several ids (`depends_on: T05, T04`, a habit from
    /// spreadsheets and other trackers) is a `wrong_type` problem that
    /// shows the YAML list it was meant to be, rather than a bad id.
    pub fn id_list(&self, key: &str, example: &str, problems: &mut Vec<Problem>) -> Vec<Text> {
        if let Some(node) = self.node(key)
            && let Value::Scalar(s) = &node.value
        {
            let parts: Vec<&str> = s
                .text
                .split([',', '、', '，'])
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .collect();
            if parts.len() > 1 {
                problems.push(
                    Problem::new(
                        "wrong_type",
                        self.path,
                        Some(node.line),
                        format!(
                            "`{key}` is one text, `{}`; to list several ids, write a YAML list: \
                             {key}: [{}]",
                            s.text.trim(),
                            parts.join(", ")
                        ),
                    )
                    .with_value(excerpt(node)),
                );
                return Vec::new();
            }
        }
        let mut ids = self.text_list(key, example, problems);
        ids.retain(|id| check_id(id, self.path, problems));
        ids
    }

    fn wrong_type(&self, key: &str, node: &Node, expected: &str) -> Problem {
        Problem::new(
            "wrong_type",
            self.path,
            Some(node.line),
            format!("`{key}` must be {expected}, not {}", node.kind_name()),
        )
        .with_value(excerpt(node))
    }

    pub fn source(&self) -> SourceRef {
        SourceRef::new(self.path, self.line)
    }
}

/// Ids name things across files (`depends_on`, decision links), so they
/// must survive being written in a list: no spaces, nothing invisible.
/// Whether the id is well formed; if not, the problem says why.
pub fn check_id(id: &Text, path: &str, problems: &mut Vec<Problem>) -> bool {
    let chars = id.value.chars().count();
    let why = if id
        .value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        Some("an id must not contain spaces or control characters".to_owned())
    } else if chars > MAX_ID_CHARS {
        Some(format!(
            "an id may have at most {MAX_ID_CHARS} characters; this one has {chars}"
        ))
    } else {
        None
    };
    if let Some(why) = why {
        problems.push(
            Problem::new(
                "bad_id",
                path,
                Some(id.line),
                format!("`{}`: {why}", id.value),
            )
            .with_value(id.value.clone()),
        );
        return false;
    }
    true
}

/// A short rendering of a node for the `value` of a problem.
pub fn excerpt(node: &Node) -> String {
    match &node.value {
        Value::Scalar(s) => s.text.chars().take(80).collect(),
        Value::Sequence(items) => format!("[{} items]", items.len()),
        Value::Mapping(entries) => {
            let keys: Vec<&str> = entries.iter().take(4).map(|e| e.key.as_str()).collect();
            format!("{{{}}}", keys.join(", "))
        }
    }
}
