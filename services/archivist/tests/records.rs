//! What a record commits to and where it is kept, black-box on both
//! backends: the subject's document beside the record (not in the leaf),
//! decisions as records of their own linked from their snapshot, and logs
//! written before either still verifying.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use support::{
    Archive, Backend, audit_export, client, curated_decision, get, get_text, large_snapshot, post,
    snapshot, snapshot_with_decisions, vpm,
};
use vpm_model::record::{Receipt, RecordSubject, RecordVersion, SubjectKind};
use vpm_tlog::canonical::to_canonical;

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
    a_large_snapshot_is_kept_beside_a_small_leaf_and_verifies_offline,
    an_altered_or_lost_document_is_named_with_its_record,
    an_altered_or_lost_prov_document_is_named_with_its_record,
    each_decision_is_one_record_filed_once_and_linked_from_its_snapshot,
    a_log_from_before_documents_left_the_leaf_still_verifies_and_serves,
);

/// The tampering statements for `Archive::execute`: SQLite, PostgreSQL.
const ALTER_DOCUMENT: (&str, &str) = (
    "UPDATE attachments SET content = CAST(replace(CAST(content AS TEXT), 'Week 7:', 'Week 8:') AS BLOB) \
     WHERE name = 'vpm:subject'",
    "UPDATE attachments SET content = convert_to(replace(convert_from(content, 'UTF8'), 'Week 7:', 'Week 8:'), 'UTF8') \
     WHERE name = 'vpm:subject'",
);

fn save(archive: &Archive, name: &str, value: &Value) -> String {
    let path = archive.dir.path().join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path.display().to_string()
}

