//! `POST /v1/synthesize` against the real `synthesizer` binary.

use crate::support::*;
use serde_json::{Value, json};
use vpm_testkit::reqwest::blocking::Response;
use vpm_testkit::{Proc, client};

fn body(fixture: (vpm_model::CuratedSet, vpm_model::Plan)) -> Value {
    json!({"curated_set": fixture.0, "plan": fixture.1})
}

fn post(cell: &Proc, accept: Option<&str>, body: &Value) -> Response {
    let mut request = client()
        .post(cell.url("/v1/synthesize"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.send().unwrap()
}

fn content_type(response: &Response) -> String {
    response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn json_is_the_default_and_answers_application_json() {
    let cell = Proc::start("synthesizer", &[]);
    let lantern = body(lantern());
    for accept in [
        None,
        Some("*/*"),
        Some("application/json"),
        Some("application/*;q=0.5, text/html;q=0.1"),
    ] {
        let response = post(&cell, accept, &lantern);
        assert_eq!(response.status(), 200, "{accept:?}");
        assert_eq!(content_type(&response), "application/json");
        assert_eq!(response.headers()["vary"], "accept");
        let doc: vpm_model::PmSnapshot = response.json().unwrap();
        assert_eq!(doc.project_id, "lantern");
        assert!(doc.current.summary.chars().count() <= 400);
    }
}

#[test]
fn markdown_and_html_by_accept() {
    let cell = Proc::start("synthesizer", &[]);
    let lantern = body(lantern());
    let markdown = post(&cell, Some("text/markdown"), &lantern);
    assert_eq!(markdown.status(), 200);
    assert!(content_type(&markdown).starts_with("text/markdown; charset=utf-8"));
    let text = markdown.text().unwrap();
    assert!(text.starts_with("# Lantern — PM snapshot as of 2026-05-11\n"));
    assert!(text.contains("\n## Next 3\n"));

    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let html = post(&cell, Some(browser), &lantern);
    assert_eq!(html.status(), 200);
    assert_eq!(content_type(&html), "text/html; charset=utf-8");
    let policy = html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.starts_with("default-src 'none'"));
    assert_eq!(html.headers()["x-content-type-options"], "nosniff");
    let page = html.text().unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg"));
}

#[test]
fn an_accept_the_cell_cannot_satisfy_is_406_in_json() {
    let cell = Proc::start("synthesizer", &[]);
    for accept in [
        "application/pdf",
        "image/png, text/plain",
        "application/json;q=0",
    ] {
        let response = post(&cell, Some(accept), &body(lantern()));
        assert_eq!(response.status(), 406, "{accept}");
        assert!(content_type(&response).starts_with("application/json"));
        let error: Value = response.json().unwrap();
        assert_eq!(error["error"]["code"], "not_acceptable");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("text/markdown")
        );
    }
}

#[test]
fn documents_that_disagree_are_422_with_every_problem() {
    let cell = Proc::start("synthesizer", &[]);
    let (set, mut plan) = lantern();
    plan.project_id = "lighthouse".into();
    plan.next_actions[0].task = "T404".into();
    let response = post(&cell, Some("text/html"), &body((set, plan)));
    assert_eq!(response.status(), 422);
    let error: Value = response.json().unwrap();
    assert_eq!(error["error"]["code"], "inconsistent_input");
    let problems = error["error"]["details"]["problems"].as_array().unwrap();
    let codes: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p["path"].as_str().unwrap()))
        .collect();
    assert!(
        codes.contains(&("project_mismatch", "plan#/project_id")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("unknown_reference", "plan#/next_actions/0/task")),
        "{codes:?}"
    );
    assert!(problems.iter().any(|p| p["value"] == "T404"));
}

#[test]
fn a_body_that_is_not_a_synthesize_request_is_422_naming_the_place() {
    let cell = Proc::start("synthesizer", &[]);
    let mut wrong = body(lantern());
    wrong["plan"]["goals"][1]["status"] = json!("sideways");
    let response = post(&cell, None, &wrong);
    assert_eq!(response.status(), 422);
    let error: Value = response.json().unwrap();
    assert_eq!(error["error"]["code"], "invalid_document");
    let problem = &error["error"]["details"]["problems"][0];
    assert_eq!(problem["path"], "request#/plan/goals/1/status");
    assert!(problem["message"].as_str().unwrap().contains("sideways"));

    let mut other_version = body(lantern());
    other_version["curated_set"]["schema_version"] = json!("curated_set_v9");
    assert_eq!(post(&cell, None, &other_version).status(), 422);
}

#[test]
fn malformed_json_is_400_and_other_media_types_415() {
    let cell = Proc::start("synthesizer", &[]);
    let response = client()
        .post(cell.url("/v1/synthesize"))
        .header("content-type", "application/json")
        .body("{\"curated_set\": ")
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().unwrap();
    assert_eq!(error["error"]["code"], "malformed_json");

    let response = client()
        .post(cell.url("/v1/synthesize"))
        .header("content-type", "text/plain")
        .body(body(lantern()).to_string())
        .send()
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[test]
fn two_calls_differ_only_in_generated_at() {
    let cell = Proc::start("synthesizer", &[]);
    let lantern = body(lantern());
    let mut a: Value = post(&cell, None, &lantern).json().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut b: Value = post(&cell, None, &lantern).json().unwrap();
    assert_ne!(a["generated_at"], b["generated_at"]);
    a["generated_at"] = Value::Null;
    b["generated_at"] = Value::Null;
    assert_eq!(a.to_string(), b.to_string());
}

#[test]
fn summary_quality_is_recorded_as_histograms() {
    let cell = Proc::start("synthesizer", &[]);
    post(&cell, None, &body(lantern()));
    post(&cell, Some("text/markdown"), &body(lantern()));
    let metrics = client()
        .get(cell.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let line = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{metrics}"))
            .to_owned()
    };
    assert_eq!(
        line("vpm_synthesizer_rouge_l_f1_count"),
        "vpm_synthesizer_rouge_l_f1_count 2"
    );
    assert_eq!(
        line("vpm_synthesizer_compression_ratio_count"),
        "vpm_synthesizer_compression_ratio_count 2"
    );
    assert!(metrics.contains("# TYPE vpm_synthesizer_rouge_l_f1 histogram"));
    assert!(line("vpm_synthesizer_rouge_l_f1_bucket{le=\"1\"}").ends_with(" 2"));
}

#[test]
fn the_openapi_document_declares_the_formats_and_errors() {
    let cell = Proc::start("synthesizer", &[]);
    let doc: Value = client()
        .get(cell.url("/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let op = &doc["paths"]["/v1/synthesize"]["post"];
    let ok = op["responses"]["200"]["content"].as_object().unwrap();
    for media in ["application/json", "text/markdown", "text/html"] {
        assert!(ok.contains_key(media), "200 lacks {media}");
    }
    for status in ["400", "406", "413", "415", "422", "500", "503"] {
        assert!(op["responses"].get(status).is_some(), "{status} undeclared");
    }
    assert!(op["requestBody"]["content"]["application/json"].is_object());
}
