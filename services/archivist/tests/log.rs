//! The archive log, black-box: the real `archivist` binary over HTTP, the
//! same suite on SQLite and on a PostgreSQL server the test starts itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{
    Archive, Backend, audit_export, client, decision, get, get_text, post, snapshot, vpm,
};
use vpm_model::record::Receipt;
use vpm_testkit::metric_sample;
use vpm_tlog::checkpoint;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(super::Backend::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name(super::Backend::Postgres) })*
        }
    };
}

on_both_backends!(
    receipts_verify_and_retries_add_nothing,
    concurrent_appends_leave_no_gap_and_no_duplicate,
    two_processes_append_to_one_log,
    kill_9_under_load_loses_no_receipted_record,
    a_record_altered_in_the_database_is_named,
    a_tree_node_altered_in_the_database_is_named,
    proofs_satisfy_an_independent_verifier,
    the_archive_metrics_count_outcomes_and_commits,
);

/// Appends by outcome, the tree size, and commits by how the writer knew
/// the head: on PostgreSQL a lone replica appends on the head it wrote,
/// except for its first batch and a batch holding a logged record; on
/// SQLite every batch reads the head (locally).
fn the_archive_metrics_count_outcomes_and_commits(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let c = client();
    for n in 1..=3 {
        let (status, body) = post(&c, &proc, &snapshot("demo", n, "2026-01-05", "Next"));
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = post(&c, &proc, &snapshot("demo", 1, "2026-01-05", "Next"));
    assert_eq!(status, 200, "a retry");
    let mut invalid = snapshot("demo", 5, "2026-01-05", "Next");
    invalid["trace_id"] = serde_json::json!("not-a-trace");
    let (status, _) = post(&c, &proc, &invalid);
    assert_eq!(status, 422, "an invalid submission");
    let (status, body) = post(&c, &proc, &snapshot("demo", 4, "2026-01-05", "Next"));
    assert_eq!(status, 201, "{body}");

    let (status, text) = get_text(&c, &proc, "/metrics");
    assert_eq!(status, 200);
    let appends =
        |result: &str| metric_sample(&text, "vpm_archive_appends_total", &[("result", result)]);
    assert_eq!(appends("new"), Some(4.0), "{text}");
    assert_eq!(appends("existing"), Some(1.0), "{text}");
    assert_eq!(appends("invalid"), Some(1.0), "{text}");
    assert_eq!(
        metric_sample(&text, "vpm_archive_tree_size", &[]),
        Some(4.0)
    );
    let commits = |head: &str| {
        metric_sample(&text, "vpm_archive_commits_total", &[("head", head)]).unwrap_or(0.0)
    };
    let batches = metric_sample(&text, "vpm_archive_commit_batch_size_count", &[]).unwrap_or(0.0);
    assert!(batches >= 4.0, "one commit per new record at least: {text}");
    assert_eq!(commits("known") + commits("read"), batches, "{text}");
    match backend {
        Backend::Sqlite => assert_eq!(commits("known"), 0.0, "{text}"),
        // Records 2, 3 and 4: the retry's batch, if it reached the writer,
        // found its record logged and read the head, which it then knew.
        Backend::Postgres => assert_eq!(commits("known"), 3.0, "{text}"),
    }
}

fn receipt(v: &Value) -> Receipt {
    serde_json::from_value(v.clone()).unwrap()
}

fn receipts_verify_and_retries_add_nothing(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let c = client();
    let body = snapshot("demo", 1, "2026-01-05", "Ship the archive");
    let (status, first) = post(&c, &proc, &body);
    assert_eq!(status, 201, "{first}");
    let first_receipt = receipt(&first);

    // The record and its receipt verify offline, with the public key only.
    let view = get(
        &c,
        &proc,
        &format!("/v1/records/{}", first_receipt.record_id),
    );
    vpm_tlog::receipt::check_with(
        &view["signed_record"],
        vpm_tlog::record::Beside::new(view.get("document"), view.get("provenance")),
        &first_receipt,
        &archive.verifier(),
    )
    .unwrap();
    // The document and the PROV document are served beside the record,
    // not inside it.
    assert_eq!(view["document"], body["subject"]["document"]);
    assert_eq!(
        view["signed_record"]["record"]["schema_version"],
        "vpm_record_v3"
    );
    assert!(
        view["signed_record"]["record"]["subject"]
            .get("document")
            .is_none()
    );
    assert_eq!(
        view["signed_record"]["record"]["trace_id"],
        body["trace_id"]
    );
    assert_eq!(
        view["provenance"]["activity"]["vpm:activity/planner"]["prov:startTime"],
        "2026-01-05T09:00:01Z"
    );

    // A retry gets the same receipt and adds no leaf, even after others.
    let (_, other) = post(&c, &proc, &decision("demo", 2));
    let (status, again) = post(&c, &proc, &body);
    assert_eq!(status, 200);
    assert_eq!(receipt(&again), first_receipt);
    let head = checkpoint::open(
        &get_text(&c, &proc, "/v1/log/checkpoint").1,
        &archive.verifier(),
    )
    .unwrap();
    assert_eq!(head.size, 2);
    assert_eq!(receipt(&other).leaf_index, 1);

    // The attachments are served as signed.
    let (status, md) = get_text(
        &c,
        &proc,
        &format!(
            "/v1/records/{}/attachments/snapshot.md",
            first_receipt.record_id
        ),
    );
    assert_eq!(status, 200);
    let signed_sha = view["signed_record"]["record"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap();
    assert_eq!(vpm_tlog::hash::sha256_hex(md.as_bytes()), signed_sha);

    // vpm verify agrees, from a saved copy of the record.
    let saved = archive.dir.path().join("record.json");
    std::fs::write(&saved, view.to_string()).unwrap();
    let key = archive.verifier().verifier_key();
    let (code, out, err) = vpm(&[
        "verify",
        "--public-key",
        &key,
        "--record",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok: record"), "{out}");
}

fn concurrent_appends_leave_no_gap_and_no_duplicate(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let indices = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for t in 0..16u64 {
            let (proc, indices) = (&proc, indices.clone());
            s.spawn(move || {
                let c = client();
                for i in 0..15u64 {
                    let n = t * 1000 + i;
                    let (status, r) = post(&c, proc, &decision("demo", n));
                    assert_eq!(status, 201, "{r}");
                    indices.lock().unwrap().push(receipt(&r).leaf_index);
                    // Every fifth record is sent twice: no second leaf.
                    if i % 5 == 0 {
                        let (status, again) = post(&c, proc, &decision("demo", n));
                        assert_eq!(status, 200);
                        assert_eq!(receipt(&again), receipt(&r));
                    }
                }
            });
        }
    });
    let indices: BTreeSet<u64> = indices.lock().unwrap().iter().copied().collect();
    assert_eq!(indices, (0..240).collect::<BTreeSet<u64>>());
    let c = client();
    let report = audit_export(&c, &proc, &archive.verifier()).unwrap();
    assert_eq!(report.tree_size, 240);
    let audit = get(&c, &proc, "/v1/log/verify");
    assert_eq!(audit["ok"], true, "{audit}");
}

fn two_processes_append_to_one_log(backend: Backend) {
    let archive = Archive::new(backend);
    let a = archive.start();
    let b = archive.start();
    let receipts = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for t in 0..12u64 {
            let proc = if t % 2 == 0 { &a } else { &b };
            let receipts = receipts.clone();
            s.spawn(move || {
                let c = client();
                for i in 0..20u64 {
                    let (status, r) = post(&c, proc, &decision("demo", t * 1000 + i));
                    assert_eq!(status, 201, "{r}");
                    receipts.lock().unwrap().push(receipt(&r));
                }
            });
        }
    });
    let receipts = receipts.lock().unwrap();
    let indices: BTreeSet<u64> = receipts.iter().map(|r| r.leaf_index).collect();
    assert_eq!(
        indices,
        (0..240).collect::<BTreeSet<u64>>(),
        "no gap, no duplicate"
    );
    // Every receipt, whichever process issued it, verifies against the log.
    let c = client();
    for r in receipts.iter().step_by(7) {
        let view = get(&c, &b, &format!("/v1/records/{}", r.record_id));
        vpm_tlog::receipt::check_with(
            &view["signed_record"],
            vpm_tlog::record::Beside::new(view.get("document"), view.get("provenance")),
            r,
            &archive.verifier(),
        )
        .unwrap();
    }
    assert_eq!(
        audit_export(&c, &a, &archive.verifier()).unwrap().tree_size,
        240
    );
    // And the later tree extends every earlier signed one.
    let latest = checkpoint::open(
        &get_text(&c, &a, "/v1/log/checkpoint").1,
        &archive.verifier(),
    )
    .unwrap();
    for r in receipts.iter().step_by(11) {
        let old = checkpoint::open(&r.checkpoint, &archive.verifier()).unwrap();
        let proof = get(
            &c,
            &b,
            &format!(
                "/v1/log/proof/consistency?old_size={}&new_size={}",
                old.size, latest.size
            ),
        );
        let hashes: Vec<vpm_tlog::Hash> = proof["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().parse().unwrap())
            .collect();
        vpm_tlog::merkle::verify_consistency(
            old.size,
            latest.size,
            &old.root,
            &latest.root,
            &hashes,
        )
        .unwrap();
    }
}

fn kill_9_under_load_loses_no_receipted_record(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let receipts = Arc::new(Mutex::new(Vec::new()));
    let stop_at = Instant::now() + Duration::from_millis(1500);
    std::thread::scope(|s| {
        for t in 0..16u64 {
            let (proc, receipts) = (&proc, receipts.clone());
            s.spawn(move || {
                let c = client();
                for i in 0..100_000u64 {
                    let body = decision("demo", t * 1_000_000 + i);
                    match c.post(proc.url("/v1/records")).json(&body).send() {
                        Ok(r) if r.status().as_u16() == 201 => {
                            receipts.lock().unwrap().push(r.json::<Receipt>().unwrap());
                        }
                        _ => return,
                    }
                    if Instant::now() > stop_at + Duration::from_secs(5) {
                        return;
                    }
                }
            });
        }
        std::thread::sleep(stop_at - Instant::now());
        proc.signal(libc::SIGKILL);
    });
    let receipts = receipts.lock().unwrap();
    assert!(
        receipts.len() > 20,
        "the load did not get going: {} receipts",
        receipts.len()
    );

    let restarted = archive.start();
    let c = client();
    for r in receipts.iter() {
        let view = get(&c, &restarted, &format!("/v1/records/{}", r.record_id));
        vpm_tlog::receipt::check_with(
            &view["signed_record"],
            vpm_tlog::record::Beside::new(view.get("document"), view.get("provenance")),
            r,
            &archive.verifier(),
        )
        .unwrap_or_else(|e| panic!("receipted record {} after the crash: {e}", r.leaf_index));
    }
    let audit = get(&c, &restarted, "/v1/log/verify");
    assert_eq!(audit["ok"], true, "{audit}");
    let report = audit_export(&c, &restarted, &archive.verifier()).unwrap();
    assert!(report.tree_size >= receipts.len() as u64);
    // The log goes on after the crash.
    let (status, r) = post(&c, &restarted, &decision("demo", 999_999_999));
    assert_eq!(status, 201, "{r}");
}

/// Appends `n` decisions and returns the server.
fn filled(archive: &Archive, n: u64) -> vpm_testkit::Proc {
    let proc = archive.start();
    let c = client();
    for i in 0..n {
        assert_eq!(post(&c, &proc, &decision("demo", i)).0, 201);
    }
    proc
}

fn export_to_file(archive: &Archive, proc: &vpm_testkit::Proc) -> String {
    let (_, text) = get_text(&client(), proc, "/v1/log/export");
    let path = archive.dir.path().join("export.ndjson");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn a_record_altered_in_the_database_is_named(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = filled(&archive, 12);
    let key = archive.verifier().verifier_key();
    let clean = export_to_file(&archive, &proc);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--log", &clean]);
    assert_eq!(code, 0, "{out}");

    let sql = "UPDATE entries SET signed_record = replace(signed_record, '\"project_id\":\"demo\"', '\"project_id\":\"dem0\"') WHERE leaf_index = 7";
    archive.execute(sql, sql);

    let audit = get(&client(), &proc, "/v1/log/verify");
    assert_eq!(audit["ok"], false);
    assert_eq!(audit["problem"]["leaf_index"], 7, "{audit}");
    let tampered = export_to_file(&archive, &proc);
    let (code, out, err) = vpm(&["verify", "--public-key", &key, "--log", &tampered]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("FAILED: entry 7:"), "{out}");
    assert!(out.contains("signature"), "{out}");
}

fn a_tree_node_altered_in_the_database_is_named(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = filled(&archive, 12);
    // Node (level 2, index 1) covers leaves 4..=7; leaf 7 completes it.
    archive.execute(
        "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 1",
        "UPDATE tree_nodes SET hash = decode(repeat('00', 32), 'hex') WHERE level = 2 AND idx = 1",
    );
    let audit = get(&client(), &proc, "/v1/log/verify");
    assert_eq!(audit["ok"], false);
    assert_eq!(audit["problem"]["leaf_index"], 7, "{audit}");
    assert!(
        audit["problem"]["reason"]
            .as_str()
            .unwrap()
            .contains("level 2, index 1"),
        "{audit}"
    );

    let key = archive.verifier().verifier_key();
    let tampered = export_to_file(&archive, &proc);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--log", &tampered]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("FAILED: entry 7:"), "{out}");
    // Proofs served from the altered node no longer verify either: leaf
    // 1's proof uses it as a sibling.
    let id = leaf_record_id(&proc, 1);
    let verification = get(&client(), &proc, &format!("/v1/records/{id}/verify"));
    assert_eq!(verification["signature_valid"], true);
    assert_eq!(verification["included"], false, "{verification}");
}

fn leaf_record_id(proc: &vpm_testkit::Proc, leaf: u64) -> String {
    let page = get(&client(), proc, "/v1/records?limit=500");
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["leaf_index"] == leaf)
        .unwrap()["record_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn proofs_satisfy_an_independent_verifier(backend: Backend) {
    // tlog_tiles is Cloudflare's port of Go's sumdb/tlog: not our code.
    let archive = Archive::new(backend);
    let proc = archive.start();
    let c = client();
    let mut receipts = Vec::new();
    for i in 0..13 {
        let (status, r) = post(&c, &proc, &decision("demo", i));
        assert_eq!(status, 201);
        receipts.push(receipt(&r));
    }
    let tt = |h: &str| tlog_tiles::Hash(h.parse::<vpm_tlog::Hash>().unwrap().0);
    let signed: Vec<_> = receipts
        .iter()
        .map(|r| checkpoint::open(&r.checkpoint, &archive.verifier()).unwrap())
        .collect();
    for r in &receipts {
        let proof: Vec<_> = r.inclusion_proof.iter().map(|h| tt(h)).collect();
        tlog_tiles::check_record(
            &proof,
            r.tree_size,
            tt(&r.root_hash),
            r.leaf_index,
            tt(&r.leaf_hash),
        )
        .unwrap();
        for head in signed.iter().filter(|h| h.size > r.leaf_index) {
            let p = get(
                &c,
                &proc,
                &format!(
                    "/v1/log/proof/inclusion?record_id={}&tree_size={}",
                    r.record_id, head.size
                ),
            );
            let hashes: Vec<_> = p["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| tt(h.as_str().unwrap()))
                .collect();
            tlog_tiles::check_record(
                &hashes,
                head.size,
                tlog_tiles::Hash(head.root.0),
                r.leaf_index,
                tt(&r.leaf_hash),
            )
            .unwrap_or_else(|e| panic!("leaf {} in {}: {e:?}", r.leaf_index, head.size));
        }
    }
    for old in &signed {
        for new in signed.iter().filter(|n| n.size > old.size) {
            let p = get(
                &c,
                &proc,
                &format!(
                    "/v1/log/proof/consistency?old_size={}&new_size={}",
                    old.size, new.size
                ),
            );
            let hashes: Vec<_> = p["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| tt(h.as_str().unwrap()))
                .collect();
            tlog_tiles::check_tree(
                &hashes,
                new.size,
                tlog_tiles::Hash(new.root.0),
                old.size,
                tlog_tiles::Hash(old.root.0),
            )
            .unwrap_or_else(|e| panic!("{} -> {}: {e:?}", old.size, new.size));
        }
    }
}

/// The SQLite schema a file had before the rowid key (2026-12-03) and
/// attachments keyed by leaf index (2026-12-04), with the 16 KiB pages of
/// files made on those days: such a file keeps all three, and works as
/// before.
const SQLITE_SCHEMA_BEFORE: &str = "
CREATE TABLE log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    leaf_index BIGINT PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    receipt_tree_size BIGINT NOT NULL,
    signed_record TEXT NOT NULL
);
CREATE INDEX entries_by_project ON entries (project_id, leaf_index);
CREATE TABLE attachments (
    record_id TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (record_id, name)
);
CREATE TABLE tree_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE tree_heads (
    tree_size BIGINT PRIMARY KEY,
    root_hash BLOB NOT NULL,
    checkpoint TEXT NOT NULL,
    created_at TEXT NOT NULL
);
";

/// The page size, and the `CREATE` statements of entries and attachments.
fn page_size_and_tables_sql(db: &std::path::Path) -> (i64, String, String) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let page: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let sql = |table: &str| -> String {
        conn.query_row(
            "SELECT sql FROM sqlite_master WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap()
    };
    (page, sql("entries"), sql("attachments"))
}

/// Every record's document and attachments are served as stored, whatever
/// the attachments table is keyed by.
fn attachments_are_served(proc: &vpm_testkit::Proc, n: usize) {
    let c = client();
    let list = get(&c, proc, &format!("/v1/records?limit={n}"));
    let records = list["records"].as_array().unwrap();
    assert_eq!(records.len(), n, "{list}");
    for r in records {
        let id = r["record_id"].as_str().unwrap();
        let view = get(&c, proc, &format!("/v1/records/{id}"));
        let names: Vec<&str> = view["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        // Decisions carry no renderings; their document is stored beside
        // the record in the attachments table, and read back from it.
        assert!(view["document"]["id"].is_string(), "{view}");
        for name in names {
            let (code, body) = get_text(&c, proc, &format!("/v1/records/{id}/attachments/{name}"));
            assert_eq!(code, 200, "{id} {name}: {body}");
        }
    }
}

#[test]
fn an_sqlite_file_of_the_previous_layout_keeps_it_and_works() {
    let archive = Archive::new(Backend::Sqlite);
    let db = archive.dir.path().join("archive.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "page_size", 16384).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch(SQLITE_SCHEMA_BEFORE).unwrap();
    }
    let proc = filled(&archive, 30);
    let report = audit_export(&client(), &proc, &archive.verifier()).unwrap();
    assert_eq!(report.tree_size, 30);
    let (page, sql, attachments) = page_size_and_tables_sql(&db);
    assert_eq!(page, 16384);
    assert!(sql.contains("leaf_index BIGINT PRIMARY KEY"), "{sql}");
    assert!(
        attachments.contains("PRIMARY KEY (record_id, name)"),
        "{attachments}"
    );
    attachments_are_served(&proc, 30);

    // A new file gets the new layout.
    let fresh = Archive::new(Backend::Sqlite);
    let proc = filled(&fresh, 3);
    assert_eq!(
        audit_export(&client(), &proc, &fresh.verifier())
            .unwrap()
            .tree_size,
        3
    );
    let (page, sql, attachments) = page_size_and_tables_sql(&fresh.dir.path().join("archive.db"));
    assert_eq!(page, 4096);
    assert!(sql.contains("leaf_index INTEGER PRIMARY KEY"), "{sql}");
    assert!(
        attachments.contains("PRIMARY KEY (leaf_index, name)"),
        "{attachments}"
    );
    attachments_are_served(&proc, 3);
}

/// Checkpoints run on their own thread soon after commits: the database
/// file itself (read without its WAL) holds the records while the log is
/// written, long before the 16 MiB of WAL at which the writer would copy
/// the pages over on its own.
#[test]
fn sqlite_checkpoints_copy_commits_into_the_file_without_waiting_for_the_writer() {
    let archive = Archive::new(Backend::Sqlite);
    let proc = archive.start();
    let c = client();
    for i in 0..40 {
        assert_eq!(post(&c, &proc, &decision("demo", i)).0, 201);
    }
    let db = archive.dir.path().join("archive.db");
    let wal = archive.dir.path().join("archive.db-wal");
    let copy = archive.dir.path().join("file-alone.db");
    // The file alone, as a copy with no WAL beside it; a copy taken while
    // a page is being written may not open, and is taken again.
    let in_the_file = || -> i64 {
        let _ = std::fs::remove_file(&copy);
        if std::fs::copy(&db, &copy).is_err() {
            return -1;
        }
        rusqlite::Connection::open(&copy)
            .and_then(|conn| conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0)))
            .unwrap_or(-1)
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut count = in_the_file();
    while count < 40 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        count = in_the_file();
    }
    let wal_size = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(
        count, 40,
        "the file alone holds {count} of 40 records; WAL {wal_size} bytes"
    );
    assert!(wal_size < 16 << 20, "{wal_size}");
}

/// The embedded SQLite is built without what the archive never uses
/// (`LIBSQLITE3_FLAGS` in `.cargo/config.toml`): no loading of extensions
/// and no full-text search, R-tree or dbstat modules, which would otherwise
/// register themselves on every connection the archivist opens.
#[test]
fn the_embedded_sqlite_loads_no_extensions_and_carries_no_unused_modules() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let options: Vec<String> = conn
        .prepare("SELECT compile_options FROM pragma_compile_options")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for wanted in [
        "OMIT_LOAD_EXTENSION",
        "DEFAULT_MEMSTATUS=0",
        "OMIT_SHARED_CACHE",
    ] {
        assert!(options.iter().any(|o| o == wanted), "{wanted}: {options:?}");
    }
    for unwanted in [
        "ENABLE_FTS3",
        "ENABLE_FTS5",
        "ENABLE_RTREE",
        "ENABLE_DBSTAT_VTAB",
    ] {
        assert!(
            !options.iter().any(|o| o == unwanted),
            "{unwanted}: {options:?}"
        );
    }
    let refused = |sql: &str| conn.execute_batch(sql).unwrap_err().to_string();
    assert!(
        refused("SELECT load_extension('/tmp/x')").contains("no such function"),
        "load_extension"
    );
    for module in ["fts5(body)", "fts4(body)", "rtree(id, x0, x1)"] {
        let err = refused(&format!("CREATE VIRTUAL TABLE t USING {module}"));
        assert!(err.contains("no such module"), "{module}: {err}");
    }
}

/// Three archivist processes append to one PostgreSQL that crashes twice
/// under their load (immediate shutdown, WAL recovery on restart). Clients
/// retry a `503` on the next replica, as docs/archive.md tells them to:
/// every record ends up in the log exactly once, with no gap and no fork,
/// and the export audits clean.
#[test]
fn replicas_keep_one_log_through_postgres_crashes() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    let archive = Archive::new(Backend::Postgres);
    let procs = [archive.start(), archive.start(), archive.start()];
    let pg = archive.postgres.as_ref().unwrap();
    let receipts = Mutex::new(Vec::new());
    let (stop, refused) = (AtomicBool::new(false), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..6u64 {
            let (procs, receipts, stop, refused) = (&procs, &receipts, &stop, &refused);
            s.spawn(move || {
                let c = client();
                let mut i = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    let body = decision("demo", t * 100_000 + i);
                    let deadline = Instant::now() + Duration::from_secs(60);
                    for attempt in 0u64.. {
                        let proc = &procs[((t + i + attempt) % 3) as usize];
                        let (status, r) = post(&c, proc, &body);
                        if status == 200 || status == 201 {
                            receipts.lock().unwrap().push(receipt(&r));
                            break;
                        }
                        assert_eq!(status, 503, "{r}");
                        refused.fetch_add(1, Ordering::SeqCst);
                        assert!(Instant::now() < deadline, "no replica took record {t}/{i}");
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    i += 1;
                }
            });
        }
        for _ in 0..2 {
            std::thread::sleep(Duration::from_millis(700));
            pg.crash_and_restart();
        }
        std::thread::sleep(Duration::from_millis(700));
        stop.store(true, Ordering::SeqCst);
    });
    let receipts = receipts.into_inner().unwrap();
    assert!(
        refused.load(Ordering::SeqCst) > 0,
        "the crashes hit no append: the test proved nothing"
    );
    let indices: BTreeSet<u64> = receipts.iter().map(|r| r.leaf_index).collect();
    let n = receipts.len() as u64;
    assert!(n > 100, "only {n} records were appended");
    assert_eq!(
        indices,
        (0..n).collect::<BTreeSet<u64>>(),
        "every record once: no gap, no duplicate"
    );
    let c = client();
    let report = audit_export(&c, &procs[0], &archive.verifier()).unwrap();
    assert_eq!(
        report.tree_size, n,
        "the log holds exactly the receipted records"
    );
    for r in receipts.iter().step_by(11) {
        let view = get(&c, &procs[2], &format!("/v1/records/{}", r.record_id));
        vpm_tlog::receipt::check_with(
            &view["signed_record"],
            vpm_tlog::record::Beside::new(view.get("document"), view.get("provenance")),
            r,
            &archive.verifier(),
        )
        .unwrap();
    }
}

