//! Where the GitHub token comes from, and a type that will not print it.
//!
//! The order is the one gh itself uses for github.com: `GITHUB_TOKEN`, then
//! `GH_TOKEN`, then the token gh stored in its `hosts.yml` for the API's
//! host (`$GH_CONFIG_DIR/hosts.yml`, else `$XDG_CONFIG_HOME/gh/hosts.yml`,
//! else `~/.config/gh/hosts.yml`). gh is never run: its file is read as
//! data, bounded, and a file that does not parse is reported, not guessed
//! at. Newer gh versions keep the token in the system keyring instead,
//! where this lookup cannot see it; `GITHUB_TOKEN=$(gh auth token)` covers
//! that case.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use saphyr_parser::{Event, Parser};

use crate::Error;

/// The most bytes of gh's hosts.yml read; real ones are a few hundred.
const MAX_HOSTS_FILE_BYTES: u64 = 1024 * 1024;

/// A token. Its `Debug` and `Display` show only where it came from, so it
/// cannot reach a log or an error message by accident.
#[derive(Clone)]
pub struct Token {
    secret: String,
    origin: TokenOrigin,
}

/// Where a [`Token`] was found, for messages ("using the token from
/// GITHUB_TOKEN").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    Env(&'static str),
    GhHosts(PathBuf),
    Given,
}

impl Token {
    /// A token given directly (tests, other callers).
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secret: secret.into(),
            origin: TokenOrigin::Given,
        }
    }

    pub fn origin(&self) -> &TokenOrigin {
        &self.origin
    }

    pub(crate) fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({self})")
    }
}

impl fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenOrigin::Env(name) => write!(f, "{name}"),
            TokenOrigin::GhHosts(path) => write!(f, "gh's {}", path.display()),
            TokenOrigin::Given => f.write_str("the caller"),
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the token from {}", self.origin)
    }
}

/// The token for `gh_host` (`github.com`, or an Enterprise host), looked up
/// in the order the module describes; `env` reads an environment variable
/// (the process's in the CLI, a map in tests). `Ok(None)`: no token
/// anywhere, so requests go unauthenticated.
pub fn lookup(gh_host: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Token>, Error> {
    for name in ["GITHUB_TOKEN", "GH_TOKEN"] {
        if let Some(value) = env(name) {
            let value = value.trim();
            if !value.is_empty() {
                return Ok(Some(Token {
                    secret: value.to_owned(),
                    origin: TokenOrigin::Env(name),
                }));
            }
        }
    }
    let Some(path) = hosts_file(env) else {
        return Ok(None);
    };
    let text = match read_bounded(&path) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(None),
        Err(why) => {
            return Err(Error::Config(format!(
                "cannot read gh's {}: {why}",
                path.display()
            )));
        }
    };
    match oauth_token(&text, gh_host) {
        Ok(Some(secret)) => Ok(Some(Token {
            secret,
            origin: TokenOrigin::GhHosts(path),
        })),
        Ok(None) => Ok(None),
        Err(why) => Err(Error::Config(format!(
            "gh's {} does not parse ({why}); fix it, run `gh auth login` again, or set GITHUB_TOKEN",
            path.display()
        ))),
    }
}

fn hosts_file(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let non_empty = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("GH_CONFIG_DIR") {
        return Some(Path::new(&dir).join("hosts.yml"));
    }
    if let Some(dir) = non_empty("XDG_CONFIG_HOME") {
        return Some(Path::new(&dir).join("gh").join("hosts.yml"));
    }
    non_empty("HOME").map(|home| Path::new(&home).join(".config/gh/hosts.yml"))
}

/// The file's text, `None` if it does not exist; a directory, FIFO or a
/// file over [`MAX_HOSTS_FILE_BYTES`] is an error.
fn read_bounded(path: &Path) -> Result<Option<String>, String> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    let mut bytes = Vec::new();
    file.take(MAX_HOSTS_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_HOSTS_FILE_BYTES {
        return Err(format!("larger than {MAX_HOSTS_FILE_BYTES} bytes"));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| "not UTF-8".to_owned())
}

