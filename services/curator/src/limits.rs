//! How much one bundle may hold, and the 413 when it holds more.
//!
//! The limits protect the curator's memory and time, and catch the wrong
//! folder (a home directory, a repository with build output) before it is
//! parsed. The defaults leave room for large real projects: 10,000 tasks
//! make a `tasks.yaml` of about 2.5 MB; ten years of weekly reports are
//! about 520 files.

use std::fmt;

/// `VPM_CURATOR_MAX_FILES`, `VPM_CURATOR_MAX_FILE_BYTES`,
/// `VPM_CURATOR_MAX_BUNDLE_BYTES`, `VPM_CURATOR_MAX_SOURCE_BYTES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Files in one bundle.
    pub max_files: usize,
    /// Bytes of one file (UTF-8).
    pub max_file_bytes: u64,
    /// Bytes of all files of one bundle together.
    pub max_bundle_bytes: u64,
    /// Bytes of the files `sources:` declares (exports and the GitHub
    /// cache), each and all together; they are not counted in the two
    /// limits above, which are sized for hand-written files. 10,000
    /// GitHub issues with their bodies are 5 to 20 MB.
    pub max_source_bytes: u64,
}

impl Limits {
    pub const DEFAULT_MAX_FILES: usize = 1_000;
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
    /// Below the runtime's default request body limit (16 MiB), so the
    /// curator's own 413, which names the limit, is the one a client meets.
    pub const DEFAULT_MAX_BUNDLE_BYTES: u64 = 8 * 1024 * 1024;
    pub const DEFAULT_MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

