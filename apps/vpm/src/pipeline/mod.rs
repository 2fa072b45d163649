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

use std::fmt;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{SubsecRound, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use vpm_cell::{ErrorBody, TraceContext};
use vpm_model::pipeline::{self, CuratedEvent, PlanEvent};
use vpm_model::plan::PlanRequest;
use vpm_model::record::{Receipt, RecordSubmission, Subject};
use vpm_model::{Bundle, PmSnapshot, Problem};

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

/// How hard to try a cell that answers 503.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// The HTTP side of a run.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    retry: RetryPolicy,
    /// Sent as `Authorization: Bearer ...` to the archivist, if set.
    write_token: Option<String>,
}

impl Client {
    pub fn new(
        timeout: Duration,
        retry: RetryPolicy,
        write_token: Option<String>,
    ) -> anyhow::Result<Self> {
        // A process-wide TLS provider, for https:// cell URLs (Knative
        // ingresses); installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            retry,
            write_token,
        })
    }

    /// Runs `bundle` through the four cells at `endpoints`.
    pub async fn run(
        &self,
        bundle: Bundle,
        endpoints: &Endpoints,
        trace: TraceContext,
    ) -> Result<Outcome, PipelineError> {
        let subject = bundle.project_id.clone();
        let curated: CuratedEvent = self
            .hop(
                "curator",
                &endpoints.curator,
                pipeline::BUNDLE,
                pipeline::CURATED,
                &subject,
                &bundle,
                trace,
            )
            .await?;
        let plan: PlanEvent = self
            .hop(
                "planner",
                &endpoints.planner,
                pipeline::CURATED,
                pipeline::PLAN,
                &subject,
                &curated,
                trace,
            )
            .await?;
        let submission: RecordSubmission = self
            .hop(
                "synthesizer",
                &endpoints.synthesizer,
                pipeline::PLAN,
                pipeline::SNAPSHOT,
                &subject,
                &plan,
                trace,
            )
            .await?;
        let receipt: Receipt = self
            .hop(
                "archivist",
                &endpoints.archivist,
                pipeline::SNAPSHOT,
                pipeline::RECEIPT,
                &subject,
                &submission,
                trace,
            )
            .await?;
        Ok(Outcome {
            trace_id: trace.trace_id_hex(),
            submission,
            receipt,
        })
    }

    /// One step: the event `sends` with `data` to `base`/, expecting `expects` back.
    #[allow(clippy::too_many_arguments)]
    async fn hop<T: Serialize, R: DeserializeOwned>(
        &self,
        cell: &'static str,
        base: &str,
        sends: &str,
        expects: &str,
        subject: &str,
        data: &T,
        trace: TraceContext,
    ) -> Result<R, PipelineError> {
        let url = format!("{}/", base.trim_end_matches('/'));
        let body = serde_json::to_vec(data).map_err(|e| PipelineError::Internal {
            cell,
            why: format!("cannot encode the {sends} event: {e}"),
        })?;
        // The same event id on every retry: the cell (and the archive) can
        // recognise a redelivery.
        let event_id = format!("{}-{cell}", trace.trace_id_hex());
        let span = trace.child();
        let mut backoff = self.retry.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.retry.attempts {
            let mut request = self
                .http
                .post(&url)
                .header("ce-specversion", "1.0")
                .header("ce-id", &event_id)
                .header("ce-source", "/vpm/cli")
                .header("ce-type", sends)
                .header("ce-subject", subject)
                .header("ce-traceparent", span.traceparent())
                .header("traceparent", span.traceparent())
                .header("content-type", "application/json")
                .body(body.clone());
            if cell == "archivist"
                && let Some(token) = &self.write_token
            {
                request = request.bearer_auth(token);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => {
                    last = format!("no answer within the timeout ({e})");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.retry.max_backoff);
                    continue;
                }
                Err(e) => {
                    return Err(PipelineError::Unreachable {
                        cell,
                        url,
                        why: root_cause(&e),
                    });
                }
            };
            let status = response.status().as_u16();
            if status == 503 {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(backoff)
                    .min(self.retry.max_backoff);
                last = match response.json::<ErrorBody>().await {
                    Ok(body) => format!("503 {}: {}", body.error.code, body.error.message),
                    Err(_) => "503".to_owned(),
                };
                tracing::warn!(cell, %url, attempt, wait_ms = wait.as_millis() as u64, "cell unavailable; retrying");
                if attempt < self.retry.attempts {
                    tokio::time::sleep(wait.max(backoff)).await;
                    backoff = (backoff * 2).min(self.retry.max_backoff);
                }
                continue;
            }
            if status != 200 {
                let error = response.json::<ErrorBody>().await.ok();
                return Err(PipelineError::Refused {
                    cell,
                    url,
                    status,
                    error,
                });
            }
            let ce_type = response
                .headers()
                .get("ce-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if ce_type != expects {
                return Err(PipelineError::BadReply {
                    cell,
                    url,
                    why: format!("expected a {expects} event, got ce-type {ce_type:?}"),
                });
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| PipelineError::Unreachable {
                    cell,
                    url: url.clone(),
                    why: root_cause(&e),
                })?;
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            return serde_path_to_error::deserialize(&mut de).map_err(|e| {
                PipelineError::BadReply {
                    cell,
                    url,
                    why: format!(
                        "the {expects} data does not parse at `{}`: {}",
                        e.path(),
                        e.inner()
                    ),
                }
            });
        }
        Err(PipelineError::Unavailable {
            cell,
            url,
            attempts: self.retry.attempts,
            last,
        })
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Runs `bundle` through the four cells' libraries in this process, with
/// the archive opened from the same `VPM_*` settings the archivist reads.
pub async fn embedded(bundle: Bundle, trace: TraceContext) -> Result<Outcome, PipelineError> {
    let trace_id = trace.trace_id_hex();
    let limits = curator::Limits::from_env().map_err(|e| PipelineError::Internal {
        cell: "curator",
        why: e.to_string(),
    })?;

    let started = Utc::now();
    let curated_set = curator::curate(&bundle, &trace_id, &limits).map_err(|e| match e {
        curator::CurateError::Invalid { problems, .. } => PipelineError::Problems {
            cell: "curator",
            problems,
        },
        curator::CurateError::TooLarge(exceeded) => PipelineError::Internal {
            cell: "curator",
            why: exceeded
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        },
    })?;
    let mut activities = vec![pipeline::activity("curator", started)];

    let started = Utc::now();
    let request = PlanRequest {
        curated_set,
        as_of: None,
    };
    let plan =
        planner::plan_request(&request, &trace_id).map_err(|problems| PipelineError::Problems {
            cell: "planner",
            problems,
        })?;
    activities.push(pipeline::activity("planner", started));

    let event = PlanEvent {
        curated_set: request.curated_set,
        plan,
        activities,
    };
    let generated_at = Utc::now().trunc_subsecs(0);
    let (submission, _) = synthesizer::step::record_submission(event, generated_at, &trace_id)
        .map_err(|problems| PipelineError::Problems {
            cell: "synthesizer",
            problems,
        })?;

    let archive = archivist::open_embedded()
        .await
        .map_err(|e| PipelineError::Internal {
            cell: "archivist",
            why: format!("{e:#}"),
        })?;
    let (_, receipt) = archive
        .submit(submission.clone())
        .await
        .map_err(|e| match e {
            archivist::archive::ArchiveError::Invalid(problems) => PipelineError::Problems {
                cell: "archivist",
                problems,
            },
            other => PipelineError::Internal {
                cell: "archivist",
                why: other.to_string(),
            },
        })?;
    Ok(Outcome {
        trace_id,
        submission,
        receipt,
    })
}
