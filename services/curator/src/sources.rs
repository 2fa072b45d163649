//! Where a project's tasks already live: the `sources:` list of
//! `project.yaml`, and the importers that read each kind of source into
//! the same goals and tasks as `tasks.yaml`.
//!
//! ```yaml
//! sources:
//!   - github: owner/repo          # read from the cache `vpm pull` writes
//!   - github: owner/other
//!     file: exports/issues.json   # a saved `gh issue list --json …` or `gh api` output
//!     id_prefix: OT-
//!   - jira: exports/jira.csv      # or .json; browse_url: https://acme.atlassian.net
//!   - linear: exports/linear.csv
//!   - markdown: TODO.md
//! ```
//!
//! [`declared`] reads the list alone, for callers that must know the
//! sources without curating (`vpm pull`); the curator reads it through
//! [`read`] while reading the rest of `project.yaml`. Every rule of the
//! format is documented in `docs/sources.md`.

mod github;
pub mod import;
mod jira;
mod json_lines;
mod linear;
pub mod markdown;
mod table;

pub use github::{body_references, default_meaning};
pub use import::{Context, Imported};
pub use jira::jira_date;

use vpm_model::{Effort, Level, Problem, TaskStatus};

use crate::fields::{Fields, Text, check_id};
use crate::layout;
use crate::suggest::closest_key;
use crate::yaml::{self, Node, Value};

/// The kinds of source, by the key that names them.
pub const KINDS: &[&str] = &["github", "jira", "linear", "markdown"];

pub const GITHUB_KEYS: &[&str] = &[
    "github",
    "api_url",
    "file",
    "id_prefix",
    "goal",
    "pull_requests",
    "labels",
];
pub const JIRA_KEYS: &[&str] = &["jira", "browse_url", "goal"];
pub const LINEAR_KEYS: &[&str] = &["linear", "goal"];
pub const MARKDOWN_KEYS: &[&str] = &["markdown", "goal", "id_prefix"];

/// A GitHub source's `id_prefix` when none is written: issue 12 is the
/// task `GH-12`, milestone 3 the goal `GH-M3`.
pub const DEFAULT_GITHUB_PREFIX: &str = "GH-";
/// A Markdown source's `id_prefix` when none is written: the third item
/// without an id of its own is the task `MD-3`.
pub const DEFAULT_MARKDOWN_PREFIX: &str = "MD-";
/// The longest `id_prefix`, in characters: ids are at most
/// [`crate::fields::MAX_ID_CHARS`] and the number must fit after it.
pub const MAX_PREFIX_CHARS: usize = 24;

/// One entry of `sources:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    Github(GithubSource),
    Jira(JiraSource),
    Linear(LinearSource),
    Markdown(MarkdownSource),
}

impl Declared {
    /// The kind, as written in `project.yaml` (`github`, `jira`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Declared::Github(_) => "github",
            Declared::Jira(_) => "jira",
            Declared::Linear(_) => "linear",
            Declared::Markdown(_) => "markdown",
        }
    }

    /// Line of the entry in `project.yaml`.
    pub fn line(&self) -> u32 {
        match self {
            Declared::Github(s) => s.line,
            Declared::Jira(s) => s.line,
            Declared::Linear(s) => s.line,
            Declared::Markdown(s) => s.line,
        }
    }

    /// The files of the project folder this source is read from, relative
    /// to the folder: the export file, or a live GitHub source's cache
    /// files (those that may be absent included; a reader skips them).
    pub fn files(&self) -> Vec<String> {
        match self {
            Declared::Github(s) => match &s.file {
                Some(file) => vec![file.clone()],
                None => GITHUB_CACHE_FILES
                    .iter()
                    .map(|name| format!("{}/{name}", s.cache_dir()))
                    .collect(),
            },
            Declared::Jira(s) => vec![s.file.clone()],
            Declared::Linear(s) => vec![s.file.clone()],
            Declared::Markdown(s) => vec![s.file.clone()],
        }
    }
}

/// The files `vpm pull` writes into a GitHub source's cache directory.
pub const GITHUB_CACHE_FILES: &[&str] = &[
    "issues.json",
    "milestones.json",
    "dependencies.json",
    "sub_issues.json",
    "pull.json",
];

