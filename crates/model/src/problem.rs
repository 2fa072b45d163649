//! One thing wrong with an input, located precisely enough to fix it.
//!
//! Cells answer invalid input with 422 and `details: {"problems": [...]}`;
//! every problem found is listed, so a whole folder can be fixed in one pass.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::SourceRef;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Stable snake_case kind: `unknown_key`, `duplicate_id`, `bad_date`,
    /// `unknown_reference`, `dependency_cycle`, `bad_value`, `missing_key`, ...
    pub code: String,
    /// The file, inside the project folder.
    pub path: String,
    /// 1-based line, when the problem is at one place in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The offending value as written (a key, an id, a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What is wrong and, where it helps, what would be right.
    pub message: String,
    /// Other places involved: the first definition of a duplicate id, each
    /// edge of a dependency cycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<SourceRef>,
}

impl Problem {
    pub fn new(
        code: impl Into<String>,
        path: impl Into<String>,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            path: path.into(),
            line,
            value: None,
            message: message.into(),
            related: Vec::new(),
        }
    }

    pub fn at(code: impl Into<String>, at: &SourceRef, message: impl Into<String>) -> Self {
        Self::new(code, at.path.clone(), Some(at.line), message)
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    pub fn with_related(mut self, related: impl IntoIterator<Item = SourceRef>) -> Self {
        self.related.extend(related);
        self
    }
}

impl fmt::Display for Problem {
    /// `tasks.yaml:12: unknown_key: ...`, the compiler-style line a person reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}: {}", self.path, line, self.code, self.message),
            None => write!(f, "{}: {}: {}", self.path, self.code, self.message),
        }
    }
}

/// The `details` of a 422 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problems {
    pub problems: Vec<Problem>,
}
