//! The archive's documents: what the pipeline submits ([`RecordSubmission`]),
//! the signed provenance record the archivist makes of it ([`Record`],
//! [`SignedRecord`]) and the receipt it answers with ([`Receipt`]).
//!
//! The record is a W3C PROV document in PROV-JSON form ([`ProvDocument`]):
//! the subject (a `pm_snapshot_v1` or a decision) and every input file are
//! entities with SHA-256 content hashes, each cell's work is an activity with
//! start and end times, the cells and the submitter are agents. It is signed
//! with Ed25519 over the SHA-256 of its RFC 8785 canonical JSON; that digest,
//! in lowercase hex, is the record id. See `docs/archive.md` for the exact
//! scheme.
//!
//! A record carries no time of its own arrival in the log: the same content
//! must give the same record, the same id and the same signature, which is
//! what makes a retried submission idempotent. When it was logged travels
//! beside it (`logged_at` in the [`Receipt`]) and is bounded by the signed
//! checkpoints.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::curated::Decision;
use crate::snapshot::PmSnapshot;

/// The record format. Version 1 carried the subject's document inside the
/// record (and so inside the leaf); version 2 commits to it by hash and
/// length and keeps it beside the record, so that a leaf stays small
/// whatever the size of the project; version 3 does the same with the PROV
/// document, so that a leaf holds only hashes and what a reader lists
/// (about a seventh of a version 2 snapshot's leaf). Logs hold all three:
/// records are never rewritten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum RecordVersion {
    /// `"vpm_record_v1"`: `subject.document` inline.
    #[serde(rename = "vpm_record_v1")]
    V1,
    /// `"vpm_record_v2"`: `subject.bytes` instead; the document is stored
    /// and exported beside the record.
    #[serde(rename = "vpm_record_v2")]
    V2,
    /// `"vpm_record_v3"`: as version 2, and `provenance` is a
    /// [`DocumentDigest`] of the PROV document, which is stored and
    /// exported beside the record too.
    #[default]
    #[serde(rename = "vpm_record_v3")]
    V3,
}

impl RecordVersion {
    /// The version new records are written in.
    pub const CURRENT: RecordVersion = RecordVersion::V3;
    /// The version of a decision's record filed with a snapshot: its PROV
    /// document is one entity, and its record must stay the same from one
    /// archivist version to the next so that an unchanged decision adds no
    /// leaf, so it stays at version 2.
    pub const LINKED_DECISION: RecordVersion = RecordVersion::V2;
}

/// `POST /v1/records` body: what the synthesizer produced, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSubmission {
    pub project_id: String,
    /// The W3C trace id of the run: 32 lowercase hex digits.
    pub trace_id: String,
    pub subject: Subject,
    /// Every input file the subject was derived from, with its content hash.
    #[serde(default)]
    pub inputs: Vec<InputDigest>,
    /// The work of each cell on this run, in pipeline order.
    #[serde(default)]
    pub activities: Vec<CellActivity>,
    /// Who or what asked for the run (a person, `vpm snapshot`, a CI job).
    #[serde(default)]
    pub submitted_by: Option<Submitter>,
    /// Rendered views of the subject (Markdown, HTML). Their hashes go into
    /// the signed record; the bytes are kept beside it.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// With a snapshot: the decisions the run curated. Each is filed as a
    /// record of its own (one leaf per distinct decision, whatever the
    /// run), and the snapshot's record links each by record id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
}

/// The document a record is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "document", rename_all = "snake_case")]
pub enum Subject {
    /// A weekly answer.
    #[serde(rename = "pm_snapshot_v1")]
    PmSnapshot(Box<PmSnapshot>),
    /// One decision from `decisions/*.yaml`.
    Decision(Decision),
}

impl Subject {
    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::PmSnapshot(_) => SubjectKind::PmSnapshotV1,
            Subject::Decision(_) => SubjectKind::Decision,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum SubjectKind {
    #[serde(rename = "pm_snapshot_v1")]
    PmSnapshotV1,
    #[serde(rename = "decision")]
    Decision,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::PmSnapshotV1 => "pm_snapshot_v1",
            SubjectKind::Decision => "decision",
        }
    }
}

/// One input file and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputDigest {
    /// Path inside the project folder, `/`-separated.
    pub path: String,
    /// SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub sha256: String,
}

/// What one cell did on a run, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CellActivity {
    /// `curator`, `planner`, `synthesizer` (or another tool's name).
    pub cell: String,
    /// The cell's version.
    pub version: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub ended_at: DateTime<Utc>,
}

/// Who submitted a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submitter {
    /// A stable identifier: a user name, an e-mail address, a job id.
    pub id: String,
    pub kind: SubmitterKind,
    /// A name for people to read; defaults to the id.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmitterKind {
    Person,
    Software,
}

