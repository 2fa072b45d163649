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
}

impl SourceRef {
    pub fn new(path: impl Into<String>, line: u32) -> Self {
        Self {
            path: path.into(),
            line,
        }
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
