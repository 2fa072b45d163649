//! The pipeline end to end, black-box: four separately started cell
//! binaries, `vpm snapshot` over HTTP, and what a user would check — the
//! receipt verifies offline, the snapshot equals the embedded run's, one
//! trace id runs through every cell's logs into the archived record, and

//! faults (a cell down, an archivist answering 503) end the way they should.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use vpm_testkit::{Proc, client, repo_path};

struct Cells {
    curator: Proc,
    planner: Proc,
    synthesizer: Proc,
    archivist: Proc,
    _data: tempfile::TempDir,
}

impl Cells {
    fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().to_string_lossy().into_owned();
        let env = [("VPM_DATA_DIR", dir.as_str()), ("VPM_LOG", "info")];
        // The archivist first: the synthesizer reads the project's history
        // from it, as on a cluster, so both modes see the same past.
        let archivist = Proc::start("archivist", &env);
        let history = archivist.url("");
        let synthesizer_env = [
            ("VPM_DATA_DIR", dir.as_str()),
            ("VPM_LOG", "info"),
            ("VPM_SYNTHESIZER_ARCHIVIST_URL", history.as_str()),
        ];
        Self {
            curator: Proc::start("curator", &env),
            planner: Proc::start("planner", &env),
            synthesizer: Proc::start("synthesizer", &synthesizer_env),
            archivist,
            _data: data,
        }
    }

    fn urls(&self, archivist_url: Option<&str>) -> Vec<(String, String)> {
        let base = |p: &Proc| p.url("");
        vec![
            ("VPM_CURATOR_URL".into(), base(&self.curator)),
            ("VPM_PLANNER_URL".into(), base(&self.planner)),
            ("VPM_SYNTHESIZER_URL".into(), base(&self.synthesizer)),
            (
                "VPM_ARCHIVIST_URL".into(),
                archivist_url.map_or_else(|| base(&self.archivist), str::to_owned),
            ),
        ]
    }

    fn tree_size(&self) -> u64 {
        let checkpoint = client()
            .get(self.archivist.url("/v1/log/checkpoint"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        checkpoint.lines().nth(1).unwrap().parse().unwrap()
    }
}

fn vpm(args: &[&str], env: &[(String, String)], cwd: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vpm"));
    command.args(args).current_dir(cwd);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn lantern() -> String {
    repo_path("examples/lantern").to_string_lossy().into_owned()
}

fn trace_of(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("trace"))
        .map(|t| t.trim().to_owned())
        .unwrap_or_else(|| panic!("no trace line in:\n{stderr}"))
}

/// The snapshot JSON without the one field allowed to differ.
fn without_generated_at(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).unwrap();
    v.as_object_mut()
        .unwrap()
        .remove("generated_at")
        .expect("generated_at present");
    v
}