    /// Reads the environment; an unset or empty variable keeps its default.
    pub fn from_env() -> Result<Self, LimitConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Limits::from_env`] with an injectable lookup, for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LimitConfigError> {
        let d = Self::default();
        Ok(Self {
            max_files: read(&lookup, Limit::Files.env_var(), d.max_files as u64)? as usize,
            max_file_bytes: read(&lookup, Limit::FileBytes.env_var(), d.max_file_bytes)?,
            max_bundle_bytes: read(&lookup, Limit::BundleBytes.env_var(), d.max_bundle_bytes)?,
            max_source_bytes: read(&lookup, Limit::SourceBytes.env_var(), d.max_source_bytes)?,
        })
    }

    /// Every limit `sizes` exceeds: `sizes` is each file's path and byte
    /// length. Empty when the bundle fits.
    pub fn check<'a>(&self, sizes: impl IntoIterator<Item = (&'a str, u64)>) -> Vec<LimitExceeded> {
        self.check_with_sources(sizes, |_| false)
    }

    /// [`Limits::check`] where the files `is_source` names (those
    /// `sources:` declares) are held to `max_source_bytes` instead.
    pub fn check_with_sources<'a>(
        &self,
        sizes: impl IntoIterator<Item = (&'a str, u64)>,
        is_source: impl Fn(&str) -> bool,
    ) -> Vec<LimitExceeded> {
        let mut exceeded = Vec::new();
        let mut files = 0usize;
        let mut total = 0u64;
        let mut source_total = 0u64;
        for (path, bytes) in sizes {
            files += 1;
            if is_source(path) {
                source_total = source_total.saturating_add(bytes);
                if bytes > self.max_source_bytes {
                    exceeded.push(LimitExceeded {
                        limit: Limit::SourceBytes,
                        env_var: Limit::SourceBytes.env_var(),
                        max: self.max_source_bytes,
                        actual: bytes,
                        path: Some(path.to_owned()),
                    });
                }
                continue;
            }
            total = total.saturating_add(bytes);
            if bytes > self.max_file_bytes {
                exceeded.push(LimitExceeded {
                    limit: Limit::FileBytes,
                    env_var: Limit::FileBytes.env_var(),
                    max: self.max_file_bytes,
                    actual: bytes,
                    path: Some(path.to_owned()),
                });
            }
        }
        if files > self.max_files {
            exceeded.push(LimitExceeded {
                limit: Limit::Files,
                env_var: Limit::Files.env_var(),
                max: self.max_files as u64,
                actual: files as u64,
                path: None,
            });
        }
        if total > self.max_bundle_bytes {
            exceeded.push(LimitExceeded {
                limit: Limit::BundleBytes,
                env_var: Limit::BundleBytes.env_var(),
                max: self.max_bundle_bytes,
                actual: total,
                path: None,
            });
        }
        if source_total > self.max_source_bytes
            && !exceeded.iter().any(|e| e.limit == Limit::SourceBytes)
        {
            exceeded.push(LimitExceeded {
                limit: Limit::SourceBytes,
                env_var: Limit::SourceBytes.env_var(),
                max: self.max_source_bytes,
                actual: source_total,
                path: None,
            });
        }
        exceeded
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_files: Self::DEFAULT_MAX_FILES,
            max_file_bytes: Self::DEFAULT_MAX_FILE_BYTES,
            max_bundle_bytes: Self::DEFAULT_MAX_BUNDLE_BYTES,
            max_source_bytes: Self::DEFAULT_MAX_SOURCE_BYTES,
        }
    }
}

fn read(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, LimitConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(v) if v.trim().is_empty() => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(LimitConfigError { name, value: v }),
        },
    }
}

/// A limit variable set to something that is not a positive whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: expected a positive whole number")]
pub struct LimitConfigError {
    pub name: &'static str,
    pub value: String,
}

/// Which limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    Files,
    FileBytes,
    BundleBytes,
    SourceBytes,
}

impl Limit {
    pub fn env_var(self) -> &'static str {
        match self {
            Limit::Files => "VPM_CURATOR_MAX_FILES",
            Limit::FileBytes => "VPM_CURATOR_MAX_FILE_BYTES",
            Limit::BundleBytes => "VPM_CURATOR_MAX_BUNDLE_BYTES",
            Limit::SourceBytes => "VPM_CURATOR_MAX_SOURCE_BYTES",
        }
    }

    /// The `code` of the 413 answer.
    pub fn code(self) -> &'static str {
        match self {
            Limit::Files => "too_many_files",
            Limit::FileBytes => "file_too_large",
            Limit::BundleBytes => "bundle_too_large",
            Limit::SourceBytes => "source_too_large",
        }
    }
}

/// One limit a bundle exceeds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LimitExceeded {
    pub limit: Limit,
    /// The environment variable that sets the limit.
    pub env_var: &'static str,
    pub max: u64,
    pub actual: u64,
    /// The file, for the per-file limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.limit {
            Limit::Files => write!(
                f,
                "the bundle has {} files; at most {} are accepted ({})",
                self.actual,
                self.max,
                self.limit.env_var()
            ),
            Limit::FileBytes => write!(
                f,
                "{} is {} bytes; a file may have at most {} bytes ({})",
                self.path.as_deref().unwrap_or("a file"),
                self.actual,
                self.max,
                self.limit.env_var()
            ),
            Limit::BundleBytes => write!(
                f,
                "the bundle's files hold {} bytes together; at most {} are accepted ({})",
                self.actual,
                self.max,
                self.limit.env_var()
            ),
            Limit::SourceBytes => match &self.path {
                Some(path) => write!(
                    f,
                    "the source file {path} is {} bytes; at most {} are read ({})",
                    self.actual,
                    self.max,
                    self.limit.env_var()
                ),
                None => write!(
                    f,
                    "the files sources: declares hold {} bytes together; at most {} are read ({})",
                    self.actual,
                    self.max,
                    self.limit.env_var()
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_override_defaults_and_bad_values_name_the_variable() {
        let l = Limits::from_lookup(|n| (n == "VPM_CURATOR_MAX_FILES").then(|| "5".to_owned()))
            .unwrap();
        assert_eq!(l.max_files, 5);
        assert_eq!(l.max_file_bytes, Limits::DEFAULT_MAX_FILE_BYTES);
        let e =
            Limits::from_lookup(|n| (n == "VPM_CURATOR_MAX_FILE_BYTES").then(|| "4MB".to_owned()))
                .unwrap_err();
        assert_eq!(e.name, "VPM_CURATOR_MAX_FILE_BYTES");
        assert!(Limits::from_lookup(|_| Some("0".to_owned())).is_err());
    }

    #[test]
    fn every_exceeded_limit_is_named() {
        let l = Limits {
            max_files: 2,
            max_file_bytes: 10,
            max_bundle_bytes: 15,
            max_source_bytes: 100,
        };
        assert!(l.check([("a", 10), ("b", 5)]).is_empty());
        let e = l.check([("a", 11), ("b", 5), ("c", 1)]);
        let limits: Vec<Limit> = e.iter().map(|x| x.limit).collect();
        assert_eq!(limits, [Limit::FileBytes, Limit::Files, Limit::BundleBytes]);
        assert_eq!(e[0].path.as_deref(), Some("a"));
        assert!(e[0].to_string().contains("VPM_CURATOR_MAX_FILE_BYTES"));
    }

    #[test]
    fn source_files_have_their_own_bound() {
        let l = Limits {
            max_files: 10,
            max_file_bytes: 10,
            max_bundle_bytes: 15,
            max_source_bytes: 100,
        };
        let is_source = |p: &str| p.starts_with(".vpm/");
        assert!(
            l.check_with_sources([("a", 10), (".vpm/i.json", 90)], is_source)
                .is_empty()
        );
        let e = l.check_with_sources([(".vpm/i.json", 60), (".vpm/m.json", 60)], is_source);
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].limit, e[0].actual), (Limit::SourceBytes, 120));
        let e = l.check_with_sources([(".vpm/i.json", 101)], is_source);
        assert_eq!(e[0].path.as_deref(), Some(".vpm/i.json"));
        assert!(e[0].to_string().contains("VPM_CURATOR_MAX_SOURCE_BYTES"));
    }
}
