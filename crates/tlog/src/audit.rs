//! A whole log, checked from first leaf to signed root: the export format
//! and the [`Auditor`] that walks it.
//!
//! An export is NDJSON: a header (the signed checkpoint the export stops
//! at), one line per leaf in order, and an end line, so that a truncated
//! file is told from a complete one. Each entry carries the signed record
//! and the tree nodes the archivist stored when that leaf was appended
//! (the leaf hash, then each perfect subtree the leaf completed). The
//! auditor recomputes all of them with O(log n) memory, so a record altered
//! in the database, a stored node altered, a missing or repeated leaf and a
//! root that does not match the signed checkpoint are each caught at the
//! first entry where they show, and named.
//!
//! A version 2 record keeps its subject's document beside the leaf, so its
//! entry carries the document too (`document`, the exact canonical JSON
//! the record commits to); a version 3 record keeps its PROV document
//! beside the leaf as well (`provenance`). A document altered or left out
//! is named by the entry and the record.

use std::fmt;
use std::io::BufRead;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::checkpoint::{self, VerifiedCheckpoint};
use crate::hash::Hash;
use crate::key::LogVerifier;
use crate::merkle::Frontier;
use crate::record::{self, CheckedRecord};

/// The `format` of the header line.
pub const EXPORT_FORMAT: &str = "vpm-log-export-v1";

/// One line of an export.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportLine {
    Header(ExportHeader),
    Entry(ExportEntry),
    End(ExportEnd),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportHeader {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    pub origin: String,
    /// The log's public key as a signed-note verifier key.
    pub verifier_key: String,
    /// The number of entries that follow.
    pub tree_size: u64,
    /// The signed checkpoint of that tree size.
    pub checkpoint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportEntry {
    pub leaf_index: u64,
    pub record_id: String,
    /// When the log accepted the record (RFC 3339; not signed).
    pub logged_at: String,
    /// The stored node hashes this leaf completed, hex, level 0 (the leaf
    /// hash) first.
    pub nodes: Vec<String>,
    /// The signed record, byte for byte as stored: the leaf data.
    pub signed_record: Box<RawValue>,
    /// A version 2 record's subject document, byte for byte as stored: the
    /// canonical JSON whose SHA-256 and length the record states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Box<RawValue>>,
    /// A version 3 record's PROV document, byte for byte as stored: the
    /// canonical JSON whose SHA-256 and length the record's `provenance`
    /// states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Box<RawValue>>,
}

/// Any export line, as read: the tagged [`ExportLine`] cannot carry a raw
/// value through serde's buffering, so reading goes through this flat form,
/// which borrows the raw values from the line (an audit copies none of the
/// documents it hashes).
#[derive(Debug, Deserialize)]
struct LineIn<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    format: Option<String>,
    origin: Option<String>,
    verifier_key: Option<String>,
    tree_size: Option<u64>,
    checkpoint: Option<String>,
    leaf_index: Option<u64>,
    record_id: Option<String>,
    nodes: Option<Vec<String>>,
    #[serde(borrow)]
    signed_record: Option<&'a RawValue>,
    #[serde(borrow)]
    document: Option<&'a RawValue>,
    #[serde(borrow)]
    provenance: Option<&'a RawValue>,
}

/// An export line as read: an entry borrows its raw values from the line.
enum LineRef<'a> {
    Header(ExportHeader),
    Entry(EntryRef<'a>),
    End(ExportEnd),
}

/// The fields of an entry an audit reads.
struct EntryRef<'a> {
    leaf_index: u64,
    record_id: String,
    nodes: Vec<String>,
    signed_record: &'a RawValue,
    document: Option<&'a RawValue>,
    provenance: Option<&'a RawValue>,
}

