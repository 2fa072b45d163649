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

mod written;

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
    if !record::is_lower_hex_of(record_id, &checked.record_id) {
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
/// less per signature (measured by `examples/audit_cost.rs` on 2026-12-05:
/// 12.5 µs at 64, 10.4 at 256, 9.3 at 1024, 8.6 at 4096); 2048 is one
/// thread's share of a chunk on two cores. A failed batch is re-checked one
/// by one, so this also bounds the extra work a forged record causes
/// (about 95 ms for 2048 strict checks).
const SIGNATURE_BATCH: usize = 2048;

/// Audits a whole export read from `reader`, parsing and checking records
/// on up to `threads` threads. Returns the first problem found.
///
/// Lines are read in chunks; each thread parses its share of a chunk,
/// checks each record's form, documents and declared id, and verifies the
/// records' signatures in batches ([`LogVerifier::verify_batch`]). Each
/// chunk is then walked in order (while the next one is checked and the
/// one after read), so the problem reported is the first one in the log.
/// Entries in the form the archivist writes are read without a general
/// JSON parse of their documents (see `audit/written.rs`).
pub fn audit_export(
    reader: impl BufRead,
    verifier: &LogVerifier,
    threads: usize,
) -> Result<AuditReport, AuditProblem> {
    audit_in_chunks(reader, verifier, threads, CHUNK)
}

/// [`audit_export`] with `chunk` lines read at a time (tests use small
/// chunks to put problems at chunk boundaries).
fn audit_in_chunks(
    mut reader: impl BufRead,
    verifier: &LogVerifier,
    threads: usize,
    chunk_lines: usize,
) -> Result<AuditReport, AuditProblem> {
    let threads = threads.max(1);
    let chunk_lines = chunk_lines.max(1);
    let mut lines = RawLines::default();
    let mut first = Chunk::default();
    lines.read(&mut reader, &mut first, 1);
    if let Some(cannot_read) = first.failed {
        return Err(cannot_read);
    }
    let header = match first.lines().first() {
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
    // Two chunk buffers, reused: one is checked while the next is read.
    let mut current = Chunk::default();
    let mut spare = Chunk::default();
    lines.read(&mut reader, &mut current, chunk_lines);
    let mut previous = Vec::new();
    loop {
        let chunk = current.lines();
        let following = chunk.first().map(|(n, _)| *n);
        let failed = current.failed.is_some();
        // This chunk is checked on `threads` threads while this thread
        // walks the one before it in order and reads the next.
        let (checked, walked) = check_chunk(&chunk, verifier, threads, || {
            let previous = std::mem::take(&mut previous);
            if let Some(report) = walk(&mut auditor, &head, previous, following)? {
                return Ok(Some(report));
            }
            if failed {
                return Ok(None);
            }
            if chunk.is_empty() {
                return Err(AuditProblem::log(format!(
                    "the export is truncated: no end line after {} entries",
                    auditor.size()
                )));
            }
            lines.read(&mut reader, &mut spare, chunk_lines);
            Ok(None)
        });
        if let Some(report) = walked? {
            return Ok(report);
        }
        previous = chunk.iter().map(|(n, _)| *n).zip(checked).collect();
        if let Some(cannot_read) = current.failed.take() {
            // The lines read before it come first.
            walk(&mut auditor, &head, previous, None)?;
            return Err(cannot_read);
        }
        std::mem::swap(&mut current, &mut spare);
    }
}

/// The in-order half of an audit over one chunk's checked lines: each
/// entry is the next leaf and completes the stored nodes it carries; an
/// end line closes the log. `following` is the number of the line after
/// the chunk, if there is one. Returns the report once the end line is
/// reached.
fn walk(
    auditor: &mut Auditor,
    head: &VerifiedCheckpoint,
    checked: Vec<(usize, Result<CheckedLine, AuditProblem>)>,
    following: Option<usize>,
) -> Result<Option<AuditReport>, AuditProblem> {
    let mut checked = checked.into_iter();
    while let Some((n, line)) = checked.next() {
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
                if let Some(n) = checked.next().map(|(n, _)| n).or(following) {
                    return Err(AuditProblem::log(format!(
                        "line {n}: data after the end line"
                    )));
                }
                return auditor.finish(head).map(Some);
            }
        }
    }
    Ok(None)
}

/// Reads an export line by line as bytes, counting lines from 1.
#[derive(Default)]
struct RawLines {
    read: usize,
}

