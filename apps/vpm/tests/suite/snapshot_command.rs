//! `vpm snapshot` against the real binary: reproducible output, every
//! format, and a precise refusal of documents that do not belong together.

use std::process::{Command, Output};

use vpm_testkit::{bin_path, repo_path};

fn fixture(file: &str) -> String {
    repo_path(&format!(
        "services/synthesizer/tests/fixtures/lantern/{file}"
    ))
    .display()
    .to_string()
}

fn vpm(args: &[&str]) -> Output {
    Command::new(bin_path("vpm")).args(args).output().unwrap()
}

fn snapshot(format: &str) -> Output {
    vpm(&[
        "snapshot",
        "--curated",
        &fixture("curated.json"),
        "--plan",
        &fixture("plan.json"),
        "--format",
        format,
        "--generated-at",
        "2026-05-11T09:00:00Z",
    ])
}

#[test]
fn a_fixed_generated_at_gives_the_same_bytes_every_run() {
    for format in ["json", "md", "html"] {
        let first = snapshot(format);
        assert!(
            first.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        assert_eq!(
            first.stdout,
            snapshot(format).stdout,
            "{format} differs between runs"
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&snapshot("json").stdout).unwrap();
    assert_eq!(json["schema_version"], "pm_snapshot_v1");
    assert_eq!(json["generated_at"], "2026-05-11T09:00:00Z");
    assert!(
        String::from_utf8(snapshot("md").stdout)
            .unwrap()
            .contains("\n## Gap\n")
    );
    assert!(
        String::from_utf8(snapshot("html").stdout)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
}

#[test]
fn output_goes_to_a_file_when_asked() {
    let out = std::env::temp_dir().join(format!("vpm-snapshot-{}.html", std::process::id()));
    let status = vpm(&[
        "snapshot",
        "--curated",
        &fixture("curated.json"),
        "--plan",
        &fixture("plan.json"),
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(status.status.success());
    assert!(status.stdout.is_empty());
    assert!(std::fs::read_to_string(&out).unwrap().contains("Lantern"));
    std::fs::remove_file(out).unwrap();
}

#[test]
fn documents_that_disagree_exit_1_listing_every_problem() {
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("plan.json")).unwrap()).unwrap();
    plan["project_id"] = "lighthouse".into();
    plan["next_actions"][0]["task"] = "T404".into();
    let path = std::env::temp_dir().join(format!("vpm-plan-{}.json", std::process::id()));
    std::fs::write(&path, plan.to_string()).unwrap();
    let output = vpm(&[
        "snapshot",
        "--curated",
        &fixture("curated.json"),
        "--plan",
        path.to_str().unwrap(),
    ]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("plan#/project_id: project_mismatch:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("plan#/next_actions/0/task: unknown_reference:"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_the_document_names_the_place() {
    let output = vpm(&[
        "snapshot",
        "--curated",
        &fixture("plan.json"),
        "--plan",
        &fixture("plan.json"),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("plan.json: at `schema_version`"),
        "{stderr}"
    );
}

#[test]
fn one_embedded_run_writes_the_markdown_and_the_page_of_one_record() {
    let work = tempfile::tempdir().unwrap();
    let md = work.path().join("snapshot.md");
    let html = work.path().join("snapshot.html");
    let receipt = work.path().join("receipt.json");
    let out = Command::new(bin_path("vpm"))
        .args([
            "snapshot",
            &repo_path("examples/lantern").display().to_string(),
        ])
        .args(["--embedded", "--format", "md", "--out"])
        .arg(&md)
        .arg("--page")
        .arg(&html)
        .arg("--receipt")
        .arg(&receipt)
        .env("VPM_DATA_DIR", work.path().join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&md).unwrap();
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(md.contains("## Next 3"), "{md}");
    assert!(html.contains("<html"), "{html}");
    let receipt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    // One run, one snapshot record: after the example's four decisions,
    // each filed as a record of its own.
    assert_eq!(receipt["leaf_index"], 4, "one run, one snapshot record");
    assert_eq!(receipt["tree_size"], 5, "one run, one snapshot record");
}