#[test]
fn the_example_runs_through_four_cells_and_its_receipt_verifies_offline() {
    let cells = Cells::start();
    let work = tempfile::tempdir().unwrap();
    let receipt = work.path().join("receipt.json");
    let out = vpm(
        &[
            "snapshot",
            &lantern(),
            "--format",
            "json",
            "--receipt",
            receipt.to_str().unwrap(),
        ],
        &cells.urls(None),
        work.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "vpm snapshot failed:\n{stderr}");
    let snapshot: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(snapshot["schema_version"], "pm_snapshot_v1");
    assert_eq!(snapshot["project_id"], "lantern");
    assert_eq!(snapshot["as_of_date"], "2026-11-23");
    assert_eq!(snapshot["next_actions"].as_array().unwrap().len(), 3);
    assert!(
        stderr.contains(&format!(
            "page      {}/v1/projects/lantern",
            cells.archivist.url("")
        )),
        "{stderr}"
    );

    // The archived record, checked offline with nothing but the public key.
    let receipt_json: Value =
        serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    let record_id = receipt_json["record_id"].as_str().unwrap();
    let record = client()
        .get(cells.archivist.url(&format!("/v1/records/{record_id}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let record_file = work.path().join("record.json");
    std::fs::write(&record_file, &record).unwrap();
    let key: Value = client()
        .get(cells.archivist.url("/v1/log/public-key"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let key = key["verifier_key"].as_str().unwrap().to_owned();
    let verify = vpm(
        &[
            "verify",
            "--public-key",
            &key,
            "--record",
            record_file.to_str().unwrap(),
            "--receipt",
            receipt.to_str().unwrap(),
        ],
        &[],
        work.path(),
    );
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // The archived snapshot is exactly what was printed: served beside
    // the record, which commits to its hash.
    let record: Value = serde_json::from_str(&record).unwrap();
    // Compared as canonical JSON: the stored document is the canonical
    // form the record's hash covers, where 8.0 is written 8.
    let canonical = |v: &Value| vpm_tlog::canonical::to_canonical(v).unwrap();
    assert_eq!(canonical(&record["document"]), canonical(&snapshot));
    // Each decision of the folder is a record of its own, linked from the
    // snapshot's, and a second run files none of them again.
    let decisions = receipt_json["decisions"].as_array().unwrap();
    let ids: Vec<&str> = decisions
        .iter()
        .map(|d| d["decision_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["D1", "D2", "D3", "D4"]);
    assert!(decisions.iter().all(|d| d["new"] == true));
    let links = vpm_tlog::record::links(&record["provenance"]);
    assert_eq!(links.len(), 4);
    assert_eq!(
        links[0].record_id,
        decisions[0]["record_id"].as_str().unwrap()
    );

    // The same folder in this process: the same snapshot but for generated_at.
    let embedded_dir = tempfile::tempdir().unwrap();
    let embedded_run = |receipt: &std::path::Path| {
        let run = vpm(
            &[
                "snapshot",
                &lantern(),
                "--embedded",
                "--format",
                "json",
                "--receipt",
                receipt.to_str().unwrap(),
            ],
            &[(
                "VPM_DATA_DIR".into(),
                embedded_dir.path().to_string_lossy().into_owned(),
            )],
            work.path(),
        );
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let receipt: Value =
            serde_json::from_str(&std::fs::read_to_string(receipt).unwrap()).unwrap();
        (run, receipt)
    };
    let (embedded, first) = embedded_run(&work.path().join("embedded-1.json"));
    assert_eq!(
        without_generated_at(&String::from_utf8_lossy(&embedded.stdout)),
        without_generated_at(&String::from_utf8_lossy(&out.stdout)),
        "the HTTP and embedded snapshots differ beyond generated_at"
    );
    // The embedded pipeline files the decisions too, and a second run with
    // the same decisions adds only its snapshot's record.
    assert_eq!(first["leaf_index"], 4);
    let (_, second) = embedded_run(&work.path().join("embedded-2.json"));
    assert_eq!(second["leaf_index"], 5);
    for (a, b) in first["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .zip(second["decisions"].as_array().unwrap())
    {
        assert_eq!(
            (a["new"].clone(), b["new"].clone()),
            (json!(true), json!(false))
        );
        assert_eq!(a["record_id"], b["record_id"]);
    }
}

#[test]
fn one_trace_id_runs_through_every_cell_and_into_the_record() {
    let cells = Cells::start();
    let work = tempfile::tempdir().unwrap();
    let receipt = work.path().join("receipt.json");
    let out = vpm(
        &[
            "snapshot",
            &lantern(),
            "--format",
            "md",
            "--receipt",
            receipt.to_str().unwrap(),
        ],
        &cells.urls(None),
        work.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let markdown = String::from_utf8_lossy(&out.stdout);
    for section in [
        "## Current",
        "## Goals",
        "## Gap",
        "## Next 3",
        "## Evidence",
        "## Notes",
    ] {
        assert!(markdown.contains(section), "missing {section}");
    }
    let trace = trace_of(&stderr);
    assert_eq!(trace.len(), 32);

    std::thread::sleep(std::time::Duration::from_millis(300));
    for cell in [
        &cells.curator,
        &cells.planner,
        &cells.synthesizer,
        &cells.archivist,
    ] {
        let lines: Vec<Value> = cell
            .json_logs()
            .into_iter()
            .filter(|l| l["trace_id"] == trace.as_str())
            .collect();
        assert!(
            !lines.is_empty(),
            "{} logged nothing with trace {trace}",
            cell.name
        );
        assert!(
            lines
                .iter()
                .any(|l| l["route"] == "/" && l["status"] == 200),
            "{}: no answered POST / line for the trace: {lines:?}",
            cell.name
        );
    }
    let receipt: Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    let record: Value = client()
        .get(cells.archivist.url(&format!(
            "/v1/records/{}",
            receipt["record_id"].as_str().unwrap()
        )))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let signed = &record["signed_record"]["record"];
    assert_eq!(signed["trace_id"], trace.as_str());
    // Every cell's activity, with its times, is in the PROV document the
    // signed record commits to, served beside it.
    let prov = &record["provenance"];
    assert_eq!(
        signed["provenance"]["sha256"],
        vpm_tlog::hash::sha256_hex(&vpm_tlog::canonical::to_canonical(prov).unwrap())
    );
    let activities = &prov["activity"];
    for cell in ["curator", "planner", "synthesizer"] {
        let activity = &activities[format!("vpm:activity/{cell}")];
        let started = activity["prov:startTime"]
            .as_str()
            .unwrap_or_else(|| panic!("no {cell} activity: {activities}"));
        let ended = activity["prov:endTime"].as_str().unwrap();
        assert!(started <= ended, "{cell}: {started} .. {ended}");
    }
    // And the trace id is an exemplar on the duration histogram (OpenMetrics).
    let om = client()
        .get(cells.planner.url("/metrics"))
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        om.contains(&format!("trace_id=\"{trace}\"")),
        "no exemplar for the trace"
    );
}

#[test]
fn a_cell_that_is_down_is_named_with_its_url_and_nothing_is_recorded() {
    let mut cells = Cells::start();
    let planner_url = cells.planner.url("");
    cells.planner.signal(9);
    cells
        .planner
        .wait_exit(std::time::Duration::from_secs(5))
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = vpm(&["snapshot", &lantern()], &cells.urls(None), work.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("the planner at {planner_url}/ is not reachable")),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was recorded"), "{stderr}");
    assert!(out.stdout.is_empty(), "no snapshot may be printed");
    assert_eq!(cells.tree_size(), 0, "the archive must be untouched");
}

#[test]
fn problems_in_the_folder_stop_the_run_with_their_locations() {
    let cells = Cells::start();
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("broken");
    copy_dir(&repo_path("examples/lantern"), &project);
    let tasks = std::fs::read_to_string(project.join("tasks.yaml")).unwrap();
    std::fs::write(
        project.join("tasks.yaml"),
        tasks.replacen("status:", "staus:", 1),
    )
    .unwrap();
    let out = vpm(
        &["snapshot", project.to_str().unwrap()],
        &cells.urls(None),
        work.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("tasks.yaml:") && l.contains("unknown_key")),
        "{stderr}"
    );
    assert!(stderr.contains("the curator at"), "{stderr}");
    assert_eq!(cells.tree_size(), 0);
}

#[test]
fn an_archivist_answering_503_twice_is_retried_and_records_once() {
    let cells = Cells::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let proxy = runtime.block_on(flaky_proxy(cells.archivist.url(""), 2, seen.clone()));
    let work = tempfile::tempdir().unwrap();
    let out = vpm(
        &["snapshot", &lantern(), "--format", "json"],
        &cells.urls(Some(&proxy)),
        work.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        3,
        "two 503s, then the real answer"
    );
    // The snapshot's record and one per decision of the folder (four),
    // each once.
    assert_eq!(cells.tree_size(), 5, "exactly one leaf per record");
    drop(runtime);
}

/// A proxy in front of `target` that answers the first `failures` requests
/// with 503 and forwards the rest.
async fn flaky_proxy(target: String, failures: usize, seen: Arc<AtomicUsize>) -> String {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let http = vpm_testkit::async_client();
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let seen = seen.clone();
        let http = http.clone();
        let target = target.clone();
        async move {
            if seen.fetch_add(1, Ordering::SeqCst) < failures {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", "0"), ("content-type", "application/json")],
                    r#"{"error":{"code":"archive_unavailable","message":"the archive database is unavailable; retry"}}"#,
                )
                    .into_response();
            }
            let mut request = http.post(format!("{target}/")).body(body);
            for (name, value) in &headers {
                if name != "host" && name != "content-length" {
                    request = request.header(name.as_str(), value.as_bytes());
                }
            }
            let response = request.send().await.unwrap();
            let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
            let mut out = HeaderMap::new();
            for (name, value) in response.headers() {
                if let (Ok(n), Ok(v)) = (
                    axum::http::HeaderName::from_bytes(name.as_str().as_bytes()),
                    axum::http::HeaderValue::from_bytes(value.as_bytes()),
                ) {
                    out.insert(n, v);
                }
            }
            let body = response.bytes().await.unwrap();
            (status, out, body).into_response()
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn copy_dir(from: &Path, to: &PathBuf) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
