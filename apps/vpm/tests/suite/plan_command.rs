//! `vpm plan --curated FILE`: the offline planner, as a user runs it.

use std::process::Command;

use vpm_testkit::{bin_path, repo_path};

fn fixture() -> std::path::PathBuf {
    repo_path("services/planner/tests/fixtures/expense-app.curated.json")
}

#[test]
fn prints_the_plan_as_json() {
    let output = Command::new(bin_path("vpm"))
        .args(["plan", "--curated"])
        .arg(fixture())
        .args(["--as-of", "2026-12-01"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["schema_version"], "plan_v1");
    assert_eq!(plan["as_of"], "2026-12-01");
    assert_eq!(plan["trace_id"].as_str().unwrap().len(), 32);
    assert_eq!(plan["goals"][0]["title"], "ベータ版を社内公開する");
}

#[test]
fn lists_every_problem_and_fails_when_the_set_cannot_be_planned() {
    let mut set: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    set.as_object_mut().unwrap().remove("as_of");
    set["tasks"][0]["goal"] = "G9".into();
    let dir = std::env::temp_dir().join(format!("vpm-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("curated.json");
    std::fs::write(&file, set.to_string()).unwrap();
    let output = Command::new(bin_path("vpm"))
        .args(["plan", "--curated"])
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 problems"), "{stderr}");
    assert!(stderr.contains("project.yaml: missing_as_of"), "{stderr}");
    assert!(
        stderr.contains("tasks.yaml:2: unknown_reference"),
        "{stderr}"
    );
}

/// `vpm plan DIR` is `vpm curate DIR` followed by `vpm plan --curated`.
#[test]
fn plans_a_project_folder_as_curating_then_planning_would() {
    let folder = repo_path("examples/lantern");
    let direct = Command::new(bin_path("vpm"))
        .arg("plan")
        .arg(&folder)
        .output()
        .unwrap();
    assert!(
        direct.status.success(),
        "{}",
        String::from_utf8_lossy(&direct.stderr)
    );

    let dir = std::env::temp_dir().join(format!("vpm-plan-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let curated = dir.join("curated.json");
    let curate = Command::new(bin_path("vpm"))
        .arg("curate")
        .arg(&folder)
        .arg("--output")
        .arg(&curated)
        .output()
        .unwrap();
    assert!(curate.status.success());
    let two_step = Command::new(bin_path("vpm"))
        .args(["plan", "--curated"])
        .arg(&curated)
        .output()
        .unwrap();
    assert!(two_step.status.success());

    let mut a: serde_json::Value = serde_json::from_slice(&direct.stdout).unwrap();
    let mut b: serde_json::Value = serde_json::from_slice(&two_step.stdout).unwrap();
    for plan in [&mut a, &mut b] {
        plan.as_object_mut().unwrap().remove("trace_id");
    }
    assert_eq!(a, b);
    assert_eq!(a["as_of"], "2026-11-23", "project.yaml's as_of");
    std::fs::remove_dir_all(&dir).unwrap();
}
