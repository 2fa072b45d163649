//! Signing a provenance record, and checking one, as bytes a leaf is made of.
//!
//! * record id = SHA-256(JCS(record)), lowercase hex;
//! * signature = Ed25519(private key, those 32 digest bytes), base64;
//! * signed record = `{"record": …, "signature": {"algorithm": "Ed25519",
//!   "key_id": …, "value": …}}`;
//! * leaf data = JCS(signed record); leaf hash = SHA-256(0x00 ‖ leaf data).
//!
//! Checking works on the JSON *value*, not on the typed [`Record`]: a
//! verifier must be able to check records written by a later version with
//! fields this one does not know.
//!
//! The subject's document: a version 1 record carries it inline
//! (`subject.document`); a version 2 record commits to it by
//! `subject.sha256` (of its canonical JSON) and `subject.bytes` (that
//! JSON's length), and the document travels beside the record — in
//! `GET /v1/records/{id}` and in the export. Either way a check fails
//! unless the document is there and hashes to what the signed record
//! says.

use base64::Engine as _;
use serde_json::Value;
use vpm_model::record::{Record, RecordSignature, SignedRecord};

use crate::canonical::{CanonicalError, to_canonical};
use crate::hash::{Hash, leaf_hash, sha256_hex};
use crate::key::{LogKey, LogVerifier};

/// The only signature algorithm records use.
pub const ALGORITHM: &str = "Ed25519";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the signed record is malformed: {0}")]
    Malformed(String),
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    #[error("the signature algorithm is {0:?}; only Ed25519 is used")]
    WrongAlgorithm(String),
    #[error("the record was signed by key {found}, not by this log's key {expected}")]
    WrongKey { expected: String, found: String },
    #[error("the signature does not verify: the record was altered or not signed by this key")]
    BadSignature,
    #[error("the subject's hash is {declared} but its document hashes to {actual}")]
    SubjectHashMismatch { declared: String, actual: String },
    #[error("the record id is {found}, but the record hashes to {expected}")]
    WrongRecordId { expected: String, found: String },
    #[error(
        "its document is missing: the signed record commits to a document of {bytes} bytes \
         with SHA-256 {sha256}, kept beside the record (GET /v1/records/{{id}} and the \
         export carry it)"
    )]
    DocumentMissing { sha256: String, bytes: u64 },
    #[error(
        "its document was altered: the signed record commits to SHA-256 {declared} \
         ({declared_bytes} bytes), the document given hashes to {actual} ({actual_bytes} bytes)"
    )]
    DocumentMismatch {
        declared: String,
        declared_bytes: u64,
        actual: String,
        actual_bytes: u64,
    },
}

/// A record signed and encoded as a leaf.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedRecord {
    pub signed: SignedRecord,
    /// SHA-256 of the record's canonical JSON: the record id.
    pub record_id: Hash,
    /// The leaf data: the canonical JSON of the signed record.
    pub leaf: Vec<u8>,
    pub leaf_hash: Hash,
}

/// What checking a signed record establishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedRecord {
    pub record_id: Hash,
    pub leaf_hash: Hash,
}

/// The SHA-256 (hex) of the canonical JSON of a subject document.
pub fn subject_hash(document: &Value) -> Result<String, CanonicalError> {
    Ok(sha256_hex(&to_canonical(document)?))
}

/// A record's link to another record of the log: a PROV entity carrying
/// `vpm:record` (a snapshot's decisions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLink {
    /// The entity's PROV id (`vpm:decision/D-1`).
    pub entity: String,
    /// The linked record's id, as the signed record states it.
    pub record_id: String,
    /// The SHA-256 of the linked record's subject document.
    pub sha256: String,
}

