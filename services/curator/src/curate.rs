//! From a bundle to a curated set: the curator's one domain operation.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use vpm_model::curated::{
    CuratedSet, CuratedSetVersion, SourceDigest, SourceKind, StatementKind, Warning,
};
use vpm_model::{Bundle, Problem, SourceFile, SourceRef};

use crate::decision_file::{self, DecisionEntry};
use crate::dedup::{self, Found};
use crate::front_matter;
use crate::layout::{self, Placement};
use crate::limits::{LimitExceeded, Limits};
use crate::markdown::{self, LineIndex};
use crate::normalize::sha256_hex;
use crate::project_file;
use crate::references::{self, PlacedDecision, Related, Unchecked, Unread};
use crate::sources;
use crate::suggest::closest;
use crate::tasks_file;
use crate::yaml::{self, Value};

/// Why a bundle gave no curated set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CurateError {
    /// Larger than [`Limits`] allow (HTTP 413); nothing was parsed.
    #[error("the bundle is too large: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    TooLarge(Vec<LimitExceeded>),
    /// Every problem found in the folder (HTTP 422), root causes first
    /// (see [`curate`]), each group sorted by file and line, and the
    /// warnings found on the way (an ignored file often explains a problem).
    #[error("the project folder has {} problem(s)", problems.len())]
    Invalid {
        problems: Vec<Problem>,
        warnings: Vec<Warning>,
    },
}

/// Front matter keys that are understood (`date`) or commonly written and
/// harmless (the rest); others get an `unknown_front_matter_key` warning.
pub const FRONT_MATTER_KEYS: &[&str] = &[
    "date", "title", "author", "authors", "tags", "week", "summary",
];

