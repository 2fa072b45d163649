//! Vocabulary shared by several documents.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a fact came from: a file of the project and a 1-based line in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct SourceRef {
    /// Path inside the project folder, `/`-separated (`decisions/0003.yaml`).
    pub path: String,
    /// 1-based line number.
    pub line: u32,
    /// Where the fact lives outside the folder, for facts imported from a
    /// tracker (`sources:` in `project.yaml`): the issue's page on GitHub,
    /// Jira or Linear. `path` and `line` then name the export or cache
    /// file it was read from. Absent in documents written before it
    /// existed, and for the folder's own files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl SourceRef {
    pub fn new(path: impl Into<String>, line: u32) -> Self {
        Self {
            path: path.into(),
            line,
            url: None,
        }
    }

    /// The same place, citing `url` too.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The URL if it is one a reader may follow: `http://` or `https://`
    /// (checked without regard to case), nothing that could run as script
    /// (`javascript:`, `data:`) when rendered as a link.
    pub fn web_url(&self) -> Option<&str> {
        let url = self.url.as_deref()?;
        let scheme = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        let ok = (scheme.starts_with("https://") || scheme.starts_with("http://"))
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then_some(url)
    }
}

impl fmt::Display for SourceRef {
    /// `path:line`, the form used in evidence references.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// A three-step scale: criticality, risk, impact and (in the snapshot) effort.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::High, Level::Medium, Level::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A task's size as written in `tasks.yaml`: S, M or L.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum Effort {
    S,
    M,
    L,
}

impl Effort {
    /// Working days a task of this size is planned to take: the unit of
    /// critical paths and of effort-weighted progress.
    pub fn days(self) -> u32 {
        match self {
            Effort::S => 1,
            Effort::M => 3,
            Effort::L => 8,
        }
    }

    /// The snapshot's `high|medium|low` effort scale.
    pub fn level(self) -> Level {
        match self {
            Effort::S => Level::Low,
            Effort::M => Level::Medium,
            Effort::L => Level::High,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Effort::S => "S",
            Effort::M => "M",
            Effort::L => "L",
        }
    }
}

/// Where a task stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
    /// Marked blocked by a person (beyond any unfinished dependency).
    Blocked,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Blocked => "blocked",
        }
    }

    pub fn is_done(self) -> bool {
        self == TaskStatus::Done
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which list of the snapshot a goal belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Horizon {
    Short,
    Mid,
}

impl Horizon {
    pub fn as_str(self) -> &'static str {
        match self {
            Horizon::Short => "short",
            Horizon::Mid => "mid",
        }
    }
}

#[cfg(test)]
mod source_ref_tests {
    use super::SourceRef;

    #[test]
    fn a_source_without_url_reads_and_writes_as_before() {
        let old: SourceRef = serde_json::from_str(r#"{"path":"tasks.yaml","line":3}"#).unwrap();
        assert_eq!(old, SourceRef::new("tasks.yaml", 3));
        assert_eq!(
            serde_json::to_string(&old).unwrap(),
            r#"{"path":"tasks.yaml","line":3}"#
        );
        let new = SourceRef::new("x.json", 2).with_url("https://github.com/a/b/issues/1");
        let json = serde_json::to_string(&new).unwrap();
        assert_eq!(
            json,
            r#"{"path":"x.json","line":2,"url":"https://github.com/a/b/issues/1"}"#
        );
        assert_eq!(serde_json::from_str::<SourceRef>(&json).unwrap(), new);
    }

    #[test]
    fn only_http_urls_are_followable() {
        let with = |u: &str| SourceRef::new("f", 1).with_url(u);
        assert_eq!(with("HTTPS://x.test/1").web_url(), Some("HTTPS://x.test/1"));
        assert_eq!(with("http://x.test/").web_url(), Some("http://x.test/"));
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "https://a b",
            "ftp://x",
            "//x.test",
        ] {
            assert_eq!(with(bad).web_url(), None, "{bad}");
        }
        assert_eq!(SourceRef::new("f", 1).web_url(), None);
    }
}
