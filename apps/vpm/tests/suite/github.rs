//! `vpm init --github`, `vpm pull` and `vpm snapshot` on the cache, run as
//! a user runs them, against a real HTTP server in the test process that
//! serves crates/github's fixtures (GitHub's response shapes for a made-up
//! `acme/rocket`) under an Enterprise-style root `/api/v3`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use axum::body::Body;
use axum::http::{Request, Response};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/github/tests/fixtures")
}

/// Serves the fixtures with ETags, 304s and the issues' Link header on a
/// thread of its own; returns the API root.
fn serve_rocket() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let api = format!("http://{}/api/v3", listener.local_addr().unwrap());
    let link_base = api.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let app = axum::Router::new().fallback(move |request: Request<Body>| {
                let link_base = link_base.clone();
                async move {
                    let target = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
                    let route = match target.as_str() {
                        "/api/v3/repos/acme/rocket" => Some(("repository.json", None)),
                        "/api/v3/repos/acme/rocket/issues?state=all&per_page=100" => Some((
                            "issues-page1.json",
                            Some("/repos/acme/rocket/issues?state=all&per_page=100&page=2"),
                        )),
                        "/api/v3/repos/acme/rocket/issues?state=all&per_page=100&page=2" => Some(("issues-page2.json", None)),
                        "/api/v3/repos/acme/rocket/milestones?state=all&per_page=100" => Some(("milestones.json", None)),
                        "/api/v3/repos/acme/rocket/issues/7/dependencies/blocked_by?per_page=100" => Some(("blocked_by-7.json", None)),
                        "/api/v3/repos/acme/rocket/issues/4/dependencies/blocked_by?per_page=100" => Some(("blocked_by-4.json", None)),
                        "/api/v3/repos/acme/rocket/issues/5/sub_issues?per_page=100" => Some(("sub_issues-5.json", None)),
                        _ => None,
                    };
                    let Some((file, next)) = route else {
                        return Response::builder().status(404).header("content-type", "application/json")
                            .body(Body::from(r#"{"message":"Not Found"}"#)).unwrap();
                    };
                    let etag = format!("\"{file}\"");
                    if request.headers().get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                        return Response::builder().status(304).header("etag", etag).body(Body::empty()).unwrap();
                    }
                    let mut response = Response::builder()
                        .header("content-type", "application/json; charset=utf-8")
                        .header("etag", etag);
                    if let Some(next) = next {
                        response = response.header("link", format!("<{link_base}{next}>; rel=\"next\""));
                    }
                    response.body(Body::from(std::fs::read(fixtures().join(file)).unwrap())).unwrap()
                }
            });
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    api
}

fn vpm(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vpm"))
        .args(args)
        .current_dir(cwd)
        .env("GITHUB_TOKEN", "ghp_cli_test_secret")
        .env_remove("GH_TOKEN")
        .env("HOME", cwd)
        .env_remove("GH_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_pull_and_snapshot_a_github_repository() {
    let api = serve_rocket();
    let work = tempfile::tempdir().unwrap();
    let out = vpm(
        work.path(),
        &[
            "init",
            "rocket",
            "--github",
            "acme/rocket",
            "--api-url",
            &api,
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("github acme/rocket: 6 issues, 1 pull requests, 2 milestones"),
        "{stdout}"
    );
    assert!(
        stderr.contains("using the token from GITHUB_TOKEN"),
        "{stderr}"
    );
    assert!(!stdout.contains("ghp_cli_test_secret") && !stderr.contains("ghp_cli_test_secret"));
    let project = std::fs::read_to_string(work.path().join("rocket/project.yaml")).unwrap();
    // The open milestone is a goal; the closed one is not.
    assert!(
        project.contains(
            "  - id: GH-M1\n    title: \"Beta launch\"\n    horizon: short\n    due: 2026-12-31\n"
        ),
        "{project}"
    );
    assert!(!project.contains("GH-M2"), "{project}");
    assert!(project.contains("  - github: acme/rocket\n"), "{project}");
    assert!(work.path().join("rocket/state.md").exists());
    assert!(
        work.path()
            .join("rocket/.vpm/sources/github/acme/rocket/issues.json")
            .exists()
    );

    // A second init refuses and leaves the files alone.
    std::fs::write(
        work.path().join("rocket/state.md"),
        "# Where we are\n\nSignup page half done.\n",
    )
    .unwrap();
    let out = vpm(
        work.path(),
        &[
            "init",
            "rocket",
            "--github",
            "acme/rocket",
            "--api-url",
            &api,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("already has project.yaml, state.md"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("rocket/project.yaml")).unwrap(),
        project
    );

    // A pull asks conditionally: the three listing pages are unchanged.
    let out = vpm(work.path(), &["pull", "rocket"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("3 requests (3 unchanged, answered from the cache)"),
        "{}",
        text(&out.stdout)
    );

    // The snapshot runs from the cache: the issues are its tasks.
    let out = vpm(
        work.path(),
        &[
            "snapshot",
            "rocket",
            "--embedded",
            "--as-of",
            "2026-12-03",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("GH-M1"), "{}", text(&out.stdout));
}

#[test]
fn pull_exit_codes_name_the_source() {
    let api = serve_rocket();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("p");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("project.yaml"),
        format!(
            "id: p\nname: P\ngoals: []\nsources:\n  - github: acme/missing\n    api_url: {api}\n"
        ),
    )
    .unwrap();
    let out = vpm(work.path(), &["pull", "p"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("github acme/missing:") && stderr.contains("404"),
        "{stderr}"
    );
    assert!(stderr.contains("previous cache"), "{stderr}");
    assert!(!dir.join(".vpm/sources/github/acme/missing").exists());

    // A source the sources framework refuses: exit 1, the line named.
    std::fs::write(
        dir.join("project.yaml"),
        "id: p\nname: P\ngoals: []\nsources:\n  - github: not-a-repo\n",
    )
    .unwrap();
    let out = vpm(work.path(), &["pull", "p"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("project.yaml:5"),
        "{}",
        text(&out.stderr)
    );

    // No live source: nothing to do, exit 0.
    std::fs::write(dir.join("project.yaml"), "id: p\nname: P\ngoals: []\n").unwrap();
    let out = vpm(work.path(), &["pull", "p"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("nothing to pull"),
        "{}",
        text(&out.stdout)
    );
}
