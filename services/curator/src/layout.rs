//! The layout of a project folder: which path holds what.
//!
//! ```text
//! project.yaml  state.md  tasks.yaml  decisions/*.yaml  reports/*.md
//! ```
//!
//! Anything else is not read. A path that looks *meant* to be part of the
//! layout but is not (`decisions/0003.yml`, `Tasks.yaml`, `reports/x.txt`)
//! gets a warning saying what it would have to be called, because a file
//! silently ignored is a fact silently lost.

use vpm_model::curated::SourceKind;

pub const PROJECT: &str = "project.yaml";
pub const STATE: &str = "state.md";
pub const TASKS: &str = "tasks.yaml";
pub const DECISIONS_DIR: &str = "decisions";
pub const REPORTS_DIR: &str = "reports";

/// Where a path of a bundle belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A file of the layout, read as this kind.
    Read(SourceKind),
    /// Not part of the layout. `near_miss`: it looks meant to be (a wrong
    /// extension, case or folder), and `why` says what it would have to be.
    Ignored { why: String, near_miss: bool },
}

/// Decides what `path` (already checked by [`check_path`]) is.
pub fn place(path: &str) -> Placement {
    match path {
        PROJECT => return Placement::Read(SourceKind::Project),
        STATE => return Placement::Read(SourceKind::State),
        TASKS => return Placement::Read(SourceKind::Tasks),
        _ => {}
    }
    let (dir, name) = match path.split_once('/') {
        Some((dir, name)) => (Some(dir), name),
        None => (None, path),
    };
    let (stem, ext) = split_ext(name);
    match dir {
        Some(DECISIONS_DIR) if !name.contains('/') && !stem.is_empty() => {
            if ext == "yaml" {
                return Placement::Read(SourceKind::Decision);
            }
            near_miss(
                if ext.eq_ignore_ascii_case("yml") || ext.eq_ignore_ascii_case("yaml") {
                    format!(
                        "not read: decisions must end in `.yaml` (rename it to decisions/{stem}.yaml)"
                    )
                } else {
                    "not read: decisions/ holds one decision per `.yaml` file".to_owned()
                },
            )
        }
        Some(REPORTS_DIR) if !name.contains('/') && !stem.is_empty() => {
            if ext == "md" {
                return Placement::Read(SourceKind::Report);
            }
            near_miss(
                if ["markdown", "md", "txt", "mdown"]
                    .iter()
                    .any(|e| ext.eq_ignore_ascii_case(e))
                {
                    format!("not read: reports must end in `.md` (rename it to reports/{stem}.md)")
                } else {
                    "not read: reports/ holds weekly reports as `.md` files".to_owned()
                },
            )
        }
        Some(d) if d == DECISIONS_DIR || d == REPORTS_DIR => near_miss(format!(
            "not read: only files directly inside {d}/ are read, not subfolders"
        )),
        Some(d) => match expected_dir(d) {
            Some(right) => near_miss(format!(
                "not read: the folder is called `{right}/`, not `{d}/`"
            )),
            None => unrelated(),
        },
        None => match expected_root_file(stem) {
            Some(right) => near_miss(format!("not read: did you mean `{right}`?")),
            None => unrelated(),
        },
    }
}

fn near_miss(why: String) -> Placement {
    Placement::Ignored {
        why,
        near_miss: true,
    }
}

fn unrelated() -> Placement {
    Placement::Ignored {
        why: "not part of the project folder format".to_owned(),
        near_miss: false,
    }
}

/// Why `path` cannot name a file inside a project folder, if it cannot.
pub fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".to_owned());
    }
    if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
        return Err("the path must be relative to the project folder".to_owned());
    }
    if path.contains('\\') {
        return Err("separate folders with `/`, not `\\`".to_owned());
    }
    if path.chars().any(char::is_control) {
        return Err("the path contains control characters".to_owned());
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err("the path has an empty segment (`//` or a trailing `/`)".to_owned()),
            "." | ".." => return Err("the path must not contain `.` or `..` segments".to_owned()),
            _ => {}
        }
    }
    Ok(())
}

/// The folder name a misspelt or mis-cased one was probably meant to be.
fn expected_dir(dir: &str) -> Option<&'static str> {
    let lower = dir.to_lowercase();
    [DECISIONS_DIR, REPORTS_DIR].into_iter().find(|d| {
        lower == *d
            || lower == d.trim_end_matches('s')
            || crate::suggest::closest(&lower, [*d]).is_some()
    })
}

/// The root file a misnamed one (`Project.yml`, `TASKS.yaml`, `state.markdown`) was meant to be.
fn expected_root_file(stem: &str) -> Option<&'static str> {
    let lower = stem.to_lowercase();
    match lower.as_str() {
        "project" => Some(PROJECT),
        "state" => Some(STATE),
        "tasks" | "task" => Some(TASKS),
        _ => None,
    }
}

fn split_ext(name: &str) -> (&str, &str) {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(path: &str) -> String {
        match place(path) {
            Placement::Ignored { why, .. } => why,
            other => panic!("{path} was {other:?}"),
        }
    }

    #[test]
    fn reads_exactly_the_layout() {
        assert_eq!(place("project.yaml"), Placement::Read(SourceKind::Project));
        assert_eq!(place("state.md"), Placement::Read(SourceKind::State));
        assert_eq!(place("tasks.yaml"), Placement::Read(SourceKind::Tasks));
        assert_eq!(
            place("decisions/0001-sync.yaml"),
            Placement::Read(SourceKind::Decision)
        );
        assert_eq!(
            place("reports/2026-11-16.md"),
            Placement::Read(SourceKind::Report)
        );
        assert_eq!(
            place("reports/週報.md"),
            Placement::Read(SourceKind::Report)
        );
    }

    #[test]
    fn near_misses_say_what_the_file_should_be_called() {
        assert!(ignored("decisions/0003.yml").contains("decisions/0003.yaml"));
        assert!(ignored("reports/w47.markdown").contains("reports/w47.md"));
        assert!(ignored("Tasks.yaml").contains("tasks.yaml"));
        assert!(ignored("project.yml").contains("project.yaml"));
        assert!(ignored("decision/0001.yaml").contains("decisions/"));
        assert!(ignored("Reports/a.md").contains("reports/"));
        assert!(ignored("reports/2026/a.md").contains("subfolders"));
        assert_eq!(place("README.md"), unrelated());
        assert_eq!(place("src/main.rs"), unrelated());
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a\\b",
            "C:/x",
            "./state.md",
            "reports/",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_path("reports/2026-11-16.md").is_ok());
    }
}