impl<'a> LineIn<'a> {
    fn into_line(self) -> Result<LineRef<'a>, String> {
        let kind = self.kind;
        let missing = |field: &str| format!("a {kind} line without `{field}`");
        Ok(match kind.as_ref() {
            "header" => LineRef::Header(ExportHeader {
                format: self.format.ok_or_else(|| missing("format"))?,
                origin: self.origin.ok_or_else(|| missing("origin"))?,
                verifier_key: self.verifier_key.unwrap_or_default(),
                tree_size: self.tree_size.ok_or_else(|| missing("tree_size"))?,
                checkpoint: self.checkpoint.ok_or_else(|| missing("checkpoint"))?,
            }),
            "entry" => LineRef::Entry(EntryRef {
                leaf_index: self.leaf_index.ok_or_else(|| missing("leaf_index"))?,
                record_id: self.record_id.ok_or_else(|| missing("record_id"))?,
                nodes: self.nodes.ok_or_else(|| missing("nodes"))?,
                signed_record: self
                    .signed_record
                    .ok_or_else(|| "an entry line without `signed_record`".to_owned())?,
                document: self.document,
                provenance: self.provenance,
            }),
            "end" => LineRef::End(ExportEnd {
                tree_size: self.tree_size.ok_or_else(|| missing("tree_size"))?,
            }),
            other => return Err(format!("unknown line kind {other:?}")),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportEnd {
    pub tree_size: u64,
}

/// The first thing wrong with a log, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditProblem {
    /// The first bad entry, when the problem is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_index: Option<u64>,
    pub reason: String,
}

impl AuditProblem {
    pub fn at(leaf_index: u64, reason: impl Into<String>) -> Self {
        Self {
            leaf_index: Some(leaf_index),
            reason: reason.into(),
        }
    }

    pub fn log(reason: impl Into<String>) -> Self {
        Self {
            leaf_index: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.leaf_index {
            Some(i) => write!(f, "entry {i}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for AuditProblem {}

/// What a successful audit established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    pub origin: String,
    pub tree_size: u64,
    /// Hex.
    pub root_hash: String,
}

/// Walks a log's leaves in order, recomputing every stored node and, at the
/// end, the root.
#[derive(Debug, Clone, Default)]
pub struct Auditor {
    frontier: Frontier,
}

impl Auditor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves accepted so far.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The per-record half of the audit, on the leaf's exact bytes: the
    /// signature by the log key and the declared record id. Independent per
    /// entry, so callers may run it on many threads.
    pub fn check_record(
        verifier: &LogVerifier,
        leaf_index: u64,
        record_id: &str,
        leaf: &[u8],
    ) -> Result<CheckedRecord, AuditProblem> {
        let checked = record::check_leaf(leaf, verifier)
            .map_err(|e| AuditProblem::at(leaf_index, e.to_string()))?;
        check_id(leaf_index, record_id, checked)
    }

    /// The documents kept beside a leaf (a version 2 or 3 record's
    /// subject document, a version 3 record's PROV document): each must be
    /// there and be the one the record commits to. Independent per entry.
    pub fn check_beside(
        leaf_index: u64,
        record_id: &str,
        leaf: &[u8],
        beside: record::Beside<'_, [u8]>,
    ) -> Result<(), AuditProblem> {
        record::check_leaf_beside(leaf, beside)
            .map_err(|e| AuditProblem::at(leaf_index, format!("record {record_id}: {e}")))
    }

    /// The in-order half: the entry is the next leaf, and the nodes stored
    /// with it are the ones its leaf completes.
    pub fn append(
        &mut self,
        leaf_index: u64,
        checked: &CheckedRecord,
        stored_nodes: &[Hash],
    ) -> Result<(), AuditProblem> {
        let expected = self.frontier.size();
        if leaf_index != expected {
            return Err(AuditProblem::at(
                expected,
                if leaf_index > expected {
                    format!("missing: the next entry found is {leaf_index}")
                } else {
                    format!("entry {leaf_index} appears again where {expected} should be")
                },
            ));
        }
        let completed = self.frontier.push(checked.leaf_hash);
        if stored_nodes.len() != completed.len() {
            return Err(AuditProblem::at(
                leaf_index,
                format!(
                    "{} stored tree nodes end at this leaf; it completes {}",
                    stored_nodes.len(),
                    completed.len()
                ),
            ));
        }
        for ((id, computed), stored) in completed.iter().zip(stored_nodes) {
            if computed != stored {
                let what = if id.level == 0 {
                    "stored leaf hash".to_owned()
                } else {
                    format!(
                        "stored tree node (level {}, index {}, leaves {}..={})",
                        id.level,
                        id.index,
                        id.first_leaf(),
                        id.last_leaf()
                    )
                };
                return Err(AuditProblem::at(
                    leaf_index,
                    format!("{what} is {stored}, but the records under it hash to {computed}"),
                ));
            }
        }
        Ok(())
    }

    /// The end: the recomputed tree is the one the checkpoint signs.
    pub fn finish(&self, checkpoint: &VerifiedCheckpoint) -> Result<AuditReport, AuditProblem> {
        let root = self.frontier.root();
        if self.frontier.size() != checkpoint.size {
            return Err(AuditProblem::log(format!(
                "the log has {} entries but its signed checkpoint is for {}",
                self.frontier.size(),
                checkpoint.size
            )));
        }
        if root != checkpoint.root {
            return Err(AuditProblem::log(format!(
                "the entries hash to root {root}, but the signed checkpoint says {}",
                checkpoint.root
            )));
        }
        Ok(AuditReport {
            origin: checkpoint.origin.clone(),
            tree_size: checkpoint.size,
            root_hash: root.to_hex(),
        })
    }
}

/// Parses an entry's stored node hashes.
pub fn parse_nodes(leaf_index: u64, nodes: &[String]) -> Result<Vec<Hash>, AuditProblem> {
    nodes
        .iter()
        .map(|h| {
            h.parse().map_err(|_| {
                AuditProblem::at(leaf_index, format!("stored node {h:?} is not a hash"))
            })
        })
        .collect()
}

/// The entry's declared record id must be the hash of its record.
fn check_id(
    leaf_index: u64,
    record_id: &str,
    checked: CheckedRecord,
) -> Result<CheckedRecord, AuditProblem> {
    if checked.record_id.to_hex() != record_id {
        return Err(AuditProblem::at(
            leaf_index,
            format!(
                "the entry says record {record_id}, but its record hashes to {}",
                checked.record_id
            ),
        ));
    }
    Ok(checked)
}

/// Lines an audit reads before checking them together.
const CHUNK: usize = 4096;
/// Signatures verified in one Ed25519 batch. Larger batches cost a little
/// less per signature (measured by `examples/audit_cost.rs`: 12.8 µs at
/// 64, 11.2 at 256, 10.1 at 1024 and at 4096); a failed batch is re-checked
/// one by one, so this also bounds the extra work a forged record causes
/// (about 45 ms for 1024 strict checks).
const SIGNATURE_BATCH: usize = 1024;

/// Audits a whole export read from `reader`, parsing and checking records
/// on up to `threads` threads. Returns the first problem found.
///
/// Lines are read in chunks; each thread parses its share of a chunk,
/// checks each record's form and declared id, and verifies the records'
/// signatures in batches ([`LogVerifier::verify_batch`]); then the chunk is
/// walked in order, so the problem reported is the first one in the log.
pub fn audit_export(
    mut reader: impl BufRead,
    verifier: &LogVerifier,
    threads: usize,
) -> Result<AuditReport, AuditProblem> {
    let threads = threads.max(1);
    let mut lines = RawLines::default();
    let first = lines.next(&mut reader)?;
    let header = match &first {
        Some((n, bytes)) => parse_line(*n, bytes)?,
        None => {
            return Err(AuditProblem::log(
                "the export does not start with a header line",
            ));
        }
    };
    let LineRef::Header(header) = header else {
        return Err(AuditProblem::log(
            "the export does not start with a header line",
        ));
    };
    if header.format != EXPORT_FORMAT {
        return Err(AuditProblem::log(format!(
            "unknown export format {:?} (expected {EXPORT_FORMAT})",
            header.format
        )));
    }
    let head = checkpoint::open(&header.checkpoint, verifier)
        .map_err(|e| AuditProblem::log(format!("the export's checkpoint: {e}")))?;
    if head.size != header.tree_size {
        return Err(AuditProblem::log(format!(
            "the header says {} entries, its signed checkpoint {}",
            header.tree_size, head.size
        )));
    }

    let mut auditor = Auditor::new();
    let mut next = read_chunk(&mut lines, &mut reader);
    loop {
        let chunk = next?;
        if chunk.is_empty() {
            return Err(AuditProblem::log(format!(
                "the export is truncated: no end line after {} entries",
                auditor.size()
            )));
        }
        // The next chunk is read while this one is checked.
        let (checked, ahead) = check_chunk(&chunk, verifier, threads, || {
            read_chunk(&mut lines, &mut reader)
        });
        next = ahead;
        let mut checked = checked.into_iter().zip(&chunk);
        for (line, (n, _)) in checked.by_ref() {
            match line? {
                CheckedLine::Header => {
                    return Err(AuditProblem::log(format!("line {n}: a second header")));
                }
                CheckedLine::Entry {
                    leaf_index,
                    record,
                    nodes,
                } => {
                    // Order matters: a gap before a bad record is the first problem.
                    if leaf_index != auditor.size() {
                        let gap = auditor.append(
                            leaf_index,
                            &CheckedRecord {
                                record_id: Hash::default(),
                                leaf_hash: Hash::default(),
                            },
                            &[],
                        );
                        return Err(gap
                            .err()
                            .unwrap_or_else(|| AuditProblem::at(leaf_index, "out of order")));
                    }
                    auditor.append(leaf_index, &record?, &nodes?)?;
                }
                CheckedLine::End(end) => {
                    if end.tree_size != auditor.size() {
                        return Err(AuditProblem::log(format!(
                            "the end line says {} entries, the export has {}",
                            end.tree_size,
                            auditor.size()
                        )));
                    }
                    let after = match checked.next() {
                        Some((_, (n, _))) => Some(*n),
                        None => next?.first().map(|(n, _)| *n),
                    };
                    if let Some(n) = after {
                        return Err(AuditProblem::log(format!(
                            "line {n}: data after the end line"
                        )));
                    }
                    return auditor.finish(&head);
                }
            }
        }
    }
}

/// Reads an export line by line as bytes, counting lines from 1.
#[derive(Default)]
struct RawLines {
    read: usize,
    /// The length of the last line: the next one is about as long, so its
    /// buffer is allocated once rather than grown a dozen times.
    last_len: usize,
}

/// The most a line's buffer is allocated for up front.
const MAX_LINE_HINT: usize = 1 << 20;

impl RawLines {
    fn next(
        &mut self,
        reader: &mut impl BufRead,
    ) -> Result<Option<(usize, Vec<u8>)>, AuditProblem> {
        let mut line = Vec::with_capacity((self.last_len + self.last_len / 8).min(MAX_LINE_HINT));
        let n = self.read + 1;
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => Ok(None),
            Ok(len) => {
                self.read = n;
                self.last_len = len;
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                Ok(Some((n, line)))
            }
            Err(e) => Err(AuditProblem::log(format!("line {n}: cannot read: {e}"))),
        }
    }
}

fn parse_line(n: usize, bytes: &[u8]) -> Result<LineRef<'_>, AuditProblem> {
    serde_json::from_slice::<LineIn>(bytes)
        .map_err(|e| e.to_string())
        .and_then(LineIn::into_line)
        .map_err(|e| AuditProblem::log(format!("line {n}: not an export line: {e}")))
}

/// One line, parsed and checked as far as it can be on its own.
enum CheckedLine {
    Header,
    Entry {
        leaf_index: u64,
        record: Result<CheckedRecord, AuditProblem>,
        nodes: Result<Vec<Hash>, AuditProblem>,
    },
    End(ExportEnd),
}

/// Up to [`CHUNK`] lines.
fn read_chunk(
    lines: &mut RawLines,
    reader: &mut impl BufRead,
) -> Result<Vec<(usize, Vec<u8>)>, AuditProblem> {
    let mut chunk = Vec::with_capacity(CHUNK);
    while chunk.len() < CHUNK {
        match lines.next(reader)? {
            Some(line) => chunk.push(line),
            None => break,
        }
    }
    Ok(chunk)
}

/// Parses and checks a chunk of lines on up to `threads` threads, keeping
/// their order, and runs `meanwhile` on this thread as they work (with one
/// thread, after it).
fn check_chunk<R>(
    chunk: &[(usize, Vec<u8>)],
    verifier: &LogVerifier,
    threads: usize,
    meanwhile: impl FnOnce() -> R,
) -> (Vec<Result<CheckedLine, AuditProblem>>, R) {
    if threads <= 1 {
        let checked = check_lines(chunk, verifier);
        return (checked, meanwhile());
    }
    let per_thread = chunk.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .chunks(per_thread)
            .map(|part| scope.spawn(move || check_lines(part, verifier)))
            .collect();
        let other = meanwhile();
        let checked = handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err(AuditProblem::log("a verification thread failed"))]
                })
            })
            .collect();
        (checked, other)
    })
}

