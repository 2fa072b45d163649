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
//! (`subject.document`); a version 2 or 3 record commits to it by
//! `subject.sha256` (of its canonical JSON) and `subject.bytes` (that
//! JSON's length), and the document travels beside the record — in
//! `GET /v1/records/{id}` and in the export. The PROV document likewise:
//! inline in versions 1 and 2 (`provenance`), committed to by
//! `provenance.sha256` and `provenance.bytes` in version 3 and kept beside
//! it. Either way a check fails unless each document is there and hashes to
//! what the signed record says ([`Beside`]).

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
        "its {what} is missing: the signed record commits to a {what} of {bytes} bytes \
         with SHA-256 {sha256}, kept beside the record (GET /v1/records/{{id}} and the \
         export carry it)"
    )]
    DocumentMissing {
        what: Kept,
        sha256: String,
        bytes: u64,
    },
    #[error(
        "its {what} was altered: the signed record commits to SHA-256 {declared} \
         ({declared_bytes} bytes), the {what} given hashes to {actual} ({actual_bytes} bytes)"
    )]
    DocumentMismatch {
        what: Kept,
        declared: String,
        declared_bytes: u64,
        actual: String,
        actual_bytes: u64,
    },
}

/// Which document kept beside a record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// The subject's document (`subject.sha256`).
    Document,
    /// The PROV document (`provenance.sha256`, version 3).
    Provenance,
}

impl std::fmt::Display for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kept::Document => "document",
            Kept::Provenance => "PROV document",
        })
    }
}

/// What travels beside a signed record, as JSON values (`T = Value`) or as
/// the exact bytes stored (`T = [u8]`): its subject's document (version 2
/// on) and its PROV document (version 3).
#[derive(Debug)]
pub struct Beside<'a, T: ?Sized> {
    pub document: Option<&'a T>,
    pub provenance: Option<&'a T>,
}

impl<T: ?Sized> Clone for Beside<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Beside<'_, T> {}

impl<T: ?Sized> Default for Beside<'_, T> {
    fn default() -> Self {
        Self {
            document: None,
            provenance: None,
        }
    }
}

