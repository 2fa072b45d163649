//! Where a snapshot's history comes from when the synthesizer runs as a
//! cell: the archivist's `GET /v1/projects/{project_id}/history`, at the
//! URL `VPM_SYNTHESIZER_ARCHIVIST_URL` names.
//!
//! The history is a nicety, never a reason to fail a run: when the
//! archivist is not configured the snapshot has no history sections, and
//! when it cannot be asked (down, slow, refusing) the snapshot is written
//! without them and its notes say why.

use std::time::Duration;

use chrono::NaiveDate;
use vpm_model::history::History;

/// The archivist's base URL (`http://archivist:8005`); unset or empty:
/// no history is fetched.
pub const ARCHIVIST_URL_VAR: &str = "VPM_SYNTHESIZER_ARCHIVIST_URL";
/// How long one history request may take, in milliseconds (default 3000).
pub const TIMEOUT_VAR: &str = "VPM_SYNTHESIZER_HISTORY_TIMEOUT_MS";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest history answer read: two snapshot documents of very large
/// projects and two years of trend points fit well below it.
pub const MAX_HISTORY_BYTES: usize = 32 * 1024 * 1024;

/// What the synthesizer knows of a project's past for one run.
#[derive(Debug, Clone, PartialEq)]
pub enum Past {
    /// No archive was asked: the snapshot has no history sections.
    NotAsked,
    Known(History),
    /// The archive could not be asked; the reason goes into the notes.
    Unavailable(String),
}

impl Past {
    pub fn history(&self) -> Option<&History> {
        match self {
            Self::Known(h) => Some(h),
            _ => None,
        }
    }

    /// The note a snapshot written without its history carries.
    pub fn note(&self) -> Option<String> {
        match self {
            Self::Unavailable(why) => Some(format!(
                "No changes, trend or forecast: the archive's history could not be read ({why})."
            )),
            _ => None,
        }
    }
}

/// The archivist's history endpoint, with a bounded wait.
#[derive(Debug, Clone)]
pub struct HistorySource {
    base: reqwest::Url,
    client: reqwest::Client,
}

impl HistorySource {
    /// Reads the settings; `Ok(None)` when no archivist is named.
    pub fn from_env() -> Result<Option<Self>, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`HistorySource::from_env`] with an injectable lookup, for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let Some(url) = lookup(ARCHIVIST_URL_VAR).filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let timeout = match lookup(TIMEOUT_VAR).filter(|t| !t.trim().is_empty()) {
            None => DEFAULT_TIMEOUT,
            Some(ms) => match ms.trim().parse::<u64>() {
                Ok(ms) if (1..=60_000).contains(&ms) => Duration::from_millis(ms),
                _ => {
                    return Err(format!(
                        "{TIMEOUT_VAR}={ms:?} is not a number of milliseconds from 1 to 60000"
                    ));
                }
            },
        };
        Self::new(url.trim(), timeout).map(Some)
    }

    pub fn new(base: &str, timeout: Duration) -> Result<Self, String> {
        let base = reqwest::Url::parse(base)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
            .ok_or_else(|| format!("{ARCHIVIST_URL_VAR}={base:?} is not an http(s) URL"))?;
        // Where the workspace builds reqwest with `rustls-no-provider` (the
        // CLI and the GitHub client do), a client built before a provider is
        // installed panics; the archivist may be https.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the archivist client: {e}"))?;
        Ok(Self { base, client })
    }

    /// The project's history before `before`, compared against `since`
    /// when given. Never fails: what went wrong is in [`Past::Unavailable`].
    pub async fn past(&self, project_id: &str, before: NaiveDate, since: Option<&str>) -> Past {
        match self.fetch(project_id, before, since).await {
            Ok(history) => Past::Known(history),
            Err(why) => {
                tracing::warn!(project_id, error = %why, "history unavailable; snapshot written without it");
                Past::Unavailable(why)
            }
        }
    }

    async fn fetch(
        &self,
        project_id: &str,
        before: NaiveDate,
        since: Option<&str>,
    ) -> Result<History, String> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| "the archivist URL cannot take a path".to_owned())?
            .pop_if_empty()
            .extend(["v1", "projects", project_id, "history"]);
        url.query_pairs_mut()
            .append_pair("before", &before.to_string());
        if let Some(since) = since {
            url.query_pairs_mut().append_pair("since", since);
        }
        let shown = format!(
            "{}{}",
            self.base.as_str().trim_end_matches('/'),
            "/v1/projects/…/history"
        );
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("the archivist at {shown} did not answer: {}", reason(&e)))?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("the archivist's answer broke off: {}", reason(&e)))?
        {
            if body.len() + chunk.len() > MAX_HISTORY_BYTES {
                return Err(format!(
                    "the archivist's history is larger than {MAX_HISTORY_BYTES} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            let message = serde_json::from_slice::<vpm_cell::ErrorBody>(&body)
                .map(|e| e.error.message)
                .unwrap_or_default();
            return Err(format!(
                "the archivist answered {status}{}{}",
                if message.is_empty() { "" } else { ": " },
                message.chars().take(200).collect::<String>()
            ));
        }
        serde_json::from_slice(&body)
            .map_err(|e| format!("the archivist's history is not a history document: {e}"))
    }
}

/// The innermost cause: "connection refused", "operation timed out".
fn reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}
