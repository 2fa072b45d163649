//! `pull` against the in-process server: what lands in the cache, what is
//! sent, and what happens when the server is slow to allow, refuses, lies
//! or dies.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Response;
use serde_json::Value;
use vpm_github::{ApiUrl, Client, Error, Limits, RepoRef, Token};

use crate::server::{self, Ctx, Seen, Server, json, rocket};

const CACHE: &str = ".vpm/sources/github/acme/rocket";

fn client(server: &Server, limits: Limits) -> Client {
    Client::new(
        ApiUrl::parse(&server.api).unwrap(),
        Some(Token::new("ghp_test_secret")),
        limits,
    )
    .unwrap()
}

fn rocket_repo() -> RepoRef {
    RepoRef::parse("acme/rocket").unwrap()
}

fn read_json(root: &Path, file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(root.join(CACHE).join(file)).unwrap()).unwrap()
}

/// Every file of the cache directory and its bytes.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let dir = root.join(CACHE);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_pull_writes_the_trimmed_cache_the_curator_reads() {
    let server = Server::start(rocket(HashMap::new())).await;
    let root = tempfile::tempdir().unwrap();
    let report = vpm_github::pull(
        &client(&server, Limits::default()),
        &rocket_repo(),
        root.path(),
    )
    .await
    .unwrap();

    assert_eq!(report.issues, 6);
    assert_eq!(report.pull_requests, 1);
    assert_eq!(report.milestones.len(), 2);
    assert_eq!(report.blocked_issues, Some(2));
    assert_eq!(report.parent_issues, Some(1));
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    // Issues of both pages, in order, each with exactly the seam's fields.
    let issues = read_json(root.path(), "issues.json");
    let issues = issues.as_array().unwrap();
    let numbers: Vec<u64> = issues
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [7, 6, 5, 4, 3, 2, 1]);
    let mut keys: Vec<&str> = issues[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "assignees",
            "body",
            "closed_at",
            "created_at",
            "html_url",
            "labels",
            "milestone",
            "number",
            "state",
            "state_reason",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(
        issues[0]["labels"],
        serde_json::json!([{"name": "priority/high"}, {"name": "size/M"}])
    );
    assert_eq!(
        issues[0]["assignees"],
        serde_json::json!([{"login": "grace"}])
    );
    assert_eq!(
        issues[0]["milestone"],
        serde_json::json!({"number": 1, "title": "Beta launch"})
    );
    assert_eq!(
        issues[0]["body"],
        "Depends on #5.\r\n\r\n- [ ] copy\n- [x] form"
    );
    assert_eq!(issues[1]["pull_request"], serde_json::json!({}));
    assert!(issues[0].get("pull_request").is_none());
    assert_eq!(issues[5]["closed_at"], "2026-11-02T17:30:00Z");
    assert_eq!(issues[5]["state_reason"], "completed");

    let milestones = read_json(root.path(), "milestones.json");
    assert_eq!(
        milestones[0],
        serde_json::json!({
            "number": 1, "title": "Beta launch",
            "description": "Ten pilot teams use it weekly.\nアクセス可能な β 版。",
            "state": "open", "due_on": "2026-12-31T08:00:00Z",
            "html_url": "https://github.com/acme/rocket/milestone/1", "closed_at": null
        })
    );
    assert_eq!(
        read_json(root.path(), "dependencies.json"),
        serde_json::json!({"4": [3, 2], "7": [5]})
    );
    assert_eq!(
        read_json(root.path(), "sub_issues.json"),
        serde_json::json!({"5": [3, 2]})
    );

    let pull = read_json(root.path(), "pull.json");
    assert_eq!(pull["api_url"], server.api.as_str());
    assert_eq!(pull["requests"], 6);
    assert_eq!(pull["etags"].as_object().unwrap().len(), 6);
    assert!(chrono::DateTime::parse_from_rfc3339(pull["fetched_at"].as_str().unwrap()).is_ok());

    // Only issues whose summaries count some were asked about.
    let targets = server.targets();
    assert_eq!(targets.len(), 6, "{targets:#?}");
    assert!(
        !targets.iter().any(|t| t.contains("issues/3/")),
        "{targets:#?}"
    );
    assert!(
        !targets.iter().any(|t| t.contains("issues/6/")),
        "a pull request was asked about"
    );

    // The headers GitHub asks for, and the token in the form it accepts.
    for seen in server.requests() {
        let header = |name: &str| {
            seen.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        assert_eq!(header("accept"), "application/vnd.github+json");
        assert_eq!(header("x-github-api-version"), "2022-11-28");
        assert!(
            header("user-agent").starts_with("vpm/"),
            "{}",
            header("user-agent")
        );
        assert_eq!(header("authorization"), "token ghp_test_secret");
        assert_eq!(header("if-none-match"), "");
    }
}

#[tokio::test]
async fn a_second_pull_asks_conditionally_and_reuses_unchanged_pages() {
    let mut overrides = HashMap::new();
    let server = Server::start(rocket(overrides.clone())).await;
    let root = tempfile::tempdir().unwrap();
    let c = client(&server, Limits::default());
    vpm_github::pull(&c, &rocket_repo(), root.path())
        .await
        .unwrap();
    let first = snapshot(root.path());

    let report = vpm_github::pull(&c, &rocket_repo(), root.path())
        .await
        .unwrap();
    // Three listing pages: all 304. The issues came from 304 pages, so
    // their dependencies and sub-issues were not asked again.
    assert_eq!(report.usage.requests, 3);
    assert_eq!(report.usage.not_modified, 3);
    let second = snapshot(root.path());
    for file in [
        "issues.json",
        "milestones.json",
        "dependencies.json",
        "sub_issues.json",
    ] {
        assert_eq!(first[file], second[file], "{file} changed on a 304");
    }
    let conditional: Vec<Seen> = server.requests().into_iter().skip(6).collect();
    assert!(
        conditional
            .iter()
            .all(|s| s.headers.contains_key("if-none-match"))
    );

    // Page 2 changes (issue 4 loses its blocker list in the new version):
    // page 1 is still answered from the cache, page 2 is read fresh, and
    // the fresh issues' dependencies are asked for again.
    overrides.insert(
        "repos/acme/rocket/issues?state=all&per_page=100&page=2".to_owned(),
        ("issues-page2.json".to_owned(), 2),
    );
    let server2 = Server::start(rocket(overrides)).await;
    let moved = tempfile::tempdir().unwrap();
    // The same cache, served by a server at another address: the ETags
    // stay valid only for the same api_url, so copy the cache and point
    // pull.json at the new server.
    copy_cache(root.path(), moved.path(), &server.api, &server2.api);
    let report = vpm_github::pull(
        &client(&server2, Limits::default()),
        &rocket_repo(),
        moved.path(),
    )
    .await
    .unwrap();
    // Page 1, the milestones and issue 4's unchanged blockers: 304s.
    assert_eq!(report.usage.not_modified, 3, "{:?}", server2.targets());
    assert!(
        server2.targets().contains(
            &"repos/acme/rocket/issues/4/dependencies/blocked_by?per_page=100".to_owned()
        )
    );
    assert!(
        !server2.targets().iter().any(|t| t.contains("issues/7/")),
        "{:?}",
        server2.targets()
    );
    assert_eq!(
        read_json(moved.path(), "dependencies.json"),
        serde_json::json!({"4": [3, 2], "7": [5]})
    );
    assert_eq!(
        read_json(moved.path(), "issues.json"),
        read_json(root.path(), "issues.json")
    );
}

/// Copies `from`'s cache to `to`, rewriting the API root in pull.json.
fn copy_cache(from: &Path, to: &Path, old_api: &str, new_api: &str) {
    let dir = to.join(CACHE);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in snapshot(from) {
        let bytes = if name == "pull.json" {
            String::from_utf8(bytes)
                .unwrap()
                .replace(old_api, new_api)
                .into_bytes()
        } else {
            bytes
        };
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[tokio::test]
async fn an_interrupted_pull_leaves_the_previous_cache_byte_for_byte() {
    let server = Server::start(rocket(HashMap::new())).await;
    let root = tempfile::tempdir().unwrap();
    vpm_github::pull(
        &client(&server, Limits::default()),
        &rocket_repo(),
        root.path(),
    )
    .await
    .unwrap();
    let before = snapshot(root.path());

    // A server that serves two fresh pages, each linking to a next one,
    // then dies half way through the third: the body breaks off.
    let dying = Server::start(Arc::new(|seen: &Seen, ctx: &Ctx| {
        let page: u32 = seen
            .target
            .rsplit_once("&page=")
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(1);
        if page >= 3 {
            let parts: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
                Ok(bytes::Bytes::from_static(b"[{\"number\": 1")),
                Err(std::io::Error::other("the server died")),
            ];
            return Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_stream(futures_util::stream::iter(parts)))
                .unwrap();
        }
        json(
            200,
            server::fixture("issues-page1.json"),
            &[
                ("etag", format!("\"fresh-{page}\"")),
                (
                    "link",
                    format!(
                        "<{}/repos/acme/rocket/issues?state=all&per_page=100&page={}>; rel=\"next\"",
                        ctx.api,
                        page + 1
                    ),
                ),
            ],
        )
    }))
    .await;
    copy_cache(root.path(), root.path(), &server.api, &dying.api);
    // pull.json now names the dying server; everything else as before.
    let mut before = before;
    before.insert(
        "pull.json".to_owned(),
        std::fs::read(root.path().join(CACHE).join("pull.json")).unwrap(),
    );
    let err = vpm_github::pull(
        &client(&dying, Limits::default()),
        &rocket_repo(),
        root.path(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    assert_eq!(dying.targets().len(), 3, "{:?}", dying.targets());
    assert_eq!(snapshot(root.path()), before, "the previous cache changed");
    // No staging directory is left beside the cache.
    let siblings: Vec<String> = std::fs::read_dir(root.path().join(".vpm/sources/github/acme"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(siblings, ["rocket"]);
}

fn rate_limited_once(status: u16, headers: Vec<(&'static str, String)>) -> server::Respond {
    let inner = rocket(HashMap::new());
    Arc::new(move |seen: &Seen, ctx: &Ctx| {
        if ctx.times_before == 0
            && seen.target.starts_with("repos/acme/rocket/issues?")
            && !seen.target.contains("page=2")
        {
            return json(
                status,
                r#"{"message":"API rate limit exceeded for 127.0.0.1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}"#,
                &headers,
            );
        }
        inner(seen, ctx)
    })
}

#[tokio::test]
async fn a_short_rate_limit_is_waited_out() {
    let reset = chrono::Utc::now().timestamp() + 1;
    let server = Server::start(rate_limited_once(
        403,
        vec![
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset", reset.to_string()),
        ],
    ))
    .await;
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = vpm_github::pull(
        &client(&server, Limits::default()),
        &rocket_repo(),
        root.path(),
    )
    .await
    .unwrap();
    assert!(
        report.usage.waited >= Duration::from_millis(900),
        "{:?}",
        report.usage.waited
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(report.issues, 6);

    // A secondary limit: 429 with retry-after.
    let server = Server::start(rate_limited_once(
        429,
        vec![("retry-after", "1".to_owned())],
    ))
    .await;
    let root = tempfile::tempdir().unwrap();
    let report = vpm_github::pull(
        &client(&server, Limits::default()),
        &rocket_repo(),
        root.path(),
    )
    .await
    .unwrap();
    assert!(report.usage.waited >= Duration::from_secs(1));
    assert_eq!(report.usage.requests, 7);
}

#[tokio::test]
async fn a_long_rate_limit_stops_and_says_when_to_retry() {
    let reset = chrono::Utc::now().timestamp() + 3600;
    let server = Server::start(rate_limited_once(
        403,
        vec![
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset", reset.to_string()),
        ],
    ))
    .await;
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let err = vpm_github::pull(
        &client(&server, Limits::default()),
        &rocket_repo(),
        root.path(),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "it waited");
    let Error::RateLimited { retry_at, .. } = &err else {
        panic!("not a rate limit: {err}");
    };
    assert!(
        (retry_at.timestamp() - reset).abs() <= 2,
        "{retry_at} vs {reset}"
    );
    let message = err.to_string();
    assert!(
        message.contains("retry then") && message.contains("in 1 h"),
        "{message}"
    );
    assert!(!root.path().join(CACHE).exists(), "a cache was written");
}

#[tokio::test]
async fn a_bad_token_and_an_unknown_repository_say_what_to_do() {
    let server = Server::start(Arc::new(|seen: &Seen, _: &Ctx| {
        if seen.target.starts_with("repos/acme/") {
            json(401, r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}"#, &[])
        } else {
            json(404, r#"{"message":"Not Found"}"#, &[])
        }
    }))
    .await;
    let root = tempfile::tempdir().unwrap();
    let c = client(&server, Limits::default());
    let err = vpm_github::pull(&c, &rocket_repo(), root.path())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Unauthorized { .. }), "{message}");
    assert!(message.contains("Bad credentials"), "{message}");
    assert!(
        message.contains("GITHUB_TOKEN") && message.contains("gh auth login"),
        "{message}"
    );
    assert!(
        !message.contains("ghp_test_secret"),
        "the token was printed: {message}"
    );

    let err = vpm_github::pull(&c, &RepoRef::parse("nobody/nothing").unwrap(), root.path())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::NotFound { .. }), "{message}");
    assert!(message.contains("repos/nobody/nothing/issues"), "{message}");
    assert!(message.contains("owner/repo in project.yaml"), "{message}");
}

#[tokio::test]
async fn hostile_answers_end_in_clear_errors() {
    // An endless body with no Content-Length; one that announces 10 GB;
    // an HTML page with 200; JSON of the wrong shape; a Link loop; a Link
    // to another host.
    let server = Server::start(Arc::new(|seen: &Seen, ctx: &Ctx| {
        let target = seen.target.as_str();
        if target.starts_with("repos/endless/") {
            let chunk = bytes::Bytes::from(vec![b'['; 64 * 1024]);
            let stream =
                futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            return Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap();
        }
        if target.starts_with("repos/huge/") {
            return Response::builder()
                .header("content-type", "application/json")
                .header("content-length", "10000000000")
                .body(Body::from("[]"))
                .unwrap();
        }
        if target.starts_with("repos/html/") {
            return Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .body(Body::from("<!DOCTYPE html><title>Sign in</title>"))
                .unwrap();
        }
        if target.starts_with("repos/shape/") {
            return json(200, r#"{"message":"this is an object, not a list"}"#, &[]);
        }
        if target.starts_with("repos/badissue/") {
            return json(200, r#"[{"number":"seven","title":"x"}]"#, &[]);
        }
        if target.starts_with("repos/loop/") {
            let back = if target.contains("page=2") {
                "repos/loop/r/issues?state=all&per_page=100"
            } else {
                "repos/loop/r/issues?state=all&per_page=100&page=2"
            };
            return json(
                200,
                "[]",
                &[("link", format!("<{}/{back}>; rel=\"next\"", ctx.api))],
            );
        }
        if target.starts_with("repos/foreign/") {
            return json(
                200,
                "[]",
                &[(
                    "link",
                    "<https://collector.example.net/steal?page=2>; rel=\"next\"".to_owned(),
                )],
            );
        }
        if target.starts_with("repos/pages/") {
            let page: u32 = target
                .rsplit_once("&page=")
                .and_then(|(_, n)| n.parse().ok())
                .unwrap_or(1);
            return json(
                200,
                "[]",
                &[(
                    "link",
                    format!(
                        "<{}/repos/pages/r/issues?state=all&per_page=100&page={}>; rel=\"next\"",
                        ctx.api,
                        page + 1
                    ),
                )],
            );
        }
        json(404, "{}", &[])
    }))
    .await;
    let limits = Limits {
        max_page_bytes: 1024 * 1024,
        max_pages: 5,
        ..Limits::default()
    };
    let c = client(&server, limits);
    let root = tempfile::tempdir().unwrap();
    let pull = |owner: &'static str| {
        let c = c.clone();
        let root = root.path().to_owned();
        async move {
            let started = Instant::now();
            let err = vpm_github::pull(&c, &RepoRef::new(owner, "r").unwrap(), &root)
                .await
                .unwrap_err();
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{owner} took {:?}",
                started.elapsed()
            );
            err
        }
    };
    let err = pull("endless").await;
    assert!(
        matches!(err, Error::TooLarge { limit: 1048576, .. }),
        "{err}"
    );
    let err = pull("huge").await;
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    let err = pull("html").await;
    assert!(matches!(err, Error::NotJson { .. }), "{err}");
    assert!(
        err.to_string().contains("text/html") && err.to_string().contains("api/v3"),
        "{err}"
    );
    let err = pull("shape").await;
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
    let err = pull("badissue").await;
    let Error::Malformed { path, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(path, "[0].number");
    let err = pull("loop").await;
    assert!(matches!(err, Error::LinkLoop { .. }), "{err}");
    let err = pull("foreign").await;
    assert!(matches!(err, Error::ForeignLink { .. }), "{err}");
    let err = pull("pages").await;
    assert!(matches!(err, Error::TooManyPages { limit: 5, .. }), "{err}");
    assert_eq!(
        server
            .targets()
            .iter()
            .filter(|t| t.starts_with("repos/pages/"))
            .count(),
        5
    );
    // Nothing was cached for any of them.
    assert!(!root.path().join(".vpm").exists());
}

#[tokio::test]
async fn without_a_dependencies_api_the_file_is_left_out_once() {
    // Issues without summaries (an older GitHub Enterprise): each open
    // issue would be asked, but the first 404 ends it.
    let server = Server::start(Arc::new(|seen: &Seen, _: &Ctx| {
        match seen.target.as_str() {
            "repos/old/ghe/issues?state=all&per_page=100" => json(
                200,
                r#"[{"number":2,"title":"b","state":"open","html_url":"https://ghe/old/ghe/issues/2","labels":[],"assignees":[],"milestone":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","closed_at":null,"body":null},
                    {"number":1,"title":"a","state":"open","html_url":"https://ghe/old/ghe/issues/1","labels":[],"assignees":[],"milestone":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","closed_at":null,"body":null}]"#,
                &[],
            ),
            "repos/old/ghe/milestones?state=all&per_page=100" => json(200, "[]", &[]),
            _ => json(404, r#"{"message":"Not Found"}"#, &[]),
        }
    }))
    .await;
    let root = tempfile::tempdir().unwrap();
    let report = vpm_github::pull(
        &client(&server, Limits::default()),
        &RepoRef::parse("old/ghe").unwrap(),
        root.path(),
    )
    .await
    .unwrap();
    assert_eq!(report.blocked_issues, None);
    assert_eq!(report.parent_issues, None);
    assert_eq!(report.notes.len(), 2, "{:?}", report.notes);
    assert!(
        report.notes[0].starts_with("dependencies.json left out: GitHub answered 404"),
        "{:?}",
        report.notes
    );
    let dir = root.path().join(".vpm/sources/github/old/ghe");
    assert!(dir.join("issues.json").exists());
    assert!(!dir.join("dependencies.json").exists());
    assert!(!dir.join("sub_issues.json").exists());
    // One request per API, not one per issue.
    let targets = server.targets();
    assert_eq!(
        targets
            .iter()
            .filter(|t| t.contains("/dependencies/"))
            .count(),
        1,
        "{targets:?}"
    );
    assert_eq!(
        targets.iter().filter(|t| t.contains("/sub_issues")).count(),
        1,
        "{targets:?}"
    );
}

#[tokio::test]
async fn the_repository_for_init() {
    let server = Server::start(rocket(HashMap::new())).await;
    let repo = vpm_github::repository(&client(&server, Limits::default()), &rocket_repo())
        .await
        .unwrap();
    assert_eq!(repo.full_name, "acme/rocket");
    assert_eq!(
        repo.description.as_deref(),
        Some("A rocket for small teams")
    );
}