impl<'a, T: ?Sized> Beside<'a, T> {
    pub fn new(document: Option<&'a T>, provenance: Option<&'a T>) -> Self {
        Self {
            document,
            provenance,
        }
    }
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

/// A record's PROV document: its `provenance` (versions 1 and 2), or the
/// one given beside it when the record commits to one (version 3). `None`
/// when it commits to one and none is given. Check the record first
/// ([`check_with`]): only then is a document given beside it the one it
/// commits to.
pub fn prov_document<'a>(record: &'a Value, beside: Option<&'a Value>) -> Option<&'a Value> {
    let provenance = record.get("provenance")?;
    if keeps_provenance_beside(record) {
        beside
    } else {
        Some(provenance)
    }
}

/// Whether a record (the `record` object of a signed record) keeps its PROV
/// document beside it (version 3: `provenance` is a commitment holding
/// `sha256`) rather than inside. The one test the archivist and every
/// verifier use to tell the forms apart.
pub fn keeps_provenance_beside(record: &Value) -> bool {
    record
        .get("provenance")
        .is_some_and(|p| p.get("sha256").is_some())
}

/// Every record a PROV document links to, in PROV id order (see
/// [`prov_document`]).
pub fn links(provenance: &Value) -> Vec<RecordLink> {
    provenance["entity"]
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
/// so a version 2 or 3 record, whose documents are not inside it, fails
/// with [`RecordError::DocumentMissing`]: use [`check_with`].
/// Returns its id and leaf hash.
pub fn check(signed: &Value, verifier: &LogVerifier) -> Result<CheckedRecord, RecordError> {
    check_with(signed, Beside::default(), verifier)
}

/// [`check`], with the documents kept beside the record (as
/// `GET /v1/records/{id}` serves them): each must hash to what the signed
/// record commits to. A version 1 record's inline document is checked
/// too.
pub fn check_with(
    signed: &Value,
    beside: Beside<'_, Value>,
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
    check_subject(record, beside.document)?;
    check_provenance(record, beside.provenance)?;
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
    // The one form a good signature has, checked without parsing; any
    // other bytes take the slow path below, which says what is wrong.
    if let Some(signature) = canonical_signature(signature, verifier) {
        return Ok(OpenedLeaf {
            record_id: Hash::of(record),
            leaf_hash: leaf_hash(leaf),
            signature,
        });
    }
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

/// The signature of a signed record whose signature object is exactly
/// `{"algorithm":"Ed25519","key_id":"<this log's key id>","value":"<base64>"}`
/// — the canonical JSON of a signature by this log's key, as base64 and hex
/// need no escapes — with a value of 64 bytes; `None` otherwise.
fn canonical_signature(signature: &[u8], verifier: &LogVerifier) -> Option<[u8; 64]> {
    let value = signature
        .strip_prefix(b"{\"algorithm\":\"Ed25519\",\"key_id\":\"")?
        .strip_prefix(verifier.key_id_hex().as_bytes())?
        .strip_prefix(b"\",\"value\":\"")?
        .strip_suffix(b"\"}")?;
    let mut decoded = [0u8; 72];
    let n = base64::engine::general_purpose::STANDARD
        .decode_slice(value, &mut decoded)
        .ok()?;
    let signature = decoded.get(..n)?;
    <[u8; 64]>::try_from(signature).ok()
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
            Some(document) => {
                commitment(Kept::Document, declared, None).matches(&to_canonical(document)?)
            }
            None => Ok(()),
        };
    }
    let bytes = subject
        .get("bytes")
        .and_then(Value::as_u64)
        .ok_or_else(|| RecordError::Malformed("no `record.subject.document` or `.bytes`".into()))?;
    let commitment = commitment(Kept::Document, declared, Some(bytes));
    match beside {
        Some(document) => commitment.matches(&to_canonical(document)?),
        None => Err(commitment.missing()),
    }
}

/// A version 3 record's PROV document, given beside it, must be the one it
/// commits to; a record that carries its own takes none beside it.
fn check_provenance(record: &Value, beside: Option<&Value>) -> Result<(), RecordError> {
    let provenance = record
        .get("provenance")
        .ok_or_else(|| RecordError::Malformed("no `record.provenance`".into()))?;
    let Some(declared) = provenance.get("sha256") else {
        return match beside {
            Some(_) => Err(inline_and_beside()),
            None => Ok(()),
        };
    };
    let (Some(declared), Some(bytes)) = (
        declared.as_str(),
        provenance.get("bytes").and_then(Value::as_u64),
    ) else {
        return Err(malformed_provenance_commitment());
    };
    let commitment = commitment(Kept::Provenance, declared, Some(bytes));
    match beside {
        Some(document) => commitment.matches(&to_canonical(document)?),
        None => Err(commitment.missing()),
    }
}

fn malformed_provenance_commitment() -> RecordError {
    RecordError::Malformed(
        "`record.provenance` commits to a PROV document without a string `sha256` and a \
         number `bytes`"
            .into(),
    )
}

fn inline_and_beside() -> RecordError {
    RecordError::Malformed("a PROV document is given beside a record that carries its own".into())
}

/// What a signed record says of a document kept beside it.
struct Commitment<'a> {
    what: Kept,
    sha256: &'a str,
    bytes: Option<u64>,
}

fn commitment(what: Kept, sha256: &str, bytes: Option<u64>) -> Commitment<'_> {
    Commitment {
        what,
        sha256,
        bytes,
    }
}

/// `hex` is `hash` as 64 lowercase hex digits (compared without building
/// a string: an audit does this twice per entry).
pub(crate) fn is_lower_hex_of(hex: &str, hash: &Hash) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    hex.len() == 64
        && hash
            .0
            .iter()
            .zip(hex.as_bytes().chunks_exact(2))
            .all(|(b, pair)| pair == [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
}

impl Commitment<'_> {
    /// The declared hash as an error shows it (at most 64 characters).
    fn declared(&self) -> String {
        self.sha256.chars().take(64).collect()
    }

    fn missing(self) -> RecordError {
        RecordError::DocumentMissing {
            what: self.what,
            sha256: self.declared(),
            bytes: self.bytes.unwrap_or_default(),
        }
    }

    /// `canonical` (the document's canonical JSON) is the committed one.
    fn matches(self, canonical: &[u8]) -> Result<(), RecordError> {
        let hash = Hash::of(canonical);
        let actual_bytes = canonical.len() as u64;
        if is_lower_hex_of(self.sha256, &hash) && self.bytes.is_none_or(|b| b == actual_bytes) {
            return Ok(());
        }
        let actual = hash.to_hex();
        Err(RecordError::DocumentMismatch {
            what: self.what,
            declared_bytes: self.bytes.unwrap_or(actual_bytes),
            declared: self.declared(),
            actual,
            actual_bytes,
        })
    }
}

