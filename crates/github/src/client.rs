//! One GET to the GitHub REST API, done carefully: the headers GitHub asks
//! for, the token only to the configured API, a bounded body, conditional
//! requests, and the rate limit obeyed.
//!
//! GitHub signals a rate limit in two ways (REST docs, "Rate limits for the
//! REST API"): a 403 or 429 with `retry-after` (secondary limits), or a 403
//! or 429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch
//! seconds, primary limit). Either way the client waits if the wait is at
//! most [`Limits::max_wait`] and asks again, at most [`MAX_RATE_WAITS`]
//! times; a longer wait ends the pull with [`Error::RateLimited`], which
//! says when to retry.

use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::{ApiUrl, Error, Token};

/// How many rate-limit waits one request may take before giving up.
pub const MAX_RATE_WAITS: u32 = 3;

/// The most bytes of an error answer read for GitHub's `message`.
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// The API version every request asks for.
pub const API_VERSION: &str = "2022-11-28";

/// The media type every request asks for by default.
pub const ACCEPT: &str = "application/vnd.github+json";

/// Bounds on what one repository's pull may cost. The defaults fit a
/// repository of 100,000 issues and stop a hostile or broken server long
/// before it can fill memory or loop forever.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most bytes of one answer.
    pub max_page_bytes: u64,
    /// Most bytes of all answers of one repository's pull.
    pub max_bytes: u64,
    /// Most pages of one listing (issues, milestones, one issue's
    /// dependencies).
    pub max_pages: u32,
    /// Most requests of one repository's pull.
    pub max_requests: u32,
    /// Longest rate-limit wait taken; a longer one stops the pull.
    pub max_wait: Duration,
    /// Longest one request may take, connection to last byte.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_page_bytes: 32 * 1024 * 1024,
            max_bytes: 1024 * 1024 * 1024,
            max_pages: 1000,
            max_requests: 20_000,
            max_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What one repository's requests cost so far.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pub requests: u32,
    pub not_modified: u32,
    pub bytes: u64,
    pub waited: Duration,
}

/// The answer to one GET.
#[derive(Debug)]
pub enum Fetched {
    Fresh {
        body: Bytes,
        etag: Option<String>,
        /// The `rel="next"` link, checked to be on the same API.
        next: Option<Url>,
    },
    /// 304: what was cached for this URL is still current.
    NotModified,
}

/// A GitHub REST client for one API root.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    api: ApiUrl,
    token: Option<Token>,
    accept: String,
    limits: Limits,
}