mod known_head {
    //! A PostgreSQL replica plans each batch on the head it committed last
    //! and sends it in one round trip. When that head is no longer the
    //! log's newest, or a record of the batch is already logged, the server
    //! refuses the batch before `COMMIT`, nothing of it stays, and the
    //! replica reads the head and appends the batch again: the log stays
    //! one gap-free tree either way.

    use std::cell::Cell;

    use archivist::store::postgres::PostgresStore;
    use archivist::store::{Appended, HeadSigner, HeadSource, LogMeta, LogStore, NewEntry};
    use vpm_tlog::merkle::{self, Frontier};
    use vpm_tlog::{Hash, checkpoint};

    use super::support::{self, Archive, Backend};

    fn leaf(n: u8) -> Vec<u8> {
        format!("leaf {n}").into_bytes()
    }

    fn entry(n: u8) -> NewEntry {
        NewEntry {
            record_id: Hash::of(&[n]),
            project_id: "demo".into(),
            subject_kind: "decision".into(),
            leaf_hash: vpm_tlog::hash::leaf_hash(&leaf(n)),
            leaf: leaf(n),
            logged_at: archivist::store::now_rfc3339(),
            attachments: vec![],
        }
    }

    struct Replicas {
        archive: Archive,
        sign: HeadSigner,
        rt: tokio::runtime::Runtime,
        /// How the last append knew the head it appended to.
        head_source: Cell<Option<HeadSource>>,
    }