fn export_file(archive: &Archive, proc: &vpm_testkit::Proc) -> String {
    let (status, text) = get_text(&client(), proc, "/v1/log/export");
    assert_eq!(status, 200);
    let path = archive.dir.path().join("export.ndjson");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn a_large_snapshot_is_kept_beside_a_small_leaf_and_verifies_offline(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let c = client();
    let body = large_snapshot("big", 1, 800);
    let document_bytes = to_canonical(&body["subject"]["document"]).unwrap().len();
    assert!(document_bytes > 65_535, "{document_bytes}");
    let (status, r) = post(&c, &proc, &body);
    assert_eq!(status, 201, "{r}");
    let receipt: Receipt = serde_json::from_value(r).unwrap();

    // The leaf is small; the record commits to the document's hash and
    // length, and the document is served with the record, as submitted.
    let view = get(&c, &proc, &format!("/v1/records/{}", receipt.record_id));
    let leaf = to_canonical(&view["signed_record"]).unwrap();
    assert!(leaf.len() < 4_096, "a {} byte leaf", leaf.len());
    let subject = &view["signed_record"]["record"]["subject"];
    assert_eq!(subject["bytes"], document_bytes);
    assert_eq!(
        subject["sha256"],
        vpm_tlog::record::subject_hash(&body["subject"]["document"]).unwrap()
    );
    assert_eq!(view["document"], body["subject"]["document"]);
    // So is the PROV document (version 3): the leaf holds hashes and names.
    let record = &view["signed_record"]["record"];
    assert_eq!(record["schema_version"], "vpm_record_v3");
    let prov = &view["provenance"];
    assert_eq!(
        prov["activity"]["vpm:activity/synthesizer"]["prov:type"],
        "vpm:CellRun"
    );
    let prov_bytes = to_canonical(prov).unwrap();
    assert_eq!(record["provenance"]["bytes"], prov_bytes.len());
    assert_eq!(
        record["provenance"]["sha256"],
        vpm_tlog::hash::sha256_hex(&prov_bytes)
    );
    assert!(leaf.len() < 1_500, "a {} byte leaf", leaf.len());
    vpm_tlog::receipt::check_with(
        &view["signed_record"],
        vpm_tlog::record::Beside::new(view.get("document"), view.get("provenance")),
        &receipt,
        &archive.verifier(),
    )
    .unwrap();
    // The document is no attachment of the record's.
    let names: Vec<&str> = view["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["snapshot.html", "snapshot.md"]);
    for name in ["vpm:subject", "vpm:provenance"] {
        let path = format!("/v1/records/{}/attachments/{name}", receipt.record_id);
        assert_eq!(get_text(&c, &proc, &path).0, 404);
    }

    // The listing and the page read the document from beside the record.
    let page = get(&c, &proc, "/v1/records?project_id=big&kind=pm_snapshot_v1");
    assert_eq!(page["records"][0]["title"], "Snapshot as of 2026-01-05");
    let (status, html) = get_text(
        &c,
        &proc,
        &format!("/v1/records/{}/html", receipt.record_id),
    );
    assert_eq!(status, 200);
    assert!(
        html.contains("Week 799: the archive moved"),
        "the page shows the document"
    );
    assert!(html.contains("data-verified=\"true\""));

    // The export carries the document; offline verification checks it.
    let report = audit_export(&c, &proc, &archive.verifier()).unwrap();
    assert_eq!(report.tree_size, 1);
    let export = export_file(&archive, &proc);
    let entry: Value = serde_json::from_str(
        std::fs::read_to_string(&export)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(entry["document"], body["subject"]["document"]);
    assert_eq!(&entry["provenance"], prov);
    let key = archive.verifier().verifier_key();
    let (code, out, err) = vpm(&["verify", "--public-key", &key, "--log", &export]);
    assert_eq!(code, 0, "{out}{err}");
    let saved = save(&archive, "record.json", &view);
    let (code, out, err) = vpm(&["verify", "--public-key", &key, "--record", &saved]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(pm_snapshot_v1)"), "{out}");
    assert_eq!(get(&c, &proc, "/v1/log/verify")["ok"], true);

    // A bare signed record needs its documents beside it.
    let bare = save(&archive, "bare.json", &view["signed_record"]);
    let receipt_file = save(&archive, "receipt.json", &view["receipt"]);
    let verify_bare = |beside: &[&str]| {
        let mut args = vec![
            "verify",
            "--public-key",
            &key,
            "--record",
            &bare,
            "--receipt",
            &receipt_file,
        ];
        args.extend_from_slice(beside);
        vpm(&args)
    };
    let (code, out, _) = verify_bare(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("FAILED: record {}", receipt.record_id)) && out.contains("missing"),
        "{out}"
    );
    let document = save(&archive, "document.json", &view["document"]);
    let (code, out, err) = verify_bare(&["--document", &document]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("its PROV document is missing"), "{out}");
    let provenance = save(&archive, "provenance.json", prov);
    let (code, out, err) = verify_bare(&["--document", &document, "--provenance", &provenance]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Changes the end time of the synthesizer's work in every stored PROV
/// document (SQLite, PostgreSQL).
const ALTER_PROVENANCE: (&str, &str) = (
    "UPDATE attachments SET content = CAST(replace(CAST(content AS TEXT), '\"prov:endTime\":\"2026-01-05', '\"prov:endTime\":\"2026-01-06') AS BLOB) \
     WHERE name = 'vpm:provenance'",
    "UPDATE attachments SET content = convert_to(replace(convert_from(content, 'UTF8'), '\"prov:endTime\":\"2026-01-05', '\"prov:endTime\":\"2026-01-06'), 'UTF8') \
     WHERE name = 'vpm:provenance'",
);

fn an_altered_or_lost_prov_document_is_named_with_its_record(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let c = client();
    let (status, r) = post(&c, &proc, &snapshot("demo", 0, "2026-01-05", "Ship"));
    assert_eq!(status, 201, "{r}");
    let target: Receipt = serde_json::from_value(r).unwrap();
    let key = archive.verifier().verifier_key();
    assert_eq!(get(&c, &proc, "/v1/log/verify")["ok"], true);

    // Who did the work, and when, is in the PROV document beside the leaf:
    // a change to it is named like a change to the snapshot.
    archive.execute(ALTER_PROVENANCE.0, ALTER_PROVENANCE.1);
    altered_is_named_by_every_check(&archive, &proc, &target, "PROV document");
    let view = get(&c, &proc, &format!("/v1/records/{}", target.record_id));
    assert!(
        view["provenance"].to_string().contains("2026-01-06"),
        "the altered document is served as stored: {view}"
    );
    let saved = save(&archive, "record.json", &view);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--record", &saved]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("its PROV document was altered"), "{out}");

    // Lost: the record is still served, and named as incomplete.
    archive.execute(
        "DELETE FROM attachments WHERE name = 'vpm:provenance'",
        "DELETE FROM attachments WHERE name = 'vpm:provenance'",
    );
    let audit = get(&c, &proc, "/v1/log/verify");
    assert!(
        audit["problem"]["reason"]
            .as_str()
            .unwrap()
            .contains("its PROV document is missing"),
        "{audit}"
    );
    let view = get(&c, &proc, &format!("/v1/records/{}", target.record_id));
    assert!(view.get("provenance").is_none(), "{view}");
    let (status, html) = get_text(&c, &proc, &format!("/v1/records/{}/html", target.record_id));
    assert_eq!(status, 200);
    assert!(html.contains("data-verified=\"false\""), "{html}");
    let export = export_file(&archive, &proc);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--log", &export]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("its PROV document is missing"), "{out}");
}

/// A record whose `what`, stored beside it, was altered is named as such,
/// at its leaf, by every check: the server's audit, its per-record check
/// (whose signature still verifies), and `vpm verify` of an export.
fn altered_is_named_by_every_check(
    archive: &Archive,
    proc: &vpm_testkit::Proc,
    target: &Receipt,
    what: &str,
) {
    let c = client();
    let key = archive.verifier().verifier_key();
    let altered = format!("record {}: its {what} was altered", target.record_id);
    let audit = get(&c, proc, "/v1/log/verify");
    assert_eq!(audit["ok"], false, "{audit}");
    assert_eq!(audit["problem"]["leaf_index"], target.leaf_index, "{audit}");
    let reason = audit["problem"]["reason"].as_str().unwrap();
    assert!(reason.starts_with(&altered), "{reason}");
    let check = get(
        &c,
        proc,
        &format!("/v1/records/{}/verify", target.record_id),
    );
    assert_eq!(check["signature_valid"], true);
    assert_eq!(check["document_valid"], false, "{check}");
    let export = export_file(archive, proc);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--log", &export]);
    assert_eq!(code, 1, "{out}");
    let first = format!("FAILED: entry {}: {altered}", target.leaf_index);
    assert!(out.starts_with(&first), "{out}");
}

fn an_altered_or_lost_document_is_named_with_its_record(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let c = client();
    for n in 0..3 {
        assert_eq!(
            post(&c, &proc, &snapshot("demo", n, "2026-01-05", "Ship")).0,
            201
        );
    }
    let (_, r) = post(&c, &proc, &large_snapshot("demo", 3, 20));
    let target: Receipt = serde_json::from_value(r).unwrap();
    assert_eq!(target.leaf_index, 3);
    let key = archive.verifier().verifier_key();

    // "Week 7:" is only in leaf 3's document.
    archive.execute(ALTER_DOCUMENT.0, ALTER_DOCUMENT.1);
    altered_is_named_by_every_check(&archive, &proc, &target, "document");
    let view = get(&c, &proc, &format!("/v1/records/{}", target.record_id));
    let saved = save(&archive, "record.json", &view);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--record", &saved]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("altered"), "{out}");
    let (_, page) = get_text(&c, &proc, "/v1/projects/demo");
    assert_eq!(page.matches("data-verified=\"false\"").count(), 1, "{page}");

    // A lost document: the record is still served, and named as incomplete.
    // SQLite files key attachments by leaf index, PostgreSQL by record id.
    archive.execute(
        "DELETE FROM attachments WHERE name = 'vpm:subject' AND leaf_index = 3",
        "DELETE FROM attachments WHERE name = 'vpm:subject' AND record_id IN \
         (SELECT record_id FROM entries WHERE leaf_index = 3)",
    );
    let audit = get(&c, &proc, "/v1/log/verify");
    assert_eq!(audit["problem"]["leaf_index"], 3, "{audit}");
    assert!(
        audit["problem"]["reason"]
            .as_str()
            .unwrap()
            .contains("its document is missing")
    );
    let view = get(&c, &proc, &format!("/v1/records/{}", target.record_id));
    assert!(view.get("document").is_none());
    let saved = save(&archive, "record.json", &view);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--record", &saved]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(&format!("FAILED: record {}", target.record_id)) && out.contains("missing"),
        "{out}"
    );
    let export = export_file(&archive, &proc);
    let (code, out, _) = vpm(&["verify", "--public-key", &key, "--log", &export]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("FAILED: entry 3: record"), "{out}");
}

fn tree_size(c: &vpm_testkit::reqwest::blocking::Client, proc: &vpm_testkit::Proc) -> u64 {
    let text = get_text(c, proc, "/v1/log/checkpoint").1;
    text.lines().nth(1).unwrap().parse().unwrap()
}

fn each_decision_is_one_record_filed_once_and_linked_from_its_snapshot(backend: Backend) {
    let archive = Archive::new(backend);
    let proc = archive.start();
    let c = client();
    let d1 = curated_decision("D-1", "Use PostgreSQL for the shared archive");
    let d2 = curated_decision("D-2", "Release every week");

    // First run: two decision records, then the snapshot's, in one commit.
    let (status, r) = post(
        &c,
        &proc,
        &snapshot_with_decisions("demo", 1, &[d1.clone(), d2.clone()]),
    );
    assert_eq!(status, 201, "{r}");
    let first: Receipt = serde_json::from_value(r).unwrap();
    assert_eq!(first.leaf_index, 2);
    assert_eq!(first.tree_size, 3);
    let ids: Vec<(&str, u64, bool)> = first
        .decisions
        .iter()
        .map(|d| (d.decision_id.as_str(), d.leaf_index, d.new))
        .collect();
    assert_eq!(ids, [("D-1", 0, true), ("D-2", 1, true)]);

    // A decision's record: the decision alone, nothing of the run.
    let view = get(
        &c,
        &proc,
        &format!("/v1/records/{}", first.decisions[0].record_id),
    );
    assert_eq!(view["document"], d1);
    let record = &view["signed_record"]["record"];
    assert_eq!(record["subject"]["kind"], "decision");
    assert!(record.get("trace_id").is_none(), "{record}");
    assert!(record["provenance"].get("activity").is_none(), "{record}");
    assert_eq!(
        view["receipt"]["leaf_hash"],
        first.decisions[0].leaf_hash.as_str()
    );
    vpm_tlog::receipt::check_with(
        &view["signed_record"],
        vpm_tlog::record::Beside::new(view.get("document"), view.get("provenance")),
        &serde_json::from_value(view["receipt"].clone()).unwrap(),
        &archive.verifier(),
    )
    .unwrap();

    // The snapshot's record links each by record id and document hash.
    let snapshot_view = get(&c, &proc, &format!("/v1/records/{}", first.record_id));
    // In the PROV document kept beside the (version 3) snapshot record.
    assert_eq!(
        snapshot_view["signed_record"]["record"]["schema_version"],
        "vpm_record_v3"
    );
    assert!(
        snapshot_view["signed_record"]["record"]["provenance"]
            .get("entity")
            .is_none()
    );
    let links = vpm_tlog::record::links(&snapshot_view["provenance"]);
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].entity, "vpm:decision/D-1");
    assert_eq!(links[0].record_id, first.decisions[0].record_id);
    assert_eq!(
        links[0].sha256,
        record["subject"]["sha256"].as_str().unwrap()
    );
    assert_eq!(links[1].record_id, first.decisions[1].record_id);

    // Second run, other trace id and times, same decisions: only the
    // snapshot's record is new.
    let mut second_body = snapshot_with_decisions("demo", 2, &[d1.clone(), d2.clone()]);
    second_body["activities"][0]["started_at"] = json!("2026-01-12T09:00:00Z");
    second_body["activities"][0]["ended_at"] = json!("2026-01-12T09:00:01Z");
    let (status, r) = post(&c, &proc, &second_body);
    assert_eq!(status, 201, "{r}");
    let second: Receipt = serde_json::from_value(r).unwrap();
    assert_eq!(tree_size(&c, &proc), 4, "no leaf for an unchanged decision");
    assert_eq!(second.leaf_index, 3);
    for (a, b) in first.decisions.iter().zip(&second.decisions) {
        assert_eq!((&a.record_id, a.leaf_index), (&b.record_id, b.leaf_index));
        assert!(!b.new);
    }

    // Third run: D-2 changed, so D-2 alone gets a new record.
    let d2_changed = curated_decision("D-2", "Release every two weeks");
    let (_, r) = post(
        &c,
        &proc,
        &snapshot_with_decisions("demo", 3, &[d1.clone(), d2_changed]),
    );
    let third: Receipt = serde_json::from_value(r).unwrap();
    assert_eq!(tree_size(&c, &proc), 6);
    assert_eq!(
        (third.decisions[0].new, third.decisions[1].new),
        (false, true)
    );
    assert_eq!(third.decisions[1].leaf_index, 4);
    assert_eq!(third.leaf_index, 5);
    assert_ne!(third.decisions[1].record_id, first.decisions[1].record_id);

    // The listing filters by kind.
    let decisions = get(&c, &proc, "/v1/records?project_id=demo&kind=decision");
    let titles: Vec<&str> = decisions["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Decision D-2: Release every two weeks",
            "Decision D-2: Release every week",
            "Decision D-1: Use PostgreSQL for the shared archive"
        ]
    );
    let snapshots = get(&c, &proc, "/v1/records?project_id=demo&kind=pm_snapshot_v1");
    assert_eq!(snapshots["records"].as_array().unwrap().len(), 3);

    // vpm verify proves a decision record and its link from a snapshot...
    let key = archive.verifier().verifier_key();
    let decision_file = save(&archive, "decision.json", &view);
    let snapshot_file = save(&archive, "snapshot.json", &snapshot_view);
    let (code, out, err) = vpm(&[
        "verify",
        "--public-key",
        &key,
        "--record",
        &decision_file,
        "--linked-from",
        &snapshot_file,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("(decision)") && out.contains("links it as vpm:decision/D-1"),
        "{out}"
    );
    assert!(out.contains("linking 2 decision record(s)"), "{out}");
    // ...and refuses a link the snapshot does not make.
    let changed = get(
        &c,
        &proc,
        &format!("/v1/records/{}", third.decisions[1].record_id),
    );
    let changed_file = save(&archive, "changed.json", &changed);
    let (code, out, _) = vpm(&[
        "verify",
        "--public-key",
        &key,
        "--record",
        &changed_file,
        "--linked-from",
        &snapshot_file,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("does not link it"), "{out}");

    assert_eq!(
        audit_export(&c, &proc, &archive.verifier())
            .unwrap()
            .tree_size,
        6
    );
    assert_eq!(get(&c, &proc, "/v1/log/verify")["ok"], true);
    // The same decisions twice in one submission are refused, by field.
    let (status, r) = post(
        &c,
        &proc,
        &snapshot_with_decisions("demo", 4, &[d1.clone(), d1]),
    );
    assert_eq!(status, 422, "{r}");
    assert_eq!(
        r["error"]["details"]["problems"][0]["path"],
        "decisions[1].id"
    );
}

/// A version 1 record (document inline), appended through the store as
/// the archivist of before wrote it.
fn append_v1_record(archive: &Archive) -> (String, Value) {
    use archivist::store::{LogMeta, LogStore, NewEntry};
    let document = serde_json::json!({
        "id": "D-0", "date": null, "decision": "Keep the archive append-only",
        "rationale": null, "links": [], "source": {"path": "decisions/0.yaml", "line": 1}});
    let record = vpm_model::record::Record {
        schema_version: RecordVersion::V1,
        project_id: "demo".into(),
        trace_id: Some(support::trace_id(0)),
        subject: RecordSubject {
            kind: SubjectKind::Decision,
            sha256: vpm_tlog::record::subject_hash(&document).unwrap(),
            bytes: None,
            document: Some(document.clone()),
        },
        attachments: vec![],
        provenance: vpm_model::record::RecordProvenance::Inline(Default::default()),
    };
    let sealed = vpm_tlog::record::seal(record, &archive.key).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store: Arc<dyn LogStore> = match backend_of(archive) {
            Backend::Sqlite => Arc::new(
                archivist::store::sqlite::SqliteStore::open(&archive.dir.path().join("archive.db"))
                    .unwrap(),
            ),
            Backend::Postgres => Arc::new(
                archivist::store::postgres::PostgresStore::connect(&archive.url, 2).unwrap(),
            ),
        };
        let verifier = archive.verifier();
        store
            .init(&LogMeta {
                origin: support::ORIGIN.into(),
                verifier_key: verifier.verifier_key(),
            })
            .await
            .unwrap();
        let sign = archive.head_signer();
        let entry = NewEntry {
            record_id: sealed.record_id,
            project_id: "demo".into(),
            subject_kind: "decision".into(),
            leaf: sealed.leaf.clone(),
            leaf_hash: sealed.leaf_hash,
            logged_at: archivist::store::now_rfc3339(),
            attachments: vec![],
        };
        store.append_batch(vec![entry], sign).await.unwrap();
    });
    (sealed.record_id.to_hex(), document)
}

fn backend_of(archive: &Archive) -> Backend {
    archive.backend
}

fn a_log_from_before_documents_left_the_leaf_still_verifies_and_serves(backend: Backend) {
    let archive = Archive::new(backend);
    let (old_id, old_document) = append_v1_record(&archive);
    let proc = archive.start();
    let c = client();
    let (status, r) = post(&c, &proc, &snapshot("demo", 1, "2026-01-05", "Ship"));
    assert_eq!(status, 201, "{r}");

    let view = get(&c, &proc, &format!("/v1/records/{old_id}"));
    assert_eq!(
        view["signed_record"]["record"]["schema_version"],
        "vpm_record_v1"
    );
    assert_eq!(
        view["signed_record"]["record"]["subject"]["document"],
        old_document
    );
    assert_eq!(view["document"], old_document);
    let check = get(&c, &proc, &format!("/v1/records/{old_id}/verify"));
    assert_eq!(check["document_valid"], true, "{check}");
    assert_eq!(check["included"], true, "{check}");
    let key = archive.verifier().verifier_key();
    let saved = save(&archive, "old.json", &view);
    let (code, out, err) = vpm(&["verify", "--public-key", &key, "--record", &saved]);
    assert_eq!(code, 0, "{out}{err}");
    let page = get(&c, &proc, "/v1/records?project_id=demo&kind=decision");
    assert_eq!(
        page["records"][0]["title"],
        "Decision D-0: Keep the archive append-only"
    );

    let export = export_file(&archive, &proc);
    let (code, out, err) = vpm(&["verify", "--public-key", &key, "--log", &export]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok: 2 entries"), "{out}");
    assert_eq!(get(&c, &proc, "/v1/log/verify")["ok"], true);
}