/// `github: owner/repo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubSource {
    pub owner: String,
    pub repo: String,
    /// The REST API's base URL, for GitHub Enterprise; `None` is
    /// `https://api.github.com`.
    pub api_url: Option<String>,
    /// An export file to read instead of the cache; never fetched.
    pub file: Option<String>,
    /// Put before issue and milestone numbers to make ids (`GH-12`, `GH-M3`).
    pub id_prefix: String,
    /// The goal of issues without a milestone.
    pub goal: Option<String>,
    /// Whether pull requests are imported as tasks too.
    pub pull_requests: bool,
    /// What labels mean, beyond (and before) the defaults.
    pub labels: Vec<LabelRule>,
    /// Line of the entry in `project.yaml`.
    pub line: u32,
}

impl GithubSource {
    /// The cache `vpm pull` writes, relative to the project folder.
    pub fn cache_dir(&self) -> String {
        format!(".vpm/sources/github/{}/{}", self.owner, self.repo)
    }

    /// `owner/repo`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// The task id of issue `number` (`GH-12`).
    pub fn issue_task_id(&self, number: u64) -> String {
        format!("{}{number}", self.id_prefix)
    }

    /// The goal id of milestone `number` (`GH-M3`). A goal of this id in
    /// `project.yaml` stands for the milestone instead (its title and
    /// criteria are the folder's).
    pub fn milestone_goal_id(&self, number: u64) -> String {
        format!("{}M{number}", self.id_prefix)
    }
}

/// `jira: exports/jira.csv` (or `.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraSource {
    pub file: String,
    /// The site (`https://acme.atlassian.net`), for links to each issue.
    pub browse_url: Option<String>,
    pub goal: Option<String>,
    pub line: u32,
}

/// `linear: exports/linear.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinearSource {
    pub file: String,
    pub goal: Option<String>,
    pub line: u32,
}

/// `markdown: TODO.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownSource {
    pub file: String,
    pub goal: Option<String>,
    pub id_prefix: String,
    pub line: u32,
}

/// What a label means to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelMeaning {
    Criticality(Level),
    Effort(Effort),
    Risk(Level),
    Status(TaskStatus),
    /// Means nothing, even if a default rule would match it.
    Nothing,
}

/// `labels: {"<label>": "<meaning>"}` in a GitHub source: a label (matched
/// without regard to case) and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRule {
    pub label: String,
    pub meaning: LabelMeaning,
    pub line: u32,
}

/// Reads every declared source from the bundle's files, in the order
/// declared, into goals and tasks for the curated set. What cannot be
/// read is a problem naming the file (and line, or row); what is read but
/// left out (a dependency on an issue outside the export, issues closed
/// as not planned) is a warning.
pub fn import_all(declared: &[Declared], cx: &mut Context<'_>) -> Imported {
    let mut out = Imported::default();
    for source in declared {
        match source {
            Declared::Github(s) => github::import(s, cx, &mut out),
            Declared::Jira(s) => jira::import(s, cx, &mut out),
            Declared::Linear(s) => linear::import(s, cx, &mut out),
            Declared::Markdown(s) => markdown::import(s, cx, &mut out),
        }
    }
    out
}

