//! The cache of one repository in the project folder,
//! `.vpm/sources/github/<owner>/<repo>/`, written only by `vpm pull` and
//! read by the curator (the format is in docs/github.md).
//!
//! It is replaced as a whole: the new files go to a sibling temporary
//! directory, each file and the directory are fsynced, and the directory
//! is swapped in with one `renameat2(RENAME_EXCHANGE)` (or, where the
//! filesystem cannot exchange, two renames). A pull that fails or is
//! killed before the swap leaves the previous cache byte for byte; one
//! killed between the two fallback renames leaves the previous cache under
//! `.<repo>.old-*`, beside no cache, never a mixture.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read as _, Write as _};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::model::{Issue, Milestone};

pub const ISSUES: &str = "issues.json";
pub const MILESTONES: &str = "milestones.json";
pub const DEPENDENCIES: &str = "dependencies.json";
pub const SUB_ISSUES: &str = "sub_issues.json";
pub const PULL: &str = "pull.json";

/// The most bytes of one previous cache file read back.
const MAX_CACHE_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// `pull.json`: when and from where the cache was fetched, and what a
/// later pull needs to ask conditionally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRecord {
    pub fetched_at: DateTime<Utc>,
    pub api_url: String,
    /// The ETag GitHub sent for each request URL.
    pub etags: BTreeMap<String, String>,
    pub requests: u32,
    /// Which part of which cache file each request URL's answer became,
    /// so a later `304 Not Modified` for that URL is answered from this
    /// cache. Not read by the curator.
    #[serde(default)]
    pub pages: BTreeMap<String, PageRecord>,
}

/// Where one answer went: items `start..start + count` of `file` (of the
/// list under `key`, for dependencies.json and sub_issues.json), and the
/// page's `next` link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageRecord {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub start: usize,
    pub count: usize,
    #[serde(default)]
    pub next: Option<String>,
}

/// The previous pull's cache, as far as it could be read. Anything
/// missing or unreadable only means fewer conditional requests.
#[derive(Debug, Default)]
pub struct Previous {
    pub record: Option<PullRecord>,
    pub issues: Vec<Issue>,
    pub milestones: Vec<Milestone>,
    pub dependencies: Option<BTreeMap<u64, Vec<u64>>>,
    pub sub_issues: Option<BTreeMap<u64, Vec<u64>>>,
    /// Why the previous cache could not be used, if it could not.
    pub unusable: Option<String>,
}

impl Previous {
    pub fn load(dir: &Path) -> Self {
        match Self::try_load(dir) {
            Ok(previous) => previous,
            Err(why) => Self {
                unusable: Some(why),
                ..Self::default()
            },
        }
    }

    fn try_load(dir: &Path) -> Result<Self, String> {
        let Some(record) = read_json::<PullRecord>(&dir.join(PULL))? else {
            return Ok(Self::default());
        };
        Ok(Self {
            issues: read_json(&dir.join(ISSUES))?.unwrap_or_default(),
            milestones: read_json(&dir.join(MILESTONES))?.unwrap_or_default(),
            dependencies: read_json(&dir.join(DEPENDENCIES))?,
            sub_issues: read_json(&dir.join(SUB_ISSUES))?,
            record: Some(record),
            unusable: None,
        })
    }

    /// The ETag to send for `url` and the page it would stand for, if the
    /// previous cache still holds that page whole.
    pub fn page(&self, url: &str) -> Option<(&str, &PageRecord)> {
        let record = self.record.as_ref()?;
        let etag = record.etags.get(url)?;
        let page = record.pages.get(url)?;
        let end = page.start.checked_add(page.count)?;
        let available = match (page.file.as_str(), &page.key) {
            (ISSUES, None) => self.issues.len(),
            (MILESTONES, None) => self.milestones.len(),
            // An issue with no dependencies has no list in the file.
            (DEPENDENCIES, Some(key)) => list_len(self.dependencies.as_ref(), key).unwrap_or(0),
            (SUB_ISSUES, Some(key)) => list_len(self.sub_issues.as_ref(), key).unwrap_or(0),
            _ => return None,
        };
        (end <= available).then_some((etag.as_str(), page))
    }
}

fn list_len(lists: Option<&BTreeMap<u64, Vec<u64>>>, key: &str) -> Option<usize> {
    lists?.get(&key.parse::<u64>().ok()?).map(Vec::len)
}

/// A cache file decoded, `None` if it does not exist.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CACHE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_CACHE_FILE_BYTES {
        return Err(format!("{}: too large", path.display()));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Makes `dir` (under `root`, the project folder) hold exactly `files`,