/// Curates `bundle`: parses every file, checks every id and reference,
/// de-duplicates the statements, and returns the facts — or every problem.
///
/// Problems come in two groups. First the *root causes*: a path the bundle
/// cannot hold (`bad_path`, `duplicate_source`), a missing `project.yaml`,
/// and a YAML file that cannot be read at all (a syntax error, a second
/// document, a file or its main list of the wrong shape, an empty
/// `project.yaml` or decision). Then everything else. Each group is sorted
/// by file and line. While a file cannot be read its ids are unknown, so a
/// reference that names no known id but might name one of them is not
/// reported (a missing `project.yaml` is one problem, not one per task's
/// `goal`); the root cause says how many references wait on it.
///
/// A pure function of its inputs: the same bundle and trace id give the
/// same set, byte for byte once serialised.
pub fn curate(bundle: &Bundle, trace_id: &str, limits: &Limits) -> Result<CuratedSet, CurateError> {
    // The files `sources:` declares are read as imports, not ignored,
    // and held to their own size limit; the list's own problems are
    // reported when project.yaml is read.
    let declared_paths: HashSet<String> = bundle
        .sources
        .iter()
        .find(|f| f.path == layout::PROJECT)
        .filter(|f| f.content.len() as u64 <= limits.max_file_bytes)
        .and_then(|f| sources::declared(&f.content).ok())
        .unwrap_or_default()
        .iter()
        .flat_map(sources::Declared::files)
        .collect();
    let exceeded = limits.check_with_sources(
        bundle
            .sources
            .iter()
            .map(|s| (s.path.as_str(), s.content.len() as u64)),
        |path| declared_paths.contains(path),
    );
    if !exceeded.is_empty() {
        return Err(CurateError::TooLarge(exceeded));
    }
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut root_causes = Vec::new();
    let files = sort_files(bundle, &declared_paths, &mut root_causes, &mut warnings);
    let imports: HashMap<&str, &str> = bundle
        .sources
        .iter()
        .filter(|f| declared_paths.contains(&f.path) && layout::check_path(&f.path).is_ok())
        .map(|f| {
            (
                f.path.as_str(),
                f.content.strip_prefix('\u{feff}').unwrap_or(&f.content),
            )
        })
        .collect();
    let mut unread = Unread::default();

    // project.yaml
    let project_source = files.iter().find(|f| f.kind == SourceKind::Project);
    let before = root_causes.len();
    let project = match project_source {
        Some(f) => match parse(f, &mut problems, &mut root_causes) {
            // Placeholders only: the parser said why (an unparsable file
            // is not also "empty").
            Parsed::Unreadable => {
                project_file::read(None, &f.file.path, &mut Vec::new(), &mut Vec::new())
            }
            parsed => {
                project_file::read(parsed.node(), &f.file.path, &mut problems, &mut root_causes)
            }
        },
        None => {
            root_causes.push(Problem::new(
                "missing_file",
                layout::PROJECT,
                None,
                "every project folder needs a project.yaml with its id, name and goals",
            ));
            project_file::read(None, layout::PROJECT, &mut Vec::new(), &mut Vec::new())
        }
    };
    unread.goals = root_causes.len() > before;
    if let Some(id) = &project.id
        && id.value != bundle.project_id
    {
        problems.push(
            Problem::new(
                "project_id_mismatch",
                layout::PROJECT,
                Some(id.line),
                format!(
                    "the bundle is for project `{}` but project.yaml's id is `{}`; they must be the same",
                    bundle.project_id, id.value
                ),
            )
            .with_value(bundle.project_id.clone()),
        );
    }
    let as_of = bundle.as_of.or(project.as_of);

    // tasks.yaml
    let before = root_causes.len();
    let tasks = match files.iter().find(|f| f.kind == SourceKind::Tasks) {
        Some(f) => {
            let parsed = parse(f, &mut problems, &mut root_causes);
            tasks_file::read(parsed.node(), &f.file.path, &mut problems, &mut root_causes)
        }
        None => Vec::new(),
    };
    for entry in tasks.iter().filter(|e| e.done_on_ignored) {
        let at = &entry.task.source;
        warnings.push(Warning {
            code: "done_on_not_done".to_owned(),
            message: format!(
                "{}:{}: task {} has `done_on` but its status is {}, not done; the date is ignored",
                at.path,
                at.line,
                entry.task.id,
                entry.task.status.as_str()
            ),
            locations: vec![at.clone()],
        });
    }
    unread.tasks = root_causes.len() > before;

    // decisions/*.yaml
    let before = root_causes.len();
    let decisions: Vec<(&str, DecisionEntry)> = files
        .iter()
        .filter(|f| f.kind == SourceKind::Decision)
        .filter_map(|f| {
            let parsed = parse(f, &mut problems, &mut root_causes);
            if matches!(parsed, Parsed::Unreadable) {
                return None;
            }
            decision_file::read(parsed.node(), &f.file.path, &mut problems, &mut root_causes)
                .map(|d| (f.file.path.as_str(), d))
        })
        .collect();
    unread.decisions = root_causes.len() > before;

    // sources: in project.yaml
    let folder_goals: HashSet<&str> = project.goals.iter().map(|g| g.goal.id.as_str()).collect();
    let imported = sources::import_all(
        &project.sources,
        &mut sources::Context {
            files: &imports,
            folder_goals: &folder_goals,
            as_of,
            problems: &mut problems,
            warnings: &mut warnings,
        },
    );
    let mut goals = project.goals;
    goals.extend(imported.goals);
    let mut tasks = tasks;
    tasks.extend(imported.tasks);

    for (path, d) in &decisions {
        if let (Some(date), Some(as_of)) = (d.decision.date, as_of)
            && date > as_of
        {
            warnings.push(after_as_of(
                path,
                d.decision.source.line,
                "decision",
                date,
                as_of,
            ));
        }
    }

    let placed: Vec<PlacedDecision<'_>> = decisions
        .iter()
        .map(|(path, entry)| PlacedDecision { path, entry })
        .collect();
    let Related {
        relations,
        unchecked,
    } = references::relate(
        &goals,
        &tasks,
        &placed,
        unread,
        &mut problems,
        &mut warnings,
    );
    say_what_waits(&mut root_causes, unchecked);

    // state.md and reports/*.md
    if !files.iter().any(|f| f.kind == SourceKind::State) {
        warnings.push(Warning {
            code: "missing_file".to_owned(),
            message:
                "there is no state.md: the snapshot's Current section will rest on reports alone"
                    .to_owned(),
            locations: vec![],
        });
    }
    let mut found = Vec::new();
    for f in files
        .iter()
        .filter(|f| matches!(f.kind, SourceKind::State | SourceKind::Report))
    {
        read_markdown(f, as_of, &mut found, &mut problems, &mut warnings);
    }
    let (statements, keys) = dedup::merge(found);
    warnings.extend(dedup::near_duplicate_warnings(&statements, &keys));

    if !problems.is_empty() || !root_causes.is_empty() {
        let problems = root_causes_first(root_causes, problems);
        return Err(CurateError::Invalid { problems, warnings });
    }
    // Imported files are files of tasks: their digests say `tasks`.
    let mut sources: Vec<SourceDigest> = files.iter().map(|f| digest(f.file, f.kind)).collect();
    sources.extend(
        bundle
            .sources
            .iter()
            .filter(|f| imports.contains_key(f.path.as_str()))
            .filter(|f| !files.iter().any(|l| l.file.path == f.path))
            .map(|f| digest(f, SourceKind::Tasks)),
    );
    Ok(CuratedSet {
        schema_version: CuratedSetVersion::Current,
        project_id: project.project.id.clone(),
        trace_id: trace_id.to_owned(),
        as_of,
        project: project.project,
        goals: goals.into_iter().map(|g| g.goal).collect(),
        tasks: tasks.into_iter().map(|t| t.task).collect(),
        decisions: decisions.into_iter().map(|(_, d)| d.decision).collect(),
        statements,
        relations,
        sources,
        warnings,
    })
}

