//! One repository pulled into its cache: every issue and pull request,
//! every milestone, and — where GitHub has them — each issue's "blocked by"
//! dependencies and sub-issues.
//!
//! A page whose previous ETag still holds (`304 Not Modified`) is answered
//! from the previous cache, which records which slice of which file each
//! request URL became. An issue that came from such a page has not changed,
//! so its dependencies and sub-issues are taken from the previous cache too
//! instead of being asked for again.
//!
//! Nothing is written until everything has been fetched; then the cache is
//! replaced as a whole ([`crate::cache::replace`]).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::de::DeserializeOwned;
use url::Url;

use crate::cache::{self, PageRecord, Previous, PullRecord};
use crate::client::{Client, Fetched, Usage};
use crate::model::{Issue, Milestone, Numbered, Repository};
use crate::{Error, RepoRef};

/// What one pull fetched and wrote.
#[derive(Debug, Clone)]
pub struct PullReport {
    pub repo: RepoRef,
    /// The cache directory written.
    pub cache_dir: PathBuf,
    /// Issues, not counting pull requests.
    pub issues: usize,
    pub pull_requests: usize,
    pub milestones: Vec<Milestone>,
    /// Issues with at least one "blocked by" dependency, `None` where
    /// GitHub has no dependencies API (the file is left out).
    pub blocked_issues: Option<usize>,
    /// Issues with at least one sub-issue, `None` where GitHub has no
    /// sub-issues API.
    pub parent_issues: Option<usize>,
    pub usage: Usage,
    pub elapsed: Duration,
    /// Things the person pulling should know, each said once.
    pub notes: Vec<String>,
}

/// The items of one listing, in order, and where each page came from.
struct Listing<T> {
    items: Vec<T>,
    /// Per item: whether it was answered from the previous cache (304).
    reused: Vec<bool>,
    pages: Vec<(String, PageRecord)>,
    etags: Vec<(String, String)>,
}

/// Pulls `repo` into `root`/`.vpm/sources/github/<owner>/<repo>/`.
pub async fn pull(client: &Client, repo: &RepoRef, root: &Path) -> Result<PullReport, Error> {
    let started = Instant::now();
    let cache_dir = root.join(repo.cache_dir());
    let previous = Previous::load(&cache_dir);
    let mut notes = Vec::new();
    if let Some(why) = &previous.unusable {
        notes.push(format!(
            "the previous cache could not be read ({why}); everything was fetched again"
        ));
    }
    if previous
        .record
        .as_ref()
        .is_some_and(|r| r.api_url != client.api().as_written())
    {
        notes.push(
            "the previous cache came from another api_url; its ETags were not used".to_owned(),
        );
    }
    let previous = if previous
        .record
        .as_ref()
        .is_some_and(|r| r.api_url != client.api().as_written())
    {
        Previous::default()
    } else {
        previous
    };
    let mut usage = Usage::default();
    let repo_path = format!("repos/{}/{}", repo.owner(), repo.name());

    let issues_url = client
        .api()
        .join(&format!("{repo_path}/issues?state=all&per_page=100"))?;
    let issues: Listing<Issue> = listing(
        client,
        issues_url,
        &previous,
        cache::ISSUES,
        None,
        &mut usage,
        |page| {
            previous
                .issues
                .get(page.start..page.start + page.count)
                .map(<[Issue]>::to_vec)
        },
    )
    .await?;

    let milestones_url = client
        .api()
        .join(&format!("{repo_path}/milestones?state=all&per_page=100"))?;
    let milestones: Listing<Milestone> = listing(
        client,
        milestones_url,
        &previous,
        cache::MILESTONES,
        None,
        &mut usage,
        |page| {
            previous
                .milestones
                .get(page.start..page.start + page.count)
                .map(<[Milestone]>::to_vec)
        },
    )
    .await?;

    let mut pages: BTreeMap<String, PageRecord> = BTreeMap::new();
    let mut etags: BTreeMap<String, String> = BTreeMap::new();
    for listing_pages in [issues.pages.clone(), milestones.pages.clone()] {
        pages.extend(listing_pages);
    }
    etags.extend(issues.etags.iter().cloned());
    etags.extend(milestones.etags.iter().cloned());

    let dependencies = related(
        client,
        &repo_path,
        &issues,
        &previous,
        Related::Dependencies,
        &mut usage,
        &mut pages,
        &mut etags,
    )
    .await?;
    let sub_issues = related(
        client,
        &repo_path,
        &issues,
        &previous,
        Related::SubIssues,
        &mut usage,
        &mut pages,
        &mut etags,
    )
    .await?;

    let record = PullRecord {
        fetched_at: Utc::now(),
        api_url: client.api().as_written(),
        etags,
        requests: usage.requests,
        pages,
    };
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        (cache::ISSUES, json_file(&issues.items)?),
        (cache::MILESTONES, json_file(&milestones.items)?),
    ];
    let mut blocked_issues = None;
    let mut parent_issues = None;
    match dependencies {
        RelatedOutcome::Lists(lists) => {
            blocked_issues = Some(lists.len());
            files.push((cache::DEPENDENCIES, json_file(&lists)?));
        }
        RelatedOutcome::Unavailable(note) => notes.push(note),
    }
    match sub_issues {
        RelatedOutcome::Lists(lists) => {
            parent_issues = Some(lists.len());
            files.push((cache::SUB_ISSUES, json_file(&lists)?));
        }
        RelatedOutcome::Unavailable(note) => notes.push(note),
    }
    files.push((cache::PULL, json_file(&record)?));
    cache::replace(root, &cache_dir, &files)?;

    let pull_requests = issues.items.iter().filter(|i| i.is_pull_request()).count();
    Ok(PullReport {
        repo: repo.clone(),
        cache_dir,
        issues: issues.items.len() - pull_requests,
        pull_requests,
        milestones: milestones.items,
        blocked_issues,
        parent_issues,
        usage,
        elapsed: started.elapsed(),
        notes,
    })
}

