//! Issue 16 end to end: a sequence of dated weekly snapshots of a small
//! project through `vpm snapshot --embedded` on one temporary archive —
//! each snapshot says what changed since the previous one, carries the
//! trend and a forecast, in JSON, Markdown and HTML; `--since` compares
//! against an older snapshot named by date or by record id.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const PROJECT: &str = "id: beacon
name: Beacon
purpose: A small project whose history is written week by week.
goals:
  - id: G1
    title: Ship the <beta>
    horizon: short
    due: 2026-12-18
    acceptance:
      - Testers use it daily
";

/// The task list of each week: (as-of date, tasks.yaml).
fn weeks() -> Vec<(&'static str, String)> {
    let task = |id: &str, status: &str, due: &str| {
        format!(
            "  - {{id: {id}, title: \"Task {id} <b>\", goal: G1, status: {status}, effort: M, due: {due}}}\n"
        )
    };
    let list = |tasks: &[String]| format!("tasks:\n{}", tasks.concat());
    vec![
        (
            "2026-11-02",
            list(&[
                task("T1", "in_progress", "2026-11-06"),
                task("T2", "todo", "2026-11-20"),
                task("T3", "todo", "2026-11-27"),
                task("T4", "todo", "2026-12-04"),
            ]),
        ),
        (
            "2026-11-09",
            list(&[
                task("T1", "done", "2026-11-06"),
                task("T2", "in_progress", "2026-11-20"),
                task("T3", "blocked", "2026-11-27"),
                task("T4", "todo", "2026-12-04"),
            ]),
        ),
        (
            "2026-11-16",
            list(&[
                task("T1", "done", "2026-11-06"),
                task("T2", "in_progress", "2026-11-27"),
                task("T3", "todo", "2026-11-27"),
                task("T4", "todo", "2026-12-04"),
                task("T5", "todo", "2026-12-11"),
            ]),
        ),
        (
            "2026-11-23",
            list(&[
                task("T1", "done", "2026-11-06"),
                task("T2", "done", "2026-11-27"),
                task("T3", "in_progress", "2026-11-27"),
                task("T4", "todo", "2026-12-04"),
                task("T5", "todo", "2026-12-11"),
            ]),
        ),
    ]
}

fn vpm(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vpm"))
        .args(args)
        .env("VPM_DATA_DIR", data)
        .output()
        .unwrap()
}

fn run(dir: &Path, data: &Path, as_of: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "snapshot",
        dir.to_str().unwrap(),
        "--embedded",
        "--as-of",
        as_of,
    ];
    args.extend_from_slice(extra);
    let out = vpm(&args, data);
    assert!(
        out.status.success(),
        "{as_of} {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect()
}

#[test]
fn weekly_snapshots_say_what_changed_draw_the_trend_and_forecast() {
    let project = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("project.yaml"), PROJECT).unwrap();
    let mut docs = Vec::new();
    let mut receipts = Vec::new();
    for (i, (as_of, tasks)) in weeks().into_iter().enumerate() {
        std::fs::write(project.path().join("tasks.yaml"), tasks).unwrap();
        let receipt = project.path().join(format!("receipt-{i}.json"));
        let json = run(
            project.path(),
            data.path(),
            as_of,
            &["--format", "json", "--receipt", receipt.to_str().unwrap()],
        );
        let doc: Value = serde_json::from_str(&json).unwrap();
        receipts.push(
            serde_json::from_str::<Value>(&std::fs::read_to_string(&receipt).unwrap()).unwrap()
                ["record_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        docs.push(doc);
    }

    // The first snapshot has nothing to compare against, but a ledger.
    assert!(docs[0].get("changes").is_none());
    assert_eq!(ids(&docs[0]["tasks"]), ["T1", "T2", "T3", "T4"]);
    // Week 2: T1 done, T3 newly blocked.
    let c = &docs[1]["changes"];
    assert_eq!(c["since"]["as_of_date"], "2026-11-02");
    assert_eq!(c["since"]["record_id"], receipts[0].as_str());
    assert_eq!(ids(&c["done"]), ["T1"]);
    assert_eq!(ids(&c["newly_blocked"]), ["T3"]);
    assert!(c["unblocked"].as_array().unwrap().is_empty());
    // Week 3: T2's due date slipped a week, T3 unblocked, T5 new.
    let c = &docs[2]["changes"];
    assert_eq!(ids(&c["slipped"]), ["T2"]);
    assert_eq!(c["slipped"][0]["days"], 7);
    assert_eq!(ids(&c["unblocked"]), ["T3"]);
    assert_eq!(ids(&c["added"]), ["T5"]);
    // Week 4: T2 done; T1's done date carried forward from week 2.
    let c = &docs[3]["changes"];
    assert_eq!(ids(&c["done"]), ["T2"]);
    let t1 = docs[3]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "T1")
        .unwrap();
    assert_eq!(t1["done_on"], "2026-11-09");
    // The trend: one point per week, oldest first, the last one this
    // snapshot's (no record yet).
    let trend = docs[3]["trend"].as_array().unwrap();
    let dates: Vec<&str> = trend
        .iter()
        .map(|p| p["as_of_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    );
    assert!(trend[3].get("record_id").is_none());
    assert_eq!(trend[0]["record_id"], receipts[0].as_str());
    // A forecast for the open goal (or the reason there is none).
    let forecast = &docs[3]["forecast"];
    assert_eq!(forecast["trials"], 10_000);
    let g1 = &forecast["goals"][0];
    assert_eq!(g1["goal"], "G1");
    assert!(
        g1.get("p50").is_some() || g1.get("insufficient").is_some(),
        "{g1}"
    );

    // The same week again, as Markdown and HTML: the sections are there,
    // and the hostile titles are escaped.
    let markdown = run(
        project.path(),
        data.path(),
        "2026-11-23",
        &["--format", "md"],
    );
    assert!(
        markdown.contains("**Changes since 2026-11-16**"),
        "{markdown}"
    );
    assert!(markdown.contains("T2 Task T2 \\<b>"), "{markdown}");
    assert!(markdown.contains("forecast: P50") || markdown.contains("no forecast yet"));
    let html = run(
        project.path(),
        data.path(),
        "2026-11-23",
        &["--format", "html"],
    );
    assert!(html.contains("id=\"changes\""));
    assert!(html.contains("Changes since <time datetime=\"2026-11-16\">"));
    assert!(html.contains("id=\"trend\""));
    assert!(html.contains("<svg"));
    assert!(html.contains("Task T2 &lt;b&gt;"));
    assert!(!html.contains("<b>\""));

    // --since by date: the latest snapshot as of that date or earlier.
    let json = run(
        project.path(),
        data.path(),
        "2026-11-23",
        &["--format", "json", "--since", "2026-11-03"],
    );
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["changes"]["since"]["as_of_date"], "2026-11-02");
    assert_eq!(ids(&doc["changes"]["done"]), ["T1", "T2"]);
    // --since by record id.
    let json = run(
        project.path(),
        data.path(),
        "2026-11-23",
        &["--format", "json", "--since", &receipts[1]],
    );
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["changes"]["since"]["record_id"], receipts[1].as_str());
    assert_eq!(ids(&doc["changes"]["done"]), ["T2"]);
    // A date with no snapshot before it is bad input: exit 1, named.
    let out = vpm(
        &[
            "snapshot",
            project.path().to_str().unwrap(),
            "--embedded",
            "--as-of",
            "2026-11-23",
            "--since",
            "2020-01-01",
        ],
        data.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("since"));
}