/// The parts of a leaf that say what is kept beside it: parsed without
/// building the rest of the record.
/// The hashes are borrowed from the leaf: as hex they need no escapes, and
/// a leaf that escapes them is refused as malformed.
#[derive(serde::Deserialize)]
struct LeafSubject<'a> {
    #[serde(borrow)]
    record: LeafRecord<'a>,
}

#[derive(serde::Deserialize)]
struct LeafRecord<'a> {
    #[serde(borrow)]
    subject: LeafSubjectFields<'a>,
    #[serde(borrow)]
    provenance: LeafProvenance<'a>,
}

#[derive(Debug, serde::Deserialize)]
struct LeafSubjectFields<'a> {
    sha256: &'a str,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    document: Option<serde::de::IgnoredAny>,
}

/// A PROV document (its other fields skipped) or a commitment to one.
#[derive(Debug, serde::Deserialize)]
struct LeafProvenance<'a> {
    /// Absent for a PROV document; `Some(None)` for `"sha256": null`,
    /// which makes a malformed commitment, as [`keeps_provenance_beside`]
    /// and the check of a record as a value read it.
    #[serde(default, borrow, deserialize_with = "present")]
    sha256: Option<Option<&'a str>>,
    #[serde(default)]
    bytes: Option<u64>,
}

/// A field that is there, even as `null` (`Some(None)`); serde reads a
/// `null` as an absent `Option` otherwise.
fn present<'de: 'a, 'a, D>(deserializer: D) -> Result<Option<Option<&'a str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <Option<&'a str> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// What a leaf commits to of the documents kept beside it, read once: an
/// audit uses the declared lengths to find the documents in an export line
/// and then checks them against the hashes ([`LeafCommitments::check`]).
#[derive(Debug)]
pub struct LeafCommitments<'a> {
    subject: LeafSubjectFields<'a>,
    provenance: LeafProvenance<'a>,
}

impl<'a> LeafCommitments<'a> {
    /// Reads the subject's and the PROV document's commitments from a leaf,
    /// without building the rest of the record.
    pub fn read(leaf: &'a [u8]) -> Result<Self, RecordError> {
        let parsed: LeafSubject = serde_json::from_slice(leaf).map_err(|e| {
            RecordError::Malformed(format!("the record's subject or provenance: {e}"))
        })?;
        Ok(Self {
            subject: parsed.record.subject,
            provenance: parsed.record.provenance,
        })
    }

    /// The length the record states for a subject document kept beside
    /// it; `None` for a document carried inside the record.
    pub fn document_bytes(&self) -> Option<u64> {
        match self.subject.document {
            Some(_) => None,
            None => self.subject.bytes,
        }
    }

    /// The length the record states for a PROV document kept beside it;
    /// `None` for one carried inside the record.
    pub fn provenance_bytes(&self) -> Option<u64> {
        self.provenance.sha256.flatten().and(self.provenance.bytes)
    }

    /// Checks the documents given beside the leaf, as the exact bytes
    /// stored: see [`check_leaf_beside`].
    pub fn check(&self, beside: Beside<'_, [u8]>) -> Result<(), RecordError> {
        let Self {
            subject,
            provenance,
        } = self;
        let inline = subject.document.is_some();
        if !inline && subject.bytes.is_none() {
            return Err(RecordError::Malformed(
                "no `record.subject.document` or `.bytes`".into(),
            ));
        }
        let document = commitment(Kept::Document, subject.sha256, subject.bytes);
        match beside.document {
            Some(bytes) => document.matches(bytes)?,
            None if inline => {}
            None => return Err(document.missing()),
        }
        match (provenance.sha256, provenance.bytes, beside.provenance) {
            (None, _, None) => Ok(()),
            (None, _, Some(_)) => Err(inline_and_beside()),
            (Some(Some(sha256)), Some(bytes), given) => {
                let commitment = commitment(Kept::Provenance, sha256, Some(bytes));
                match given {
                    Some(given) => commitment.matches(given),
                    None => Err(commitment.missing()),
                }
            }
            (Some(_), _, _) => Err(malformed_provenance_commitment()),
        }
    }
}