    impl Replicas {
        fn new() -> Self {
            let archive = Archive::new(Backend::Postgres);
            let sign = archive.head_signer();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            Self {
                archive,
                sign,
                rt,
                head_source: Cell::new(None),
            }
        }

        /// How the last append knew the head it appended to.
        fn head_source(&self) -> Option<HeadSource> {
            self.head_source.get()
        }

        fn replica(&self) -> PostgresStore {
            let store = PostgresStore::connect(&self.archive.url, 2).unwrap();
            let meta = LogMeta {
                origin: support::ORIGIN.into(),
                verifier_key: self.archive.verifier().verifier_key(),
            };
            self.rt.block_on(store.init(&meta)).unwrap();
            store
        }

        /// Where each record of `batch` landed: `Ok(index)` if added,
        /// `Err(index)` if it was already there.
        fn append(&self, store: &PostgresStore, batch: &[u8]) -> Vec<Result<u64, u64>> {
            let batch = batch.iter().map(|n| entry(*n)).collect();
            let outcome = self
                .rt
                .block_on(store.append_batch(batch, self.sign.clone()))
                .unwrap();
            self.head_source.set(Some(outcome.head_source));
            outcome
                .results
                .iter()
                .map(|a| match a {
                    Appended::New { leaf_index, .. } => Ok(*leaf_index),
                    Appended::Existing(e) => Err(e.leaf_index),
                })
                .collect()
        }