/// The problems as returned: `root_causes`, then the rest, each group
/// sorted by file and line and without repeats.
pub fn root_causes_first(mut root_causes: Vec<Problem>, mut rest: Vec<Problem>) -> Vec<Problem> {
    for group in [&mut root_causes, &mut rest] {
        group.sort_by(|a, b| {
            (&a.path, a.line, &a.code, &a.value).cmp(&(&b.path, b.line, &b.code, &b.value))
        });
        group.dedup();
    }
    root_causes.append(&mut rest);
    root_causes
}

/// A YAML file of the layout, parsed.
enum Parsed {
    Document(yaml::Node),
    /// No document: empty, or only comments.
    Empty,
    /// Not YAML (the problem is among the root causes).
    Unreadable,
}

impl Parsed {
    fn node(&self) -> Option<&yaml::Node> {
        match self {
            Parsed::Document(node) => Some(node),
            Parsed::Empty | Parsed::Unreadable => None,
        }
    }
}

/// Parses `f`: the problem that makes it unreadable goes to `root_causes`,
/// those the parser found on the way (duplicate keys) to `problems`.
fn parse(
    f: &LayoutFile<'_>,
    problems: &mut Vec<Problem>,
    root_causes: &mut Vec<Problem>,
) -> Parsed {
    let before = problems.len();
    match yaml::parse(f.text, &f.file.path, 1, problems) {
        Some(node) => Parsed::Document(node),
        None if problems.len() == before => Parsed::Empty,
        None => {
            // The parser stops at the first thing it cannot read, and
            // reports it last.
            root_causes.extend(problems.pop());
            Parsed::Unreadable
        }
    }
}

/// Appends to each root cause how many references wait on it, so a user
/// who fixes it knows more may follow.
fn say_what_waits(root_causes: &mut [Problem], unchecked: Unchecked) {
    for (path, count) in [
        (layout::PROJECT, unchecked.goals),
        (layout::TASKS, unchecked.tasks),
    ] {
        if count == 0 {
            continue;
        }
        if let Some(p) = root_causes.iter_mut().find(|p| p.path == path) {
            p.message
                .push_str(&unchecked_note(count, "this file", "it can be read"));
        }
    }
    if unchecked.decisions > 0
        && let Some(p) = root_causes
            .iter_mut()
            .find(|p| layout::place(&p.path) == Placement::Read(SourceKind::Decision))
    {
        p.message.push_str(&unchecked_note(
            unchecked.decisions,
            "decisions/",
            "every decision file can be read",
        ));
    }
}

/// ` (3 references that may point into this file are checked once it can
/// be read)`.
fn unchecked_note(count: usize, into: &str, until: &str) -> String {
    let (refs, are) = if count == 1 {
        ("1 reference".to_owned(), "is")
    } else {
        (format!("{count} references"), "are")
    };
    format!(" ({refs} that may point into {into} {are} checked once {until})")
}