/// Every record a record links to, in PROV id order.
pub fn links(record: &Value) -> Vec<RecordLink> {
    record["provenance"]["entity"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(entity, e)| {
            Some(RecordLink {
                entity: entity.clone(),
                record_id: e.get("vpm:record")?.as_str()?.to_owned(),
                sha256: e.get("vpm:sha256")?.as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

/// A record's id: SHA-256 of its canonical JSON (what [`seal`] signs).
/// It depends on the content alone, not on the key, so a record can name
/// another before either is signed.
pub fn record_id(record: &Record) -> Result<Hash, CanonicalError> {
    Ok(Hash::of(&to_canonical(record)?))
}

/// Signs `record` with the log key.
pub fn seal(record: Record, key: &LogKey) -> Result<SealedRecord, RecordError> {
    let canonical = to_canonical(&record)?;
    let record_id = Hash::of(&canonical);
    let signature = RecordSignature {
        algorithm: ALGORITHM.to_owned(),
        key_id: key.verifier().key_id_hex(),
        value: base64::engine::general_purpose::STANDARD.encode(key.sign(&record_id.0)),
    };
    let leaf = leaf_data(&canonical, &signature)?;
    Ok(SealedRecord {
        leaf_hash: leaf_hash(&leaf),
        signed: SignedRecord { record, signature },
        record_id,
        leaf,
    })
}

/// JCS(`{"record": R, "signature": S}`) from JCS(R): "record" sorts before
/// "signature", so the canonical object is this concatenation, and the
/// record need not be canonicalized twice.
fn leaf_data(
    record_canonical: &[u8],
    signature: &impl serde::Serialize,
) -> Result<Vec<u8>, RecordError> {
    let signature = to_canonical(signature)?;
    let mut leaf = Vec::with_capacity(record_canonical.len() + signature.len() + 26);
    leaf.extend_from_slice(b"{\"record\":");
    leaf.extend_from_slice(record_canonical);
    leaf.extend_from_slice(b",\"signature\":");
    leaf.extend_from_slice(&signature);
    leaf.push(b'}');
    Ok(leaf)
}

/// Checks a signed record (as JSON) against the log's public key: the
/// signature over its digest, the key it names, and its subject's hash —
/// so a version 2 record, whose document is not inside it, fails with
/// [`RecordError::DocumentMissing`]: use [`check_with_document`].
/// Returns its id and leaf hash.
pub fn check(signed: &Value, verifier: &LogVerifier) -> Result<CheckedRecord, RecordError> {
    check_with_document(signed, None, verifier)
}

/// [`check`], with the subject's document given beside the record (as
/// `GET /v1/records/{id}` serves it): it must hash to what the signed
/// record commits to. A version 1 record's inline document is checked
/// too.
pub fn check_with_document(
    signed: &Value,
    document: Option<&Value>,
    verifier: &LogVerifier,
) -> Result<CheckedRecord, RecordError> {
    let object = signed
        .as_object()
        .ok_or_else(|| RecordError::Malformed("not a JSON object".into()))?;
    if object.len() != 2 {
        return Err(RecordError::Malformed(
            "a signed record has exactly the keys `record` and `signature`".into(),
        ));
    }
    let record = object
        .get("record")
        .ok_or_else(|| RecordError::Malformed("no `record`".into()))?;
    let signature = object
        .get("signature")
        .ok_or_else(|| RecordError::Malformed("no `signature`".into()))?;
    let field = |name: &str| {
        signature
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| RecordError::Malformed(format!("no string `signature.{name}`")))
    };
    let algorithm = field("algorithm")?;
    if algorithm != ALGORITHM {
        return Err(RecordError::WrongAlgorithm(algorithm.to_owned()));
    }
    let key_id = field("key_id")?;
    if key_id != verifier.key_id_hex() {
        return Err(RecordError::WrongKey {
            expected: verifier.key_id_hex(),
            found: key_id.chars().take(16).collect(),
        });
    }
    let value = base64::engine::general_purpose::STANDARD
        .decode(field("value")?)
        .map_err(|_| RecordError::Malformed("`signature.value` is not base64".into()))?;

    let canonical = to_canonical(record)?;
    let record_id = Hash::of(&canonical);
    if !verifier.verify(&record_id.0, &value) {
        return Err(RecordError::BadSignature);
    }
    check_subject(record, document)?;
    let leaf = leaf_data(&canonical, signature)?;
    Ok(CheckedRecord {
        record_id,
        leaf_hash: leaf_hash(&leaf),
    })
}

/// Checks a signed record given as its leaf data — the exact canonical
/// bytes the archivist stored and exports — without parsing or
/// re-canonicalizing the record: the record's bytes are the part between
/// `{"record":` and the trailing `,"signature":<JCS of the signature>}`, and
/// the signature must verify over their SHA-256.
///
/// This is what a whole-log audit runs per entry. It proves the bytes are
/// the ones the key signed; it does not re-check the subject's hash (a
/// property of how the archivist built the record, checked by [`check`]).
pub fn check_leaf(leaf: &[u8], verifier: &LogVerifier) -> Result<CheckedRecord, RecordError> {
    let opened = open_leaf(leaf, verifier)?;
    if !verifier.verify(&opened.record_id.0, &opened.signature) {
        return Err(RecordError::BadSignature);
    }
    Ok(CheckedRecord {
        record_id: opened.record_id,
        leaf_hash: opened.leaf_hash,
    })
}

/// A leaf whose form and key id were checked, its signature not yet: what
/// an audit collects to verify many signatures in one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedLeaf {
    pub record_id: Hash,
    pub leaf_hash: Hash,
    /// The raw Ed25519 signature over `record_id`'s 32 bytes.
    pub signature: [u8; 64],
}

/// [`check_leaf`] without the signature check: everything else it checks,
/// and the signature to verify (a signature that is not 64 bytes is
/// already [`RecordError::BadSignature`]).
pub fn open_leaf(leaf: &[u8], verifier: &LogVerifier) -> Result<OpenedLeaf, RecordError> {
    const HEAD: &[u8] = b"{\"record\":";
    const SEPARATOR: &[u8] = b",\"signature\":";
    let malformed = |why: &str| RecordError::Malformed(why.to_owned());
    let body = leaf
        .strip_prefix(HEAD)
        .and_then(|rest| rest.strip_suffix(b"}"))
        .ok_or_else(|| malformed("the leaf is not a canonical signed record"))?;
    // The signature object is last (keys sort "record" < "signature") and
    // its fields cannot hold the separator, so the last one is top-level; a
    // forged split fails the canonical-form check below.
    let split = body
        .windows(SEPARATOR.len())
        .rposition(|w| w == SEPARATOR)
        .ok_or_else(|| malformed("the leaf has no signature"))?;
    let (record, signature) = (&body[..split], &body[split + SEPARATOR.len()..]);
    let parsed: RecordSignature = serde_json::from_slice(signature)
        .map_err(|e| RecordError::Malformed(format!("the signature: {e}")))?;
    if to_canonical(&parsed)? != signature {
        return Err(malformed("the signature is not in canonical form"));
    }
    if parsed.algorithm != ALGORITHM {
        return Err(RecordError::WrongAlgorithm(parsed.algorithm));
    }
    if parsed.key_id != verifier.key_id_hex() {
        return Err(RecordError::WrongKey {
            expected: verifier.key_id_hex(),
            found: parsed.key_id.chars().take(16).collect(),
        });
    }
    let value = base64::engine::general_purpose::STANDARD
        .decode(&parsed.value)
        .map_err(|_| malformed("`signature.value` is not base64"))?;
    let signature =
        <[u8; 64]>::try_from(value.as_slice()).map_err(|_| RecordError::BadSignature)?;
    Ok(OpenedLeaf {
        record_id: Hash::of(record),
        leaf_hash: leaf_hash(leaf),
        signature,
    })
}

/// The subject's declared hash must be the hash of the document it
/// carries (version 1) or of the one given beside it (version 2).
fn check_subject(record: &Value, beside: Option<&Value>) -> Result<(), RecordError> {
    let subject = record
        .get("subject")
        .ok_or_else(|| RecordError::Malformed("no `record.subject`".into()))?;
    let declared = subject
        .get("sha256")
        .and_then(Value::as_str)
        .ok_or_else(|| RecordError::Malformed("no `record.subject.sha256`".into()))?;
    if let Some(inline) = subject.get("document") {
        let actual = subject_hash(inline)?;
        if actual != declared {
            return Err(RecordError::SubjectHashMismatch {
                declared: declared.chars().take(64).collect(),
                actual,
            });
        }
        return match beside {
            Some(document) => commitment(declared, None).matches(&to_canonical(document)?),
            None => Ok(()),
        };
    }
    let bytes = subject
        .get("bytes")
        .and_then(Value::as_u64)
        .ok_or_else(|| RecordError::Malformed("no `record.subject.document` or `.bytes`".into()))?;
    let commitment = commitment(declared, Some(bytes));
    match beside {
        Some(document) => commitment.matches(&to_canonical(document)?),
        None => Err(commitment.missing()),
    }
}

/// What a signed record says of its document.
struct Commitment {
    sha256: String,
    bytes: Option<u64>,
}

fn commitment(sha256: &str, bytes: Option<u64>) -> Commitment {
    Commitment {
        sha256: sha256.chars().take(64).collect(),
        bytes,
    }
}

impl Commitment {
    fn missing(self) -> RecordError {
        RecordError::DocumentMissing {
            sha256: self.sha256,
            bytes: self.bytes.unwrap_or_default(),
        }
    }

    /// `canonical` (the document's canonical JSON) is the committed one.
    fn matches(self, canonical: &[u8]) -> Result<(), RecordError> {
        let actual = sha256_hex(canonical);
        let actual_bytes = canonical.len() as u64;
        if actual == self.sha256 && self.bytes.is_none_or(|b| b == actual_bytes) {
            return Ok(());
        }
        Err(RecordError::DocumentMismatch {
            declared_bytes: self.bytes.unwrap_or(actual_bytes),
            declared: self.sha256,
            actual,
            actual_bytes,
        })
    }
}

/// The part of a leaf that says what the document is: parsed without
/// building the rest of the record.
#[derive(serde::Deserialize)]
struct LeafSubject {
    record: LeafRecord,
}

#[derive(serde::Deserialize)]
struct LeafRecord {
    subject: LeafSubjectFields,
}

#[derive(serde::Deserialize)]
struct LeafSubjectFields {
    sha256: String,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    document: Option<serde::de::IgnoredAny>,
}

/// Checks the document an export carries beside a leaf: for a version 2
/// record it must be there and be exactly the canonical JSON the record
/// commits to (its SHA-256 and length). A version 1 record carries its
/// document inside the leaf, covered by the signature; nothing is needed
/// beside it (a document given anyway must match too).
pub fn check_leaf_document(leaf: &[u8], document: Option<&[u8]>) -> Result<(), RecordError> {
    let parsed: LeafSubject = serde_json::from_slice(leaf)
        .map_err(|e| RecordError::Malformed(format!("the record's subject: {e}")))?;
    let subject = parsed.record.subject;
    let inline = subject.document.is_some();
    if !inline && subject.bytes.is_none() {
        return Err(RecordError::Malformed(
            "no `record.subject.document` or `.bytes`".into(),
        ));
    }
    let commitment = commitment(&subject.sha256, subject.bytes);
    match document {
        Some(bytes) => commitment.matches(bytes),
        None if inline => Ok(()),
        None => Err(commitment.missing()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use vpm_model::record::{ProvDocument, RecordSubject, RecordVersion, SubjectKind};

    pub(crate) fn sample_document(n: u32) -> Value {
        serde_json::json!({"id": format!("D-{n}"), "decision": "Use PostgreSQL", "progress": 0.5})
    }

    /// A version 1 record: the document inline.
    pub(crate) fn sample_record(n: u32) -> Record {
        let document = sample_document(n);
        Record {
            schema_version: RecordVersion::V1,
            project_id: "demo".into(),
            trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
            subject: RecordSubject {
                kind: SubjectKind::Decision,
                sha256: subject_hash(&document).unwrap(),
                bytes: None,
                document: Some(document),
            },
            attachments: vec![],
            provenance: ProvDocument::default(),
        }
    }

    /// A version 2 record: the document beside it.
    pub(crate) fn sample_record_v2(n: u32) -> Record {
        let canonical = to_canonical(&sample_document(n)).unwrap();
        Record {
            schema_version: RecordVersion::V2,
            subject: RecordSubject {
                kind: SubjectKind::Decision,
                sha256: sha256_hex(&canonical),
                bytes: Some(canonical.len() as u64),
                document: None,
            },
            ..sample_record(n)
        }
    }

    #[test]
    fn a_v2_record_checks_only_with_its_document() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record_v2(1), &key).unwrap();
        let value = serde_json::to_value(&sealed.signed).unwrap();
        let document = sample_document(1);
        let checked = check_with_document(&value, Some(&document), &key.verifier()).unwrap();
        assert_eq!(checked.leaf_hash, sealed.leaf_hash);
        assert!(
            !String::from_utf8_lossy(&sealed.leaf).contains("Use PostgreSQL"),
            "the document is not in the leaf"
        );

        // Without it, or with another, the check names what is wrong.
        let expected_hash = subject_hash(&document).unwrap();
        match check(&value, &key.verifier()) {
            Err(RecordError::DocumentMissing { sha256, bytes }) => {
                assert_eq!(sha256, expected_hash);
                // {"decision":"Use PostgreSQL","id":"D-1","progress":0.5}
                assert_eq!(bytes, 55);
            }
            other => panic!("{other:?}"),
        }
        let mut altered = document.clone();
        altered["decision"] = "Use MySQL".into();
        assert!(matches!(
            check_with_document(&value, Some(&altered), &key.verifier()),
            Err(RecordError::DocumentMismatch {
                declared_bytes: 55,
                actual_bytes: 50,
                ..
            })
        ));

        // The export's form: the exact canonical bytes beside the leaf.
        let canonical = to_canonical(&document).unwrap();
        check_leaf_document(&sealed.leaf, Some(&canonical)).unwrap();
        assert!(matches!(
            check_leaf_document(&sealed.leaf, None),
            Err(RecordError::DocumentMissing { .. })
        ));
        let pretty = serde_json::to_vec_pretty(&document).unwrap();
        assert!(matches!(
            check_leaf_document(&sealed.leaf, Some(&pretty)),
            Err(RecordError::DocumentMismatch { .. })
        ));
    }

    #[test]
    fn a_v1_record_needs_nothing_beside_it() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record(1), &key).unwrap();
        check_leaf_document(&sealed.leaf, None).unwrap();
        let value = serde_json::to_value(&sealed.signed).unwrap();
        check(&value, &key.verifier()).unwrap();
        // A document given beside a v1 record must still be the signed one.
        let mut other = sample_document(1);
        other["decision"] = "Use MySQL".into();
        assert!(check_with_document(&value, Some(&other), &key.verifier()).is_err());
    }

    #[test]
    fn links_are_read_from_the_provenance() {
        let record = serde_json::json!({"provenance": {"entity": {
            "vpm:subject": {"prov:type": "vpm:PmSnapshot", "vpm:sha256": "aa"},
            "vpm:decision/D-1": {"prov:type": "vpm:Decision", "vpm:sha256": "bb", "vpm:record": "cc"}
        }}});
        assert_eq!(
            links(&record),
            vec![RecordLink {
                entity: "vpm:decision/D-1".into(),
                record_id: "cc".into(),
                sha256: "bb".into()
            }]
        );
        assert!(links(&Value::Null).is_empty());
    }

    #[test]
    fn a_sealed_record_checks_and_its_leaf_is_the_canonical_signed_record() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record(1), &key).unwrap();
        let value = serde_json::to_value(&sealed.signed).unwrap();
        assert_eq!(sealed.leaf, to_canonical(&value).unwrap());
        let checked = check(&value, &key.verifier()).unwrap();
        assert_eq!(checked.record_id, sealed.record_id);
        assert_eq!(checked.leaf_hash, sealed.leaf_hash);
        assert_eq!(
            sealed.record_id,
            Hash::of(&to_canonical(&sealed.signed.record).unwrap())
        );
    }

    #[test]
    fn leaf_bytes_check_like_the_json_value() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record(1), &key).unwrap();
        let checked = check_leaf(&sealed.leaf, &key.verifier()).unwrap();
        assert_eq!(checked.record_id, sealed.record_id);
        assert_eq!(checked.leaf_hash, sealed.leaf_hash);

        let text = String::from_utf8(sealed.leaf.clone()).unwrap();
        let altered = text.replacen("\"demo\"", "\"dem0\"", 1);
        assert_eq!(
            check_leaf(altered.as_bytes(), &key.verifier()),
            Err(RecordError::BadSignature)
        );
        // Re-serialized (not canonical) bytes are not what was signed.
        let pretty = serde_json::to_string_pretty(&sealed.signed).unwrap();
        assert!(check_leaf(pretty.as_bytes(), &key.verifier()).is_err());
        let other = LogKey::generate("example.com/log").unwrap();
        assert!(matches!(
            check_leaf(&sealed.leaf, &other.verifier()),
            Err(RecordError::WrongKey { .. })
        ));
        for junk in [
            &b""[..],
            b"{}",
            b"{\"record\":}",
            b"{\"record\":1,\"signature\":2}",
        ] {
            assert!(check_leaf(junk, &key.verifier()).is_err());
        }
    }

    #[test]
    fn sealing_is_deterministic() {
        let key = LogKey::generate("example.com/log").unwrap();
        let a = seal(sample_record(1), &key).unwrap();
        let b = seal(sample_record(1), &key).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.record_id, seal(sample_record(2), &key).unwrap().record_id);
    }

    #[test]
    fn any_alteration_is_named() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record(1), &key).unwrap();
        let good = serde_json::to_value(&sealed.signed).unwrap();

        let mut v = good.clone();
        v["record"]["project_id"] = "other".into();
        assert_eq!(check(&v, &key.verifier()), Err(RecordError::BadSignature));

        // Changing the document and its declared hash together still breaks
        // the signature; changing the document alone is named precisely
        // once the signature is re-made by the key holder.
        let mut v = good.clone();
        v["record"]["subject"]["document"]["decision"] = "Use MySQL".into();
        assert_eq!(check(&v, &key.verifier()), Err(RecordError::BadSignature));
        let mut record = sample_record(1);
        if let Some(document) = &mut record.subject.document {
            document["decision"] = "Use MySQL".into();
        }
        let resealed = serde_json::to_value(seal(record, &key).unwrap().signed).unwrap();
        assert!(matches!(
            check(&resealed, &key.verifier()),
            Err(RecordError::SubjectHashMismatch { .. })
        ));

        let other = LogKey::generate("example.com/log").unwrap();
        assert!(matches!(
            check(&good, &other.verifier()),
            Err(RecordError::WrongKey { .. })
        ));
        let mut v = good.clone();
        v["signature"]["algorithm"] = "RSA".into();
        assert!(matches!(
            check(&v, &key.verifier()),
            Err(RecordError::WrongAlgorithm(_))
        ));
        let mut v = good;
        v["extra"] = 1.into();
        assert!(matches!(
            check(&v, &key.verifier()),
            Err(RecordError::Malformed(_))
        ));
        assert!(check(&Value::Null, &key.verifier()).is_err());
    }

    #[test]
    fn re_serialized_records_still_check() {
        // Whitespace and key order are not part of what is signed.
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record(3), &key).unwrap();
        let pretty = serde_json::to_string_pretty(&sealed.signed).unwrap();
        let value: Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(
            check(&value, &key.verifier()).unwrap().leaf_hash,
            sealed.leaf_hash
        );
    }
}