        /// The stored log is exactly the tree of these leaves, in order,
        /// under a head signed by the log's key.
        fn assert_log_is(&self, store: &PostgresStore, leaves: &[u8]) {
            self.rt.block_on(async {
                let mut frontier = Frontier::default();
                for (index, n) in (0u64..).zip(leaves) {
                    let stored = store.entry_by_index(index).await.unwrap().unwrap();
                    assert_eq!(stored.record_id, Hash::of(&[*n]).to_hex(), "leaf {index}");
                    frontier.push(vpm_tlog::hash::leaf_hash(&leaf(*n)));
                }
                let size = frontier.size();
                assert!(
                    store.entry_by_index(size).await.unwrap().is_none(),
                    "nothing past the head"
                );
                let head = store.latest_head().await.unwrap().unwrap();
                assert_eq!((head.tree_size, head.root), (size, frontier.root()));
                let nodes = store.nodes(merkle::root_nodes(size)).await.unwrap();
                assert_eq!(
                    merkle::root(size, |id| nodes.get(&id).copied()).unwrap(),
                    frontier.root(),
                    "the stored nodes make the head's root"
                );
                checkpoint::open(&head.checkpoint, &self.archive.verifier()).unwrap();
            });
        }
    }

    #[test]
    fn a_replica_appends_on_the_head_it_knows_and_rereads_it_when_it_moved() {
        use HeadSource::{Known, Read};
        let log = Replicas::new();
        let (a, b) = (log.replica(), log.replica());
        assert_eq!(log.append(&a, &[0]), [Ok(0)]);
        assert_eq!(log.head_source(), Some(Read), "A knew no head yet");
        assert_eq!(log.append(&a, &[1]), [Ok(1)]);
        assert_eq!(log.head_source(), Some(Known));
        assert_eq!(log.append(&b, &[2]), [Ok(2)]);
        assert_eq!(log.head_source(), Some(Read), "B knew no head yet");
        assert_eq!(log.append(&a, &[3]), [Ok(3)]);
        assert_eq!(
            log.head_source(),
            Some(Read),
            "B moved the head: A re-read it"
        );
        assert_eq!(log.append(&a, &[4]), [Ok(4)]);
        assert_eq!(log.head_source(), Some(Known));
        assert_eq!(
            log.append(&a, &[5, 1]),
            [Ok(5), Err(1)],
            "a logged record sends the batch the long way, and is not logged twice"
        );
        assert_eq!(log.head_source(), Some(Read));
        assert_eq!(log.append(&a, &[6, 6]), [Ok(6), Ok(6)]);
        assert_eq!(log.head_source(), Some(Known));
        assert_eq!(log.append(&b, &[4]), [Err(4)]);
        assert_eq!(log.head_source(), Some(Read));
        assert_eq!(log.append(&b, &[7]), [Ok(7)]);
        assert_eq!(
            log.head_source(),
            Some(Known),
            "reading the head for the logged record made it known for the next batch"
        );
        log.assert_log_is(&b, &[0, 1, 2, 3, 4, 5, 6, 7]);
    }

