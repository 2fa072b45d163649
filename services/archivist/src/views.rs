//! The JSON answers of the archivist's read endpoints (the receipt itself
//! is `vpm_model::record::Receipt`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vpm_model::record::{Receipt, SignedRecord};
use vpm_tlog::audit::AuditProblem;

/// `GET /v1/records/{id}`: a record, its first receipt and its attachments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordView {
    pub record_id: String,
    pub leaf_index: u64,
    pub project_id: String,
    pub logged_at: String,
    /// The signed record, exactly as stored.
    #[schema(value_type = SignedRecord)]
    pub signed_record: serde_json::Value,
    /// The subject's document (the `pm_snapshot_v1` or decision): kept
    /// beside a version 2 record, which commits to its SHA-256 and length;
    /// a copy of the inline one for a version 1 record. Absent only when
    /// the store lost it (verification then fails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub document: Option<serde_json::Value>,
    /// The PROV document of a version 3 record, kept beside it: the record
    /// commits to its SHA-256 and length (`provenance.sha256`,
    /// `provenance.bytes`). Absent for a version 1 or 2 record, whose
    /// `provenance` is the document itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub provenance: Option<serde_json::Value>,
    /// The receipt issued when the record was appended.
    pub receipt: Receipt,
    pub attachments: Vec<AttachmentLink>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentLink {
    pub name: String,
    pub media_type: String,
    /// Where the bytes are served.
    pub url: String,
}

/// One line of the listing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordSummary {
    pub record_id: String,
    pub leaf_index: u64,
    pub project_id: String,
    /// `pm_snapshot_v1` or `decision`.
    pub subject_kind: String,
    pub logged_at: String,
    /// The snapshot's as-of date, for snapshots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of_date: Option<String>,
    /// A one-line description of the subject.
    pub title: String,
}

/// `GET /v1/records`: newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordPage {
    pub records: Vec<RecordSummary>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /v1/log/proof/inclusion`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InclusionProofView {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Hex.
    pub leaf_hash: String,
    /// Hex root of the tree of `tree_size`.
    pub root_hash: String,
    /// RFC 9162 §2.1.3 audit path, bottom up, hex.
    pub hashes: Vec<String>,
    /// The signed checkpoint of `tree_size`, when one was issued for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// `GET /v1/log/proof/consistency`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProofView {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    /// RFC 9162 §2.1.4 consistency proof, hex.
    pub hashes: Vec<String>,
}

/// `GET /v1/log/public-key`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicKeyView {
    /// The checkpoint origin, also the key's name.
    pub origin: String,
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The signed-note key id, 8 hex digits (records' `signature.key_id`).
    pub key_id: String,
    /// `origin+keyid+base64(0x01 ‖ key)`: what `vpm verify --public-key` and
    /// tlog witnesses take.
    pub verifier_key: String,
    /// The public key as SPKI PEM.
    pub public_key_pem: String,
    /// The raw 32-byte public key, base64.
    pub public_key_base64: String,
}

/// `GET /v1/records/{id}/verify`: one record checked server-side.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RecordVerification {
    pub record_id: String,
    pub leaf_index: u64,
    /// The signature over the record verifies with the log key.
    pub signature_valid: bool,
    /// The leaf is proven to be in the latest signed checkpoint.
    pub included: bool,
    /// The documents kept beside the record (the subject's, and a version
    /// 3 record's PROV document) are the ones it commits to (for a version
    /// 1 record, both are inside it: covered by the signature).
    #[serde(default)]
    pub document_valid: bool,
    /// The tree size of that checkpoint.
    pub tree_size: u64,
    /// What failed, if anything did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl RecordVerification {
    pub fn ok(&self) -> bool {
        self.signature_valid && self.included && self.document_valid
    }
}

/// `GET /v1/log/verify`: the whole log audited server-side.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditView {
    /// Every record, every stored node and the signed root check out.
    pub ok: bool,
    /// Entries checked before stopping (all of them when `ok`).
    pub checked: u64,
    pub tree_size: u64,
    /// Hex root the signed checkpoint states.
    pub root_hash: String,
    /// The first problem, when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub problem: Option<AuditProblem>,
}
