//! Running the pipeline: a project folder → curator → planner → synthesizer
//! → archivist, either through running cells over HTTP (the same CloudEvents
//! a Knative `Sequence` sends) or in this process.
//!
//! Over HTTP, one trace id covers the run: every hop carries a child of the
//! run's `traceparent`, so the four cells' log lines and the archived record
//! all name it. A cell that is down or refuses is named with its URL; 503s
//! (shed load, a database briefly away) are retried with backoff, honouring
//! `Retry-After`. Nothing reaches the archive unless every earlier step
//! succeeded, and the archive's append is atomic, so a failed run leaves
//! nothing half-written.

//!
//! [`client`] is the HTTP side (events, retries), [`embedded`] the
//! in-process side; both return an [`Outcome`] or a [`PipelineError`].

use std::fmt;

use vpm_cell::ErrorBody;
use vpm_model::record::{Receipt, RecordSubmission, Subject};
use vpm_model::{PmSnapshot, Problem};

pub mod client;
pub mod embedded;

pub use client::{Client, RetryPolicy};
pub use embedded::embedded_since;

/// The base URL of each cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub curator: String,
    pub planner: String,
    pub synthesizer: String,
    pub archivist: String,
}

/// What one run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub trace_id: String,
    /// What the archivist was asked to record: the snapshot, its rendered
    /// views (Markdown, HTML) and the run's provenance.
    pub submission: RecordSubmission,
    pub receipt: Receipt,
}

impl Outcome {
    pub fn snapshot(&self) -> Option<&PmSnapshot> {
        match &self.submission.subject {
            Subject::PmSnapshot(s) => Some(s),
            Subject::Decision(_) => None,
        }
    }

    /// A rendered view by attachment name (`snapshot.md`, `snapshot.html`).
    pub fn attachment(&self, name: &str) -> Option<&str> {
        self.submission
            .attachments
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.content.as_str())
    }
}

/// Why a run stopped.
#[derive(Debug)]
pub enum PipelineError {
    /// The cell did not answer at all (down, wrong URL, network).
    Unreachable {
        cell: &'static str,
        url: String,
        why: String,
    },
    /// The cell answered with an error that retrying will not fix.
    Refused {
        cell: &'static str,
        url: String,
        status: u16,
        error: Option<ErrorBody>,
    },
    /// The cell kept answering 503 (or timing out) through every retry.
    Unavailable {
        cell: &'static str,
        url: String,
        attempts: u32,
        last: String,
    },
    /// The cell answered 200 with something that is not the next event.
    BadReply {
        cell: &'static str,
        url: String,
        why: String,
    },
    /// In-process: a step found problems in its input.
    Problems {
        cell: &'static str,
        problems: Vec<Problem>,
    },
    /// In-process: anything else (the archive could not be opened, ...).
    Internal { cell: &'static str, why: String },
}

impl PipelineError {
    /// Located problems the failing cell reported, if any.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            PipelineError::Problems { problems, .. } => problems.clone(),
            PipelineError::Refused {
                error: Some(body), ..
            } => body
                .error
                .details
                .as_ref()
                .and_then(|d| d.get("problems"))
                .and_then(|p| serde_json::from_value(p.clone()).ok())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Unreachable { cell, url, why } => {
                write!(f, "the {cell} at {url} is not reachable: {why}")
            }
            PipelineError::Refused {
                cell,
                url,
                status,
                error,
            } => match error {
                Some(body) => write!(
                    f,
                    "the {cell} at {url} refused the run ({status} {}): {}",
                    body.error.code, body.error.message
                ),
                None => write!(
                    f,
                    "the {cell} at {url} refused the run with status {status}"
                ),
            },
            PipelineError::Unavailable {
                cell,
                url,
                attempts,
                last,
            } => write!(
                f,
                "the {cell} at {url} stayed unavailable through {attempts} attempts (last: {last})"
            ),
            PipelineError::BadReply { cell, url, why } => {
                write!(
                    f,
                    "the {cell} at {url} answered with something unexpected: {why}"
                )
            }
            PipelineError::Problems { cell, problems } => {
                write!(f, "the {cell} found {} problem(s)", problems.len())
            }
            PipelineError::Internal { cell, why } => write!(f, "the {cell} failed: {why}"),
        }
    }
}

impl std::error::Error for PipelineError {}
