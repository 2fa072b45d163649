//! Packing a project folder on disk into a `bundle_v1`.
//!
//! What is packed is exactly the layout ([`crate::layout`]): `project.yaml`,
//! `state.md`, `tasks.yaml` at the top, `decisions/*.yaml` and
//! `reports/*.md` directly inside their folders. Hidden entries (`.git`,
//! `.DS_Store`) and unrelated files (`README.md`, `src/`) are left alone
//! without a word. Files that look meant for the layout but are not in it
//! (`decisions/0003.yml`, `Tasks.yaml`, `reports/2026/…`) are left out
//! with an `ignored_file` warning saying what they would have to be called.
//!
//! A file that is not UTF-8 is a `not_utf8` problem with the line of the
//! first bad byte. It is still packed, decoded lossily, so that the rest of
//! the folder is checked in the same pass instead of failing on every
//! reference into it; a [`PackedFolder`] with problems must therefore not
//! be sent on as if it were clean.
//!
//! # What is trusted
//!
//! The folder may come from anyone (a cloned repository, an archive), so
//! only regular files inside it are read:
//!
//! * a symbolic link is resolved and followed only if where it leads stays
//!   inside the folder (compared with the folder's canonical path); a link
//!   leading out (`state.md -> /proc/self/environ`, `decisions -> /etc`)
//!   is an `outside_folder` problem and is never opened;
//! * a FIFO, socket or device, or a link to nothing, where a layout file
//!   should be is a `not_a_file` problem and is never opened;
//! * each file is opened with `O_NONBLOCK | O_NOFOLLOW` and checked again
//!   once open, then read through [`vpm_cell::files`] to at most
//!   `VPM_CURATOR_MAX_FILE_BYTES + 1` bytes, so a file that grows or lies
//!   about its length is refused as too large, not loaded.
//!
//! These are problems rather than errors so that the whole folder is still
//! checked in one pass; like every problem they stop the run, and the CLI
//! prints them `path: code: message`. Entries that are not part of the
//! layout are never looked at, whatever they are.
//!
//! Not covered: a directory *between* the folder and a file being swapped
//! for a link in the instant between the check and the open (only the last
//! component is opened without following), and hard links, which are
//! regular files of the folder (Linux's `protected_hardlinks`, on by
//! default, stops a user from hard-linking files they cannot write).

use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use vpm_cell::files::{self, Refusal, Symlinks};
use vpm_model::bundle::BundleVersion;
use vpm_model::curated::Warning;
use vpm_model::{Bundle, CuratedSet, Problem, SourceFile, SourceRef};

use crate::curate::{CurateError, curate};
use crate::layout::{self, Placement};
use crate::limits::{Limit, LimitExceeded, Limits};
use crate::yaml::{self, Value};

/// A folder packed into a bundle, with what packing found.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedFolder {
    pub bundle: Bundle,
    /// Layout files that were not read (`outside_folder`, `not_a_file`)
    /// or cannot be read as text (`not_utf8`).
    pub problems: Vec<Problem>,
    /// Files left out that look as if they were meant to be read.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("cannot read {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Curate(#[from] CurateError),
}

