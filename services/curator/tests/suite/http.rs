//! Black-box tests of the real `curator` binary over HTTP.

use crate::support::*;
use serde_json::{Value, json};
use vpm_testkit::{Proc, client};

fn post(proc: &Proc, body: &Value) -> (u16, Value) {
    let response = client()
        .post(proc.url("/v1/curate"))
        .json(body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap())
}

#[test]
fn a_project_folder_becomes_a_curated_set_in_the_callers_trace() {
    let curator = Proc::start("curator", &[]);
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let response = client()
        .post(curator.url("/v1/curate"))
        .header("traceparent", format!("00-{trace_id}-b7ad6b7169203331-01"))
        .json(&lantern_bundle())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().unwrap();
    assert_valid(&validator("curated_set_v1.schema.json"), &body);
    assert_eq!(body["trace_id"], trace_id);
    assert_eq!(body["project_id"], "lantern");
    assert_eq!(body["tasks"].as_array().unwrap().len(), 28);
}

#[test]
fn a_broken_folder_gets_one_422_listing_every_problem() {
    let curator = Proc::start("curator", &[]);
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G9\n    status: finished\n    due: 2026-02-30\n    titel: x\n";
    let decision = "id: D1\ndecision: x\nlinks: [T404]\n";
    let bundle = project_with(&[
        ("tasks.yaml", tasks),
        ("decisions/d1.yaml", decision),
        ("decisions/d2.yml", "id: D2\ndecision: y\n"),
    ]);
    let expected = problems(&bundle);
    let (status, body) = post(&curator, &serde_json::to_value(&bundle).unwrap());
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid_project");
    let listed = body["error"]["details"]["problems"].as_array().unwrap();
    assert_eq!(listed.len(), expected.len());
    assert_eq!(listed.len(), 5);
    for (got, want) in listed.iter().zip(&expected) {
        assert_eq!(got["code"], want.code.as_str());
        assert_eq!(got["path"], want.path.as_str());
        assert_eq!(got["line"], want.line.unwrap());
        assert_eq!(got["value"], want.value.as_deref().unwrap());
        assert!(!got["message"].as_str().unwrap().is_empty());
    }
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("5 problem(s)"), "{message}");
    // Warnings found on the way come along: they often explain a problem.
    let warnings = body["error"]["details"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["code"], "ignored_file");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("decisions/d2.yaml")
    );
}

#[test]
fn over_the_limits_is_a_413_naming_each_limit_file_and_size() {
    let curator = Proc::start(
        "curator",
        &[
            ("VPM_CURATOR_MAX_FILES", "3"),
            ("VPM_CURATOR_MAX_FILE_BYTES", "2000"),
            ("VPM_CURATOR_MAX_BUNDLE_BYTES", "9000"),
        ],
    );
    let bundle = lantern_bundle();
    let tasks_bytes = bundle
        .sources
        .iter()
        .find(|s| s.path == "tasks.yaml")
        .unwrap()
        .content
        .len();
    let (status, body) = post(&curator, &serde_json::to_value(&bundle).unwrap());
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "file_too_large");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("tasks.yaml is {tasks_bytes} bytes; a file may have at most 2000 bytes (VPM_CURATOR_MAX_FILE_BYTES)")),
        "{message}"
    );
    assert!(
        message.contains("the bundle has 9 files; at most 3"),
        "{message}"
    );
    let exceeded = body["error"]["details"]["exceeded"].as_array().unwrap();
    let limits: Vec<&str> = exceeded
        .iter()
        .map(|e| e["env_var"].as_str().unwrap())
        .collect();
    for var in [
        "VPM_CURATOR_MAX_FILE_BYTES",
        "VPM_CURATOR_MAX_FILES",
        "VPM_CURATOR_MAX_BUNDLE_BYTES",
    ] {
        assert!(limits.contains(&var), "{var} missing from {exceeded:?}");
    }
    // A small bundle still passes the same cell.
    let (status, _) = post(&curator, &serde_json::to_value(project_with(&[])).unwrap());
    assert_eq!(status, 200);
}

#[test]
fn a_document_that_is_not_a_bundle_v1_is_named_as_such() {
    let curator = Proc::start("curator", &[]);
    let mut body = serde_json::to_value(project_with(&[])).unwrap();
    body["schema_version"] = "bundle_v2".into();
    let (status, answer) = post(&curator, &body);
    assert_eq!(status, 422);
    assert_eq!(answer["error"]["code"], "unsupported_schema_version");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bundle_v2")
    );

    let (status, answer) = post(
        &curator,
        &json!({"schema_version": "bundle_v1", "project_id": "x"}),
    );
    assert_eq!(status, 422);
    assert_eq!(answer["error"]["code"], "invalid_bundle");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sources")
    );

    let response = client()
        .post(curator.url("/v1/curate"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

#[test]
fn curation_is_counted_in_the_cells_metrics_and_documented() {
    let curator = Proc::start("curator", &[]);
    let (status, _) = post(&curator, &serde_json::to_value(lantern_bundle()).unwrap());
    assert_eq!(status, 200);
    let broken = project_with(&[(
        "tasks.yaml",
        "tasks:\n  - id: T1\n    title: x\n    goal: G1\n    status: nope\n",
    )]);
    let (status, _) = post(&curator, &serde_json::to_value(broken).unwrap());
    assert_eq!(status, 422);
    let metrics = client()
        .get(curator.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for line in [
        "vpm_curator_bundles_total{outcome=\"curated\"} 1",
        "vpm_curator_bundles_total{outcome=\"invalid\"} 1",
        "vpm_curator_facts_total{kind=\"task\"} 28",
        "vpm_curator_facts_total{kind=\"goal\"} 4",
        "vpm_curator_merged_statements_total 2",
        "vpm_curator_problems_total{code=\"bad_value\"} 1",
        "vpm_curator_warnings_total{code=\"near_duplicate\"} 1",
        "vpm_curator_bundle_bytes_count 2",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}` in\n{metrics}"
        );
    }
    let doc: Value = client()
        .get(curator.url("/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let op = &doc["paths"]["/v1/curate"]["post"];
    for status in ["200", "400", "413", "415", "422"] {
        assert!(
            op["responses"].get(status).is_some(),
            "openapi lacks {status}"
        );
    }
    assert!(op["requestBody"].is_object());
}
