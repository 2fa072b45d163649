//! Real snapshots validate against `schemas/pm_snapshot_v1.schema.json`,
//! and the schema is strict enough to refuse what the contract forbids.

use crate::support::*;
use serde_json::{Value, json};
use synthesizer::synthesize;

fn validator() -> jsonschema::Validator {
    let path = vpm_testkit::repo_path("schemas/pm_snapshot_v1.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {}", e.instance_path(), e))
        .collect()
}

fn lantern_json() -> Value {
    let (set, plan) = lantern();
    serde_json::to_value(synthesize(&set, &plan, None, monday()).unwrap().document).unwrap()
}

#[test]
fn real_snapshots_validate() {
    let validator = validator();
    for (name, (set, plan)) in [("lantern", lantern()), ("hostile", hostile())] {
        let doc = serde_json::to_value(synthesize(&set, &plan, None, monday()).unwrap().document)
            .unwrap();
        assert_eq!(errors(&validator, &doc), Vec::<String>::new(), "{name}");
    }
    // Without a state note, and with nothing at all.
    let (mut set, plan) = lantern();
    set.statements.clear();
    let doc =
        serde_json::to_value(synthesize(&set, &plan, None, monday()).unwrap().document).unwrap();
    assert_eq!(errors(&validator, &doc), Vec::<String>::new());
}

/// A change that makes a snapshot break the contract.
type Mutation = Box<dyn Fn(&mut Value)>;

#[test]
fn the_schema_refuses_what_the_contract_forbids() {
    let validator = validator();
    let mutations: Vec<(&str, Mutation)> = vec![
        (
            "a 401-character summary",
            Box::new(|d| d["current"]["summary"] = json!("あ".repeat(401))),
        ),
        (
            "an unknown field",
            Box::new(|d| d["trace_id"] = json!("4bf92f3577b34da6a3ce929d0e0e4736")),
        ),
        (
            "a missing section",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("evidence");
            }),
        ),
        (
            "another schema version",
            Box::new(|d| d["schema_version"] = json!("pm_snapshot_v2")),
        ),
        (
            "a date that is not YYYY-MM-DD",
            Box::new(|d| d["as_of_date"] = json!("11/05/2026")),
        ),
        (
            "an unknown impact",
            Box::new(|d| d["next_actions"][0]["impact"] = json!("huge")),
        ),
        (
            "a blocked next action",
            Box::new(|d| d["next_actions"][0]["status"] = json!("blocked")),
        ),
        (
            "an unknown evidence kind",
            Box::new(|d| d["evidence"][0]["kind"] = json!("wiki")),
        ),
        (
            "a reference without a line",
            Box::new(|d| d["gaps"][0]["refs"][0] = json!("tasks.yaml")),
        ),
        (
            "progress above 1",
            Box::new(|d| d["goals"]["short_term"][0]["progress"] = json!(1.2)),
        ),
        (
            "a fourth next action",
            Box::new(|d| {
                let first = d["next_actions"][0].clone();
                d["next_actions"].as_array_mut().unwrap().push(first);
            }),
        ),
    ];
    for (what, mutate) in mutations {
        let mut doc = lantern_json();
        mutate(&mut doc);
        assert!(
            !errors(&validator, &doc).is_empty(),
            "the schema accepted {what}"
        );
    }
}

#[test]
fn four_hundred_japanese_characters_are_within_the_limit() {
    // maxLength counts characters, as the contract does, not UTF-8 bytes.
    let mut doc = lantern_json();
    doc["current"]["summary"] = json!("あ".repeat(400));
    assert!(errors(&validator(), &doc).is_empty());
}