/// Packs the folder `dir`. `as_of` becomes the bundle's `as_of`; the
/// bundle's `project_id` is `project.yaml`'s `id` when it can be read, else
/// the folder's name (and curation then says what is wrong with
/// `project.yaml`). Files are checked against `limits` before they are
/// read, and read no further than the per-file limit, so a stray
/// multi-gigabyte file (or `/dev/zero`) is refused, not loaded.
pub fn bundle_from_dir(
    dir: &Path,
    as_of: Option<NaiveDate>,
    limits: &Limits,
) -> Result<PackedFolder, FolderError> {
    let root = dir
        .canonicalize()
        .map_err(|source| FolderError::Unreadable {
            path: dir.to_path_buf(),
            source,
        })?;
    let mut selected: Vec<(String, PathBuf, u64)> = Vec::new();
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    for (name, entry) in entries(dir, &root)? {
        match entry {
            Entry::Dir(path) if name == layout::DECISIONS_DIR || name == layout::REPORTS_DIR => {
                for (inner, inner_entry) in entries(&path, &root)? {
                    let rel = format!("{name}/{inner}");
                    match (inner_entry, layout::place(&rel)) {
                        (Entry::Dir(_), _) => warnings.push(ignored(&rel, &format!(
                            "not read: only files directly inside {name}/ are read, not subfolders"
                        ))),
                        (Entry::File { path, len }, Placement::Read(_)) => {
                            selected.push((rel, path, len));
                        }
                        (Entry::Refused(refusal), Placement::Read(_)) => {
                            problems.push(refusal.problem(&rel));
                        }
                        (_, Placement::Ignored { why, .. }) => warnings.push(ignored(&rel, &why)),
                    }
                }
            }
            Entry::Dir(_) => {
                if let Placement::Ignored {
                    why,
                    near_miss: true,
                } = layout::place(&format!("{name}/x.md"))
                {
                    warnings.push(ignored(&format!("{name}/"), &why));
                }
            }
            Entry::Refused(refusal)
                if name == layout::DECISIONS_DIR || name == layout::REPORTS_DIR =>
            {
                problems.push(refusal.problem(&name));
            }
            entry => match (entry, layout::place(&name)) {
                (Entry::File { path, len }, Placement::Read(_)) => selected.push((name, path, len)),
                (Entry::Refused(refusal), Placement::Read(_)) => {
                    problems.push(refusal.problem(&name));
                }
                (
                    _,
                    Placement::Ignored {
                        why,
                        near_miss: true,
                    },
                ) => warnings.push(ignored(&name, &why)),
                _ => {}
            },
        }
    }

    // The files project.yaml's `sources:` declares: exports anywhere in
    // the folder, and the GitHub cache under the hidden `.vpm/`. Each is
    // looked up by its path, with the same refusals as layout files; one
    // that is missing is left for the curator to report (it knows which
    // are required).
    let declared = declared_files(&selected, limits);
    let mut source_paths = std::collections::HashSet::new();
    for rel in declared {
        if selected.iter().any(|(s, _, _)| *s == rel) || layout::check_path(&rel).is_err() {
            source_paths.insert(rel);
            continue;
        }
        match declared_entry(&root, &rel) {
            None => {}
            Some(Entry::File { path, len }) => {
                selected.push((rel.clone(), path, len));
                source_paths.insert(rel);
            }
            Some(Entry::Dir(_)) => problems.push(Refused::NotAFile("a folder").problem(&rel)),
            Some(Entry::Refused(refusal)) => problems.push(refusal.problem(&rel)),
        }
    }
    let is_source = |rel: &str| source_paths.contains(rel);
    // A folder that holds declared files (`exports/`) is not a misnamed
    // `reports/`.
    warnings.retain(|w| {
        !w.locations.iter().any(|at| {
            source_paths
                .iter()
                .any(|p| p.starts_with(&format!("{}/", at.path)))
        })
    });

    let exceeded = limits.check_with_sources(
        selected.iter().map(|(rel, _, len)| (rel.as_str(), *len)),
        is_source,
    );
    if !exceeded.is_empty() {
        return Err(CurateError::TooLarge(exceeded).into());
    }
    let mut sources = Vec::with_capacity(selected.len());
    let mut total = 0u64;
    let mut source_total = 0u64;
    for (rel, _, _) in selected {
        let (limit, max) = if is_source(&rel) {
            (Limit::SourceBytes, limits.max_source_bytes)
        } else {
            (Limit::FileBytes, limits.max_file_bytes)
        };
        // Resolved by the kernel inside the folder (openat2 RESOLVE_BENEATH):
        // a directory on the way swapped for a link out of the folder after
        // it was listed is refused, not followed.
        let bytes = match files::read_beneath(&root, Path::new(&rel), max) {
            Ok(bytes) => bytes,
            // The file grew, or was never what its length said.
            Err(files::FileError {
                reason: Refusal::TooLarge { read, .. },
                ..
            }) => {
                return Err(too_large(limit, max, read, Some(rel)));
            }
            // Replaced by something else since it was listed.
            Err(files::FileError {
                reason: Refusal::NotRegular(kind),
                ..
            }) => {
                problems.push(Refused::NotAFile(kind).problem(&rel));
                continue;
            }
            // Led out of the folder since it was listed.
            Err(files::FileError {
                reason: Refusal::Outside,
                path: target,
            }) => {
                problems.push(Refused::Outside(target).problem(&rel));
                continue;
            }
            Err(files::FileError {
                reason: Refusal::Io(source),
                ..
            }) => {
                return Err(FolderError::Unreadable {
                    path: dir.join(&rel),
                    source,
                });
            }
        };
        if is_source(&rel) {
            source_total = source_total.saturating_add(bytes.len() as u64);
            if source_total > limits.max_source_bytes {
                return Err(too_large(
                    Limit::SourceBytes,
                    limits.max_source_bytes,
                    source_total,
                    None,
                ));
            }
        } else {
            total = total.saturating_add(bytes.len() as u64);
        }
        if total > limits.max_bundle_bytes {
            return Err(too_large(
                Limit::BundleBytes,
                limits.max_bundle_bytes,
                total,
                None,
            ));
        }
        let content = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                problems.push(not_utf8(&rel, e.as_bytes(), e.utf8_error().valid_up_to()));
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        sources.push(SourceFile { path: rel, content });
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    problems.sort_by(|a, b| (&a.path, a.line, &a.code).cmp(&(&b.path, b.line, &b.code)));
    let project_id = sources
        .iter()
        .find(|s| s.path == layout::PROJECT)
        .and_then(|s| project_id_of(&s.content))
        .unwrap_or_else(|| {
            root.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    Ok(PackedFolder {
        bundle: Bundle {
            schema_version: BundleVersion::Current,
            project_id,
            as_of,
            sources,
        },
        problems,
        warnings,
    })
}

/// The files `project.yaml` (if selected) declares in `sources:`; read
/// with the layout's bound. A `project.yaml` that cannot be read declares
/// none here, and the curator says why.
fn declared_files(selected: &[(String, PathBuf, u64)], limits: &Limits) -> Vec<String> {
    let Some((_, path, _)) = selected.iter().find(|(rel, _, _)| rel == layout::PROJECT) else {
        return Vec::new();
    };
    let Ok(bytes) = files::read_regular(path, limits.max_file_bytes, Symlinks::Refuse) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut out: Vec<String> = crate::sources::declared(&text)
        .unwrap_or_default()
        .iter()
        .flat_map(crate::sources::Declared::files)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The entry at `rel` under `root` (canonical), nothing opened: `None`
/// when there is nothing there. Every folder on the way is resolved and
/// must stay inside `root`, so `exports -> /etc` is refused like a
/// layout file leading out; the last component is looked at as
/// [`entries`] looks at one.
fn declared_entry(root: &Path, rel: &str) -> Option<Entry> {
    let path = root.join(rel);
    let (parent, name) = (path.parent()?, path.file_name()?);
    let real_parent = match parent.canonicalize() {
        Ok(p) => p,
        Err(_) => return None,
    };
    if !real_parent.starts_with(root) {
        return Some(Entry::Refused(Refused::Outside(real_parent)));
    }
    let path = real_parent.join(name);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    Some(if meta.file_type().is_symlink() {
        resolve_link(&path, root)
    } else {
        classify(path, &meta)
    })
}

fn too_large(limit: Limit, max: u64, actual: u64, path: Option<String>) -> FolderError {
    CurateError::TooLarge(vec![LimitExceeded {
        limit,
        env_var: limit.env_var(),
        max,
        actual,
        path,
    }])
    .into()
}

/// Packs and curates `dir` in one step, with the packer's problems and
/// warnings merged into the curation's (the packer's first: problems
/// then in the order [`curate`] gives them).
pub fn curate_dir(
    dir: &Path,
    as_of: Option<NaiveDate>,
    trace_id: &str,
    limits: &Limits,
) -> Result<CuratedSet, FolderError> {
    let packed = bundle_from_dir(dir, as_of, limits)?;
    let mut problems = packed.problems;
    let mut warnings = packed.warnings;
    match curate(&packed.bundle, trace_id, limits) {
        Ok(mut set) if problems.is_empty() => {
            warnings.append(&mut set.warnings);
            set.warnings = warnings;
            Ok(set)
        }
        Ok(mut set) => {
            warnings.append(&mut set.warnings);
            Err(CurateError::Invalid { problems, warnings }.into())
        }
        Err(CurateError::Invalid {
            problems: more,
            warnings: mut more_warnings,
        }) => {
            // The packer's problems (a file that is not text) lead, then
            // the curation's in its order: root causes first.
            problems.extend(more);
            warnings.append(&mut more_warnings);
            Err(CurateError::Invalid { problems, warnings }.into())
        }
        Err(other) => Err(other.into()),
    }
}

/// One entry of a folder, as the packer sees it.
#[derive(Debug)]
enum Entry {
    /// A regular file inside the folder (itself, or where an inside link
    /// leads), with its length as listed.
    File { path: PathBuf, len: u64 },
    /// A folder inside the folder (itself, or where an inside link leads).
    Dir(PathBuf),
    /// Something never to be opened.
    Refused(Refused),
}

/// Why an entry is not read.
#[derive(Debug)]
enum Refused {
    /// A link leading out of the folder, with its target as written.
    Outside(PathBuf),
    /// A FIFO, socket, device or a link to nothing: what it is.
    NotAFile(&'static str),
}

impl Refused {
    fn problem(&self, path: &str) -> Problem {
        match self {
            Refused::Outside(target) => Problem::new(
                "outside_folder",
                path,
                None,
                "a symbolic link leading outside the project folder; not read (only files \
                 inside the folder are read: copy the file in, or link to a place inside)",
            )
            .with_value(target.display().to_string()),
            Refused::NotAFile(kind) => Problem::new(
                "not_a_file",
                path,
                None,
                format!("{kind}, not a regular file; not read"),
            ),
        }
    }
}

/// The entries of `dir` with UTF-8 names, hidden ones left out, by name;
/// links resolved and checked to stay under `root` (the project folder,
/// canonical). Nothing is opened here.
fn entries(dir: &Path, root: &Path) -> Result<Vec<(String, Entry)>, FolderError> {
    let unreadable = |source| FolderError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue; // not UTF-8, so it cannot be a layout name
        };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Not following links: a link is looked at for where it leads.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue; // gone since it was listed
        };
        let entry = if meta.file_type().is_symlink() {
            resolve_link(&path, root)
        } else {
            classify(path, &meta)
        };
        out.push((name, entry));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Where the link at `path` leads, if that is inside `root`.
fn resolve_link(path: &Path, root: &Path) -> Entry {
    let Ok(real) = path.canonicalize() else {
        return Entry::Refused(Refused::NotAFile("a symbolic link to nothing"));
    };
    if !real.starts_with(root) {
        let target = std::fs::read_link(path).unwrap_or(real);
        return Entry::Refused(Refused::Outside(target));
    }
    match std::fs::symlink_metadata(&real) {
        Ok(meta) => classify(real, &meta),
        Err(_) => Entry::Refused(Refused::NotAFile("a symbolic link to nothing")),
    }
}

/// `meta` describes `path` itself (not a link).
fn classify(path: PathBuf, meta: &std::fs::Metadata) -> Entry {
    if meta.is_file() {
        Entry::File {
            path,
            len: meta.len(),
        }
    } else if meta.is_dir() {
        Entry::Dir(path)
    } else {
        Entry::Refused(Refused::NotAFile(files::kind_of(meta)))
    }
}

fn ignored(path: &str, why: &str) -> Warning {
    Warning {
        code: "ignored_file".to_owned(),
        message: format!("{path}: {why}"),
        locations: vec![SourceRef::new(path.trim_end_matches('/'), 1)],
    }
}

/// A `not_utf8` problem at the first bad byte.
fn not_utf8(path: &str, bytes: &[u8], valid_up_to: usize) -> Problem {
    let line = bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1;
    let bad: Vec<String> = bytes[valid_up_to..]
        .iter()
        .take(4)
        .map(|b| format!("0x{b:02X}"))
        .collect();
    let message = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        "the file is UTF-16; save it as UTF-8".to_owned()
    } else {
        format!(
            "not UTF-8 from byte {} on (is it Shift_JIS or Windows-1252?); save the file as UTF-8",
            bad.first().map(String::as_str).unwrap_or("?")
        )
    };
    Problem::new(
        "not_utf8",
        path,
        Some(u32::try_from(line).unwrap_or(u32::MAX)),
        message,
    )
    .with_value(bad.join(" "))
}

/// `project.yaml`'s `id`, if the file parses far enough to say.
fn project_id_of(content: &str) -> Option<String> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let root = yaml::parse(content, layout::PROJECT, 1, &mut Vec::new())?;
    let Value::Mapping(entries) = root.value else {
        return None;
    };
    let id = entries
        .iter()
        .find(|e| e.key == "id")?
        .value
        .as_text()?
        .trim();
    (!id.is_empty()).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::sync::mpsc;
    use std::time::Duration;

    use vpm_testkit::mkfifo;

    const PROJECT: &str = "id: demo\nname: Demo\ngoals:\n  - id: G1\n    title: Ship\n";
    const SECRET: &str = "s3cr3t-do-not-leak-4f1c";

    /// A project folder with project.yaml and state.md, and a sibling
    /// folder outside it holding a secret.
    struct Fixture {
        _tmp: tempfile::TempDir,
        project: PathBuf,
        outside: PathBuf,
    }

    fn fixture() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("project");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(project.join("project.yaml"), PROJECT).unwrap();
        std::fs::write(project.join("state.md"), "All good.\n").unwrap();
        std::fs::write(outside.join("secret.md"), format!("{SECRET}\n")).unwrap();
        std::fs::write(
            outside.join("d9.yaml"),
            format!("id: D9\ndecision: {SECRET}\n"),
        )
        .unwrap();
        Fixture {
            _tmp: tmp,
            project,
            outside,
        }
    }

    /// Packs `dir` in a thread: a read that blocks fails the test after 5 s
    /// instead of hanging it.
    fn pack(dir: &Path) -> Result<PackedFolder, FolderError> {
        let dir = dir.to_path_buf();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(bundle_from_dir(&dir, None, &Limits::default()));
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("packing the folder blocked")
    }

    fn problem<'a>(packed: &'a PackedFolder, path: &str) -> &'a Problem {
        packed
            .problems
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no problem for {path}: {:?}", packed.problems))
    }

    fn paths(packed: &PackedFolder) -> Vec<&str> {
        packed
            .bundle
            .sources
            .iter()
            .map(|s| s.path.as_str())
            .collect()
    }

    #[test]
    fn a_link_to_a_file_outside_the_folder_is_refused_and_never_read() {
        let f = fixture();
        std::fs::remove_file(f.project.join("state.md")).unwrap();
        symlink(f.outside.join("secret.md"), f.project.join("state.md")).unwrap();
        let packed = pack(&f.project).unwrap();
        let p = problem(&packed, "state.md");
        assert_eq!(p.code, "outside_folder");
        assert!(
            p.to_string().starts_with("state.md: outside_folder: "),
            "{p}"
        );
        assert_eq!(paths(&packed), ["project.yaml"]);
        let everything = format!("{packed:?}");
        assert!(
            !everything.contains(SECRET),
            "the secret was read: {everything}"
        );
    }

    #[test]
    fn a_link_that_stays_inside_the_folder_is_followed() {
        let f = fixture();
        std::fs::create_dir_all(f.project.join("notes")).unwrap();
        std::fs::write(f.project.join("notes/now.md"), "Linked state.\n").unwrap();
        std::fs::remove_file(f.project.join("state.md")).unwrap();
        symlink("notes/now.md", f.project.join("state.md")).unwrap();
        let packed = pack(&f.project).unwrap();
        assert!(packed.problems.is_empty(), "{:?}", packed.problems);
        let state = packed.bundle.sources.iter().find(|s| s.path == "state.md");
        assert_eq!(state.unwrap().content, "Linked state.\n");
    }

    #[test]
    fn a_linked_decisions_folder_outside_the_project_is_refused() {
        let f = fixture();
        symlink(&f.outside, f.project.join("decisions")).unwrap();
        let packed = pack(&f.project).unwrap();
        assert_eq!(problem(&packed, "decisions").code, "outside_folder");
        assert_eq!(paths(&packed), ["project.yaml", "state.md"]);
        assert!(!format!("{packed:?}").contains(SECRET));
    }

    #[test]
    fn a_linked_decisions_folder_inside_the_project_is_read() {
        let f = fixture();
        std::fs::create_dir_all(f.project.join("docs/decided")).unwrap();
        std::fs::write(
            f.project.join("docs/decided/d1.yaml"),
            "id: D1\ndecision: x\n",
        )
        .unwrap();
        // A link inside it leading out is still refused.
        symlink(
            f.outside.join("d9.yaml"),
            f.project.join("docs/decided/d9.yaml"),
        )
        .unwrap();
        symlink("docs/decided", f.project.join("decisions")).unwrap();
        let packed = pack(&f.project).unwrap();
        assert_eq!(
            paths(&packed),
            ["decisions/d1.yaml", "project.yaml", "state.md"]
        );
        assert_eq!(problem(&packed, "decisions/d9.yaml").code, "outside_folder");
    }

    #[test]
    fn a_fifo_named_tasks_yaml_is_refused_at_once() {
        let f = fixture();
        mkfifo(&f.project.join("tasks.yaml"));
        let packed = pack(&f.project).unwrap();
        let p = problem(&packed, "tasks.yaml");
        assert_eq!(p.code, "not_a_file");
        assert!(p.message.contains("FIFO"), "{p}");
    }

    #[test]
    fn devices_are_refused_whether_linked_from_outside_or_not() {
        let f = fixture();
        std::fs::remove_file(f.project.join("state.md")).unwrap();
        symlink("/dev/zero", f.project.join("state.md")).unwrap();
        let packed = pack(&f.project).unwrap();
        assert_eq!(problem(&packed, "state.md").code, "outside_folder");
        assert_eq!(paths(&packed), ["project.yaml"]);
    }

    #[test]
    fn a_file_over_the_limit_is_refused_naming_it() {
        let f = fixture();
        std::fs::write(f.project.join("tasks.yaml"), "x".repeat(101)).unwrap();
        let limits = Limits {
            max_file_bytes: 100,
            ..Limits::default()
        };
        let Err(FolderError::Curate(CurateError::TooLarge(exceeded))) =
            bundle_from_dir(&f.project, None, &limits)
        else {
            panic!("a file over the limit was packed");
        };
        assert_eq!(exceeded[0].path.as_deref(), Some("tasks.yaml"));
        assert_eq!(exceeded[0].limit, Limit::FileBytes);
    }
}
