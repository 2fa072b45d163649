//! The real `vpm` binary against a hostile project folder and hostile
//! settings: a link out of the folder never reaches the snapshot, the
//! archive or the terminal; file names cannot drive the terminal; an empty
//! secret stops the program instead of opening the archive.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vpm_testkit::{bin_path, repo_path};

const SECRET: &str = "s3cr3t-write-token-7d1e0c";

/// A copy of examples/lantern in a fresh temporary folder.
fn lantern_copy() -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lantern");
    copy(&repo_path("examples/lantern"), &dir);
    (tmp, dir)
}

fn vpm(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(bin_path("vpm"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// Every byte of every file under `dir`.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_state_md_linked_to_the_process_environment_is_refused_and_leaks_nowhere() {
    let (tmp, dir) = lantern_copy();
    std::fs::remove_file(dir.join("state.md")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.join("state.md")).unwrap();
    let data = tmp.path().join("data");
    let out = vpm(
        &[
            "snapshot",
            dir.to_str().unwrap(),
            "--embedded",
            "--as-of",
            "2026-11-30",
            "--format",
            "md",
        ],
        &[
            ("VPM_WRITE_TOKEN", SECRET),
            ("VPM_DATA_DIR", data.to_str().unwrap()),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("state.md: outside_folder:"),
        "the refusal does not name state.md: {stderr}"
    );
    assert!(!contains(&out.stdout, SECRET), "the secret reached stdout");
    assert!(!contains(&out.stderr, SECRET), "the secret reached stderr");
    assert!(
        !contains(&all_bytes(&data), SECRET),
        "the secret reached the archive"
    );
}

#[test]
fn a_file_name_with_escape_or_newline_is_printed_escaped() {
    let (_tmp, dir) = lantern_copy();
    // Would clear the screen, and forge a line of its own.
    let name = "\u{1b}[2Jx\ntasks.yaml:1: forged.yaml";
    std::fs::write(dir.join("decisions").join(name), "id: D9\ndecision: x\n").unwrap();
    let out = vpm(&["curate", dir.to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !out.stderr.contains(&0x1b),
        "a raw ESC reached the terminal: {stderr:?}"
    );
    assert!(
        stderr.contains("decisions/\\x1b[2Jx\\ntasks.yaml:1: forged.yaml"),
        "{stderr}"
    );
    assert!(
        !stderr.lines().any(|l| l.starts_with("tasks.yaml:1:")),
        "a file name forged a problem line: {stderr}"
    );
}

#[test]
fn control_characters_in_the_json_on_stdout_are_escaped_and_mean_the_same() {
    let (_tmp, dir) = lantern_copy();
    let state = std::fs::read_to_string(dir.join("state.md")).unwrap();
    let evil = "Sync is \u{9b}31m done \u{202e}reversed\u{202c}.";
    std::fs::write(dir.join("state.md"), format!("{state}\n{evil}\n")).unwrap();
    let out = vpm(&["curate", dir.to_str().unwrap()], &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for c in ['\u{9b}', '\u{202e}', '\u{1b}'] {
        assert!(!stdout.contains(c), "{c:?} printed raw");
    }
    let set: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(stdout.contains("\\u009b31m done"), "not escaped as \\u009b");
    assert!(
        set.to_string().contains("\u{9b}31m done"),
        "the parsed text differs from what was written"
    );
}

#[test]
fn an_empty_write_token_stops_vpm_up_with_exit_2() {
    for blank in ["", "   "] {
        let out = vpm(
            &[
                "up",
                "--curator-port",
                "0",
                "--planner-port",
                "0",
                "--synthesizer-port",
                "0",
                "--archivist-port",
                "0",
            ],
            &[("VPM_WRITE_TOKEN", blank)],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{blank:?}: {stderr}");
        assert!(stderr.contains("VPM_WRITE_TOKEN"), "{stderr}");
    }
}

#[test]
fn an_empty_write_token_stops_an_embedded_snapshot_with_exit_2() {
    let (tmp, dir) = lantern_copy();
    let data = tmp.path().join("data");
    let out = vpm(
        &[
            "snapshot",
            dir.to_str().unwrap(),
            "--embedded",
            "--as-of",
            "2026-11-30",
        ],
        &[
            ("VPM_WRITE_TOKEN", " "),
            ("VPM_DATA_DIR", data.to_str().unwrap()),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("VPM_WRITE_TOKEN"), "{stderr}");
    assert!(!data.join("archive.db").exists(), "something was recorded");
}