/// Checks the documents an export carries beside a leaf, as the exact
/// bytes stored: a version 2 or 3 record's subject document and a version
/// 3 record's PROV document must be there and be exactly the canonical
/// JSON the record commits to (SHA-256 and length). A version 1 record
/// carries both inside the leaf, covered by the signature; nothing is
/// needed beside it (a subject document given anyway must match too; a
/// PROV document is refused).
pub fn check_leaf_beside(leaf: &[u8], beside: Beside<'_, [u8]>) -> Result<(), RecordError> {
    LeafCommitments::read(leaf)?.check(beside)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use vpm_model::record::{
        DocumentDigest, RecordProvenance, RecordSubject, RecordVersion, SubjectKind,
    };

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
            provenance: RecordProvenance::Inline(Box::default()),
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

    /// A PROV document to keep beside a version 3 record.
    pub(crate) fn sample_prov(n: u32) -> Value {
        serde_json::json!({"prefix": {"vpm": "https://example.com/ns#"},
            "entity": {"vpm:subject": {"prov:type": "vpm:Decision", "vpm:sha256": format!("{n:064x}")}},
            "activity": {"vpm:activity/curator": {"prov:type": "vpm:CellRun",
                "prov:startTime": "2026-01-05T09:00:00Z", "prov:endTime": "2026-01-05T09:00:01Z"}}})
    }

    /// A version 3 record: the document and the PROV document beside it.
    pub(crate) fn sample_record_v3(n: u32) -> Record {
        let prov = to_canonical(&sample_prov(n)).unwrap();
        Record {
            schema_version: RecordVersion::V3,
            provenance: RecordProvenance::Beside(DocumentDigest {
                sha256: sha256_hex(&prov),
                bytes: prov.len() as u64,
            }),
            ..sample_record_v2(n)
        }
    }

    #[test]
    fn a_v3_record_checks_only_with_both_documents_beside_it() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record_v3(1), &key).unwrap();
        let value = serde_json::to_value(&sealed.signed).unwrap();
        let (document, prov) = (sample_document(1), sample_prov(1));
        let checked = check_with(
            &value,
            Beside::new(Some(&document), Some(&prov)),
            &key.verifier(),
        )
        .unwrap();
        assert_eq!(checked.leaf_hash, sealed.leaf_hash);
        assert!(
            !String::from_utf8_lossy(&sealed.leaf).contains("vpm:activity/curator"),
            "the PROV document is not in the leaf"
        );
        assert_eq!(prov_document(&value["record"], Some(&prov)), Some(&prov));
        assert_eq!(prov_document(&value["record"], None), None);

        // Without it, or with another, the check names the PROV document.
        match check_with(&value, Beside::new(Some(&document), None), &key.verifier()) {
            Err(
                e @ RecordError::DocumentMissing {
                    what: Kept::Provenance,
                    ..
                },
            ) => {
                assert!(
                    e.to_string().starts_with("its PROV document is missing"),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
        let mut altered = prov.clone();
        altered["activity"]["vpm:activity/curator"]["prov:endTime"] = "2026-01-05T09:00:02Z".into();
        match check_with(
            &value,
            Beside::new(Some(&document), Some(&altered)),
            &key.verifier(),
        ) {
            Err(
                e @ RecordError::DocumentMismatch {
                    what: Kept::Provenance,
                    ..
                },
            ) => {
                assert!(
                    e.to_string().starts_with("its PROV document was altered"),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }

        // The export's form.
        let (doc_bytes, prov_bytes) = (
            to_canonical(&document).unwrap(),
            to_canonical(&prov).unwrap(),
        );
        check_leaf_beside(
            &sealed.leaf,
            Beside::new(Some(&doc_bytes), Some(&prov_bytes)),
        )
        .unwrap();
        assert!(matches!(
            check_leaf_beside(&sealed.leaf, Beside::new(Some(&doc_bytes), None)),
            Err(RecordError::DocumentMissing {
                what: Kept::Provenance,
                ..
            })
        ));
        assert!(matches!(
            check_leaf_beside(&sealed.leaf, Beside::new(None, Some(&prov_bytes))),
            Err(RecordError::DocumentMissing {
                what: Kept::Document,
                ..
            })
        ));
        let pretty = serde_json::to_vec_pretty(&prov).unwrap();
        assert!(matches!(
            check_leaf_beside(&sealed.leaf, Beside::new(Some(&doc_bytes), Some(&pretty))),
            Err(RecordError::DocumentMismatch {
                what: Kept::Provenance,
                ..
            })
        ));

        // A record that carries its own PROV document takes none beside it.
        let v2 = seal(sample_record_v2(1), &key).unwrap();
        let v2_value = serde_json::to_value(&v2.signed).unwrap();
        assert!(matches!(
            check_with(
                &v2_value,
                Beside::new(Some(&document), Some(&prov)),
                &key.verifier()
            ),
            Err(RecordError::Malformed(_))
        ));
        assert!(matches!(
            check_leaf_beside(&v2.leaf, Beside::new(Some(&doc_bytes), Some(&prov_bytes))),
            Err(RecordError::Malformed(_))
        ));
        assert_eq!(
            prov_document(&v2_value["record"], Some(&prov)),
            Some(&v2_value["record"]["provenance"])
        );
    }

    #[test]
    fn a_v2_record_checks_only_with_its_document() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record_v2(1), &key).unwrap();
        let value = serde_json::to_value(&sealed.signed).unwrap();
        let document = sample_document(1);
        let checked =
            check_with(&value, Beside::new(Some(&document), None), &key.verifier()).unwrap();
        assert_eq!(checked.leaf_hash, sealed.leaf_hash);
        assert!(
            !String::from_utf8_lossy(&sealed.leaf).contains("Use PostgreSQL"),
            "the document is not in the leaf"
        );

        // Without it, or with another, the check names what is wrong.
        let expected_hash = subject_hash(&document).unwrap();
        match check(&value, &key.verifier()) {
            Err(RecordError::DocumentMissing {
                what: Kept::Document,
                sha256,
                bytes,
            }) => {
                assert_eq!(sha256, expected_hash);
                // {"decision":"Use PostgreSQL","id":"D-1","progress":0.5}
                assert_eq!(bytes, 55);
            }
            other => panic!("{other:?}"),
        }
        let mut altered = document.clone();
        altered["decision"] = "Use MySQL".into();
        assert!(matches!(
            check_with(&value, Beside::new(Some(&altered), None), &key.verifier()),
            Err(RecordError::DocumentMismatch {
                declared_bytes: 55,
                actual_bytes: 50,
                ..
            })
        ));

        // The export's form: the exact canonical bytes beside the leaf.
        let canonical = to_canonical(&document).unwrap();
        check_leaf_beside(&sealed.leaf, Beside::new(Some(&canonical), None)).unwrap();
        assert!(matches!(
            check_leaf_beside(&sealed.leaf, Beside::default()),
            Err(RecordError::DocumentMissing { .. })
        ));
        let pretty = serde_json::to_vec_pretty(&document).unwrap();
        assert!(matches!(
            check_leaf_beside(&sealed.leaf, Beside::new(Some(&pretty), None)),
            Err(RecordError::DocumentMismatch { .. })
        ));
    }

    #[test]
    fn a_v1_record_needs_nothing_beside_it() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record(1), &key).unwrap();
        check_leaf_beside(&sealed.leaf, Beside::default()).unwrap();
        let value = serde_json::to_value(&sealed.signed).unwrap();
        check(&value, &key.verifier()).unwrap();
        // A document given beside a v1 record must still be the signed one.
        let mut other = sample_document(1);
        other["decision"] = "Use MySQL".into();
        assert!(check_with(&value, Beside::new(Some(&other), None), &key.verifier()).is_err());
    }

    #[test]
    fn links_are_read_from_the_provenance() {
        let record = serde_json::json!({"provenance": {"entity": {
            "vpm:subject": {"prov:type": "vpm:PmSnapshot", "vpm:sha256": "aa"},
            "vpm:decision/D-1": {"prov:type": "vpm:Decision", "vpm:sha256": "bb", "vpm:record": "cc"}
        }}});
        let prov = prov_document(&record, None).unwrap();
        assert_eq!(
            links(prov),
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
    fn a_leaf_opens_only_with_the_canonical_signature_of_this_key() {
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record_v2(1), &key).unwrap();
        let opened = open_leaf(&sealed.leaf, &key.verifier()).unwrap();
        assert_eq!(opened.record_id, sealed.record_id);
        assert_eq!(opened.leaf_hash, sealed.leaf_hash);
        let text = String::from_utf8(sealed.leaf.clone()).unwrap();
        let (head, signature) = text.rsplit_once(",\"signature\":").unwrap();
        // Without the signed record's closing brace.
        let signature = signature.strip_suffix('}').unwrap();
        let value = &sealed.signed.signature.value;
        let with = |signature: &str| format!("{head},\"signature\":{signature}}}");
        let open = |leaf: String| open_leaf(leaf.as_bytes(), &key.verifier());

        // Each other form of the same signature is named, not opened.
        let spaced = signature.replacen("\"algorithm\":", "\"algorithm\": ", 1);
        assert!(
            matches!(open(with(&spaced)), Err(RecordError::Malformed(m)) if m.contains("canonical"))
        );
        let rsa = signature.replacen("Ed25519", "RSA", 1);
        assert!(matches!(
            open(with(&rsa)),
            Err(RecordError::WrongAlgorithm(_))
        ));
        let other = LogKey::generate("example.com/log").unwrap();
        let foreign = signature.replacen(
            &key.verifier().key_id_hex(),
            &other.verifier().key_id_hex(),
            1,
        );
        assert!(matches!(
            open(with(&foreign)),
            Err(RecordError::WrongKey { .. })
        ));
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 63]);
        let short = signature.replacen(value.as_str(), &short, 1);
        assert!(matches!(open(with(&short)), Err(RecordError::BadSignature)));
        let escaped = signature.replacen("Ed25519", "Ed2551\\u0039", 1);
        assert!(open(with(&escaped)).is_err());
        assert!(open(with(signature)).is_ok());
    }

    #[test]
    fn a_null_prov_hash_is_malformed_as_a_value_and_as_bytes() {
        // Only the log key can sign such a record; the verifiers must still
        // agree on it: not a PROV document carried inline, but a broken
        // commitment to one.
        let key = LogKey::generate("example.com/log").unwrap();
        let sealed = seal(sample_record_v3(1), &key).unwrap();
        let mut value = serde_json::to_value(&sealed.signed).unwrap();
        value["record"]["provenance"]["sha256"] = Value::Null;
        let digest = Hash::of(&to_canonical(&value["record"]).unwrap());
        value["signature"]["value"] = base64::engine::general_purpose::STANDARD
            .encode(key.sign(&digest.0))
            .into();
        assert!(keeps_provenance_beside(&value["record"]));
        let document = sample_document(1);
        let as_value = check_with(&value, Beside::new(Some(&document), None), &key.verifier());
        let leaf = to_canonical(&value).unwrap();
        let canonical_document = to_canonical(&document).unwrap();
        let as_bytes = check_leaf_beside(&leaf, Beside::new(Some(&canonical_document[..]), None));
        for result in [as_value.map(|_| ()), as_bytes] {
            match result {
                Err(RecordError::Malformed(why)) => {
                    assert!(why.contains("without a string `sha256`"), "{why}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_declared_hash_is_exactly_the_documents() {
        // A commitment with a digit more than a SHA-256 matches no document.
        let key = LogKey::generate("example.com/log").unwrap();
        let mut record = sample_record_v2(1);
        record.subject.sha256.push('0');
        let sealed = seal(record, &key).unwrap();
        let canonical = to_canonical(&sample_document(1)).unwrap();
        assert!(matches!(
            check_leaf_beside(&sealed.leaf, Beside::new(Some(&canonical), None)),
            Err(RecordError::DocumentMismatch { .. })
        ));
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