/// The cells over HTTP: the synthesizer reads the history from a real
/// archivist (VPM_SYNTHESIZER_ARCHIVIST_URL), `--since` reaches it in the
/// plan event; pointed at a dead URL it still writes the snapshot, without
/// history, and says why.
#[test]
fn the_synthesizer_cell_reads_history_from_the_archivist_over_http() {
    use vpm_testkit::Proc;
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_string_lossy().into_owned();
    let env = [("VPM_DATA_DIR", dir.as_str())];
    let archivist = Proc::start("archivist", &env);
    let archivist_url = archivist.url("");
    let curator = Proc::start("curator", &env);
    let planner = Proc::start("planner", &env);
    let synthesizer = Proc::start(
        "synthesizer",
        &[
            ("VPM_DATA_DIR", dir.as_str()),
            ("VPM_SYNTHESIZER_ARCHIVIST_URL", archivist_url.as_str()),
        ],
    );
    let dead = Proc::start(
        "synthesizer",
        &[
            ("VPM_DATA_DIR", dir.as_str()),
            ("VPM_SYNTHESIZER_ARCHIVIST_URL", "http://127.0.0.1:9"),
            ("VPM_SYNTHESIZER_HISTORY_TIMEOUT_MS", "500"),
        ],
    );
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("project.yaml"), PROJECT).unwrap();
    let over_http = |synth: &Proc, as_of: &str, extra: &[&str]| -> Value {
        let mut args = vec![
            "snapshot".to_owned(),
            project.path().to_string_lossy().into_owned(),
            "--as-of".into(),
            as_of.into(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let out = Command::new(env!("CARGO_BIN_EXE_vpm"))
            .args(&args)
            .env("VPM_CURATOR_URL", curator.url(""))
            .env("VPM_PLANNER_URL", planner.url(""))
            .env("VPM_SYNTHESIZER_URL", synth.url(""))
            .env("VPM_ARCHIVIST_URL", &archivist_url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let weeks = weeks();
    for (as_of, tasks) in &weeks[..3] {
        std::fs::write(project.path().join("tasks.yaml"), tasks).unwrap();
        over_http(&synthesizer, as_of, &[]);
    }
    std::fs::write(project.path().join("tasks.yaml"), &weeks[3].1).unwrap();
    let doc = over_http(&synthesizer, weeks[3].0, &[]);
    assert_eq!(doc["changes"]["since"]["as_of_date"], "2026-11-16");
    assert_eq!(ids(&doc["changes"]["done"]), ["T2"]);
    assert_eq!(doc["trend"].as_array().unwrap().len(), 4);
    assert!(doc.get("forecast").is_some());
    let doc = over_http(&synthesizer, weeks[3].0, &["--since", "2026-11-02"]);
    assert_eq!(doc["changes"]["since"]["as_of_date"], "2026-11-02");

    let doc = over_http(&dead, weeks[3].0, &[]);
    assert!(doc.get("changes").is_none());
    assert!(doc.get("forecast").is_none());
    let notes: Vec<&str> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("history could not be read")),
        "{notes:?}"
    );
}
