//! Which changes under the project folder can change the snapshot.
//!
//! The watcher sees every change under the folder, including its own: the
//! curator opening the files, the archive database (when `VPM_DATA_DIR`
//! is inside the folder, as it is by default when `vpm watch .` runs in
//! the folder), `.vpm` internals, a `.git` directory, and the swap, backup
//! and temporary files editors write beside the file being saved. A run
//! triggered by any of those would find the snapshot unchanged (so nothing
//! would be archived), but it would print a line and, for the archive's
//! own writes, trigger itself forever. So they are left out here:
//!
//! * anything under a hidden directory or with a hidden name (`.git/`,
//!   `.vpm/`, vim's `.tasks.yaml.swp`, emacs's `.#tasks.yaml`), except the
//!   pulled sources under `.vpm/sources/` that the curator reads;
//! * the files this process writes ([`Relevance::new`]'s `own_files`);
//! * names editors use for backups and temporary files ([`is_editor_scratch`]).
//!
//! Everything else counts, whether or not the curator reads it: a stray
//! file costs one run that reports "unchanged", while a list of the files
//! that count would go stale whenever the folder format grows.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// The folder's pulled sources, relative to the folder (see `vpm pull`).
const SOURCES: [&str; 2] = [".vpm", "sources"];

/// Decides whether a changed path can change the snapshot.
#[derive(Debug, Clone)]
pub struct Relevance {
    root: PathBuf,
    own_files: Vec<PathBuf>,
}

impl Relevance {
    /// `root` is the watched folder and `own_files` the files this process
    /// writes (the archive database and its journals), both as the file
    /// system events will name them: canonical, absolute.
    pub fn new(root: PathBuf, own_files: Vec<PathBuf>) -> Self {
        Self { root, own_files }
    }

    /// The path relative to the folder, if a change there counts.
    pub fn relevant<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        if self.own_files.iter().any(|own| path == own) {
            return None;
        }
        let rel = path.strip_prefix(&self.root).ok()?;
        let mut names = Vec::new();
        for component in rel.components() {
            match component {
                Component::Normal(name) => names.push(name),
                // Event paths are absolute and under the root; anything
                // else is not the folder's.
                _ => return None,
            }
        }
        let inside = match names.as_slice() {
            [first, second, rest @ ..] if *first == SOURCES[0] && *second == SOURCES[1] => rest,
            // `.vpm/sources` itself appearing or going away counts too.
            [first, second] if *first == SOURCES[0] && *second == SOURCES[1] => &[],
            all => all,
        };
        if inside.iter().any(|name| is_hidden(name)) {
            return None;
        }
        if let Some(name) = inside.last()
            && is_editor_scratch(name)
        {
            return None;
        }
        Some(rel)
    }
}

fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// A name editors give backups, swap and temporary files: `tasks.yaml~`,
/// `#tasks.yaml#`, `tasks.yaml.swp`, vim's `4913` probe, `*.tmp`,
/// JetBrains' `*___jb_tmp___`, Office's `~$*`.
pub fn is_editor_scratch(name: &OsStr) -> bool {
    let name = name.as_encoded_bytes();
    const SUFFIXES: [&[u8]; 10] = [
        b"~",
        b".swp",
        b".swo",
        b".swx",
        b".tmp",
        b".temp",
        b".part",
        b".crswap",
        b"___jb_tmp___",
        b"___jb_old___",
    ];
    SUFFIXES.iter().any(|s| name.ends_with(s))
        || (name.len() > 1 && name.starts_with(b"#") && name.ends_with(b"#"))
        || name.starts_with(b"~$")
        || (!name.is_empty() && name.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relevance() -> Relevance {
        Relevance::new(
            PathBuf::from("/p"),
            vec![PathBuf::from("/p/data/archive.db")],
        )
    }

    fn counts(path: &str) -> bool {
        relevance().relevant(Path::new(path)).is_some()
    }

    #[test]
    fn the_folders_files_count() {
        assert!(counts("/p/tasks.yaml"));
        assert!(counts("/p/decisions/0001.yaml"));
        assert!(counts("/p/reports"));
        assert!(counts("/p"));
        assert_eq!(
            relevance().relevant(Path::new("/p/reports/w48.md")),
            Some(Path::new("reports/w48.md"))
        );
    }

    #[test]
    fn pulled_sources_count_but_other_vpm_internals_do_not() {
        assert!(counts("/p/.vpm/sources/github/issues.json"));
        assert!(counts("/p/.vpm/sources"));
        assert!(!counts("/p/.vpm/archive.db"));
        assert!(!counts("/p/.vpm/archive.db-wal"));
        assert!(!counts("/p/.vpm"));
        assert!(!counts("/p/.vpm/sources/.tmpA1b2"));
    }

    #[test]
    fn own_files_hidden_paths_and_editor_scratch_do_not_count() {
        assert!(!counts("/p/data/archive.db"));
        assert!(counts("/p/data/notes.md"));
        assert!(!counts("/p/.git/index"));
        assert!(!counts("/p/.tasks.yaml.swp"));
        assert!(!counts("/p/.#tasks.yaml"));
        assert!(!counts("/p/tasks.yaml~"));
        assert!(!counts("/p/#tasks.yaml#"));
        assert!(!counts("/p/4913"));
        assert!(!counts("/p/tasks.yaml.tmp"));
        assert!(!counts("/p/decisions/0002.yaml___jb_tmp___"));
        assert!(!counts("/elsewhere/tasks.yaml"));
        assert!(!counts("/pp/tasks.yaml"));
    }
}
