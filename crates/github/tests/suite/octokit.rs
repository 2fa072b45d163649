//! The client against `@octokit/fixtures-server`: GitHub API responses
//! recorded from the real api.github.com (headers, `Link` pagination,
//! ETags and all), replayed by the server scripts/suites/43-github.sh
//! starts. Ignored by a plain `cargo nextest run`; the suite runs them with
//! `--run-ignored only` and `OCTOKIT_FIXTURES_URL` set, and a missing
//! server fails them rather than skipping them.
//!
//! The recordings were made with `Accept: application/vnd.github.v3+json`
//! and `Authorization: token 0000000000000000000000000000000000000001`,
//! and the server only answers requests that send exactly those.

use url::Url;
use vpm_github::model::{Issue, Label, Repository};
use vpm_github::{ApiUrl, Client, Limits, Token, Usage};

const RECORDED_TOKEN: &str = "0000000000000000000000000000000000000001";

/// Loads `scenario` on the fixtures server and returns a client whose API
/// root is the scenario's URL (standing for https://api.github.com).
async fn scenario(name: &str) -> Client {
    let server = std::env::var("OCTOKIT_FIXTURES_URL").expect(
        "OCTOKIT_FIXTURES_URL is not set: run scripts/suites/43-github.sh, which starts @octokit/fixtures-server",
    );
    // The TLS provider vpm installs (reqwest is built without one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{server}/fixtures"))
        .json(&serde_json::json!({ "scenario": name }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("the fixtures server at {server} does not answer: {e}"))
        .json()
        .await
        .unwrap();
    let url = answer["url"]
        .as_str()
        .unwrap_or_else(|| panic!("no url in {answer}"));
    Client::new(
        ApiUrl::parse(url).unwrap(),
        Some(Token::new(RECORDED_TOKEN)),
        Limits::default(),
    )
    .unwrap()
    .with_accept("application/vnd.github.v3+json")
}

fn join(client: &Client, path: &str) -> Url {
    client.api().join(path).unwrap()
}

#[tokio::test]
#[ignore = "needs @octokit/fixtures-server: scripts/suites/43-github.sh"]
async fn recorded_issue_pages_are_followed_by_their_link_headers() {
    let client = scenario("paginate-issues").await;
    let mut usage = Usage::default();
    let issues: Vec<Issue> = vpm_github::pull::listing_pages(
        &client,
        join(
            &client,
            "repos/octokit-fixture-org/paginate-issues/issues?per_page=3",
        ),
        &mut usage,
    )
    .await
    .unwrap();
    // Five recorded pages of three issues; the last page holds one.
    assert_eq!(usage.requests, 5);
    let numbers: Vec<u64> = issues.iter().map(|i| i.number).collect();
    assert_eq!(numbers, (1..=13).rev().collect::<Vec<u64>>());
    assert!(
        issues
            .iter()
            .all(|i| i.state == "open" && !i.is_pull_request())
    );
    assert_eq!(issues[0].title, "Test issue 13");
    // The server rewrites every recorded URL to point at itself.
    assert!(
        issues[0]
            .html_url
            .ends_with("/octokit-fixture-org/paginate-issues/issues/13"),
        "{}",
        issues[0].html_url
    );
}

#[tokio::test]
#[ignore = "needs @octokit/fixtures-server: scripts/suites/43-github.sh"]
async fn a_recorded_repository_decodes() {
    let client = scenario("get-repository").await;
    let repo: Repository = vpm_github::repository(
        &client,
        &vpm_github::RepoRef::parse("octokit-fixture-org/hello-world").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(repo.full_name, "octokit-fixture-org/hello-world");
    assert_eq!(repo.name, "hello-world");
}

#[tokio::test]
#[ignore = "needs @octokit/fixtures-server: scripts/suites/43-github.sh"]
async fn recorded_labels_decode() {
    let client = scenario("labels").await;
    let mut usage = Usage::default();
    let labels: Vec<Label> = vpm_github::pull::listing_pages(
        &client,
        join(&client, "repos/octokit-fixture-org/labels/labels"),
        &mut usage,
    )
    .await
    .unwrap();
    assert_eq!(usage.requests, 1);
    assert!(labels.iter().any(|l| l.name == "bug"), "{labels:?}");
}

#[tokio::test]
#[ignore = "needs @octokit/fixtures-server: scripts/suites/43-github.sh"]
async fn a_request_the_recording_does_not_hold_is_a_clear_error() {
    // The fixtures server answers 404 to a request its scenario did not
    // record, as GitHub answers an unknown repository.
    let client = scenario("get-repository").await;
    let err = vpm_github::repository(
        &client,
        &vpm_github::RepoRef::parse("octokit-fixture-org/no-such-repo").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, vpm_github::Error::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("check owner/repo"), "{err}");
}