/// The sources declared in `project_yaml` (the text of `project.yaml`),
/// or every problem with them, each naming `project.yaml` and its line.
/// A file without `sources:` declares none. Only the `sources:` list is
/// checked; the rest of the file is the curator's.
pub fn declared(project_yaml: &str) -> Result<Vec<Declared>, Vec<Problem>> {
    let mut problems = Vec::new();
    let text = project_yaml
        .strip_prefix('\u{feff}')
        .unwrap_or(project_yaml);
    let root = yaml::parse(text, layout::PROJECT, 1, &mut problems);
    let sources = match &root {
        Some(Node {
            value: Value::Mapping(entries),
            ..
        }) => entries
            .iter()
            .find(|e| e.key == "sources")
            .map(|e| read(&e.value, layout::PROJECT, &mut problems))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if problems.is_empty() {
        Ok(sources)
    } else {
        Err(problems)
    }
}

/// Reads the value of `sources:` (`node`) in the file at `path`.
pub fn read(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Vec<Declared> {
    if node.is_null() {
        return Vec::new();
    }
    let Value::Sequence(items) = &node.value else {
        problems.push(
            Problem::new(
                "wrong_type",
                path,
                Some(node.line),
                format!(
                    "`sources` must be a list, each entry naming its kind first \
                     (`- github: owner/repo`, `- markdown: TODO.md`), not {}",
                    node.kind_name()
                ),
            )
            .with_value(crate::fields::excerpt(node)),
        );
        return Vec::new();
    };
    let sources: Vec<Declared> = items
        .iter()
        .filter_map(|item| read_entry(item, path, problems))
        .collect();
    check_distinct(&sources, path, problems);
    sources
}

fn read_entry(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Option<Declared> {
    let Value::Mapping(entries) = &node.value else {
        problems.push(
            Problem::new(
                "wrong_type",
                path,
                Some(node.line),
                format!(
                    "each source must be a mapping whose first key names its kind ({}), not {}",
                    KINDS.join(", "),
                    node.kind_name()
                ),
            )
            .with_value(crate::fields::excerpt(node)),
        );
        return None;
    };
    let Some(first) = entries.first() else {
        problems.push(Problem::new(
            "empty_value",
            path,
            Some(node.line),
            format!(
                "this source is empty; start it with its kind ({})",
                KINDS.join(", ")
            ),
        ));
        return None;
    };
    let (kind, allowed) = match first.key.as_str() {
        "github" => ("github", GITHUB_KEYS),
        "jira" => ("jira", JIRA_KEYS),
        "linear" => ("linear", LINEAR_KEYS),
        "markdown" => ("markdown", MARKDOWN_KEYS),
        other => {
            let hint = closest_key(other, KINDS)
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            problems.push(
                Problem::new(
                    "unknown_source",
                    path,
                    Some(first.key_line),
                    format!(
                        "a source starts with its kind, and `{other}` is none: {hint}(kinds: {})",
                        KINDS.join(", ")
                    ),
                )
                .with_value(other),
            );
            return None;
        }
    };
    let what = format!("a {kind} source");
    let fields = Fields::read(node, path, &what, allowed, problems)?;
    let line = first.key_line;
    let goal = fields.text("goal", problems);
    let goal = goal
        .filter(|g| check_id(g, path, problems))
        .map(|g| g.value);
    match kind {
        "github" => {
            let name =
                fields.required_text("github", "the repository as `owner/repo`", problems)?;
            let (owner, repo) = repository(&name, path, problems)?;
            let api_url = url(&fields, "api_url", path, problems);
            let file = export_file(&fields, "file", path, problems);
            let id_prefix = prefix(&fields, DEFAULT_GITHUB_PREFIX, path, problems);
            let pull_requests = flag(&fields, "pull_requests", problems);
            let labels = label_rules(&fields, path, problems);
            Some(Declared::Github(GithubSource {
                owner,
                repo,
                api_url,
                file,
                id_prefix,
                goal,
                pull_requests,
                labels,
                line,
            }))
        }
        "jira" => {
            let browse_url = url(&fields, "browse_url", path, problems);
            let file = export_file(&fields, "jira", path, problems)?;
            Some(Declared::Jira(JiraSource {
                file,
                browse_url,
                goal,
                line,
            }))
        }
        "linear" => {
            let file = export_file(&fields, "linear", path, problems)?;
            Some(Declared::Linear(LinearSource { file, goal, line }))
        }
        _ => {
            let id_prefix = prefix(&fields, DEFAULT_MARKDOWN_PREFIX, path, problems);
            let file = export_file(&fields, "markdown", path, problems)?;
            Some(Declared::Markdown(MarkdownSource {
                file,
                goal,
                id_prefix,
                line,
            }))
        }
    }
}

/// `owner/repo`, each part as GitHub allows it. The names become folders
/// of the cache, so nothing that could climb out of it (`..`, `/`) passes.
fn repository(name: &Text, path: &str, problems: &mut Vec<Problem>) -> Option<(String, String)> {
    let valid_owner = |s: &str| {
        (1..=39).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !s.starts_with('-')
    };
    let valid_repo = |s: &str| {
        (1..=100).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s != "."
            && s != ".."
    };
    match name.value.split_once('/') {
        Some((owner, repo)) if valid_owner(owner) && valid_repo(repo) => {
            Some((owner.to_owned(), repo.to_owned()))
        }
        _ => {
            problems.push(
                Problem::new(
                    "bad_value",
                    path,
                    Some(name.line),
                    format!(
                        "`github` is `{}`; it must be a repository as `owner/repo` \
                         (letters, digits, `-`, and in the repository's name also `_` and `.`)",
                        name.value
                    ),
                )
                .with_value(name.value.clone()),
            );
            None
        }
    }
}

/// A path inside the project folder.
fn export_file(
    fields: &Fields<'_>,
    key: &str,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let text = if key == "file" {
        fields.text(key, problems)?
    } else {
        fields.required_text(
            key,
            "the export file, relative to the project folder",
            problems,
        )?
    };
    if let Err(why) = layout::check_path(&text.value) {
        problems.push(
            Problem::new(
                "bad_path",
                path,
                Some(text.line),
                format!(
                    "`{key}` is `{}`: {why}; name a file inside the project folder",
                    text.value
                ),
            )
            .with_value(text.value),
        );
        return None;
    }
    Some(text.value)
}

/// An `http://` or `https://` URL without spaces.
fn url(fields: &Fields<'_>, key: &str, path: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let text = fields.text(key, problems)?;
    let lower = text.value.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && text.value.len() > "https://".len()
        && !text
            .value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        problems.push(
            Problem::new(
                "bad_value",
                path,
                Some(text.line),
                format!(
                    "`{key}` is `{}`; it must be a URL starting with https:// (or http://)",
                    text.value
                ),
            )
            .with_value(text.value),
        );
        return None;
    }
    Some(text.value.trim_end_matches('/').to_owned())
}

fn prefix(fields: &Fields<'_>, default: &str, path: &str, problems: &mut Vec<Problem>) -> String {
    let Some(text) = fields.text("id_prefix", problems) else {
        return default.to_owned();
    };
    let chars = text.value.chars().count();
    let bad = text
        .value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '#');
    if bad || chars > MAX_PREFIX_CHARS {
        problems.push(
            Problem::new(
                "bad_value",
                path,
                Some(text.line),
                format!(
                    "`id_prefix` is `{}`; it must be at most {MAX_PREFIX_CHARS} characters \
                     without spaces or `#` (for example `API-`)",
                    text.value
                ),
            )
            .with_value(text.value),
        );
        return default.to_owned();
    }
    text.value
}

fn flag(fields: &Fields<'_>, key: &str, problems: &mut Vec<Problem>) -> bool {
    const BOOLS: &[(&str, bool)] = &[
        ("true", true),
        ("false", false),
        ("yes", true),
        ("no", false),
    ];
    fields.choice(key, BOOLS, problems).unwrap_or(false)
}

/// The meanings a label may be given, as written in `labels:`.
pub const LABEL_MEANINGS: &[(&str, LabelMeaning)] = &[
    ("criticality high", LabelMeaning::Criticality(Level::High)),
    (
        "criticality medium",
        LabelMeaning::Criticality(Level::Medium),
    ),
    ("criticality low", LabelMeaning::Criticality(Level::Low)),
    ("effort S", LabelMeaning::Effort(Effort::S)),
    ("effort M", LabelMeaning::Effort(Effort::M)),
    ("effort L", LabelMeaning::Effort(Effort::L)),
    ("risk high", LabelMeaning::Risk(Level::High)),
    ("risk medium", LabelMeaning::Risk(Level::Medium)),
    ("risk low", LabelMeaning::Risk(Level::Low)),
    ("blocked", LabelMeaning::Status(TaskStatus::Blocked)),
    ("in_progress", LabelMeaning::Status(TaskStatus::InProgress)),
    ("nothing", LabelMeaning::Nothing),
];

fn label_rules(fields: &Fields<'_>, path: &str, problems: &mut Vec<Problem>) -> Vec<LabelRule> {
    let Some(node) = fields.node("labels") else {
        return Vec::new();
    };
    let names: Vec<&str> = LABEL_MEANINGS.iter().map(|(n, _)| *n).collect();
    let Value::Mapping(entries) = &node.value else {
        problems.push(
            Problem::new(
                "wrong_type",
                path,
                Some(node.line),
                format!(
                    "`labels` must be a mapping from a label to what it means \
                     (`\"P0\": criticality high`), not {}",
                    node.kind_name()
                ),
            )
            .with_value(crate::fields::excerpt(node)),
        );
        return Vec::new();
    };
    let mut rules = Vec::new();
    for entry in entries {
        let written = entry
            .value
            .as_text()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "));
        let meaning = written.as_deref().and_then(|w| {
            LABEL_MEANINGS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(w))
                .map(|(_, m)| *m)
        });
        match meaning {
            Some(meaning) => rules.push(LabelRule {
                label: entry.key.clone(),
                meaning,
                line: entry.key_line,
            }),
            None => problems.push(
                Problem::new(
                    "bad_value",
                    path,
                    Some(entry.value.line),
                    format!(
                        "label `{}` is given the meaning `{}`; it must be one of: {}",
                        entry.key,
                        written.unwrap_or_default(),
                        names.join(", ")
                    ),
                )
                .with_value(entry.key.clone()),
            ),
        }
    }
    rules
}

