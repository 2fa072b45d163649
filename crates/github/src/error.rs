//! What can go wrong talking to GitHub, each case worded for the person who
//! has to act on it: what happened, to which request, and what to do.
//!
//! Messages quote URLs and GitHub's own `message` field, which come from the
//! network; the CLI escapes every error line before printing it.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "GitHub refused the credentials (401) for {url}: {message}; set GITHUB_TOKEN to a valid token or run `gh auth login`"
    )]
    Unauthorized { url: String, message: String },

    #[error(
        "GitHub answered 404 for {url}: no such repository, or the token cannot see it; check owner/repo in project.yaml, and for a private repository set GITHUB_TOKEN (or run `gh auth login`)"
    )]
    NotFound { url: String },

    #[error(
        "GitHub refused {url} (403): {message}; check that the token may read this repository's issues"
    )]
    Forbidden { url: String, message: String },

    #[error(
        "GitHub's rate limit stops {url}: it resets at {retry_at} ({}), longer than the {} s this pull may wait; retry then, or set GITHUB_TOKEN for the higher limit of an authenticated client",
        humanize(*.wait), .max_wait.as_secs()
    )]
    RateLimited {
        url: String,
        retry_at: DateTime<Utc>,
        wait: Duration,
        max_wait: Duration,
    },

    #[error("GitHub kept answering {url} with a rate limit after {attempts} waits; retry later")]
    StillLimited { url: String, attempts: u32 },

    #[error("GitHub answered {status} for {url}: {message}")]
    Status {
        url: String,
        status: u16,
        message: String,
    },

    #[error("the answer to {url} is larger than {limit} bytes; refusing to read it")]
    TooLarge { url: String, limit: u64 },

    #[error(
        "pulling this repository read more than {limit} bytes in all (at {url}); refusing to read more"
    )]
    TooMuchData { url: String, limit: u64 },

    #[error(
        "{url} is page {limit} of one listing and GitHub links to yet another; refusing to follow more than {limit} pages"
    )]
    TooManyPages { url: String, limit: u32 },

    #[error("pulling this repository would take more than {limit} requests (at {url}); refusing")]
    TooManyRequests { url: String, limit: u32 },

    #[error(
        "the Link header of {url} leads back to {next}, a page already read: the listing loops"
    )]
    LinkLoop { url: String, next: String },

    #[error("the Link header of {url} is not valid: {why}")]
    BadLink { url: String, why: String },

    #[error(
        "the Link header of {url} leads to {next}, outside {api}: the token is only sent to the API it was configured for"
    )]
    ForeignLink {
        url: String,
        next: String,
        api: String,
    },

    #[error(
        "{url} answered {content_type}, not JSON; is api_url the REST API root (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise)?"
    )]
    NotJson { url: String, content_type: String },

    #[error("the answer to {url} is not the JSON GitHub sends: at `{path}`: {why}")]
    Malformed {
        url: String,
        path: String,
        why: String,
    },

    #[error("304 Not Modified for {url}, which was asked without an ETag")]
    UnexpectedNotModified { url: String },

    #[error("cannot reach {url}: {why}")]
    Unreachable { url: String, why: String },

    #[error("{0}")]
    Config(String),

    #[error("cannot write the cache {}: {why}", .path.display())]
    Cache { path: PathBuf, why: String },
}

/// "in 2 h 5 min", "in 40 s": how far off a wait is.
fn humanize(wait: Duration) -> String {
    let secs = wait.as_secs();
    if secs >= 3600 {
        format!("in {} h {} min", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("in {} min {} s", secs / 60, secs % 60)
    } else {
        format!("in {secs} s")
    }
}