/// A rendered view of the subject, submitted as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// A file name, unique within the record: `snapshot.md`, `snapshot.html`.
    pub name: String,
    /// `text/markdown`, `text/html`, ...
    pub media_type: String,
    /// The content, UTF-8.
    pub content: String,
}

/// The signed part of an archived record.
///
/// `provenance` describes everything; `subject` and `attachments` repeat
/// what a reader needs without walking the PROV graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub schema_version: RecordVersion,
    pub project_id: String,
    /// The run's trace id. Absent from the record of a decision filed with
    /// a snapshot: that record must be the same whichever run files it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    pub subject: RecordSubject,
    pub attachments: Vec<AttachmentDigest>,
    /// Version 3: `{"sha256", "bytes"}` of the PROV document kept beside
    /// the record; versions 1 and 2: the PROV document itself. (An object
    /// in the OpenAPI schema: a PROV document accepts any member, so the
    /// two forms could not be told apart as `oneOf`.)
    #[schema(value_type = Object)]
    pub provenance: RecordProvenance,
}

/// The record's PROV document: inside it (versions 1 and 2) or committed
/// to by hash and length and kept beside it (version 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RecordProvenance {
    /// Version 3: the SHA-256 and length of the document's RFC 8785
    /// canonical JSON.
    Beside(DocumentDigest),
    /// Versions 1 and 2: the document itself.
    Inline(Box<ProvDocument>),
}

/// A document kept beside a record, as the record names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentDigest {
    /// SHA-256 of the document's canonical JSON, lowercase hex.
    pub sha256: String,
    /// The length in bytes of that canonical JSON.
    pub bytes: u64,
}

/// The subject as archived: its kind and its hash, and either its length
/// (version 2: the document is kept beside the record) or the document
/// itself (version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSubject {
    pub kind: SubjectKind,
    /// SHA-256 of the RFC 8785 canonical JSON of the document, lowercase hex.
    pub sha256: String,
    /// Version 2: the length in bytes of that canonical JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Version 1 only: the `pm_snapshot_v1` or decision, as submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub document: Option<serde_json::Value>,
}

/// An attachment as the signed record names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentDigest {
    pub name: String,
    pub media_type: String,
    /// SHA-256 of the attachment's UTF-8 bytes, lowercase hex.
    pub sha256: String,
    pub bytes: u64,
}

/// A record and the archivist's signature over it: the content of one leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedRecord {
    pub record: Record,
    pub signature: RecordSignature,
}

/// An Ed25519 signature over the SHA-256 of the record's canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSignature {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The signed-note key id of the log key: 8 lowercase hex digits.
    pub key_id: String,
    /// The 64-byte signature, standard base64.
    pub value: String,
}

/// What `POST /v1/records` answers: where the record is in the log, and
/// the proof of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// SHA-256 of the record's canonical JSON, lowercase hex.
    pub record_id: String,
    /// The record's position in the log, from 0.
    pub leaf_index: u64,
    /// The RFC 6962 leaf hash: SHA-256(0x00 ‖ canonical JSON of the signed record), hex.
    pub leaf_hash: String,
    /// The size of the tree the proof and checkpoint are for.
    pub tree_size: u64,
    /// The root of that tree, hex.
    pub root_hash: String,
    /// The signed tree head: a C2SP `tlog-checkpoint` in a signed note.
    pub checkpoint: String,
    /// RFC 9162 inclusion proof of `leaf_index` in `tree_size`, hex hashes.
    pub inclusion_proof: Vec<String>,
    /// When the log accepted the record (not covered by the signature).
    #[schema(value_type = String, format = DateTime)]
    pub logged_at: DateTime<Utc>,
    /// For a snapshot submitted with its decisions: the record of each
    /// decision, filed in the same commit, before the snapshot's record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionReceipt>,
}

/// Where the record of one decision is: `GET /v1/records/{record_id}`
/// serves it with its own receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionReceipt {
    /// The decision's id (`D-1`).
    pub decision_id: String,
    pub record_id: String,
    pub leaf_index: u64,
    /// The RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// `true` when this submission added the leaf; `false` when the same
    /// decision was already in the log (it adds nothing).
    pub new: bool,
}

/// A W3C PROV document in the PROV-JSON serialization.
///
/// Identifiers are qualified names (`vpm:subject`, `vpm:activity/curator`);
/// relations are keyed by blank-node ids (`_:gen1`). Empty sections are
/// left out, as PROV-JSON allows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProvDocument {
    #[serde(default)]
    pub prefix: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entity: BTreeMap<String, ProvEntity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub activity: BTreeMap<String, ProvActivity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub agent: BTreeMap<String, ProvAgent>,
    #[serde(
        rename = "wasGeneratedBy",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub was_generated_by: BTreeMap<String, ProvGeneration>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub used: BTreeMap<String, ProvUsage>,
    #[serde(
        rename = "wasAssociatedWith",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub was_associated_with: BTreeMap<String, ProvAssociation>,
    #[serde(
        rename = "wasInformedBy",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub was_informed_by: BTreeMap<String, ProvCommunication>,
    #[serde(
        rename = "wasDerivedFrom",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub was_derived_from: BTreeMap<String, ProvDerivation>,
    #[serde(
        rename = "wasAttributedTo",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub was_attributed_to: BTreeMap<String, ProvAttribution>,
}