/// atomically as described in the module documentation. Every directory
/// between `root` and `dir` must be a real directory, not a link: the
/// cache stays inside the project folder.
pub fn replace(root: &Path, dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), Error> {
    let fail = |path: &Path, why: String| Error::Cache {
        path: path.to_owned(),
        why,
    };
    let relative = dir
        .strip_prefix(root)
        .map_err(|_| fail(dir, "not inside the project folder".to_owned()))?;
    let mut current = root.to_owned();
    let parts: Vec<_> = relative.components().collect();
    for (i, part) in parts.iter().enumerate() {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(fail(
                    &current,
                    "is a symbolic link; the cache is only written inside the project folder"
                        .to_owned(),
                ));
            }
            Ok(meta) if !meta.is_dir() => {
                return Err(fail(&current, "exists and is not a directory".to_owned()));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The cache directory itself appears by the swap below.
                if i + 1 < parts.len() {
                    fs::create_dir(&current).map_err(|e| fail(&current, e.to_string()))?;
                }
            }
            Err(e) => return Err(fail(&current, e.to_string())),
        }
    }
    let parent = dir
        .parent()
        .ok_or_else(|| fail(dir, "has no parent directory".to_owned()))?;
    let name = dir
        .file_name()
        .ok_or_else(|| fail(dir, "has no name".to_owned()))?
        .to_string_lossy()
        .into_owned();
    remove_leftovers(parent, &name);

    let unique = format!(
        "{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let staging = parent.join(format!(".{name}.tmp-{unique}"));
    fs::create_dir(&staging).map_err(|e| fail(&staging, e.to_string()))?;
    let written = write_all(&staging, files);
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let swapped = swap_in(&staging, dir, parent, &name, &unique);
    if swapped.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    swapped?;
    sync_dir(parent).map_err(|e| fail(parent, e.to_string()))
}

fn write_all(staging: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), Error> {
    for (file_name, bytes) in files {
        let path = staging.join(file_name);
        let mut file = File::create(&path).map_err(|e| Error::Cache {
            path: path.clone(),
            why: e.to_string(),
        })?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::Cache {
                path: path.clone(),
                why: e.to_string(),
            })?;
    }
    sync_dir(staging).map_err(|e| Error::Cache {
        path: staging.to_owned(),
        why: e.to_string(),
    })
}

/// Puts `staging` where `dir` is. Afterwards `staging` holds the old cache
/// (if any) and is removed.
fn swap_in(
    staging: &Path,
    dir: &Path,
    parent: &Path,
    name: &str,
    unique: &str,
) -> Result<(), Error> {
    let fail = |path: &Path, e: std::io::Error| Error::Cache {
        path: path.to_owned(),
        why: e.to_string(),
    };
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(staging, dir).map_err(|e| fail(dir, e));
    }
    if exchange(staging, dir).is_ok() {
        let _ = fs::remove_dir_all(staging);
        return Ok(());
    }
    // No atomic exchange here: two renames, the old cache kept aside
    // until the new one is in place.
    let old = parent.join(format!(".{name}.old-{unique}"));
    fs::rename(dir, &old).map_err(|e| fail(dir, e))?;
    if let Err(e) = fs::rename(staging, dir) {
        let _ = fs::rename(&old, dir);
        return Err(fail(dir, e));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Staging and set-aside directories of pulls that were killed.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && prefixes.iter().any(|p| file_name.starts_with(p.as_str())) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
    File::open(path)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_swaps_whole_directories() -> Result<(), Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        let dir = root.path().join(".vpm/sources/github/o/r");
        replace(
            root.path(),
            &dir,
            &[("a.json", b"1".to_vec()), ("b.json", b"2".to_vec())],
        )?;
        assert_eq!(fs::read(dir.join("a.json"))?, b"1");
        replace(root.path(), &dir, &[("a.json", b"3".to_vec())])?;
        assert_eq!(fs::read(dir.join("a.json"))?, b"3");
        // The old cache's other files went with it.
        assert!(!dir.join("b.json").exists());
        // No staging or old directories are left beside it.
        let siblings: Vec<_> = fs::read_dir(dir.parent().ok_or("no parent")?)?
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(siblings, vec![std::ffi::OsString::from("r")]);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_cache_directory_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        let elsewhere = tempfile::tempdir()?;
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join(".vpm"))?;
        let dir = root.path().join(".vpm/sources/github/o/r");
        let err = replace(root.path(), &dir, &[("a.json", b"1".to_vec())])
            .err()
            .ok_or("a link was followed")?;
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_dir(elsewhere.path())?.count(), 0);
        Ok(())
    }
}
