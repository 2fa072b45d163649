//! Starting the real `archivist` binary on either backend, and making
//! records to feed it.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;

use serde_json::{Value, json};
use vpm_testkit::Proc;
use vpm_testkit::postgres::TempPostgres;
use vpm_testkit::reqwest::blocking::Client;
use vpm_tlog::{LogKey, LogVerifier};

pub const ORIGIN: &str = "test.example/vpm-archive";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One archive (a database and a key) that archivist processes can be
/// started on, and restarted on.
pub struct Archive {
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pub postgres: Option<TempPostgres>,
    pub key: LogKey,
    pub url: String,
    pub key_file: PathBuf,
}

impl Archive {
    pub fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let postgres = (backend == Backend::Postgres).then(TempPostgres::start);
        let url = match &postgres {
            Some(pg) => pg.url(),
            None => format!("sqlite://{}", dir.path().join("archive.db").display()),
        };
        let key = LogKey::generate(ORIGIN).unwrap();
        let key_file = dir.path().join("key.pem");
        std::fs::write(&key_file, key.to_pkcs8_pem().unwrap()).unwrap();
        Self {
            backend,
            dir,
            postgres,
            key,
            url,
            key_file,
        }
    }

    pub fn verifier(&self) -> LogVerifier {
        self.key.verifier()
    }

    /// Signs tree heads with the archive's key, as the archivist does, for
    /// tests that append through a store directly.
    pub fn head_signer(&self) -> archivist::store::HeadSigner {
        let key = self.key.clone();
        std::sync::Arc::new(move |size, root| {
            vpm_tlog::TreeHead {
                origin: key.name(),
                size,
                root,
            }
            .sign(&key)
            .map_err(|e| e.to_string())
        })
    }

    pub fn start(&self) -> Proc {
        self.start_with(&[])
    }

    pub fn start_with(&self, extra: &[(&str, &str)]) -> Proc {
        let data_dir = self.dir.path().join("data");
        let data_dir = data_dir.display().to_string();
        let key_file = self.key_file.display().to_string();
        let mut env = vec![
            ("VPM_ARCHIVE_URL", self.url.as_str()),
            ("VPM_DATA_DIR", data_dir.as_str()),
            ("VPM_SIGNING_KEY_FILE", key_file.as_str()),
            ("VPM_LOG_ORIGIN", ORIGIN),
        ];
        env.extend_from_slice(extra);
        let proc = Proc::start("archivist", &env);
        wait_ready(&proc);
        proc
    }

    /// Runs SQL directly against the archive's database, as an attacker
    /// with database access would.
    pub fn execute(&self, sqlite_sql: &str, postgres_sql: &str) {
        match &self.postgres {
            None => {
                let conn = rusqlite::Connection::open(self.dir.path().join("archive.db")).unwrap();
                let n = conn.execute(sqlite_sql, []).unwrap();
                assert!(n > 0, "{sqlite_sql} changed nothing");
            }
            Some(_) => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
                        .await
                        .unwrap();
                    tokio::spawn(conn);
                    let n = client.execute(postgres_sql, &[]).await.unwrap();
                    assert!(n > 0, "{postgres_sql} changed nothing");
                });
            }
        }
    }
}

