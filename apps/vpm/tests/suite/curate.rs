//! `vpm curate DIR`, run as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

fn vpm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vpm"))
        .args(args)
        .output()
        .unwrap()
}

fn lantern() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/lantern")
        .display()
        .to_string()
}

#[test]
fn prints_the_curated_set_of_the_example_project() {
    let out = vpm(&["curate", &lantern()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(set["schema_version"], "curated_set_v1");
    assert_eq!(set["as_of"], "2026-11-23");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: near_duplicate:"), "{stderr}");
}

#[test]
fn as_of_and_output_file_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("set.json");
    let out = vpm(&[
        "curate",
        &lantern(),
        "--as-of",
        "2026-12-01",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let set: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(set["as_of"], "2026-12-01");

    let bad = vpm(&["curate", &lantern(), "--as-of", "2026-02-30"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("February 2026 has 28 days"));
}

#[test]
fn problems_are_printed_compiler_style_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("project.yaml"),
        "id: demo\nname: Demo\ngoals:\n  - id: G1\n    title: Beta\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tasks.yaml"),
        "tasks:\n  - id: T1\n    title: Sync\n    goal: G1\n    status: done\n    titel: x\n  - id: T2\n    title: Merge\n    goal: G2\n    status: todo\n",
    )
    .unwrap();
    let out = vpm(&["curate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with(
            "tasks.yaml:6: unknown_key: `titel` is not a key of a task; did you mean `title`?"
        ),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("tasks.yaml:9: unknown_reference: goal `G2`"),
        "{stderr}"
    );
    assert!(lines.contains(&"warning: missing_file: there is no state.md: the snapshot's Current section will rest on reports alone"), "{stderr}");
    assert!(lines[lines.len() - 2].contains("2 problem(s)"), "{stderr}");
    // The report ends with what to do about it.
    assert!(
        lines[lines.len() - 1].starts_with("  help: fix each file:line above"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_cannot_be_read_is_printed_first_without_its_follow_on_problems() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("project.yaml"),
        "id: demo\nname: Demo\ngoals:\n  - id: G1\n    title: Beta\n",
    )
    .unwrap();
    // A list without `tasks:` above it: no task id can be read.
    std::fs::write(
        dir.path().join("tasks.yaml"),
        "- id: T1\n  title: Sync\n  goal: G1\n  status: done\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("decisions")).unwrap();
    std::fs::write(
        dir.path().join("decisions/0001.yaml"),
        "id: D1\ndecision: Use a CRDT\nlinks: [G1, T1]\nowner: Aiko\n",
    )
    .unwrap();
    let out = vpm(&["curate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    // Sorted by file alone, decisions/ would come first, with a false
    // unknown_reference for T1.
    assert!(
        lines[0].starts_with("tasks.yaml:1: wrong_type: tasks.yaml must be a mapping"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("decisions/0001.yaml:4: unknown_key:"),
        "{stderr}"
    );
    assert!(!stderr.contains("unknown_reference"), "{stderr}");
    assert!(lines[lines.len() - 2].contains("2 problem(s)"), "{stderr}");
    // The report ends with what to do about it.
    assert!(
        lines[lines.len() - 1].starts_with("  help: fix each file:line above"),
        "{stderr}"
    );
}
