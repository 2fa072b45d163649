//! The parts of GitHub's JSON that vpm reads, decoded straight into typed
//! values (every other field of GitHub's large objects is skipped while
//! parsing) and written back out, trimmed, as the cache files.
//!
//! The field names and their order are the cache format that the curator
//! reads (docs/github.md); a field GitHub leaves out where it is optional
//! (`state_reason`, `body`, ...) is written as `null`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One issue or pull request of `GET /repos/{owner}/{repo}/issues`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub state: String,
    #[serde(default)]
    pub state_reason: Option<String>,
    pub html_url: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub assignees: Vec<Assignee>,
    #[serde(default)]
    pub milestone: Option<MilestoneRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Present (as `{}`) on pull requests, absent on issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<PullRequestMarker>,
    /// How many issues block this one, where GitHub reports it; read to
    /// decide whether to ask for the list, not written to the cache.
    #[serde(default, skip_serializing)]
    pub issue_dependencies_summary: Option<DependenciesSummary>,
    /// How many sub-issues this one has, where GitHub reports it; read,
    /// not written.
    #[serde(default, skip_serializing)]
    pub sub_issues_summary: Option<SubIssuesSummary>,
}

impl Issue {
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }

    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignee {
    pub login: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneRef {
    pub number: u64,
    pub title: String,
}

/// Written as `{}`: the cache keeps only that the issue is a pull request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRequestMarker {}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct DependenciesSummary {
    #[serde(default)]
    pub blocked_by: u64,
    #[serde(default)]
    pub total_blocked_by: u64,
}

impl DependenciesSummary {
    /// Open and closed blockers alike: a closed blocker is still an edge
    /// of the task graph.
    pub fn any(&self) -> bool {
        self.blocked_by > 0 || self.total_blocked_by > 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct SubIssuesSummary {
    #[serde(default)]
    pub total: u64,
}

/// One milestone of `GET /repos/{owner}/{repo}/milestones`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub state: String,
    #[serde(default)]
    pub due_on: Option<DateTime<Utc>>,
    pub html_url: String,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
}

/// An item of the dependencies and sub-issues listings: only its number
/// is kept.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Numbered {
    pub number: u64,
}

/// `GET /repos/{owner}/{repo}`: what `vpm init` names the project after.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Repository {
    pub name: String,
    pub full_name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub html_url: String,
}