/// A record whose signature is still to be verified.
struct Pending {
    line: usize,
    leaf_index: u64,
    record_id: String,
    opened: record::OpenedLeaf,
}

fn check_lines(
    lines: &[(usize, Vec<u8>)],
    verifier: &LogVerifier,
) -> Vec<Result<CheckedLine, AuditProblem>> {
    let mut out = Vec::with_capacity(lines.len());
    let mut pending = Vec::new();
    for (i, (n, bytes)) in lines.iter().enumerate() {
        let line = parse_line(*n, bytes).map(|line| match line {
            LineRef::Header(_) => CheckedLine::Header,
            LineRef::End(end) => CheckedLine::End(end),
            LineRef::Entry(e) => {
                let leaf = e.signed_record.get().as_bytes();
                // The documents a record keeps beside it must be there and
                // be the ones it commits to; that needs no signature, so it
                // is settled here and an entry failing it waits for no batch.
                let record = record::open_leaf(leaf, verifier)
                    .map_err(|err| AuditProblem::at(e.leaf_index, err.to_string()))
                    .and_then(|opened| {
                        Auditor::check_beside(
                            e.leaf_index,
                            &e.record_id,
                            leaf,
                            record::Beside::new(
                                e.document.map(|d| d.get().as_bytes()),
                                e.provenance.map(|d| d.get().as_bytes()),
                            ),
                        )
                        .map(|()| opened)
                    });
                let record = match record {
                    Ok(opened) => {
                        pending.push(Pending {
                            line: i,
                            leaf_index: e.leaf_index,
                            record_id: e.record_id,
                            opened,
                        });
                        // Settled below, once the signature is verified.
                        Err(AuditProblem::log("not verified"))
                    }
                    Err(problem) => Err(problem),
                };
                CheckedLine::Entry {
                    leaf_index: e.leaf_index,
                    record,
                    nodes: parse_nodes(e.leaf_index, &e.nodes),
                }
            }
        });
        out.push(line);
    }
    for batch in pending.chunks(SIGNATURE_BATCH) {
        let digests: Vec<[u8; 32]> = batch.iter().map(|p| p.opened.record_id.0).collect();
        let signatures: Vec<[u8; 64]> = batch.iter().map(|p| p.opened.signature).collect();
        let all_good = verifier.verify_batch(&digests, &signatures);
        for p in batch {
            // A failed batch says only that some signature is bad: the
            // strict check, one by one, says which.
            let good = all_good || verifier.verify(&p.opened.record_id.0, &p.opened.signature);
            let record = if good {
                check_id(
                    p.leaf_index,
                    &p.record_id,
                    CheckedRecord {
                        record_id: p.opened.record_id,
                        leaf_hash: p.opened.leaf_hash,
                    },
                )
            } else {
                Err(AuditProblem::at(
                    p.leaf_index,
                    record::RecordError::BadSignature.to_string(),
                ))
            };
            if let Some(Ok(CheckedLine::Entry { record: slot, .. })) = out.get_mut(p.line) {
                *slot = record;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::to_canonical;
    use crate::checkpoint::TreeHead;
    use crate::key::LogKey;
    use crate::record::seal;
    use crate::record::tests::{
        sample_document, sample_prov, sample_record, sample_record_v2, sample_record_v3,
    };

    fn raw_canonical(value: &serde_json::Value) -> Box<RawValue> {
        RawValue::from_string(String::from_utf8(to_canonical(value).unwrap()).unwrap()).unwrap()
    }

    /// An export of `n` records, as the archivist writes it: version 1
    /// records (documents inline) at odd indexes, version 2 records
    /// (document beside) at indexes 2, 6, 10, ..., and version 3 records
    /// (document and PROV document beside) at 0, 4, 8, ..., as in a log
    /// that predates both.
    fn export(key: &LogKey, n: u32) -> Vec<ExportLine> {
        let mut frontier = Frontier::default();
        let mut entries = Vec::new();
        for i in 0..n {
            let document = Some(raw_canonical(&sample_document(i)));
            let (record, document, provenance) = match i % 4 {
                1 | 3 => (sample_record(i), None, None),
                2 => (sample_record_v2(i), document, None),
                _ => (
                    sample_record_v3(i),
                    document,
                    Some(raw_canonical(&sample_prov(i))),
                ),
            };
            let sealed = seal(record, key).unwrap();
            let nodes = frontier.push(sealed.leaf_hash);
            entries.push(ExportLine::Entry(ExportEntry {
                leaf_index: u64::from(i),
                record_id: sealed.record_id.to_hex(),
                logged_at: "2026-01-05T09:00:00Z".into(),
                nodes: nodes.iter().map(|(_, h)| h.to_hex()).collect(),
                signed_record: RawValue::from_string(String::from_utf8(sealed.leaf).unwrap())
                    .unwrap(),
                document,
                provenance,
            }));
        }
        let checkpoint = TreeHead {
            origin: key.name(),
            size: u64::from(n),
            root: frontier.root(),
        }
        .sign(key)
        .unwrap();
        let mut lines = vec![ExportLine::Header(ExportHeader {
            format: EXPORT_FORMAT.into(),
            origin: key.name().into(),
            verifier_key: key.verifier().verifier_key(),
            tree_size: u64::from(n),
            checkpoint,
        })];
        lines.extend(entries);
        lines.push(ExportLine::End(ExportEnd {
            tree_size: u64::from(n),
        }));
        lines
    }

    fn text(lines: &[ExportLine]) -> String {
        lines
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect()
    }

    fn audit(lines: &[ExportLine], key: &LogKey) -> Result<AuditReport, AuditProblem> {
        audit_export(text(lines).as_bytes(), &key.verifier(), 2)
    }

    fn entry(lines: &mut [ExportLine], i: usize) -> &mut ExportEntry {
        match &mut lines[i + 1] {
            ExportLine::Entry(e) => e,
            _ => unreachable!(),
        }
    }

    #[test]
    fn an_untouched_export_verifies() {
        let key = LogKey::generate("example.com/log").unwrap();
        for n in [0, 1, 2, 7, 33] {
            let report = audit(&export(&key, n), &key).unwrap();
            assert_eq!(report.tree_size, u64::from(n));
        }
    }

    #[test]
    fn an_altered_record_is_named_by_its_index() {
        let key = LogKey::generate("example.com/log").unwrap();
        let mut lines = export(&key, 20);
        for i in [13, 17] {
            let e = entry(&mut lines, i);
            let forged = e.signed_record.get().replacen("\"demo\"", "\"forged\"", 1);
            e.signed_record = RawValue::from_string(forged).unwrap();
        }
        let problem = audit(&lines, &key).unwrap_err();
        assert_eq!(problem.leaf_index, Some(13));
        assert!(problem.reason.contains("signature"), "{problem}");
    }

    #[test]
    fn the_first_forged_record_is_named_whatever_the_batch_or_thread() {
        // More records than one signature batch, split over threads: the
        // forgeries sit in later batches and in the second thread's share.
        let key = LogKey::generate("example.com/log").unwrap();
        let mut lines = export(&key, 700);
        for i in [612, 450, 520] {
            let e = entry(&mut lines, i);
            let forged = e.signed_record.get().replacen("\"demo\"", "\"forged\"", 1);
            e.signed_record = RawValue::from_string(forged).unwrap();
        }
        for threads in [1, 2, 3] {
            let problem =
                audit_export(text(&lines).as_bytes(), &key.verifier(), threads).unwrap_err();
            assert_eq!(
                problem.leaf_index,
                Some(450),
                "{threads} threads: {problem}"
            );
            assert!(problem.reason.contains("signature"), "{problem}");
        }
        let clean = export(&key, 700);
        for threads in [1, 2, 3] {
            let report = audit_export(text(&clean).as_bytes(), &key.verifier(), threads).unwrap();
            assert_eq!(report.tree_size, 700);
        }
    }

    #[test]
    fn an_altered_or_missing_document_is_named_by_its_entry_and_record() {
        let key = LogKey::generate("example.com/log").unwrap();
        let clean = export(&key, 10);
        let mut lines = clean.clone();
        let e = entry(&mut lines, 6);
        let forged = e
            .document
            .as_ref()
            .unwrap()
            .get()
            .replace("Use PostgreSQL", "Use PostgreSQl");
        e.document = Some(RawValue::from_string(forged).unwrap());
        let record_id = e.record_id.clone();
        let problem = audit(&lines, &key).unwrap_err();
        assert_eq!(problem.leaf_index, Some(6));
        assert!(
            problem.reason.starts_with(&format!("record {record_id}: "))
                && problem.reason.contains("altered"),
            "{problem}"
        );

        let mut lines = clean;
        entry(&mut lines, 4).document = None;
        let problem = audit(&lines, &key).unwrap_err();
        assert_eq!(problem.leaf_index, Some(4));
        assert!(problem.reason.contains("missing"), "{problem}");
    }

    #[test]
    fn an_altered_missing_or_stray_prov_document_is_named_by_its_entry_and_record() {
        let key = LogKey::generate("example.com/log").unwrap();
        let clean = export(&key, 10);
        let mut lines = clean.clone();
        let e = entry(&mut lines, 8);
        let forged = e
            .provenance
            .as_ref()
            .unwrap()
            .get()
            .replace("09:00:01", "09:00:02");
        e.provenance = Some(RawValue::from_string(forged).unwrap());
        let record_id = e.record_id.clone();
        let problem = audit(&lines, &key).unwrap_err();
        assert_eq!(problem.leaf_index, Some(8));
        assert!(
            problem.reason.starts_with(&format!(
                "record {record_id}: its PROV document was altered: the signed record commits to"
            )),
            "{problem}"
        );

        let mut lines = clean.clone();
        entry(&mut lines, 4).provenance = None;
        let problem = audit(&lines, &key).unwrap_err();
        assert_eq!(problem.leaf_index, Some(4));
        assert!(
            problem.reason.contains("its PROV document is missing"),
            "{problem}"
        );

        // A PROV document beside a version 2 record, which carries its own.
        let mut lines = clean;
        entry(&mut lines, 2).provenance = Some(raw_canonical(&sample_prov(2)));
        let problem = audit(&lines, &key).unwrap_err();
        assert_eq!(problem.leaf_index, Some(2));
        assert!(problem.reason.contains("carries its own"), "{problem}");
    }

    #[test]
    fn an_altered_node_is_named_at_the_leaf_that_completes_it() {
        let key = LogKey::generate("example.com/log").unwrap();
        let mut lines = export(&key, 20);
        // Leaf 15 completes levels 0..=4; alter level 2 (leaves 12..=15).
        entry(&mut lines, 15).nodes[2] = Hash::of(b"x").to_hex();
        let problem = audit(&lines, &key).unwrap_err();
        assert_eq!(problem.leaf_index, Some(15));
        assert!(problem.reason.contains("level 2, index 3"), "{problem}");
    }

    #[test]
    fn gaps_repeats_truncation_and_foreign_keys_are_caught() {
        let key = LogKey::generate("example.com/log").unwrap();
        let lines = export(&key, 10);

        let mut gap = lines.clone();
        gap.remove(5);
        assert_eq!(audit(&gap, &key).unwrap_err().leaf_index, Some(4));

        let mut repeated = lines.clone();
        repeated.insert(5, lines[4].clone());
        assert_eq!(audit(&repeated, &key).unwrap_err().leaf_index, Some(4));

        let truncated = &lines[..lines.len() - 1];
        assert!(
            audit(truncated, &key)
                .unwrap_err()
                .reason
                .contains("truncated")
        );

        let other = LogKey::generate("example.com/log").unwrap();
        assert!(
            audit(&lines, &other)
                .unwrap_err()
                .reason
                .contains("checkpoint")
        );
    }

    #[test]
    fn a_checkpoint_that_signs_another_root_is_caught() {
        let key = LogKey::generate("example.com/log").unwrap();
        let mut lines = export(&key, 5);
        let other = export(&key, 6);
        if let (ExportLine::Header(h), ExportLine::Header(o)) = (&mut lines[0], &other[0]) {
            h.checkpoint = TreeHead {
                origin: key.name(),
                size: 5,
                root: Hash::of(b"not the root"),
            }
            .sign(&key)
            .unwrap();
            assert_ne!(h.checkpoint, o.checkpoint);
        }
        let problem = audit(&lines, &key).unwrap_err();
        assert!(problem.reason.contains("root"), "{problem}");
    }
}