/// Lines read together, in one buffer reused from chunk to chunk (a
/// chunk of version 3 entries is about 30 MB: allocating it afresh cost
/// page faults on every chunk).
#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    /// Each line's number and its span in `bytes` (without the newline).
    spans: Vec<(usize, std::ops::Range<usize>)>,
    /// Why reading stopped before the chunk was full, other than the end
    /// of the export: reported after the lines read before it are checked.
    failed: Option<AuditProblem>,
}

impl Chunk {
    fn lines(&self) -> Vec<(usize, &[u8])> {
        self.spans
            .iter()
            .map(|(n, span)| (*n, &self.bytes[span.clone()]))
            .collect()
    }
}

impl RawLines {
    /// Replaces `chunk`'s lines with up to `max` lines read from `reader`
    /// (fewer at the end of the export, or where reading failed).
    fn read(&mut self, reader: &mut impl BufRead, chunk: &mut Chunk, max: usize) {
        chunk.bytes.clear();
        chunk.spans.clear();
        chunk.failed = None;
        while chunk.spans.len() < max {
            let n = self.read + 1;
            let start = chunk.bytes.len();
            match read_line(reader, &mut chunk.bytes) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    chunk.bytes.truncate(start);
                    chunk.failed = Some(AuditProblem::log(format!("line {n}: cannot read: {e}")));
                    break;
                }
            }
            self.read = n;
            let mut end = chunk.bytes.len();
            if chunk.bytes[start..end].last() == Some(&b'\r') {
                end -= 1;
            }
            chunk.spans.push((n, start..end));
        }
    }
}