    /// A head of the size the replica knows, but not the one it wrote (the
    /// database was restored from a backup and others appended since), is
    /// a moved head too: planning on the old right edge would sign a root
    /// that is not the tree's.
    #[test]
    fn a_head_of_the_known_size_but_another_root_is_read_again() {
        let log = Replicas::new();
        let (a, b) = (log.replica(), log.replica());
        assert_eq!(log.append(&a, &[0]), [Ok(0)]);
        assert_eq!(log.append(&a, &[1]), [Ok(1)]);
        assert_eq!(
            log.head_source(),
            Some(HeadSource::Known),
            "A knows the head it wrote"
        );
        log.rt.block_on(async {
            let (client, connection) =
                tokio_postgres::connect(&log.archive.url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute(
                    "DELETE FROM attachments; DELETE FROM entries; \
                     DELETE FROM tree_nodes; DELETE FROM tree_heads",
                )
                .await
                .unwrap();
        });
        assert_eq!(log.append(&b, &[5, 6]), [Ok(0), Ok(1)]);
        assert_eq!(log.append(&a, &[2]), [Ok(2)]);
        assert_eq!(
            log.head_source(),
            Some(HeadSource::Read),
            "the head A knew has the size it wrote but another root"
        );
        log.assert_log_is(&a, &[5, 6, 2]);
    }
}
