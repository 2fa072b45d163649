//! A cell's own routes and the runtime's share one router: an in-process
//! cell with a pipeline step, bound on port 0, served for real over TCP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde::{Deserialize, Serialize};
use vpm_cell::events::{EventStep, StepOutput};
use vpm_cell::utoipa_axum::router::OpenApiRouter;
use vpm_cell::{Cell, CellApp, CellContext, RuntimeConfig, Shutdown};

#[derive(Deserialize)]
struct Question {
    text: String,
}

#[derive(Serialize)]
struct Answer {
    words: usize,
}

struct Counter;

impl Cell for Counter {
    const NAME: &'static str = "counter";
    const DEFAULT_PORT: u16 = 0;
    const SUMMARY: &'static str = "Counts words.";

    async fn build(self, _ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        let step = EventStep::new(
            "dev.test.question.v1",
            "dev.test.answer.v1",
            |q: Question, _| async move {
                Ok(StepOutput {
                    data: Answer {
                        words: q.text.split_whitespace().count(),
                    },
                    subject: None,
                })
            },
        );
        Ok(CellApp::new(OpenApiRouter::new()).with_events(step))
    }
}

#[tokio::test]
async fn get_describes_and_post_runs_the_pipeline_step_on_the_same_path() {
    let mut config = RuntimeConfig::defaults(0);
    config.host = [127, 0, 0, 1].into();
    let bound = vpm_cell::bind(Counter, config).await.unwrap();
    let base = format!("http://{}", bound.local_addr());
    let (trigger, shutdown) = Shutdown::manual();
    let server = tokio::spawn(bound.serve(shutdown));
    let client = vpm_testkit::async_client();

    let description: serde_json::Value = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(description["consumes"], "dev.test.question.v1");
    assert_eq!(description["produces"], "dev.test.answer.v1");

    let r = client
        .post(format!("{base}/"))
        .header("ce-specversion", "1.0")
        .header("ce-id", "1")
        .header("ce-source", "/tests")
        .header("ce-type", "dev.test.question.v1")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .header("content-type", "application/json")
        .body(r#"{"text":"where are we now"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["ce-type"], "dev.test.answer.v1");
    assert_eq!(r.headers()["ce-source"], "/vpm/counter");
    let tp = r.headers()["ce-traceparent"].to_str().unwrap().to_owned();
    assert!(
        tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{tp}"
    );
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["words"], 4);

    let doc: serde_json::Value = client
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/"]["get"].is_object() && doc["paths"]["/"]["post"].is_object());
    assert!(
        doc["paths"]["/"]["post"]["responses"]["503"].is_object(),
        "POST / is behind admission control"
    );

    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"hello_ai_requests_total{route="/",method="POST",code="200"} 1"#),
        "{text}"
    );

    trigger.trigger();
    server.await.unwrap().unwrap();
}
