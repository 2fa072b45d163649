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

use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
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
    /// Files that cannot be read as text (`not_utf8`).
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
/// read, so a stray multi-gigabyte file is refused, not loaded.
pub fn bundle_from_dir(
    dir: &Path,
    as_of: Option<NaiveDate>,
    limits: &Limits,
) -> Result<PackedFolder, FolderError> {
    let mut selected: Vec<(String, PathBuf, u64)> = Vec::new();
    let mut warnings = Vec::new();
    for (name, path, meta) in entries(dir)? {
        if meta.is_dir() {
            if name == layout::DECISIONS_DIR || name == layout::REPORTS_DIR {
                for (inner, inner_path, inner_meta) in entries(&path)? {
                    let rel = format!("{name}/{inner}");
                    if inner_meta.is_dir() {
                        warnings.push(ignored(&rel, &format!(
                            "not read: only files directly inside {name}/ are read, not subfolders"
                        )));
                        continue;
                    }
                    match layout::place(&rel) {
                        Placement::Read(_) => selected.push((rel, inner_path, inner_meta.len())),
                        Placement::Ignored { why, .. } => warnings.push(ignored(&rel, &why)),
                    }
                }
            } else if let Placement::Ignored {
                why,
                near_miss: true,
            } = layout::place(&format!("{name}/x.md"))
            {
                warnings.push(ignored(&format!("{name}/"), &why));
            }
            continue;
        }
        match layout::place(&name) {
            Placement::Read(_) => selected.push((name, path, meta.len())),
            Placement::Ignored {
                why,
                near_miss: true,
            } => warnings.push(ignored(&name, &why)),
            Placement::Ignored { .. } => {}
        }
    }

    let exceeded = limits.check(selected.iter().map(|(rel, _, len)| (rel.as_str(), *len)));
    if !exceeded.is_empty() {
        return Err(CurateError::TooLarge(exceeded).into());
    }
    let mut problems = Vec::new();
    let mut sources = Vec::with_capacity(selected.len());
    for (rel, path, _) in selected {
        let bytes = std::fs::read(&path).map_err(|source| FolderError::Unreadable {
            path: path.clone(),
            source,
        })?;
        // A file may have grown since it was listed.
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(CurateError::TooLarge(vec![LimitExceeded {
                limit: Limit::FileBytes,
                env_var: Limit::FileBytes.env_var(),
                max: limits.max_file_bytes,
                actual: bytes.len() as u64,
                path: Some(rel),
            }])
            .into());
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
    let project_id = sources
        .iter()
        .find(|s| s.path == layout::PROJECT)
        .and_then(|s| project_id_of(&s.content))
        .unwrap_or_else(|| {
            dir.canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
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

/// The entries of `dir` with UTF-8 names, hidden ones left out, by name.
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf, std::fs::Metadata)>, FolderError> {
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
        // Follows symbolic links, so a linked reports/ folder still counts.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        out.push((name, path, meta));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
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