/// A file of the layout, ready to read.
struct LayoutFile<'a> {
    file: &'a SourceFile,
    kind: SourceKind,
    /// The content without a byte order mark.
    text: &'a str,
    /// A report's date, for ordering; filled in for reports only.
    date: Option<NaiveDate>,
}

/// The files to read, in reading order: project.yaml, state.md, tasks.yaml,
/// decisions by path, reports by date (then path; undated last). Unsafe and
/// repeated paths are problems; paths outside the layout are warnings.
fn sort_files<'a>(
    bundle: &'a Bundle,
    declared: &HashSet<String>,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) -> Vec<LayoutFile<'a>> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut files = Vec::new();
    let mut ignored = Vec::new();
    for (n, file) in bundle.sources.iter().enumerate() {
        if let Err(why) = layout::check_path(&file.path) {
            problems.push(
                Problem::new(
                    "bad_path",
                    file.path.clone(),
                    None,
                    format!("source {}: {why}", n + 1),
                )
                .with_value(file.path.clone()),
            );
            continue;
        }
        if let Some(first) = seen.insert(&file.path, n) {
            problems.push(
                Problem::new(
                    "duplicate_source",
                    file.path.clone(),
                    None,
                    format!(
                        "the bundle holds this path twice (sources {} and {}); send each file once",
                        first + 1,
                        n + 1
                    ),
                )
                .with_value(file.path.clone()),
            );
            continue;
        }
        match layout::place(&file.path) {
            Placement::Read(kind) => {
                let text = file
                    .content
                    .strip_prefix('\u{feff}')
                    .unwrap_or(&file.content);
                files.push(LayoutFile {
                    file,
                    kind,
                    text,
                    date: None,
                });
            }
            Placement::Ignored { .. } if declared.contains(&file.path) => {}
            Placement::Ignored { why, .. } => ignored.push((file.path.clone(), why)),
        }
    }
    ignored.sort();
    warnings.extend(ignored.into_iter().map(|(path, why)| Warning {
        code: "ignored_file".to_owned(),
        message: format!("{path}: {why}"),
        locations: vec![SourceRef::new(path, 1)],
    }));
    for f in &mut files {
        if f.kind == SourceKind::Report {
            f.date = report_date_hint(f);
        }
    }
    let rank = |k: SourceKind| match k {
        SourceKind::Project => 0,
        SourceKind::State => 1,
        SourceKind::Tasks => 2,
        SourceKind::Decision => 3,
        SourceKind::Report => 4,
    };
    files.sort_by(|a, b| {
        (rank(a.kind), a.date.is_none(), a.date, &a.file.path).cmp(&(
            rank(b.kind),
            b.date.is_none(),
            b.date,
            &b.file.path,
        ))
    });
    files
}

