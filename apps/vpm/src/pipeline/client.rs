//! The pipeline over HTTP: each hop is a binary-mode CloudEvent to a
//! cell's `POST /` (the same events a Knative `Sequence` delivers), built
//! and read with the runtime's typed envelope ([`vpm_cell::cloudevent`]).

use std::time::Duration;

use anyhow::Context as _;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use vpm_cell::cloudevent::Attributes;
use vpm_cell::{ErrorBody, TraceContext};
use vpm_model::Bundle;
use vpm_model::pipeline::{self, CuratedEvent, PlanEvent};
use vpm_model::record::{Receipt, RecordSubmission};

use super::{Endpoints, Outcome, PipelineError};

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

    /// Runs `bundle` through the four cells at `endpoints`, the changes
    /// compared against the archived snapshot `since` names (a record id
    /// or a date) instead of the previous one: carried to the synthesizer in the plan event, which it passes on to
    /// the archivist's history endpoint.
    pub async fn run_since(
        &self,
        bundle: Bundle,
        endpoints: &Endpoints,
        trace: TraceContext,
        since: Option<&str>,
    ) -> Result<Outcome, PipelineError> {
        let submission = self.submission(&bundle, endpoints, trace, since).await?;
        let receipt = self.archive(&submission, endpoints, trace).await?;
        Ok(Outcome {
            trace_id: trace.trace_id_hex(),
            submission,
            receipt,
        })
    }

    /// The first three hops (curator, planner, synthesizer): what the
    /// archivist would be asked to record. `vpm watch` stops here when the
    /// snapshot is the one already archived.
    pub async fn submission(
        &self,
        bundle: &Bundle,
        endpoints: &Endpoints,
        trace: TraceContext,
        since: Option<&str>,
    ) -> Result<RecordSubmission, PipelineError> {
        let subject = bundle.project_id.clone();
        let curated: CuratedEvent = self
            .hop(
                "curator",
                &endpoints.curator,
                pipeline::BUNDLE,
                pipeline::CURATED,
                &subject,
                bundle,
                trace,
            )
            .await?;
        let mut plan: PlanEvent = self
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
        plan.since = since.map(str::to_owned);
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
        Ok(submission)
    }

    /// The last hop: `submission` to the archivist; its receipt.
    pub async fn archive(
        &self,
        submission: &RecordSubmission,
        endpoints: &Endpoints,
        trace: TraceContext,
    ) -> Result<Receipt, PipelineError> {
        self.hop(
            "archivist",
            &endpoints.archivist,
            pipeline::SNAPSHOT,
            pipeline::RECEIPT,
            &submission.project_id,
            submission,
            trace,
        )
        .await
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
        let mut attrs = Attributes::new(event_id, "/vpm/cli", sends)
            .with_extension("traceparent", span.traceparent());
        attrs.subject = Some(subject.to_owned());
        attrs.datacontenttype = Some("application/json".to_owned());
        let mut headers = HeaderMap::new();
        attrs.to_binary(&mut headers);
        let mut backoff = self.retry.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.retry.attempts {
            let mut request = self
                .http
                .post(&url)
                .headers(headers.clone())
                .header("traceparent", span.traceparent())
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
            let reply = Attributes::from_binary(response.headers()).map_err(|e| {
                PipelineError::BadReply {
                    cell,
                    url: url.clone(),
                    why: e.to_string(),
                }
            })?;
            if reply.ty != expects {
                return Err(PipelineError::BadReply {
                    cell,
                    url,
                    why: format!("expected a {expects} event, got ce-type {:?}", reply.ty),
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