pub fn wait_ready(proc: &Proc) {
    let client = vpm_testkit::client();
    for _ in 0..300 {
        if client
            .get(proc.url("/readyz"))
            .send()
            .is_ok_and(|r| r.status().as_u16() == 200)
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("archivist not ready; logs:\n{}", proc.logs().join("\n"));
}

pub fn trace_id(n: u64) -> String {
    format!(
        "{:032x}",
        (0x4bf9_2f35_77b3_4da6_u128 << 64) | (u128::from(n) + 1)
    )
}

/// A `pm_snapshot_v1` submission; `n` makes it unique.
pub fn snapshot(project: &str, n: u64, as_of: &str, next_title: &str) -> Value {
    json!({
        "project_id": project,
        "trace_id": trace_id(n),
        "subject": {"kind": "pm_snapshot_v1", "document": {
            "schema_version": "pm_snapshot_v1",
            "project_id": project,
            "generated_at": "2026-01-05T09:00:00Z",
            "as_of_date": as_of,
            "current": {"summary": format!("Run {n}: the archive is being built."), "bullets": ["storage done"]},
            "goals": {"short_term": [], "mid_term": []},
            "gaps": [],
            "next_actions": [
                {"id": "T-1", "title": next_title, "details": "because it unblocks the rest",
                 "evidence_refs": ["tasks.yaml:3"], "links": [], "impact": "high", "effort": "medium", "status": "todo"},
                {"id": "T-2", "title": "Write the docs", "details": "people must verify offline",
                 "evidence_refs": [], "links": [], "impact": "medium", "effort": "low", "status": "todo"}
            ],
            "evidence": [{"kind": "state", "path": "state.md", "summary": "current state"}],
            "notes": []
        }},
        "inputs": [
            {"path": "project.yaml", "sha256": format!("{:064x}", n + 1)},
            {"path": "tasks.yaml", "sha256": format!("{:064x}", n + 2)}
        ],
        "activities": [
            {"cell": "curator", "version": "0.2.0", "started_at": "2026-01-05T09:00:00Z", "ended_at": "2026-01-05T09:00:01Z"},
            {"cell": "planner", "version": "0.2.0", "started_at": "2026-01-05T09:00:01Z", "ended_at": "2026-01-05T09:00:02Z"},
            {"cell": "synthesizer", "version": "0.2.0", "started_at": "2026-01-05T09:00:02Z", "ended_at": "2026-01-05T09:00:03Z"}
        ],
        "submitted_by": {"id": "ana", "kind": "person"},
        "attachments": [
            {"name": "snapshot.md", "media_type": "text/markdown", "content": format!("# {project}\n\n## Next 3\n\n1. {next_title}\n")},
            {"name": "snapshot.html", "media_type": "text/html", "content": "<!doctype html><title>s</title><p>snapshot</p>"}
        ]
    })
}

/// A snapshot whose document is larger than a tlog-tiles entry may be
/// (65,535 bytes), as a project of a couple of thousand tasks makes: `items`
/// pieces of evidence of about 130 bytes each.
pub fn large_snapshot(project: &str, n: u64, items: usize) -> Value {
    let mut body = snapshot(project, n, "2026-01-05", "Ship the archive");
    body["subject"]["document"]["evidence"] = (0..items)
        .map(|i| {
            json!({"kind": "report", "path": format!("reports/2026-01-{:02}-week-{i:05}.md", i % 28 + 1),
                   "summary": format!("Week {i}: the archive moved one step closer to done.")})
        })
        .collect();
    body
}

/// A decision as the curator writes it (`decisions/<id>.yaml`).
pub fn curated_decision(id: &str, text: &str) -> Value {
    json!({"id": id, "date": "2026-01-02", "decision": text, "rationale": "it was the simplest",
           "links": ["G-1"], "source": {"path": format!("decisions/{id}.yaml"), "line": 1}})
}

/// A snapshot submitted with the decisions its run curated.
pub fn snapshot_with_decisions(project: &str, n: u64, decisions: &[Value]) -> Value {
    let mut body = snapshot(project, n, "2026-01-05", "Ship the archive");
    body["decisions"] = Value::Array(decisions.to_vec());
    body
}

/// A decision submission; `n` makes it unique.
pub fn decision(project: &str, n: u64) -> Value {
    json!({
        "project_id": project,
        "trace_id": trace_id(n),
        "subject": {"kind": "decision", "document": {
            "id": format!("D-{n}"), "decision": format!("Decision number {n}"),
            "rationale": "it was the simplest", "links": [],
            "source": {"path": format!("decisions/{n}.yaml"), "line": 1}}}
    })
}

pub fn client() -> Client {
    vpm_testkit::client()
}

/// POSTs a submission; returns the status and the JSON answer.
pub fn post(client: &Client, proc: &Proc, body: &Value) -> (u16, Value) {
    let r = client
        .post(proc.url("/v1/records"))
        .json(body)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

pub fn get(client: &Client, proc: &Proc, path: &str) -> Value {
    let r = client.get(proc.url(path)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200, "GET {path}");
    r.json().unwrap()
}

pub fn get_text(client: &Client, proc: &Proc, path: &str) -> (u16, String) {
    let r = client.get(proc.url(path)).send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// The archivist's export, audited with the offline code.
pub fn audit_export(
    client: &Client,
    proc: &Proc,
    verifier: &LogVerifier,
) -> Result<vpm_tlog::audit::AuditReport, vpm_tlog::audit::AuditProblem> {
    let (status, text) = get_text(client, proc, "/v1/log/export");
    assert_eq!(status, 200);
    vpm_tlog::audit::audit_export(text.as_bytes(), verifier, 2)
}

/// Runs the `vpm` binary.
pub fn vpm(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(vpm_testkit::bin_path("vpm"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
