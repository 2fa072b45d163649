//! From what the pipeline submits to the W3C PROV record that is signed.
//!
//! The graph, in PROV terms:
//!
//! * entities: `vpm:subject` (the snapshot or decision), one
//!   `vpm:input/<path>` per input file, one `vpm:attachment/<name>` per
//!   rendered view — each with its SHA-256;
//! * activities: one `vpm:activity/<cell>` per cell run, with start and end;
//! * agents: one `vpm:agent/<cell>` per cell (a `prov:SoftwareAgent` with
//!   its version), and `vpm:submitter` when someone submitted the run;
//! * relations: the first activity `used` every input; each activity
//!   `wasInformedBy` the one before and `wasAssociatedWith` its cell; the
//!   subject and attachments `wasGeneratedBy` the last activity; the subject
//!   `wasDerivedFrom` every input, each attachment from the subject; the
//!   subject `wasAttributedTo` the submitter;
//! * with a snapshot's decisions: one `vpm:decision/<id>` entity per
//!   decision, carrying the decision's hash and the id of its own record
//!   (`vpm:record`), and the snapshot `wasDerivedFrom` each.
//!
//! Neither the subject's document nor the PROV document is in the record
//! (version 3): the record commits to the SHA-256 and length of each one's
//! canonical JSON (`subject.sha256` and `subject.bytes`;
//! `provenance.sha256` and `provenance.bytes`), and both are stored beside
//! it (as the attachments [`DOCUMENT`] and [`PROVENANCE`]), so that a leaf
//! stays small however large the project, and hashing the log is cheap.
//!
//! A decision filed with a snapshot gets a record built from the project id
//! and the decision alone — no trace id, no times, no submitter — so an
//! unchanged decision makes the same record on every run, and the log's
//! idempotence adds no leaf for it; a changed decision makes a new one. For
//! the same reason it stays a version 2 record, with its one-entity PROV
//! document inside: a new record version must not refile every unchanged
//! decision.
//!
//! Everything here is a pure function of the submission, so the same
//! submission always gives the same records — and the same record ids.

use std::collections::{BTreeMap, HashSet};

use vpm_model::Problem;
use vpm_model::curated::Decision;
use vpm_model::record::{
    AttachmentDigest, DocumentDigest, ProvActivity, ProvAgent, ProvAssociation, ProvAttribution,
    ProvCommunication, ProvDerivation, ProvDocument, ProvEntity, ProvGeneration, ProvUsage, Record,
    RecordProvenance, RecordSubject, RecordSubmission, RecordVersion, Subject, SubjectKind,
    SubmitterKind,
};
use vpm_tlog::canonical::to_canonical;
use vpm_tlog::hash::sha256_hex;
use vpm_tlog::record::record_id;

use crate::store::StoredAttachment;

/// The name the subject's document is stored under, beside the record, in
/// the record's attachments. A submitted attachment cannot take it (their
/// names have no `:`), and the attachment routes do not serve it: the
/// document is served with the record.
pub const DOCUMENT: &str = "vpm:subject";

/// The name a version 3 record's PROV document is stored under, beside the
/// record; like [`DOCUMENT`], no submitted attachment can take it, and it
/// is served with the record.
pub const PROVENANCE: &str = "vpm:provenance";

/// The namespace of `vpm:` names in records.
pub const VPM_NAMESPACE: &str = "https://github.com/hirakuarai/vpm/ns/prov#";

/// The longest project id accepted, in characters.
const MAX_PROJECT_ID: usize = 200;

/// A record to file, with what is stored beside it: the subject's
/// document and the attachments' bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub record: Record,
    /// The subject's document as its canonical JSON: the bytes whose
    /// SHA-256 and length the record states.
    pub document: Vec<u8>,
    /// A version 3 record's PROV document as its canonical JSON: the bytes
    /// whose SHA-256 and length the record's `provenance` states.
    pub provenance: Option<Vec<u8>>,
    pub attachments: Vec<StoredAttachment>,
}