/// Two sources of one repository, or two that would number their tasks
/// alike, cannot both be read.
fn check_distinct(sources: &[Declared], path: &str, problems: &mut Vec<Problem>) {
    let mut repos: Vec<(String, u32)> = Vec::new();
    let mut prefixes: Vec<(String, u32)> = Vec::new();
    for source in sources {
        let (repo, prefix, line) = match source {
            Declared::Github(s) => (
                Some(s.full_name().to_ascii_lowercase()),
                &s.id_prefix,
                s.line,
            ),
            Declared::Markdown(s) => (None, &s.id_prefix, s.line),
            _ => continue,
        };
        if let Some(repo) = repo {
            if let Some((_, first)) = repos.iter().find(|(r, _)| *r == repo) {
                problems.push(
                    Problem::new(
                        "duplicate_source",
                        path,
                        Some(line),
                        format!(
                            "the repository {repo} is already a source (line {first}); declare it once"
                        ),
                    )
                    .with_value(repo.clone()),
                );
            }
            repos.push((repo, line));
        }
        if let Some((_, first)) = prefixes.iter().find(|(p, _)| p == prefix) {
            problems.push(
                Problem::new(
                    "duplicate_source",
                    path,
                    Some(line),
                    format!(
                        "the source on line {first} already numbers its tasks `{prefix}1`, \
                         `{prefix}2`, …; give this one its own `id_prefix:` so ids cannot collide"
                    ),
                )
                .with_value(prefix.clone()),
            );
        }
        prefixes.push((prefix.clone(), line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<Declared> {
        declared(text).unwrap_or_else(|p| panic!("{p:#?}"))
    }

    fn problems(text: &str) -> Vec<Problem> {
        declared(text).expect_err("problems expected")
    }

    #[test]
    fn a_file_without_sources_declares_none() {
        assert!(ok("id: p\nname: P\ngoals: []\n").is_empty());
        assert!(ok("id: p\nsources:\n").is_empty());
        assert!(ok("").is_empty());
    }

    #[test]
    fn every_kind_is_read_with_its_defaults() {
        let sources = ok("id: p\n\
                         sources:\n  \
                           - github: acme/api\n    \
                             api_url: https://ghe.example.com/api/v3/\n  \
                           - github: acme/web\n    \
                             file: exports/issues.json\n    \
                             id_prefix: WEB-\n    \
                             goal: G2\n    \
                             pull_requests: true\n    \
                             labels:\n      \
                               P0: criticality high\n      \
                               \"on hold\": blocked\n  \
                           - jira: exports/jira.csv\n    \
                             browse_url: https://acme.atlassian.net\n  \
                           - linear: exports/linear.csv\n  \
                           - markdown: TODO.md\n");
        assert_eq!(sources.len(), 5);
        let Declared::Github(api) = &sources[0] else {
            panic!("{sources:?}")
        };
        assert_eq!((api.owner.as_str(), api.repo.as_str()), ("acme", "api"));
        assert_eq!(
            api.api_url.as_deref(),
            Some("https://ghe.example.com/api/v3")
        );
        assert_eq!(api.file, None);
        assert_eq!(api.line, 3);
        assert_eq!(api.cache_dir(), ".vpm/sources/github/acme/api");
        assert_eq!(api.issue_task_id(12), "GH-12");
        assert_eq!(api.milestone_goal_id(3), "GH-M3");
        assert!(!api.pull_requests);
        assert_eq!(
            sources[0].files(),
            [
                ".vpm/sources/github/acme/api/issues.json",
                ".vpm/sources/github/acme/api/milestones.json",
                ".vpm/sources/github/acme/api/dependencies.json",
                ".vpm/sources/github/acme/api/sub_issues.json",
                ".vpm/sources/github/acme/api/pull.json",
            ]
        );
        let Declared::Github(web) = &sources[1] else {
            panic!()
        };
        assert_eq!(web.file.as_deref(), Some("exports/issues.json"));
        assert_eq!(sources[1].files(), ["exports/issues.json"]);
        assert_eq!(web.issue_task_id(7), "WEB-7");
        assert_eq!(web.goal.as_deref(), Some("G2"));
        assert!(web.pull_requests);
        assert_eq!(
            web.labels,
            [
                LabelRule {
                    label: "P0".into(),
                    meaning: LabelMeaning::Criticality(Level::High),
                    line: 11
                },
                LabelRule {
                    label: "on hold".into(),
                    meaning: LabelMeaning::Status(TaskStatus::Blocked),
                    line: 12
                },
            ]
        );
        assert_eq!(
            sources[2],
            Declared::Jira(JiraSource {
                file: "exports/jira.csv".into(),
                browse_url: Some("https://acme.atlassian.net".into()),
                goal: None,
                line: 13
            })
        );
        assert_eq!(sources[3].kind(), "linear");
        assert_eq!(
            sources[4],
            Declared::Markdown(MarkdownSource {
                file: "TODO.md".into(),
                goal: None,
                id_prefix: "MD-".into(),
                line: 16
            })
        );
    }

    #[test]
    fn bad_entries_are_problems_naming_project_yaml_and_the_line() {
        let p = problems(
            "id: p\n\
             sources:\n  \
               - gitlab: a/b\n  \
               - github: ../etc\n  \
               - github: acme/api\n    \
                 api_url: javascript:alert(1)\n  \
               - jira: /etc/passwd\n  \
               - markdown: TODO.md\n    \
                 labels: {}\n  \
               - just text\n",
        );
        let seen: Vec<(&str, Option<u32>)> = p.iter().map(|p| (p.code.as_str(), p.line)).collect();
        assert_eq!(
            seen,
            [
                ("unknown_source", Some(3)),
                ("bad_value", Some(4)),
                ("bad_value", Some(6)),
                ("bad_path", Some(7)),
                ("unknown_key", Some(9)),
                ("wrong_type", Some(10)),
            ],
            "{p:#?}"
        );
        assert!(p.iter().all(|p| p.path == "project.yaml"));
        assert!(
            p[0].message.contains("did you mean `github`"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn a_repository_or_prefix_declared_twice_is_a_problem() {
        let p = problems(
            "sources:\n  - github: acme/api\n  - github: ACME/api\n    id_prefix: X-\n  - github: acme/web\n",
        );
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(
            p[0].message.contains("already a source (line 2)"),
            "{}",
            p[0].message
        );
        assert_eq!(p[1].line, Some(5));
        assert!(p[1].message.contains("id_prefix"), "{}", p[1].message);
    }

    #[test]
    fn sources_that_are_not_a_list_and_yaml_errors_are_problems() {
        assert_eq!(problems("sources: github\n")[0].code, "wrong_type");
        assert_eq!(problems("sources: [\n")[0].code, "yaml_syntax");
        let p = problems("sources:\n  - github: a/b\n    labels:\n      x: urgent\n");
        assert_eq!(p[0].line, Some(4));
        assert!(
            p[0].message.contains("criticality high"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn label_meanings_ignore_case_and_spacing() {
        let s =
            ok("sources:\n  - github: a/b\n    labels:\n      X: Effort   s\n      Y: NOTHING\n");
        let Declared::Github(g) = &s[0] else { panic!() };
        assert_eq!(g.labels[0].meaning, LabelMeaning::Effort(Effort::S));
        assert_eq!(g.labels[1].meaning, LabelMeaning::Nothing);
    }
}