/// A report's date for ordering, read cheaply (problems are reported when
/// the report itself is read).
fn report_date_hint(f: &LayoutFile<'_>) -> Option<NaiveDate> {
    let split = front_matter::split(f.text);
    let from_front_matter = split.yaml.and_then(|(yaml, first)| {
        let root = yaml::parse(yaml, &f.file.path, first, &mut Vec::new())?;
        let Value::Mapping(entries) = root.value else {
            return None;
        };
        let date = entries
            .iter()
            .find(|e| e.key == "date")?
            .value
            .as_text()?
            .to_owned();
        crate::dates::parse_date(&date).ok()
    });
    from_front_matter.or_else(|| crate::dates::date_in_name(file_name(&f.file.path)).0)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Statements of `state.md` or a report, with its front matter checked.
fn read_markdown(
    f: &LayoutFile<'_>,
    as_of: Option<NaiveDate>,
    found: &mut Vec<Found>,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) {
    let path = f.file.path.as_str();
    let split = front_matter::split(f.text);
    if split.unclosed {
        warnings.push(Warning {
            code: "unclosed_front_matter".to_owned(),
            message: format!(
                "{path} starts with `---` but has no closing `---` line, so it is read as Markdown, \
                 not front matter; close it if it was meant as front matter"
            ),
            locations: vec![SourceRef::new(path, 1)],
        });
    }
    let mut date = None;
    if let Some((yaml_text, first_line)) = split.yaml
        && let Some(root) = yaml::parse(yaml_text, path, first_line, problems)
    {
        date = front_matter_date(&root, path, problems, warnings);
    }
    let kind = if f.kind == SourceKind::State {
        StatementKind::State
    } else {
        StatementKind::Report
    };
    if kind == StatementKind::Report && date.is_none() {
        match crate::dates::date_in_name(file_name(path)) {
            (Some(d), _) => date = Some(d),
            (None, Some(bad)) => problems.push(
                Problem::new(
                    "bad_date",
                    path,
                    None,
                    format!(
                        "the file name's date {}",
                        crate::dates::parse_date(&bad).err().unwrap_or_default()
                    ),
                )
                .with_value(bad),
            ),
            (None, None) => warnings.push(Warning {
                code: "undated_report".to_owned(),
                message: format!(
                    "{path} has no date: give it front matter `date: YYYY-MM-DD` or put the date in \
                     its file name, so its evidence can be placed in time"
                ),
                locations: vec![SourceRef::new(path, 1)],
            }),
        }
    } else if kind == StatementKind::Report
        && let (Some(d), (Some(named), _)) = (date, crate::dates::date_in_name(file_name(path)))
        && d != named
    {
        warnings.push(Warning {
            code: "date_mismatch".to_owned(),
            message: format!(
                "{path}: front matter says {d} but the file name says {named}; the front matter wins"
            ),
            locations: vec![SourceRef::new(path, 2)],
        });
    }
    if kind == StatementKind::Report
        && let (Some(d), Some(as_of)) = (date, as_of)
        && d > as_of
    {
        warnings.push(after_as_of(path, 1, "report", d, as_of));
    }
    let lines = LineIndex::new(f.text);
    for (_, raw) in markdown::statements(split.body, split.body_offset, &lines) {
        found.push(Found {
            kind,
            path: path.to_owned(),
            date,
            raw,
        });
    }
}

/// The `date` of a front matter block; other keys are checked against
/// [`FRONT_MATTER_KEYS`].
fn front_matter_date(
    root: &yaml::Node,
    path: &str,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) -> Option<NaiveDate> {
    let Value::Mapping(entries) = &root.value else {
        problems.push(Problem::new(
            "wrong_type",
            path,
            Some(root.line),
            format!(
                "front matter must be a mapping of keys to values, not {}",
                root.kind_name()
            ),
        ));
        return None;
    };
    for e in entries {
        if !FRONT_MATTER_KEYS.contains(&e.key.as_str()) {
            let hint = closest(&e.key, FRONT_MATTER_KEYS.iter().copied())
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            warnings.push(Warning {
                code: "unknown_front_matter_key".to_owned(),
                message: format!(
                    "{path}:{}: front matter key `{}` is not used by vpm{hint}",
                    e.key_line, e.key
                ),
                locations: vec![SourceRef::new(path, e.key_line)],
            });
        }
    }
    let entry = entries.iter().find(|e| e.key == "date")?;
    if entry.value.is_null() {
        return None;
    }
    let Some(text) = entry.value.as_text() else {
        problems.push(Problem::new(
            "wrong_type",
            path,
            Some(entry.value.line),
            format!(
                "`date` must be a date (YYYY-MM-DD), not {}",
                entry.value.kind_name()
            ),
        ));
        return None;
    };
    match crate::dates::parse_date(text) {
        Ok(d) => Some(d),
        Err(why) => {
            problems.push(
                Problem::new(
                    "bad_date",
                    path,
                    Some(entry.value.line),
                    format!("`date`: {why}"),
                )
                .with_value(text.trim()),
            );
            None
        }
    }
}

fn after_as_of(path: &str, line: u32, what: &str, date: NaiveDate, as_of: NaiveDate) -> Warning {
    Warning {
        code: "dated_after_as_of".to_owned(),
        message: format!(
            "{path}: this {what} is dated {date}, after the as-of date {as_of}; a snapshot as of \
             {as_of} would use it before it happened"
        ),
        locations: vec![SourceRef::new(path, line)],
    }
}

fn digest(file: &SourceFile, kind: SourceKind) -> SourceDigest {
    SourceDigest {
        path: file.path.clone(),
        kind,
        sha256: sha256_hex(file.content.as_bytes()),
        bytes: file.content.len() as u64,
        chars: file.content.chars().count() as u64,
    }
}
