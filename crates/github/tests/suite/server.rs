//! A small real HTTP server standing in for GitHub in the tests: it listens
//! on 127.0.0.1:0, logs every request, and answers with what the test's
//! `respond` function says. Its API root has the Enterprise-style prefix
//! `/api/v3`, so every test also checks that the prefix is kept.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query below the API root, e.g.
    /// `repos/acme/rocket/issues?state=all&per_page=100`.
    pub target: String,
    pub headers: HeaderMap,
}

pub type Respond = Arc<dyn Fn(&Seen, &Ctx) -> Response<Body> + Send + Sync>;

/// What a `respond` function may use: the API root (for Link headers) and
/// how many times this target was asked before.
pub struct Ctx {
    pub api: String,
    pub times_before: usize,
}

pub struct Server {
    /// The API root, `http://127.0.0.1:PORT/api/v3`.
    pub api: String,
    log: Arc<Mutex<Vec<Seen>>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn start(respond: Respond) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let api = format!("http://{addr}/api/v3");
        let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (stop, stopped) = oneshot::channel::<()>();
        let app = {
            let log = log.clone();
            let api = api.clone();
            axum::Router::new().fallback(move |request: Request<Body>| {
                let log = log.clone();
                let respond = respond.clone();
                let api = api.clone();
                async move {
                    let target = request
                        .uri()
                        .path_and_query()
                        .map(|pq| pq.as_str().to_owned())
                        .unwrap_or_default();
                    let Some(target) = target.strip_prefix("/api/v3/") else {
                        return Response::builder()
                            .status(StatusCode::NOT_FOUND)
                            .body(Body::from("not under /api/v3"))
                            .expect("response");
                    };
                    let seen = Seen {
                        target: target.to_owned(),
                        headers: request.headers().clone(),
                    };
                    let times_before = {
                        let mut log = log.lock().expect("log");
                        let n = log.iter().filter(|s| s.target == seen.target).count();
                        log.push(seen.clone());
                        n
                    };
                    respond(&seen, &Ctx { api, times_before })
                }
            })
        };
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            api,
            log,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.log.lock().expect("log").clone()
    }

    pub fn targets(&self) -> Vec<String> {
        self.requests().into_iter().map(|s| s.target).collect()
    }

    /// Stops listening: later requests are refused at connect.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

/// A JSON answer with these headers.
pub fn json(status: u16, body: impl Into<Body>, headers: &[(&str, String)]) -> Response<Body> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8");
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    builder.body(body.into()).expect("response")
}

pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `acme/rocket` fixtures as GitHub would serve them, with ETags
/// (`"<file>-v1"`) and 304s for a matching `If-None-Match`. `overrides`
/// replaces a target's file and ETag version.
pub fn rocket(overrides: HashMap<String, (String, u32)>) -> Respond {
    Arc::new(move |seen: &Seen, ctx: &Ctx| {
        let pages: &[(&str, &str, Option<&str>)] = &[
            (
                "repos/acme/rocket/issues?state=all&per_page=100",
                "issues-page1.json",
                Some("repos/acme/rocket/issues?state=all&per_page=100&page=2"),
            ),
            (
                "repos/acme/rocket/issues?state=all&per_page=100&page=2",
                "issues-page2.json",
                None,
            ),
            (
                "repos/acme/rocket/milestones?state=all&per_page=100",
                "milestones.json",
                None,
            ),
            (
                "repos/acme/rocket/issues/7/dependencies/blocked_by?per_page=100",
                "blocked_by-7.json",
                None,
            ),
            (
                "repos/acme/rocket/issues/4/dependencies/blocked_by?per_page=100",
                "blocked_by-4.json",
                None,
            ),
            (
                "repos/acme/rocket/issues/5/sub_issues?per_page=100",
                "sub_issues-5.json",
                None,
            ),
            ("repos/acme/rocket", "repository.json", None),
        ];
        let Some((_, file, next)) = pages.iter().find(|(t, _, _)| *t == seen.target) else {
            return json(
                404,
                r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#,
                &[],
            );
        };
        let (file, version) = overrides
            .get(&seen.target)
            .cloned()
            .unwrap_or(((*file).to_owned(), 1));
        let etag = format!("\"{file}-v{version}\"");
        if seen
            .headers
            .get("if-none-match")
            .is_some_and(|v| v.to_str().ok() == Some(etag.as_str()))
        {
            return Response::builder()
                .status(304)
                .header("etag", etag)
                .body(Body::empty())
                .expect("response");
        }
        let mut headers = vec![("etag", etag)];
        if let Some(next) = next {
            headers.push(("link", format!("<{}/{next}>; rel=\"next\"", ctx.api)));
        }
        json(200, fixture(&file), &headers)
    })
}