/// `GET /repos/{owner}/{repo}`: the repository's name and description.
pub async fn repository(client: &Client, repo: &RepoRef) -> Result<Repository, Error> {
    let url = client
        .api()
        .join(&format!("repos/{}/{}", repo.owner(), repo.name()))?;
    let mut usage = Usage::default();
    match client.get(&url, None, &mut usage).await? {
        Fetched::Fresh { body, .. } => decode(&url, &body),
        Fetched::NotModified => Err(Error::UnexpectedNotModified {
            url: url.to_string(),
        }),
    }
}

/// Every page of the listing that starts at `first`, following
/// `rel="next"`, each asked conditionally where the previous cache can
/// answer a 304 (`reuse` returns that page's items from it).
pub async fn listing_pages<T: DeserializeOwned>(
    client: &Client,
    first: Url,
    usage: &mut Usage,
) -> Result<Vec<T>, Error> {
    let previous = Previous::default();
    let out = listing(client, first, &previous, "", None, usage, |_| None).await?;
    Ok(out.items)
}

#[allow(clippy::too_many_arguments)]
async fn listing<T: DeserializeOwned>(
    client: &Client,
    first: Url,
    previous: &Previous,
    file: &str,
    key: Option<String>,
    usage: &mut Usage,
    reuse: impl Fn(&PageRecord) -> Option<Vec<T>>,
) -> Result<Listing<T>, Error> {
    let mut out = Listing {
        items: Vec::new(),
        reused: Vec::new(),
        pages: Vec::new(),
        etags: Vec::new(),
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut url = first;
    loop {
        let url_text = url.to_string();
        if seen.len() as u32 >= client.limits().max_pages {
            return Err(Error::TooManyPages {
                url: url_text,
                limit: client.limits().max_pages,
            });
        }
        seen.insert(url_text.clone());
        let cached = previous.page(&url_text);
        let (page_items, etag, next, was_reused) = match client
            .get(&url, cached.map(|(etag, _)| etag), usage)
            .await?
        {
            Fetched::Fresh { body, etag, next } => {
                (decode::<Vec<T>>(&url, &body)?, etag, next, false)
            }
            Fetched::NotModified => {
                let Some((etag, page)) = cached else {
                    return Err(Error::UnexpectedNotModified { url: url_text });
                };
                let items = if page.count == 0 {
                    Vec::new()
                } else {
                    reuse(page).ok_or_else(|| Error::UnexpectedNotModified {
                        url: url_text.clone(),
                    })?
                };
                let next = match &page.next {
                    Some(next) => Some(Url::parse(next).map_err(|e| Error::BadLink {
                        url: url_text.clone(),
                        why: format!("the cached next link does not parse: {e}"),
                    })?),
                    None => None,
                };
                (items, Some(etag.to_owned()), next, true)
            }
        };
        let record = PageRecord {
            file: file.to_owned(),
            key: key.clone(),
            start: out.items.len(),
            count: page_items.len(),
            next: next.as_ref().map(Url::to_string),
        };
        out.reused
            .extend(std::iter::repeat_n(was_reused, page_items.len()));
        out.items.extend(page_items);
        if let Some(etag) = etag {
            out.etags.push((url_text.clone(), etag));
        }
        out.pages.push((url_text.clone(), record));
        match next {
            None => return Ok(out),
            Some(next) => {
                if !client.api().contains(&next) {
                    return Err(Error::ForeignLink {
                        url: url_text,
                        next: next.to_string(),
                        api: client.api().to_string(),
                    });
                }
                if seen.contains(next.as_str()) {
                    return Err(Error::LinkLoop {
                        url: url_text,
                        next: next.to_string(),
                    });
                }
                url = next;
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Related {
    Dependencies,
    SubIssues,
}

enum RelatedOutcome {
    Lists(BTreeMap<u64, Vec<u64>>),
    /// The API is not there; the note says so.
    Unavailable(String),
}

/// The "blocked by" dependencies or the sub-issues of every issue that has
/// any: asked for where the issue's summary counts some (or, where GitHub
/// gives no summary, for every open issue), taken from the previous cache
/// for issues that came from a 304 page. A 404 or 410 means this GitHub
/// has no such API: the listing stops and is left out.
#[allow(clippy::too_many_arguments)]
async fn related(
    client: &Client,
    repo_path: &str,
    issues: &Listing<Issue>,
    previous: &Previous,
    kind: Related,
    usage: &mut Usage,
    pages: &mut BTreeMap<String, PageRecord>,
    etags: &mut BTreeMap<String, String>,
) -> Result<RelatedOutcome, Error> {
    let (file, suffix, previous_lists) = match kind {
        Related::Dependencies => (
            cache::DEPENDENCIES,
            "dependencies/blocked_by",
            previous.dependencies.as_ref(),
        ),
        Related::SubIssues => (
            cache::SUB_ISSUES,
            "sub_issues",
            previous.sub_issues.as_ref(),
        ),
    };
    // The previous pull's requests for each issue, to carry over with the
    // issue's list when the issue itself comes from a 304 page.
    let mut previous_pages: BTreeMap<&str, Vec<(&String, &PageRecord)>> = BTreeMap::new();
    if let Some(record) = &previous.record {
        for (url, page) in &record.pages {
            if page.file == file
                && let Some(key) = &page.key
            {
                previous_pages
                    .entry(key.as_str())
                    .or_default()
                    .push((url, page));
            }
        }
    }
    let mut lists = BTreeMap::new();
    for (issue, &reused) in issues.items.iter().zip(&issues.reused) {
        if issue.is_pull_request() {
            continue;
        }
        if reused {
            if let Some(list) = previous_lists.and_then(|l| l.get(&issue.number)) {
                lists.insert(issue.number, list.clone());
            }
            let key = issue.number.to_string();
            for (url, page) in previous_pages.get(key.as_str()).into_iter().flatten() {
                pages.insert((*url).clone(), (*page).clone());
                if let Some(etag) = previous.record.as_ref().and_then(|r| r.etags.get(*url)) {
                    etags.insert((*url).clone(), etag.clone());
                }
            }
            continue;
        }
        let wanted = match kind {
            Related::Dependencies => issue
                .issue_dependencies_summary
                .map_or(issue.is_open(), |s| s.any()),
            Related::SubIssues => issue
                .sub_issues_summary
                .map_or(issue.is_open(), |s| s.total > 0),
        };
        if !wanted {
            continue;
        }
        let url = client.api().join(&format!(
            "{repo_path}/issues/{}/{suffix}?per_page=100",
            issue.number
        ))?;
        let key = issue.number.to_string();
        let result = listing::<Numbered>(
            client,
            url.clone(),
            previous,
            file,
            Some(key),
            usage,
            |page| {
                previous_lists
                    .and_then(|l| l.get(&issue.number))
                    .and_then(|list| list.get(page.start..page.start + page.count))
                    .map(|numbers| numbers.iter().map(|&number| Numbered { number }).collect())
            },
        )
        .await;
        match result {
            Ok(found) => {
                pages.extend(found.pages);
                etags.extend(found.etags);
                if !found.items.is_empty() {
                    lists.insert(issue.number, found.items.iter().map(|n| n.number).collect());
                }
            }
            Err(Error::NotFound { .. }) => return Ok(unavailable(file, &url, 404)),
            Err(Error::Status { status: 410, .. }) => return Ok(unavailable(file, &url, 410)),
            Err(e) => return Err(e),
        }
    }
    Ok(RelatedOutcome::Lists(lists))
}

fn unavailable(file: &str, url: &Url, status: u16) -> RelatedOutcome {
    RelatedOutcome::Unavailable(format!(
        "{file} left out: GitHub answered {status} to {url}, so this GitHub offers no such API for this repository"
    ))
}

fn decode<T: DeserializeOwned>(url: &Url, body: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Malformed {
        url: url.to_string(),
        path: e.path().to_string(),
        why: e.inner().to_string(),
    })
}

fn json_file<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Cache {
        path: PathBuf::new(),
        why: format!("cannot encode: {e}"),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
