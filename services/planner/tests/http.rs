//! Black-box tests of `POST /v1/plan` against the real `planner` binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use vpm_testkit::{Proc, client, repo_path};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn curated_set() -> Value {
    let path = repo_path("services/planner/tests/fixtures/expense-app.curated.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn plan_schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("schemas/plan_v1.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn post(planner: &Proc, body: &Value) -> (u16, Value) {
    let response = client()
        .post(planner.url("/v1/plan"))
        .header("traceparent", TRACEPARENT)
        .json(body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap())
}

#[test]
fn a_curated_set_is_planned_under_the_callers_trace() {
    let planner = Proc::start("planner", &[]);
    let (status, plan) = post(&planner, &json!({"curated_set": curated_set()}));
    assert_eq!(status, 200, "{plan}");
    let errors: Vec<String> = plan_schema()
        .iter_errors(&plan)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(plan["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(plan["as_of"], "2026-11-30");
    assert_eq!(plan["goals"][0]["status"], "off_track");
    let next: Vec<&str> = plan["next_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["task"].as_str().unwrap())
        .collect();
    assert_eq!(next, ["T-04", "T-10", "T-08"]);

    let metrics = client()
        .get(planner.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("vpm_planner_plans_total{outcome=\"planned\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("vpm_planner_plan_duration_seconds_count 1"));
}

#[test]
fn the_request_as_of_overrides_the_sets_and_plans_are_repeatable() {
    let planner = Proc::start("planner", &[]);
    let body = json!({"curated_set": curated_set(), "as_of": "2026-12-21"});
    let (status, first) = post(&planner, &body);
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["as_of"], "2026-12-21");
    assert_eq!(first["goals"][0]["days_left"], -3);
    let (_, second) = post(&planner, &body);
    assert_eq!(first, second);
}

#[test]
fn a_dependency_cycle_is_a_422_naming_the_whole_cycle() {
    let planner = Proc::start("planner", &[]);
    let mut set = curated_set();
    // T-02 (requirements review) now waits on T-16 (switching the old
    // system off), which waits on it through six tasks.
    let tasks = set["tasks"].as_array_mut().unwrap();
    let t02 = tasks.iter_mut().find(|t| t["id"] == "T-02").unwrap();
    t02["depends_on"]
        .as_array_mut()
        .unwrap()
        .push(json!("T-16"));
    set["relations"].as_array_mut().unwrap().push(json!({
        "kind": "depends_on", "from": "T-02", "to": "T-16",
        "source": {"path": "tasks.yaml", "line": 16}
    }));
    let (status, body) = post(&planner, &json!({"curated_set": set}));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_curated_set");
    let problems = body["error"]["details"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let cycle = &problems[0];
    assert_eq!(cycle["code"], "dependency_cycle");
    assert_eq!(
        cycle["value"],
        "T-02 → T-16 → T-15 → T-07 → T-06 → T-05 → T-03 → T-02"
    );
    assert_eq!(
        (&cycle["path"], &cycle["line"]),
        (&json!("tasks.yaml"), &json!(16))
    );
    // Each edge at the line of its `depends_on` entry.
    let lines: Vec<u64> = cycle["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [16, 150, 139, 66, 56, 45, 25]);
    assert!(
        cycle["message"]
            .as_str()
            .unwrap()
            .contains("T-15 depends on T-07 (tasks.yaml:139)")
    );
}

#[test]
fn without_an_as_of_date_the_answer_says_how_to_give_one() {
    let planner = Proc::start("planner", &[]);
    let mut set = curated_set();
    set.as_object_mut().unwrap().remove("as_of");
    let (status, body) = post(&planner, &json!({"curated_set": set}));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "missing_as_of");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`as_of`") && message.contains("project.yaml"),
        "{message}"
    );
    assert_eq!(
        body["error"]["details"]["problems"][0]["code"],
        "missing_as_of"
    );
}

/// The rule of docs/runtime.md, which the planner used to break by
/// answering 400 for everything: bytes that are not JSON are 400; JSON that
/// is not a plan request is 422, with a pointer to the field.
#[test]
fn malformed_bodies_are_400_and_misshapen_ones_422_with_a_pointer() {
    let planner = Proc::start("planner", &[]);
    for (body, status, code, pointer, what) in [
        (
            r#"{"curated_set": {"#.to_owned(),
            400,
            "malformed_json",
            None,
            "truncated JSON",
        ),
        (
            "not json at all".to_owned(),
            400,
            "malformed_json",
            None,
            "not JSON",
        ),
        (
            r#"{"as_of": "2026-11-30"}"#.to_owned(),
            422,
            "invalid_plan_request",
            Some(""),
            "no curated_set",
        ),
        (
            json!({"curated_set": curated_set(), "as_of": "2026-02-30"}).to_string(),
            422,
            "invalid_plan_request",
            Some("/as_of"),
            "an impossible date",
        ),
    ] {
        let response = client()
            .post(planner.url("/v1/plan"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{what}");
        let json: Value = response.json().unwrap();
        assert_eq!(json["error"]["code"], code, "{what}: {json}");
        assert!(!json["error"]["message"].as_str().unwrap().is_empty());
        if let Some(pointer) = pointer {
            assert_eq!(
                json["error"]["details"]["pointer"], pointer,
                "{what}: {json}"
            );
        }
    }
}

#[test]
fn the_route_is_documented_with_its_answers() {
    let planner = Proc::start("planner", &[]);
    let doc: Value = client()
        .get(planner.url("/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let responses = &doc["paths"]["/v1/plan"]["post"]["responses"];
    for status in ["200", "400", "413", "415", "422", "500", "503"] {
        assert!(responses.get(status).is_some(), "{status} not documented");
    }
    assert!(doc["components"]["schemas"].get("Plan").is_some());
}