impl Prepared {
    /// The record, and what the store keeps beside it: the attachments,
    /// the document (under [`DOCUMENT`]) and the PROV document of a
    /// version 3 record (under [`PROVENANCE`]).
    pub fn into_parts(self) -> (Record, Vec<StoredAttachment>) {
        let mut stored = self.attachments;
        stored.push(StoredAttachment {
            name: DOCUMENT.to_owned(),
            media_type: "application/json".to_owned(),
            content: self.document,
        });
        if let Some(provenance) = self.provenance {
            stored.push(StoredAttachment {
                name: PROVENANCE.to_owned(),
                media_type: "application/json".to_owned(),
                content: provenance,
            });
        }
        (self.record, stored)
    }
}

/// The record of one decision filed with a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedDecision {
    pub decision_id: String,
    pub prepared: Prepared,
}

/// Everything one submission files, in log order: the records of its
/// decisions, then the record of its subject (which links them).
#[derive(Debug, Clone, PartialEq)]
pub struct Filing {
    pub decisions: Vec<PreparedDecision>,
    pub subject: Prepared,
}

/// A document, its canonical JSON and that JSON's SHA-256.
fn canonical_document(
    document: &impl serde::Serialize,
    at: &str,
) -> Result<(Vec<u8>, String), Vec<Problem>> {
    let canonical =
        to_canonical(document).map_err(|e| vec![problem(at, "bad_value", None, e.to_string())])?;
    let sha = sha256_hex(&canonical);
    Ok((canonical, sha))
}

/// The record of a decision filed with a snapshot: the project and the
/// decision, nothing that changes from run to run.
pub fn decision_record(
    project_id: &str,
    decision: &Decision,
    at: &str,
) -> Result<Prepared, Vec<Problem>> {
    let (document, sha) = canonical_document(decision, at)?;
    let mut provenance = ProvDocument {
        prefix: BTreeMap::from([("vpm".to_owned(), VPM_NAMESPACE.to_owned())]),
        ..ProvDocument::default()
    };
    provenance.entity.insert(
        "vpm:subject".into(),
        ProvEntity {
            prov_type: "vpm:Decision".into(),
            label: Some(format!("decision {}", decision.id)),
            sha256: sha.clone(),
            path: None,
            media_type: Some("application/json".into()),
            record: None,
        },
    );
    Ok(Prepared {
        record: Record {
            schema_version: RecordVersion::LINKED_DECISION,
            project_id: project_id.to_owned(),
            trace_id: None,
            subject: RecordSubject {
                kind: SubjectKind::Decision,
                sha256: sha,
                bytes: Some(document.len() as u64),
                document: None,
            },
            attachments: vec![],
            provenance: RecordProvenance::Inline(Box::new(provenance)),
        },
        document,
        provenance: None,
        attachments: vec![],
    })
}

/// A link from a snapshot's record to a decision's.
struct DecisionLink {
    id: String,
    sha256: String,
    record_id: String,
}

/// Validates `submission` and builds its records; lists every problem found.
pub fn prepare(submission: RecordSubmission) -> Result<Filing, Vec<Problem>> {
    let problems = validate(&submission);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut decisions = Vec::with_capacity(submission.decisions.len());
    let mut links = Vec::with_capacity(submission.decisions.len());
    for (i, decision) in submission.decisions.iter().enumerate() {
        let at = format!("decisions[{i}]");
        let prepared = decision_record(&submission.project_id, decision, &at)?;
        let id = record_id(&prepared.record)
            .map_err(|e| vec![problem(&at, "bad_value", None, e.to_string())])?;
        links.push(DecisionLink {
            id: decision.id.clone(),
            sha256: prepared.record.subject.sha256.clone(),
            record_id: id.to_hex(),
        });
        decisions.push(PreparedDecision {
            decision_id: decision.id.clone(),
            prepared,
        });
    }
    let (document, subject_sha) = match &submission.subject {
        Subject::PmSnapshot(s) => canonical_document(s, "subject.document"),
        Subject::Decision(d) => canonical_document(d, "subject.document"),
    }?;

    let attachments: Vec<StoredAttachment> = submission
        .attachments
        .iter()
        .map(|a| StoredAttachment {
            name: a.name.clone(),
            media_type: a.media_type.clone(),
            content: a.content.as_bytes().to_vec(),
        })
        .collect();
    let digests: Vec<AttachmentDigest> = attachments
        .iter()
        .map(|a| AttachmentDigest {
            name: a.name.clone(),
            media_type: a.media_type.clone(),
            sha256: sha256_hex(&a.content),
            bytes: a.content.len() as u64,
        })
        .collect();
    let provenance = prov_graph(&submission, &subject_sha, &digests, &links);
    let (provenance, provenance_sha) = canonical_document(&provenance, "provenance")?;
    let subject = Prepared {
        record: Record {
            schema_version: RecordVersion::CURRENT,
            project_id: submission.project_id.clone(),
            trace_id: Some(submission.trace_id.clone()),
            subject: RecordSubject {
                kind: submission.subject.kind(),
                sha256: subject_sha,
                bytes: Some(document.len() as u64),
                document: None,
            },
            attachments: digests,
            provenance: RecordProvenance::Beside(DocumentDigest {
                sha256: provenance_sha,
                bytes: provenance.len() as u64,
            }),
        },
        document,
        provenance: Some(provenance),
        attachments,
    };
    Ok(Filing { decisions, subject })
}