/// A thing: the subject, an input file, an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvEntity {
    #[serde(rename = "prov:type")]
    pub prov_type: String,
    #[serde(
        rename = "prov:label",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub label: Option<String>,
    /// SHA-256 of the content, lowercase hex.
    #[serde(rename = "vpm:sha256")]
    pub sha256: String,
    #[serde(rename = "vpm:path", default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(
        rename = "vpm:mediaType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub media_type: Option<String>,
    /// For an entity that is itself archived (a decision linked from a
    /// snapshot): the id of its record in the same log.
    #[serde(
        rename = "vpm:record",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub record: Option<String>,
}

/// A piece of work with a start and an end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvActivity {
    #[serde(rename = "prov:type")]
    pub prov_type: String,
    #[serde(
        rename = "prov:label",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub label: Option<String>,
    #[serde(rename = "prov:startTime")]
    #[schema(value_type = String, format = DateTime)]
    pub start_time: DateTime<Utc>,
    #[serde(rename = "prov:endTime")]
    #[schema(value_type = String, format = DateTime)]
    pub end_time: DateTime<Utc>,
}

/// A cell (with its version) or the person or tool that submitted the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvAgent {
    /// `prov:SoftwareAgent` or `prov:Person`.
    #[serde(rename = "prov:type")]
    pub prov_type: String,
    #[serde(
        rename = "prov:label",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub label: Option<String>,
    #[serde(
        rename = "vpm:version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvGeneration {
    #[serde(rename = "prov:entity")]
    pub entity: String,
    #[serde(rename = "prov:activity")]
    pub activity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvUsage {
    #[serde(rename = "prov:activity")]
    pub activity: String,
    #[serde(rename = "prov:entity")]
    pub entity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvAssociation {
    #[serde(rename = "prov:activity")]
    pub activity: String,
    #[serde(rename = "prov:agent")]
    pub agent: String,
}

/// One activity used what another generated (planner after curator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvCommunication {
    #[serde(rename = "prov:informed")]
    pub informed: String,
    #[serde(rename = "prov:informant")]
    pub informant: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvDerivation {
    #[serde(rename = "prov:generatedEntity")]
    pub generated_entity: String,
    #[serde(rename = "prov:usedEntity")]
    pub used_entity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvAttribution {
    #[serde(rename = "prov:entity")]
    pub entity: String,
    #[serde(rename = "prov:agent")]
    pub agent: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_submission_reads_from_json() {
        let json = serde_json::json!({
            "project_id": "demo",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "subject": {"kind": "decision", "document": {
                "id": "D-1", "decision": "Use PostgreSQL", "links": [],
                "source": {"path": "decisions/d1.yaml", "line": 1}}},
        });
        let s: RecordSubmission = serde_json::from_value(json).unwrap();
        assert_eq!(s.subject.kind(), SubjectKind::Decision);
        assert!(s.inputs.is_empty() && s.attachments.is_empty());
    }

    #[test]
    fn unknown_subject_kinds_are_rejected() {
        let json = serde_json::json!({
            "project_id": "demo", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "subject": {"kind": "memo", "document": {}},
        });
        assert!(serde_json::from_value::<RecordSubmission>(json).is_err());
    }

    #[test]
    fn prov_sections_use_prov_json_names() {
        let mut doc = ProvDocument::default();
        doc.was_generated_by.insert(
            "_:gen1".into(),
            ProvGeneration {
                entity: "vpm:subject".into(),
                activity: "vpm:activity/synthesizer".into(),
            },
        );
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            v["wasGeneratedBy"]["_:gen1"]["prov:activity"],
            "vpm:activity/synthesizer"
        );
        assert!(v.get("used").is_none(), "empty sections are left out");
    }

    #[test]
    fn provenance_reads_as_a_digest_or_as_the_document() {
        let beside: RecordProvenance =
            serde_json::from_value(serde_json::json!({"sha256": "ab", "bytes": 2})).unwrap();
        assert_eq!(
            beside,
            RecordProvenance::Beside(DocumentDigest {
                sha256: "ab".into(),
                bytes: 2
            })
        );
        let inline: RecordProvenance =
            serde_json::from_value(serde_json::json!({"prefix": {"vpm": "x"}})).unwrap();
        assert!(matches!(inline, RecordProvenance::Inline(d) if d.prefix["vpm"] == "x"));
    }
}