/// Appends one line to `buf` without its `\n`; false at the end of input.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(any);
        }
        any = true;
        match memchr::memchr(b'\n', available) {
            Some(i) => {
                buf.extend_from_slice(&available[..i]);
                reader.consume(i + 1);
                return Ok(true);
            }
            None => {
                let len = available.len();
                buf.extend_from_slice(available);
                reader.consume(len);
            }
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

/// Parses and checks a chunk of lines on up to `threads` threads, keeping
/// their order, and runs `meanwhile` on this thread as they work (with one
/// thread, after it).
fn check_chunk<R>(
    chunk: &[(usize, &[u8])],
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
struct Pending<'a> {
    line: usize,
    leaf_index: u64,
    record_id: std::borrow::Cow<'a, str>,
    opened: record::OpenedLeaf,
}

fn check_lines(
    lines: &[(usize, &[u8])],
    verifier: &LogVerifier,
) -> Vec<Result<CheckedLine, AuditProblem>> {
    let mut out = Vec::with_capacity(lines.len());
    let mut pending = Vec::new();
    for (i, (n, bytes)) in lines.iter().enumerate() {
        // An entry as the archivist writes it, whose leaf opens and whose
        // documents are the committed ones, needs no general parse; any
        // other line, or one failing a check, takes the path below, which
        // names what is wrong.
        if let Some(entry) = written::recognise(bytes) {
            let beside = record::Beside::new(entry.document, entry.provenance);
            if let (Ok(opened), Ok(())) = (
                record::open_leaf(entry.leaf, verifier),
                entry.commitments.check(beside),
            ) {
                pending.push(Pending {
                    line: i,
                    leaf_index: entry.leaf_index,
                    record_id: entry.record_id.into(),
                    opened,
                });
                out.push(Ok(CheckedLine::Entry {
                    leaf_index: entry.leaf_index,
                    record: Err(AuditProblem::log("not verified")),
                    nodes: Ok(entry.nodes),
                }));
                continue;
            }
        }
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
                            record_id: e.record_id.into(),
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

    /// The lines of an export as written, one string each.
    fn written_lines(lines: &[ExportLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| serde_json::to_string(l).unwrap())
            .collect()
    }

    fn audit_text(text: &str, key: &LogKey) -> Result<AuditReport, AuditProblem> {
        audit_export(text.as_bytes(), &key.verifier(), 2)
    }

    #[test]
    fn every_entry_the_archivist_writes_is_read_without_the_general_parser() {
        // If the export's form drifts from what `written` recognises, the
        // audit still passes, only slower: this is what would notice.
        let key = LogKey::generate("example.com/log").unwrap();
        let lines = export(&key, 12);
        for (line, text) in lines.iter().zip(written_lines(&lines)) {
            let ExportLine::Entry(e) = line else {
                assert!(written::recognise(text.as_bytes()).is_none());
                continue;
            };
            let read = written::recognise(text.as_bytes())
                .unwrap_or_else(|| panic!("entry {} not recognised: {text}", e.leaf_index));
            assert_eq!(read.leaf_index, e.leaf_index);
            assert_eq!(read.record_id, e.record_id);
            let nodes: Vec<String> = read.nodes.iter().map(Hash::to_hex).collect();
            assert_eq!(nodes, e.nodes);
            assert_eq!(read.leaf, e.signed_record.get().as_bytes());
            let raw = |d: &Option<Box<RawValue>>| d.as_ref().map(|d| d.get().as_bytes().to_vec());
            assert_eq!(read.document.map(<[u8]>::to_vec), raw(&e.document));
            assert_eq!(read.provenance.map(<[u8]>::to_vec), raw(&e.provenance));
        }
    }

    #[test]
    fn entries_in_another_form_are_read_by_the_general_parser_and_pass() {
        let key = LogKey::generate("example.com/log").unwrap();
        let lines = written_lines(&export(&key, 12));
        type Rewrite = (&'static str, fn(&str) -> String);
        let rewrites: [Rewrite; 6] = [
            ("a space", |l| {
                l.replacen("\"leaf_index\":", "\"leaf_index\": ", 1)
            }),
            ("an escape in logged_at", |l| {
                l.replacen("\"logged_at\":\"2", "\"logged_at\":\"\\u0032", 1)
            }),
            ("uppercase node hex", |l| {
                let (head, tail) = l.split_once("\"nodes\":[\"").unwrap();
                format!(
                    "{head}\"nodes\":[\"{}{}",
                    tail[..64].to_uppercase(),
                    &tail[64..]
                )
            }),
            ("another field", |l| {
                format!("{},\"note\":1}}", &l[..l.len() - 1])
            }),
            ("the fields in another order", |l| {
                let rest = l.strip_prefix("{\"kind\":\"entry\",").unwrap();
                format!("{{{},\"kind\":\"entry\"}}", &rest[..rest.len() - 1])
            }),
            ("a leading zero in the index", |l| {
                l.replacen("\"leaf_index\":", "\"leaf_index\":0", 1)
            }),
        ];
        for (what, rewrite) in rewrites {
            let mut text = String::new();
            for (i, line) in lines.iter().enumerate() {
                let entry = i > 0 && i + 1 < lines.len();
                let line = if entry { rewrite(line) } else { line.clone() };
                if entry {
                    assert!(
                        written::recognise(line.as_bytes()).is_none(),
                        "{what}: recognised {line}"
                    );
                }
                text += &line;
                text.push('\n');
            }
            match what {
                // JSON has no leading zeros: the general parser refuses it too.
                "a leading zero in the index" => {
                    let problem = audit_text(&text, &key).unwrap_err();
                    assert!(problem.reason.contains("line 2"), "{what}: {problem}");
                }
                _ => assert_eq!(
                    audit_text(&text, &key).map(|r| r.tree_size),
                    Ok(12),
                    "{what}"
                ),
            }
        }
    }

    #[test]
    fn a_document_of_another_length_is_named_as_altered() {
        let key = LogKey::generate("example.com/log").unwrap();
        for (i, longer) in [(6, true), (8, false)] {
            let mut lines = export(&key, 10);
            let e = entry(&mut lines, i);
            let document = e.document.as_ref().unwrap().get();
            let forged = if longer {
                document.replace("Use PostgreSQL", "Use PostgreSQL 16")
            } else {
                document.replace("Use PostgreSQL", "Use SQLite")
            };
            e.document = Some(RawValue::from_string(forged).unwrap());
            let problem = audit(&lines, &key).unwrap_err();
            assert_eq!(problem.leaf_index, Some(i as u64), "{problem}");
            assert!(problem.reason.contains("altered"), "{problem}");
        }
    }

    /// A reader that fails once `limit` bytes have been read.
    struct FailsAfter<'a> {
        data: &'a [u8],
        limit: usize,
    }

    impl std::io::Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.limit == 0 {
                return Err(std::io::Error::other("the disk went away"));
            }
            let n = buf.len().min(self.limit).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.limit -= n;
            Ok(n)
        }
    }

    #[test]
    fn problems_are_found_in_order_across_chunk_boundaries() {
        let key = LogKey::generate("example.com/log").unwrap();
        let verifier = key.verifier();
        let clean = export(&key, 23);
        let mut forged = clean.clone();
        for i in [17, 9] {
            let e = entry(&mut forged, i);
            let altered = e.signed_record.get().replacen("\"demo\"", "\"forged\"", 1);
            e.signed_record = RawValue::from_string(altered).unwrap();
        }
        let mut after_end = text(&clean);
        after_end += &written_lines(&clean)[3];
        after_end.push('\n');
        let truncated = text(&clean[..clean.len() - 1]);
        let clean_text = text(&clean);
        let forged = text(&forged);
        // Fails within the line of leaf 20, after the forgery at 9.
        let fails_at = forged.match_indices('\n').nth(20).unwrap().0 + 10;
        for chunk in [1, 2, 3, 5, 24, 25, 4096] {
            for threads in [1, 2, 3] {
                let run = |text: &str| audit_in_chunks(text.as_bytes(), &verifier, threads, chunk);
                let at = format!("chunks of {chunk}, {threads} threads");
                assert_eq!(run(&text(&clean)).map(|r| r.tree_size), Ok(23), "{at}");
                let problem = run(&forged).unwrap_err();
                assert_eq!(problem.leaf_index, Some(9), "{at}: {problem}");
                let problem = run(&after_end).unwrap_err();
                assert_eq!(problem.reason, "line 26: data after the end line", "{at}");
                let problem = run(&truncated).unwrap_err();
                assert!(problem.reason.contains("truncated"), "{at}: {problem}");
                let failing = std::io::BufReader::with_capacity(
                    7,
                    FailsAfter {
                        data: forged.as_bytes(),
                        limit: fails_at,
                    },
                );
                let problem = audit_in_chunks(failing, &verifier, threads, chunk).unwrap_err();
                assert_eq!(problem.leaf_index, Some(9), "{at}: {problem}");
                let failing = FailsAfter {
                    data: clean_text.as_bytes(),
                    limit: fails_at,
                };
                let problem =
                    audit_in_chunks(std::io::BufReader::new(failing), &verifier, threads, chunk)
                        .unwrap_err();
                assert!(
                    problem.reason.contains("cannot read: the disk went away"),
                    "{at}: {problem}"
                );
            }
        }
    }

    proptest::proptest! {
        /// One byte of a written entry changed, inserted or removed
        /// anywhere: a line the written-form reader accepts and checks is
        /// read the same by the general parser (the documents aside, which
        /// it takes only when they hash to the record's commitments).
        #[test]
        fn the_written_form_reader_agrees_with_the_general_parser(
            line in 1usize..9,
            at in 0usize..8000,
            byte in proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::sample::select(b"\\\"{}[],: 0aA\x01\x7f\xc3".to_vec()),
            ],
            edit in 0u8..3,
        ) {
            let key = shared_key();
            let lines = written_lines(&export(key, 8));
            let mut bytes = lines[line].clone().into_bytes();
            // Half the edits fall in the fields before the leaf.
            let at = if at < 4000 { at % 300 } else { at % (bytes.len() + 1) };
            match edit {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => { bytes.remove(at); }
                _ => {}
            }
            let verifier = key.verifier();
            let Some(read) = written::recognise(&bytes) else { return Ok(()); };
            let beside = record::Beside::new(read.document, read.provenance);
            if record::open_leaf(read.leaf, &verifier).is_err() || read.commitments.check(beside).is_err() {
                return Ok(());
            }
            let general = parse_line(2, &bytes);
            let Ok(LineRef::Entry(e)) = general else {
                panic!("the general parser refuses what the written form accepts: {:?}",
                    String::from_utf8_lossy(&bytes));
            };
            proptest::prop_assert_eq!(e.leaf_index, read.leaf_index);
            proptest::prop_assert_eq!(&e.record_id, read.record_id);
            proptest::prop_assert_eq!(parse_nodes(e.leaf_index, &e.nodes).unwrap(), read.nodes);
            proptest::prop_assert_eq!(e.signed_record.get().as_bytes(), read.leaf);
            proptest::prop_assert_eq!(e.document.map(|d| d.get().as_bytes()), read.document);
            proptest::prop_assert_eq!(e.provenance.map(|d| d.get().as_bytes()), read.provenance);
        }
    }

    fn shared_key() -> &'static LogKey {
        static KEY: std::sync::OnceLock<LogKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| LogKey::generate("example.com/log").unwrap())
    }
}