/// `oauth_token` of `host` in gh's hosts.yml: a top-level mapping from host
/// names to mappings, read as YAML events. Only a string value at exactly
/// `host → oauth_token` counts; everything else in the file is skipped.
fn oauth_token(text: &str, host: &str) -> Result<Option<String>, String> {
    enum Frame {
        Mapping { key: Option<String>, want_key: bool },
        Sequence,
    }
    /// A node starts in the innermost collection: in a mapping it is
    /// either the next key (returned as `true`) or the value of the last.
    fn node_starts(frames: &mut [Frame]) -> bool {
        match frames.last_mut() {
            Some(Frame::Mapping { key, want_key }) => {
                let is_key = *want_key;
                if is_key {
                    *key = None;
                }
                *want_key = !is_key;
                is_key
            }
            _ => false,
        }
    }
    let key_at = |frames: &[Frame], depth: usize| match frames.get(depth) {
        Some(Frame::Mapping { key, .. }) => key.clone(),
        _ => None,
    };
    let mut frames: Vec<Frame> = Vec::new();
    let mut found = None;
    for event in Parser::new_from_str(text) {
        let (event, _) = event.map_err(|e| e.to_string())?;
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                node_starts(&mut frames);
                if frames.len() >= 16 {
                    return Err("nested too deeply".to_owned());
                }
                frames.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping {
                        key: None,
                        want_key: true,
                    }
                } else {
                    Frame::Sequence
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                frames.pop();
            }
            Event::Scalar(value, ..) => {
                if node_starts(&mut frames) {
                    if let Some(Frame::Mapping { key, .. }) = frames.last_mut() {
                        *key = Some(value.to_string());
                    }
                } else if frames.len() == 2
                    && matches!(frames.last(), Some(Frame::Mapping { .. }))
                    && key_at(&frames, 0).as_deref() == Some(host)
                    && key_at(&frames, 1).as_deref() == Some("oauth_token")
                    && !value.trim().is_empty()
                {
                    found = Some(value.trim().to_owned());
                }
            }
            Event::Alias(_) => {
                node_starts(&mut frames);
            }
            _ => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn environment_first_then_gh_hosts() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("hosts.yml"),
            "github.com:\n    users:\n        octo:\n            oauth_token: gho_nested\n    oauth_token: gho_fromfile\n    user: octo\n    git_protocol: https\nghe.example.com:\n    oauth_token: ghe_token\n",
        )?;
        let gh_dir = dir.path().to_string_lossy().into_owned();

        let both = env(&[
            ("GITHUB_TOKEN", "a"),
            ("GH_TOKEN", "b"),
            ("GH_CONFIG_DIR", &gh_dir),
        ]);
        let token = lookup("github.com", &both)?.ok_or("no token")?;
        assert_eq!(token.secret(), "a");
        assert_eq!(token.origin(), &TokenOrigin::Env("GITHUB_TOKEN"));

        let gh_only = env(&[("GITHUB_TOKEN", " "), ("GH_TOKEN", "b")]);
        assert_eq!(
            lookup("github.com", &gh_only)?.ok_or("no token")?.secret(),
            "b"
        );

        let file = env(&[("GH_CONFIG_DIR", &gh_dir)]);
        let token = lookup("github.com", &file)?.ok_or("no token")?;
        assert_eq!(token.secret(), "gho_fromfile");
        assert_eq!(
            lookup("ghe.example.com", &file)?
                .ok_or("no token")?
                .secret(),
            "ghe_token"
        );
        assert!(lookup("other.example.com", &file)?.is_none());
        // The token never shows in Debug or Display.
        assert!(!format!("{token:?} {token}").contains("gho_fromfile"));
        Ok(())
    }

    #[test]
    fn home_config_and_missing_file() -> Result<(), Box<dyn std::error::Error>> {
        let home = tempfile::tempdir()?;
        let home_str = home.path().to_string_lossy().into_owned();
        assert!(lookup("github.com", &env(&[("HOME", &home_str)]))?.is_none());
        std::fs::create_dir_all(home.path().join(".config/gh"))?;
        std::fs::write(
            home.path().join(".config/gh/hosts.yml"),
            "github.com:\n  oauth_token: \"gho_home\"\n",
        )?;
        let token = lookup("github.com", &env(&[("HOME", &home_str)]))?.ok_or("no token")?;
        assert_eq!(token.secret(), "gho_home");
        Ok(())
    }

    #[test]
    fn a_broken_hosts_file_is_reported() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("hosts.yml"), "github.com: [unclosed\n")?;
        let gh_dir = dir.path().to_string_lossy().into_owned();
        let err = lookup("github.com", &env(&[("GH_CONFIG_DIR", &gh_dir)]))
            .err()
            .ok_or("a broken file was accepted")?;
        assert!(err.to_string().contains("hosts.yml"), "{err}");
        Ok(())
    }

    #[test]
    fn values_in_sequences_are_not_keys() -> Result<(), String> {
        let text = "github.com:\n  - oauth_token\n  - gho_wrong\n";
        assert_eq!(oauth_token(text, "github.com")?, None);
        Ok(())
    }
}