fn problem(path: &str, code: &str, value: Option<&str>, message: impl Into<String>) -> Problem {
    let p = Problem::new(code, path, None, message);
    match value {
        Some(v) => p.with_value(v.chars().take(200).collect::<String>()),
        None => p,
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Every problem of a submission, each naming the field (as a JSON path).
pub fn validate(s: &RecordSubmission) -> Vec<Problem> {
    let mut problems = Vec::new();
    let id = s.project_id.as_str();
    if id.trim().is_empty() {
        problems.push(problem(
            "project_id",
            "missing_value",
            Some(id),
            "the project id is empty",
        ));
    } else if id.chars().count() > MAX_PROJECT_ID || id.chars().any(char::is_control) {
        problems.push(problem(
            "project_id",
            "bad_value",
            Some(id),
            format!(
                "a project id has at most {MAX_PROJECT_ID} characters and no control characters"
            ),
        ));
    }
    if !is_lower_hex(&s.trace_id, 32) || s.trace_id.bytes().all(|b| b == b'0') {
        problems.push(problem(
            "trace_id",
            "bad_value",
            Some(&s.trace_id),
            "a W3C trace id is 32 lowercase hex digits, not all zero",
        ));
    }
    if let Subject::PmSnapshot(snapshot) = &s.subject
        && snapshot.project_id != s.project_id
    {
        problems.push(problem(
            "subject.document.project_id",
            "project_mismatch",
            Some(&snapshot.project_id),
            format!(
                "the snapshot is for project {:?}, the submission for {:?}",
                snapshot.project_id, s.project_id
            ),
        ));
    }
    let mut paths = HashSet::new();
    for (i, input) in s.inputs.iter().enumerate() {
        let at = format!("inputs[{i}]");
        if input.path.trim().is_empty() {
            problems.push(problem(
                &format!("{at}.path"),
                "missing_value",
                None,
                "an input needs a path",
            ));
        } else if !paths.insert(input.path.as_str()) {
            problems.push(problem(
                &format!("{at}.path"),
                "duplicate_id",
                Some(&input.path),
                "this input is listed twice",
            ));
        }
        if !is_lower_hex(&input.sha256, 64) {
            problems.push(problem(
                &format!("{at}.sha256"),
                "bad_value",
                Some(&input.sha256),
                "a SHA-256 is 64 lowercase hex digits",
            ));
        }
    }
    for (i, activity) in s.activities.iter().enumerate() {
        let at = format!("activities[{i}]");
        if !name_ok(&activity.cell) {
            problems.push(problem(
                &format!("{at}.cell"),
                "bad_value",
                Some(&activity.cell),
                "a cell name is made of letters, digits, '.', '_' and '-'",
            ));
        }
        if activity.ended_at < activity.started_at {
            problems.push(problem(
                &format!("{at}.ended_at"),
                "bad_value",
                Some(&activity.ended_at.to_rfc3339()),
                format!(
                    "the activity ends before it starts ({})",
                    activity.started_at.to_rfc3339()
                ),
            ));
        }
    }
    if !s.decisions.is_empty() && matches!(s.subject, Subject::Decision(_)) {
        problems.push(problem(
            "decisions",
            "bad_value",
            None,
            "only a snapshot's submission carries decisions; submit a decision as the subject",
        ));
    }
    let mut decision_ids = HashSet::new();
    for (i, d) in s.decisions.iter().enumerate() {
        let at = format!("decisions[{i}].id");
        if d.id.trim().is_empty()
            || d.id.chars().count() > 200
            || d.id.chars().any(char::is_control)
        {
            problems.push(problem(
                &at,
                "bad_value",
                Some(&d.id),
                "a decision id is 1 to 200 characters, none of them control characters",
            ));
        } else if !decision_ids.insert(d.id.as_str()) {
            problems.push(problem(
                &at,
                "duplicate_id",
                Some(&d.id),
                "two decisions have this id",
            ));
        }
    }
    if let Some(submitter) = &s.submitted_by
        && submitter.id.trim().is_empty()
    {
        problems.push(problem(
            "submitted_by.id",
            "missing_value",
            None,
            "the submitter needs an id",
        ));
    }
    let mut names = HashSet::new();
    for (i, a) in s.attachments.iter().enumerate() {
        let at = format!("attachments[{i}]");
        if !name_ok(&a.name) {
            problems.push(problem(
                &format!("{at}.name"),
                "bad_value",
                Some(&a.name),
                "an attachment name is a file name of letters, digits, '.', '_' and '-'",
            ));
        } else if !names.insert(a.name.as_str()) {
            problems.push(problem(
                &format!("{at}.name"),
                "duplicate_id",
                Some(&a.name),
                "two attachments have this name",
            ));
        }
        if !media_type_ok(&a.media_type) {
            problems.push(problem(
                &format!("{at}.media_type"),
                "bad_value",
                Some(&a.media_type),
                "expected a media type such as text/markdown or text/html",
            ));
        }
    }
    problems
}

/// Cell and attachment names appear in PROV identifiers and URLs: keep
/// them to letters, digits, `.`, `_` and `-`.
fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && name != "."
        && name != ".."
}

fn media_type_ok(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    let mut parts = essence.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// The PROV graph of a submission (see the module docs).
fn prov_graph(
    s: &RecordSubmission,
    subject_sha: &str,
    attachments: &[AttachmentDigest],
    decisions: &[DecisionLink],
) -> ProvDocument {
    let mut doc = ProvDocument {
        prefix: BTreeMap::from([("vpm".to_owned(), VPM_NAMESPACE.to_owned())]),
        ..ProvDocument::default()
    };
    let subject_id = "vpm:subject".to_owned();
    let (subject_type, label) = match &s.subject {
        Subject::PmSnapshot(snap) => (
            "vpm:PmSnapshot",
            format!(
                "pm_snapshot_v1 of {} as of {}",
                snap.project_id, snap.as_of_date
            ),
        ),
        Subject::Decision(d) => ("vpm:Decision", format!("decision {}", d.id)),
    };
    doc.entity.insert(
        subject_id.clone(),
        ProvEntity {
            prov_type: subject_type.into(),
            label: Some(label),
            sha256: subject_sha.to_owned(),
            path: None,
            media_type: Some("application/json".into()),
            record: None,
        },
    );
    for (i, input) in s.inputs.iter().enumerate() {
        let id = format!("vpm:input/{}", input.path);
        doc.entity.insert(
            id.clone(),
            ProvEntity {
                prov_type: "vpm:SourceFile".into(),
                label: None,
                sha256: input.sha256.clone(),
                path: Some(input.path.clone()),
                media_type: None,
                record: None,
            },
        );
        doc.was_derived_from.insert(
            format!("_:der{}", i + 1),
            ProvDerivation {
                generated_entity: subject_id.clone(),
                used_entity: id,
            },
        );
    }
    for (i, a) in attachments.iter().enumerate() {
        let id = format!("vpm:attachment/{}", a.name);
        doc.entity.insert(
            id.clone(),
            ProvEntity {
                prov_type: "vpm:Rendering".into(),
                label: Some(a.name.clone()),
                sha256: a.sha256.clone(),
                path: None,
                media_type: Some(a.media_type.clone()),
                record: None,
            },
        );
        doc.was_derived_from.insert(
            format!("_:der{}", s.inputs.len() + i + 1),
            ProvDerivation {
                generated_entity: id,
                used_entity: subject_id.clone(),
            },
        );
    }
    for (i, d) in decisions.iter().enumerate() {
        // Kept short: a snapshot links every decision of the project.
        let id = format!("vpm:decision/{}", d.id);
        doc.entity.insert(
            id.clone(),
            ProvEntity {
                prov_type: "vpm:Decision".into(),
                label: None,
                sha256: d.sha256.clone(),
                path: None,
                media_type: None,
                record: Some(d.record_id.clone()),
            },
        );
        doc.was_derived_from.insert(
            format!("_:der{}", s.inputs.len() + attachments.len() + i + 1),
            ProvDerivation {
                generated_entity: subject_id.clone(),
                used_entity: id,
            },
        );
    }

    // The same cell may run twice (a retried step): number the repeats.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut activity_ids = Vec::new();
    for (i, a) in s.activities.iter().enumerate() {
        let n = seen.entry(a.cell.as_str()).or_insert(0);
        *n += 1;
        let id = if *n == 1 {
            format!("vpm:activity/{}", a.cell)
        } else {
            format!("vpm:activity/{}-{n}", a.cell)
        };
        doc.activity.insert(
            id.clone(),
            ProvActivity {
                prov_type: "vpm:CellRun".into(),
                label: Some(format!("{} {}", a.cell, a.version)),
                start_time: a.started_at,
                end_time: a.ended_at,
            },
        );
        let agent = format!("vpm:agent/{}", a.cell);
        doc.agent.entry(agent.clone()).or_insert_with(|| ProvAgent {
            prov_type: "prov:SoftwareAgent".into(),
            label: Some(a.cell.clone()),
            version: Some(a.version.clone()),
        });
        doc.was_associated_with.insert(
            format!("_:assoc{}", i + 1),
            ProvAssociation {
                activity: id.clone(),
                agent,
            },
        );
        if let Some(previous) = activity_ids.last() {
            doc.was_informed_by.insert(
                format!("_:inf{i}"),
                ProvCommunication {
                    informed: id.clone(),
                    informant: String::clone(previous),
                },
            );
        }
        activity_ids.push(id);
    }
    if let Some(first) = activity_ids.first() {
        for (i, input) in s.inputs.iter().enumerate() {
            doc.used.insert(
                format!("_:use{}", i + 1),
                ProvUsage {
                    activity: first.clone(),
                    entity: format!("vpm:input/{}", input.path),
                },
            );
        }
    }
    if let Some(last) = activity_ids.last() {
        let generated = std::iter::once(subject_id.clone()).chain(
            attachments
                .iter()
                .map(|a| format!("vpm:attachment/{}", a.name)),
        );
        for (i, entity) in generated.enumerate() {
            doc.was_generated_by.insert(
                format!("_:gen{}", i + 1),
                ProvGeneration {
                    entity,
                    activity: last.clone(),
                },
            );
        }
    }
    if let Some(submitter) = &s.submitted_by {
        doc.agent.insert(
            "vpm:submitter".into(),
            ProvAgent {
                prov_type: match submitter.kind {
                    SubmitterKind::Person => "prov:Person".into(),
                    SubmitterKind::Software => "prov:SoftwareAgent".into(),
                },
                label: Some(
                    submitter
                        .name
                        .clone()
                        .unwrap_or_else(|| submitter.id.clone()),
                ),
                version: None,
            },
        );
        doc.was_attributed_to.insert(
            "_:attr1".into(),
            ProvAttribution {
                entity: subject_id,
                agent: "vpm:submitter".into(),
            },
        );
    }
    doc
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use vpm_model::record::{Attachment, CellActivity, InputDigest, Submitter};

    pub(crate) fn decision_submission(n: u32) -> RecordSubmission {
        serde_json::from_value(serde_json::json!({
            "project_id": "demo",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "subject": {"kind": "decision", "document": {
                "id": format!("D-{n}"), "decision": "Use PostgreSQL for the shared archive",
                "links": ["G-1"], "source": {"path": format!("decisions/{n}.yaml"), "line": 1}}},
        }))
        .unwrap()
    }

    fn full_submission() -> RecordSubmission {
        let t = |m| Utc.with_ymd_and_hms(2026, 1, 5, 9, m, 0).unwrap();
        let mut s = decision_submission(1);
        s.inputs = vec![
            InputDigest {
                path: "project.yaml".into(),
                sha256: "a".repeat(64),
            },
            InputDigest {
                path: "decisions/1.yaml".into(),
                sha256: "b".repeat(64),
            },
        ];
        s.activities = ["curator", "planner", "synthesizer"]
            .iter()
            .enumerate()
            .map(|(i, c)| CellActivity {
                cell: (*c).into(),
                version: "0.2.0".into(),
                started_at: t(i as u32),
                ended_at: t(i as u32 + 1),
            })
            .collect();
        s.submitted_by = Some(Submitter {
            id: "ana".into(),
            kind: SubmitterKind::Person,
            name: Some("Ana".into()),
        });
        s.attachments = vec![Attachment {
            name: "snapshot.md".into(),
            media_type: "text/markdown".into(),
            content: "# Demo\n".into(),
        }];
        s
    }

    /// A version 3 record's PROV document, from the bytes beside it, which
    /// must be the ones its record commits to.
    fn prov_of(prepared: &Prepared) -> ProvDocument {
        let bytes = prepared
            .provenance
            .as_ref()
            .expect("a PROV document beside");
        let RecordProvenance::Beside(digest) = &prepared.record.provenance else {
            panic!("a version 3 record commits to its PROV document")
        };
        assert_eq!(prepared.record.schema_version, RecordVersion::V3);
        assert_eq!(digest.sha256, sha256_hex(bytes));
        assert_eq!(digest.bytes, bytes.len() as u64);
        assert_eq!(
            &to_canonical(&serde_json::from_slice::<serde_json::Value>(bytes).unwrap()).unwrap(),
            bytes
        );
        serde_json::from_slice(bytes).unwrap()
    }

    /// A linked decision's record carries its PROV document (version 2).
    fn inline_prov(record: &Record) -> &ProvDocument {
        match &record.provenance {
            RecordProvenance::Inline(d) => d,
            RecordProvenance::Beside(_) => panic!("a linked decision's PROV is inline"),
        }
    }

    #[test]
    fn the_prov_graph_links_inputs_activities_agents_and_subject() {
        let prepared = prepare(full_submission()).unwrap().subject;
        let v = serde_json::to_value(prov_of(&prepared)).unwrap();
        assert_eq!(
            v["entity"]["vpm:input/project.yaml"]["vpm:sha256"],
            "a".repeat(64)
        );
        assert_eq!(
            v["activity"]["vpm:activity/planner"]["prov:startTime"],
            "2026-01-05T09:01:00Z"
        );
        assert_eq!(v["agent"]["vpm:agent/curator"]["vpm:version"], "0.2.0");
        assert_eq!(v["agent"]["vpm:submitter"]["prov:type"], "prov:Person");
        assert_eq!(
            v["wasGeneratedBy"]["_:gen1"]["prov:activity"],
            "vpm:activity/synthesizer"
        );
        assert_eq!(v["used"]["_:use1"]["prov:activity"], "vpm:activity/curator");
        assert_eq!(
            v["wasInformedBy"]["_:inf1"]["prov:informant"],
            "vpm:activity/curator"
        );
        assert_eq!(
            prepared.record.attachments[0].sha256,
            sha256_hex(b"# Demo\n")
        );
        // The document is beside the record, as its canonical JSON.
        let canonical = br#"{"date":null,"decision":"Use PostgreSQL for the shared archive","id":"D-1","links":["G-1"],"rationale":null,"source":{"line":1,"path":"decisions/1.yaml"}}"#;
        assert_eq!(prepared.document, canonical.to_vec());
        assert_eq!(prepared.record.subject.sha256, sha256_hex(canonical));
        assert_eq!(prepared.record.subject.bytes, Some(canonical.len() as u64));
        assert_eq!(prepared.record.subject.document, None);
        // So is the PROV document; the leaf holds neither.
        let prov = prepared.provenance.clone().unwrap();
        let leaf = to_canonical(&prepared.record).unwrap();
        assert!(leaf.len() < prov.len(), "{} bytes of record", leaf.len());
        assert!(!String::from_utf8(leaf).unwrap().contains("vpm:activity/"));
        let (_, stored) = prepared.into_parts();
        let names: Vec<&str> = stored.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["snapshot.md", DOCUMENT, PROVENANCE]);
        assert_eq!(stored[1].content, canonical.to_vec());
        assert_eq!(stored[2].content, prov);
    }

    fn decision(id: &str, text: &str) -> Decision {
        serde_json::from_value(serde_json::json!({
            "id": id, "date": "2026-01-02", "decision": text, "links": [],
            "source": {"path": format!("decisions/{id}.yaml"), "line": 1}}))
        .unwrap()
    }

    fn snapshot_submission(trace: &str, minute: u32, decisions: Vec<Decision>) -> RecordSubmission {
        let t = |m| Utc.with_ymd_and_hms(2026, 1, 5, 9, m, 0).unwrap();
        let mut s: RecordSubmission = serde_json::from_value(serde_json::json!({
            "project_id": "demo",
            "trace_id": trace,
            "subject": {"kind": "pm_snapshot_v1", "document": {
                "schema_version": "pm_snapshot_v1", "project_id": "demo",
                "generated_at": "2026-01-05T09:00:00Z", "as_of_date": "2026-01-05",
                "current": {"summary": "s", "bullets": []}, "goals": {"short_term": [], "mid_term": []},
                "gaps": [], "next_actions": [], "evidence": [], "notes": []}},
        }))
        .unwrap();
        s.activities = vec![CellActivity {
            cell: "synthesizer".into(),
            version: "0.2.0".into(),
            started_at: t(minute),
            ended_at: t(minute + 1),
        }];
        s.decisions = decisions;
        s
    }

    #[test]
    fn decisions_get_records_of_their_own_that_no_run_changes() {
        let decisions = vec![
            decision("D-1", "Use PostgreSQL"),
            decision("D-2", "Ship weekly"),
        ];
        let first = prepare(snapshot_submission(
            "4bf92f3577b34da6a3ce929d0e0e4736",
            0,
            decisions.clone(),
        ))
        .unwrap();
        let second = prepare(snapshot_submission(
            "0af7651916cd43dd8448eb211c80319c",
            30,
            decisions.clone(),
        ))
        .unwrap();
        assert_eq!(first.decisions.len(), 2);
        // Another run (trace id, times): the same decision records...
        assert_eq!(first.decisions, second.decisions);
        // ...but another snapshot record.
        assert_ne!(first.subject.record, second.subject.record);

        let d1 = &first.decisions[0].prepared.record;
        assert_eq!(first.decisions[0].decision_id, "D-1");
        assert_eq!(d1.trace_id, None);
        assert_eq!(d1.subject.kind, SubjectKind::Decision);
        assert_eq!(d1.schema_version, RecordVersion::V2);
        assert_eq!(first.decisions[0].prepared.provenance, None);
        let d1_prov = inline_prov(d1);
        assert!(d1_prov.activity.is_empty() && d1_prov.agent.is_empty());

        // The snapshot links each decision's record and hash.
        let prov = &prov_of(&first.subject);
        let link = &prov.entity["vpm:decision/D-1"];
        assert_eq!(link.record, Some(record_id(d1).unwrap().to_hex()));
        assert_eq!(link.sha256, d1.subject.sha256);
        assert!(prov.was_derived_from.values().any(|d| d.generated_entity == "vpm:subject"
            && d.used_entity == "vpm:decision/D-2"));

        // A changed decision: a new record for it alone.
        let mut changed = decisions;
        changed[1].decision = "Ship every two weeks".into();
        let third = prepare(snapshot_submission(
            "4bf92f3577b34da6a3ce929d0e0e4736",
            0,
            changed,
        ))
        .unwrap();
        assert_eq!(third.decisions[0], first.decisions[0]);
        assert_ne!(third.decisions[1], first.decisions[1]);
        assert_ne!(
            prov_of(&third.subject).entity["vpm:decision/D-2"].record,
            prov.entity["vpm:decision/D-2"].record
        );
    }

    /// The example of `docs/archive.md`, byte for byte (computed by hand
    /// with a JCS serializer outside this code base).
    #[test]
    fn a_decision_record_is_exactly_the_documented_bytes() {
        let d: Decision = serde_json::from_value(serde_json::json!({
            "id": "D-1", "date": "2026-01-02", "decision": "Use PostgreSQL for the shared archive",
            "rationale": "it was the simplest", "links": ["G-1"],
            "source": {"path": "decisions/D-1.yaml", "line": 1}}))
        .unwrap();
        let prepared = decision_record("demo", &d, "decisions[0]").unwrap();
        assert_eq!(
            String::from_utf8(prepared.document.clone()).unwrap(),
            r#"{"date":"2026-01-02","decision":"Use PostgreSQL for the shared archive","id":"D-1","links":["G-1"],"rationale":"it was the simplest","source":{"line":1,"path":"decisions/D-1.yaml"}}"#
        );
        assert_eq!(
            String::from_utf8(to_canonical(&prepared.record).unwrap()).unwrap(),
            r#"{"attachments":[],"project_id":"demo","provenance":{"entity":{"vpm:subject":{"prov:label":"decision D-1","prov:type":"vpm:Decision","vpm:mediaType":"application/json","vpm:sha256":"186a50f57e75ae85f96a4110901ddeaa124df36fe5d5431b51dd49007e447d3a"}},"prefix":{"vpm":"https://github.com/hirakuarai/vpm/ns/prov#"}},"schema_version":"vpm_record_v2","subject":{"bytes":181,"kind":"decision","sha256":"186a50f57e75ae85f96a4110901ddeaa124df36fe5d5431b51dd49007e447d3a"}}"#
        );
        assert_eq!(
            record_id(&prepared.record).unwrap().to_hex(),
            "945378000c336f8f0529311b2a905de57ececc3e7162543beec58b5df59e385a"
        );
    }

    #[test]
    fn bad_decision_lists_are_refused_with_their_field() {
        let s = snapshot_submission(
            "4bf92f3577b34da6a3ce929d0e0e4736",
            0,
            vec![
                decision("D-1", "a"),
                decision("", "b"),
                decision("D-1", "c"),
            ],
        );
        let problems = prepare(s).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, vec!["decisions[1].id", "decisions[2].id"]);
        let mut d = decision_submission(1);
        d.decisions = vec![decision("D-9", "x")];
        let problems = prepare(d).unwrap_err();
        assert_eq!(problems[0].path, "decisions");
    }

    #[test]
    fn the_same_submission_gives_the_same_record() {
        assert_eq!(
            prepare(full_submission()).unwrap(),
            prepare(full_submission()).unwrap()
        );
    }

    #[test]
    fn every_problem_is_listed_with_its_field() {
        let mut s = full_submission();
        s.trace_id = "XYZ".into();
        s.inputs[1].sha256 = "not-a-hash".into();
        s.inputs.push(s.inputs[0].clone());
        s.activities[0].ended_at = s.activities[0].started_at - chrono::Duration::seconds(1);
        s.attachments.push(s.attachments[0].clone());
        s.attachments[0].media_type = "markdown".into();
        let problems = prepare(s).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "trace_id",
                "inputs[1].sha256",
                "inputs[2].path",
                "activities[0].ended_at",
                "attachments[0].media_type",
                "attachments[1].name",
            ]
        );
        assert_eq!(problems[0].value.as_deref(), Some("XYZ"));
    }
}
