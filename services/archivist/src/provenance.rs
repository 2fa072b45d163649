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
//!   subject `wasAttributedTo` the submitter.
//!
//! Everything here is a pure function of the submission, so the same
//! submission always gives the same record — and the same record id.

use std::collections::{BTreeMap, HashSet};

use vpm_model::Problem;
use vpm_model::record::{
    AttachmentDigest, ProvActivity, ProvAgent, ProvAssociation, ProvAttribution, ProvCommunication,
    ProvDerivation, ProvDocument, ProvEntity, ProvGeneration, ProvUsage, Record, RecordSubject,
    RecordSubmission, RecordVersion, Subject, SubmitterKind,
};
use vpm_tlog::hash::sha256_hex;
use vpm_tlog::record::subject_hash;

use crate::store::StoredAttachment;

/// The namespace of `vpm:` names in records.
pub const VPM_NAMESPACE: &str = "https://github.com/hirakuarai/vpm/ns/prov#";

/// The longest project id accepted, in characters.
const MAX_PROJECT_ID: usize = 200;

/// A submission turned into a record, with the attachment bytes to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub record: Record,
    pub attachments: Vec<StoredAttachment>,
}

/// Validates `submission` and builds its record; lists every problem found.
pub fn prepare(submission: RecordSubmission) -> Result<Prepared, Vec<Problem>> {
    let problems = validate(&submission);
    if !problems.is_empty() {
        return Err(problems);
    }
    let document = match &submission.subject {
        Subject::PmSnapshot(s) => serde_json::to_value(s),
        Subject::Decision(d) => serde_json::to_value(d),
    }
    .map_err(|e| {
        vec![problem(
            "subject.document",
            "bad_value",
            None,
            e.to_string(),
        )]
    })?;
    let subject_sha = subject_hash(&document).map_err(|e| {
        vec![problem(
            "subject.document",
            "bad_value",
            None,
            e.to_string(),
        )]
    })?;

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
    let provenance = prov_graph(&submission, &subject_sha, &digests);
    Ok(Prepared {
        record: Record {
            schema_version: RecordVersion::Current,
            project_id: submission.project_id.clone(),
            trace_id: submission.trace_id.clone(),
            subject: RecordSubject {
                kind: submission.subject.kind(),
                sha256: subject_sha,
                document,
            },
            attachments: digests,
            provenance,
        },
        attachments,
    })
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

    #[test]
    fn the_prov_graph_links_inputs_activities_agents_and_subject() {
        let prepared = prepare(full_submission()).unwrap();
        let v = serde_json::to_value(&prepared.record.provenance).unwrap();
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
        assert_eq!(
            prepared.record.subject.sha256,
            subject_hash(&prepared.record.subject.document).unwrap()
        );
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