impl Client {
    pub fn new(api: ApiUrl, token: Option<Token>, limits: Limits) -> Result<Self, Error> {
        // The process-wide TLS provider apps/vpm uses too; installing it
        // twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let user_agent = concat!(
            "vpm/",
            env!("CARGO_PKG_VERSION"),
            " (+https://github.com/hirakuarai/vpm)"
        );
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(limits.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            api,
            token,
            accept: ACCEPT.to_owned(),
            limits,
        })
    }

    /// Asks for another media type. GitHub answers
    /// `application/vnd.github.v3+json` exactly as the default; the
    /// recorded responses of `@octokit/fixtures` were recorded with it and
    /// only match requests that send it.
    pub fn with_accept(mut self, accept: &str) -> Self {
        self.accept = accept.to_owned();
        self
    }

    pub fn api(&self) -> &ApiUrl {
        &self.api
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// GET `url` (which must be on this client's API), with
    /// `If-None-Match: etag` when given. Counts the request and its bytes
    /// in `usage` and refuses to go past the limits.
    pub async fn get(
        &self,
        url: &Url,
        etag: Option<&str>,
        usage: &mut Usage,
    ) -> Result<Fetched, Error> {
        if !self.api.contains(url) {
            return Err(Error::ForeignLink {
                url: url.to_string(),
                next: url.to_string(),
                api: self.api.to_string(),
            });
        }
        let mut rate_waits = 0;
        loop {
            if usage.requests >= self.limits.max_requests {
                return Err(Error::TooManyRequests {
                    url: url.to_string(),
                    limit: self.limits.max_requests,
                });
            }
            usage.requests += 1;
            let response = self
                .http
                .get(url.clone())
                .headers(self.headers(etag))
                .send()
                .await
                .map_err(|e| Error::Unreachable {
                    url: url.to_string(),
                    why: root_cause(&e),
                })?;
            let status = response.status();
            tracing::debug!(%url, status = status.as_u16(), "github request");
            match status {
                StatusCode::OK => return self.fresh(url, response, usage).await,
                StatusCode::NOT_MODIFIED if etag.is_some() => {
                    usage.not_modified += 1;
                    return Ok(Fetched::NotModified);
                }
                StatusCode::NOT_MODIFIED => {
                    return Err(Error::UnexpectedNotModified {
                        url: url.to_string(),
                    });
                }
                StatusCode::UNAUTHORIZED => {
                    let message = error_message(response).await;
                    return Err(Error::Unauthorized {
                        url: url.to_string(),
                        message,
                    });
                }
                StatusCode::NOT_FOUND => {
                    return Err(Error::NotFound {
                        url: url.to_string(),
                    });
                }
                StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => {
                    let headers = response.headers().clone();
                    let message = error_message(response).await;
                    let Some(wait) = rate_limit_wait(status, &headers, &message, Utc::now()) else {
                        return Err(Error::Forbidden {
                            url: url.to_string(),
                            message,
                        });
                    };
                    if wait > self.limits.max_wait {
                        return Err(Error::RateLimited {
                            url: url.to_string(),
                            retry_at: Utc::now()
                                + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
                            wait,
                            max_wait: self.limits.max_wait,
                        });
                    }
                    if rate_waits >= MAX_RATE_WAITS {
                        return Err(Error::StillLimited {
                            url: url.to_string(),
                            attempts: rate_waits,
                        });
                    }
                    rate_waits += 1;
                    tracing::info!(%url, wait_ms = wait.as_millis() as u64, "github rate limit; waiting");
                    let started = Instant::now();
                    tokio::time::sleep(wait).await;
                    usage.waited += started.elapsed();
                }
                _ => {
                    let message = error_message(response).await;
                    return Err(Error::Status {
                        url: url.to_string(),
                        status: status.as_u16(),
                        message,
                    });
                }
            }
        }
    }

    fn headers(&self, etag: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(accept) = HeaderValue::from_str(&self.accept) {
            headers.insert(header::ACCEPT, accept);
        }
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        if let Some(token) = &self.token
            && let Ok(mut value) = HeaderValue::from_str(&format!("token {}", token.secret()))
        {
            // Kept out of any Debug output of the request.
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        if let Some(etag) = etag
            && let Ok(value) = HeaderValue::from_str(etag)
        {
            headers.insert(header::IF_NONE_MATCH, value);
        }
        headers
    }

    /// A 200: JSON, within the size limits, with its ETag and next link.
    async fn fresh(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        usage: &mut Usage,
    ) -> Result<Fetched, Error> {
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if !is_json(&content_type) {
            return Err(Error::NotJson {
                url: url.to_string(),
                content_type: if content_type.is_empty() {
                    "no Content-Type".to_owned()
                } else {
                    content_type
                },
            });
        }
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 512)
            .map(str::to_owned);
        let next = self.next_link(url, response.headers())?;
        let limit = self.limits.max_page_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(Error::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| Error::Unreachable {
            url: url.to_string(),
            why: root_cause(&e),
        })? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(Error::TooLarge {
                    url: url.to_string(),
                    limit,
                });
            }
            usage.bytes += chunk.len() as u64;
            if usage.bytes > self.limits.max_bytes {
                return Err(Error::TooMuchData {
                    url: url.to_string(),
                    limit: self.limits.max_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Fresh {
            body: Bytes::from(body),
            etag,
            next,
        })
    }

    /// The `rel="next"` target of the `Link` header, if any: it must be on
    /// this API, since the token goes with it.
    fn next_link(&self, url: &Url, headers: &HeaderMap) -> Result<Option<Url>, Error> {
        let mut next = None;
        for value in headers.get_all(header::LINK) {
            let text = value.to_str().map_err(|_| Error::BadLink {
                url: url.to_string(),
                why: "not ASCII".to_owned(),
            })?;
            let links = parse_link_header::parse_with_rel(text).map_err(|e| Error::BadLink {
                url: url.to_string(),
                why: format!("{e:?}"),
            })?;
            if let Some(link) = links.get("next") {
                next = Some(link.uri.clone());
            }
        }
        if let Some(next) = &next
            && !self.api.contains(next)
        {
            return Err(Error::ForeignLink {
                url: url.to_string(),
                next: next.to_string(),
                api: self.api.to_string(),
            });
        }
        Ok(next)
    }
}

/// `application/json`, or a `+json` type such as GitHub's own.
fn is_json(content_type: &str) -> bool {
    match mediatype::MediaType::parse(content_type) {
        Ok(media) => {
            media.ty == "application"
                && (media.subty == "json" || media.suffix.is_some_and(|s| s == "json"))
        }
        Err(_) => false,
    }
}

/// How long GitHub asks to wait, if this 403/429 is a rate limit at all;
/// `None` for a 403 that is a plain refusal.
pub fn rate_limit_wait(
    status: StatusCode,
    headers: &HeaderMap,
    message: &str,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let header_u64 = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(secs) = header_u64("retry-after") {
        return Some(Duration::from_secs(secs));
    }
    if header_u64("x-ratelimit-remaining") == Some(0) {
        let reset = header_u64("x-ratelimit-reset")?;
        let now = u64::try_from(now.timestamp()).unwrap_or(0);
        // A second more than asked: the reset is rounded down to the second.
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    // A secondary limit without headers: GitHub asks for at least a minute.
    if status == StatusCode::TOO_MANY_REQUESTS
        || message.to_ascii_lowercase().contains("rate limit")
    {
        return Some(Duration::from_secs(60));
    }
    None
}

/// GitHub's `message` from an error answer, read to a bound; the status
/// line's reason when there is none.
async fn error_message(mut response: reqwest::Response) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    let reason = response
        .status()
        .canonical_reason()
        .unwrap_or("no reason")
        .to_owned();
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > MAX_ERROR_BODY_BYTES {
            return reason;
        }
    }
    match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(parsed) => parsed.message.chars().take(300).collect(),
        Err(_) => reason,
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    let mut text = e.to_string();
    while let Some(next) = cause.source() {
        cause = next;
        text = cause.to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn rate_limit_signals() {
        let now = DateTime::from_timestamp(1_000, 0).unwrap_or_default();
        let forbidden = StatusCode::FORBIDDEN;
        assert_eq!(
            rate_limit_wait(forbidden, &headers(&[("retry-after", "7")]), "", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            rate_limit_wait(
                forbidden,
                &headers(&[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1030")
                ]),
                "",
                now
            ),
            Some(Duration::from_secs(31))
        );
        // A reset in the past: a one-second wait, not a negative one.
        assert_eq!(
            rate_limit_wait(
                forbidden,
                &headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "10")]),
                "",
                now
            ),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            rate_limit_wait(
                forbidden,
                &headers(&[("x-ratelimit-remaining", "12")]),
                "Resource not accessible by integration",
                now
            ),
            None
        );
        assert_eq!(
            rate_limit_wait(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), "", now),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn json_media_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/vnd.github+json"));
        assert!(!is_json("text/html; charset=utf-8"));
        assert!(!is_json(""));
    }
}
