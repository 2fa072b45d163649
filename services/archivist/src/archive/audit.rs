//! Checking what is stored, from storage: one record, or the whole log;
//! and the export an outside auditor checks instead.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use serde_json::Value;
use vpm_tlog::audit::{
    AuditProblem, Auditor, EXPORT_FORMAT, ExportEnd, ExportEntry, ExportHeader, ExportLine,
};
use vpm_tlog::checkpoint::{self, VerifiedCheckpoint};
use vpm_tlog::merkle;
use vpm_tlog::record::Beside;
use vpm_tlog::{Hash, LogVerifier};

use super::{Archive, ArchiveError, ArchiveResult};
use crate::provenance::{DOCUMENT, PROVENANCE};
use crate::store::{EntryWithNodes, StoredEntry};
use crate::views::{AuditView, RecordVerification};

/// How many leaves an export or audit reads at a time.
const CHUNK: u64 = 1000;

impl Archive {
    /// The latest checkpoint, its signature checked with our own key.
    pub async fn verified_head(&self) -> ArchiveResult<VerifiedCheckpoint> {
        let head = self.checkpoint().await?;
        checkpoint::open(&head.checkpoint, &self.verifier).map_err(|e| {
            ArchiveError::Internal(format!("the stored checkpoint does not verify: {e}"))
        })
    }

    /// Checks one stored record: its signature, and its inclusion in `head`.
    pub async fn verify_entry(
        &self,
        entry: &StoredEntry,
        head: &VerifiedCheckpoint,
    ) -> RecordVerification {
        let mut v = RecordVerification {
            record_id: entry.record_id.clone(),
            leaf_index: entry.leaf_index,
            signature_valid: false,
            included: false,
            document_valid: false,
            tree_size: head.size,
            problem: None,
        };
        let checked = Auditor::check_record(
            &self.verifier,
            entry.leaf_index,
            &entry.record_id,
            entry.signed_record.as_bytes(),
        )
        .map_err(|p| p.reason);
        let leaf_hash = match checked {
            Ok(c) => {
                v.signature_valid = true;
                c.leaf_hash
            }
            Err(problem) => {
                v.problem = Some(problem);
                return v;
            }
        };
        let kept = match self
            .kept_beside(std::slice::from_ref(&entry.record_id))
            .await
        {
            Ok(kept) => kept,
            Err(e) => {
                v.problem = Some(e.to_string());
                return v;
            }
        };
        match Auditor::check_beside(
            entry.leaf_index,
            &entry.record_id,
            entry.signed_record.as_bytes(),
            kept.of(&entry.record_id),
        ) {
            Ok(()) => v.document_valid = true,
            Err(problem) => {
                v.problem = Some(problem.reason);
                return v;
            }
        }
        if entry.leaf_index >= head.size {
            v.problem = Some(format!("not yet in the signed tree of size {}", head.size));
            return v;
        }
        match self.inclusion_hashes(entry.leaf_index, head.size).await {
            Ok(proof) => match merkle::verify_inclusion(
                entry.leaf_index,
                head.size,
                &leaf_hash,
                &proof,
                &head.root,
            ) {
                Ok(()) => v.included = true,
                Err(e) => v.problem = Some(format!("inclusion proof: {e}")),
            },
            Err(e) => v.problem = Some(e.to_string()),
        }
        v
    }

    pub async fn verify_record(&self, record_id: &str) -> ArchiveResult<RecordVerification> {
        let entry = self.entry(record_id).await?;
        let head = self.verified_head().await?;
        Ok(self.verify_entry(&entry, &head).await)
    }

    /// Audits the whole log from storage: every record's signature, every
    /// stored node, the signed root. Names the first bad entry.
    pub async fn audit(&self) -> ArchiveResult<AuditView> {
        let _permit = self.audits.try_acquire().map_err(|_| {
            ArchiveError::Unavailable("an audit is already running; retry when it is done".into())
        })?;
        let head = self.checkpoint().await?;
        let mut view = AuditView {
            ok: false,
            checked: 0,
            tree_size: head.tree_size,
            root_hash: head.root.to_hex(),
            problem: None,
        };
        let verified = match checkpoint::open(&head.checkpoint, &self.verifier) {
            Ok(v) => v,
            Err(e) => {
                view.problem = Some(AuditProblem::log(format!("the latest checkpoint: {e}")));
                return Ok(view);
            }
        };
        let mut auditor = Auditor::new();
        let mut start = 0;
        while start < head.tree_size {
            let end = (start + CHUNK).min(head.tree_size);
            let chunk = self.store.entries_with_nodes(start, end).await?;
            let kept = self.kept_beside_chunk(&chunk).await?;
            let verifier = self.verifier.clone();
            let (back, result) = tokio::task::spawn_blocking(move || {
                let result = audit_chunk(&mut auditor, &verifier, start, end, &chunk, &kept);
                (auditor, result)
            })
            .await
            .map_err(|e| ArchiveError::Internal(e.to_string()))?;
            auditor = back;
            view.checked = auditor.size();
            if let Err(problem) = result {
                view.problem = Some(problem);
                return Ok(view);
            }
            start = end;
        }
        match auditor.finish(&verified) {
            Ok(_) => view.ok = true,
            Err(problem) => view.problem = Some(problem),
        }
        Ok(view)
    }

    /// What is stored beside the records of a chunk.
    async fn kept_beside_chunk(&self, chunk: &[EntryWithNodes]) -> ArchiveResult<KeptBeside> {
        let ids: Vec<String> = chunk.iter().map(|(e, _)| e.record_id.clone()).collect();
        self.kept_beside(&ids).await
    }

    /// What is stored beside these records: their documents and PROV
    /// documents.
    async fn kept_beside(&self, ids: &[String]) -> ArchiveResult<KeptBeside> {
        Ok(KeptBeside {
            documents: self
                .store
                .attachments_named(DOCUMENT.to_owned(), ids.to_vec())
                .await?,
            provenance: self
                .store
                .attachments_named(PROVENANCE.to_owned(), ids.to_vec())
                .await?,
        })
    }

    /// The whole log as NDJSON (see `vpm_tlog::audit`), read from the
    /// database a chunk at a time.
    pub async fn export(
        self: Arc<Self>,
    ) -> ArchiveResult<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static> {
        let head = self.checkpoint().await?;
        let header = ExportLine::Header(ExportHeader {
            format: EXPORT_FORMAT.into(),
            origin: self.verifier.name().to_owned(),
            verifier_key: self.verifier.verifier_key(),
            tree_size: head.tree_size,
            checkpoint: head.checkpoint.clone(),
        });
        let first = line(&header).map_err(ArchiveError::Internal)?;
        let size = head.tree_size;
        enum State {
            Header(Bytes),
            Chunk(u64),
            Done,
        }
        let stream = futures_util::stream::unfold(
            (self, State::Header(first)),
            move |(archive, state)| async move {
                match state {
                    State::Header(bytes) => Some((Ok(bytes), (archive, State::Chunk(0)))),
                    State::Chunk(start) if start >= size => {
                        let end = line(&ExportLine::End(ExportEnd { tree_size: size }))
                            .map_err(std::io::Error::other);
                        Some((end, (archive, State::Done)))
                    }
                    State::Chunk(start) => {
                        let end = (start + CHUNK).min(size);
                        let read = match archive.store.entries_with_nodes(start, end).await {
                            Ok(chunk) => archive
                                .kept_beside_chunk(&chunk)
                                .await
                                .map(|kept| (chunk, kept))
                                .map_err(|e| e.to_string()),
                            Err(e) => Err(e.to_string()),
                        };
                        match read {
                            Ok((chunk, mut kept)) => {
                                let mut buf = Vec::new();
                                for (entry, nodes) in chunk {
                                    // Byte for byte as stored: the leaf data.
                                    let signed_record = serde_json::value::RawValue::from_string(
                                        entry.signed_record.clone(),
                                    )
                                    .or_else(|_| {
                                        serde_json::value::RawValue::from_string(
                                            Value::String(entry.signed_record.clone()).to_string(),
                                        )
                                    });
                                    let Ok(signed_record) = signed_record else {
                                        continue;
                                    };
                                    let document =
                                        kept.documents.remove(&entry.record_id).and_then(raw_json);
                                    let provenance =
                                        kept.provenance.remove(&entry.record_id).and_then(raw_json);
                                    let l = ExportLine::Entry(ExportEntry {
                                        leaf_index: entry.leaf_index,
                                        record_id: entry.record_id,
                                        logged_at: entry.logged_at,
                                        nodes: nodes.iter().map(Hash::to_hex).collect(),
                                        signed_record,
                                        document,
                                        provenance,
                                    });
                                    if let Ok(text) = serde_json::to_vec(&l) {
                                        buf.extend_from_slice(&text);
                                        buf.push(b'\n');
                                    }
                                }
                                Some((Ok(Bytes::from(buf)), (archive, State::Chunk(end))))
                            }
                            Err(e) => Some((Err(std::io::Error::other(e)), (archive, State::Done))),
                        }
                    }
                    State::Done => None,
                }
            },
        );
        Ok(stream)
    }
}

/// What is stored beside records, by record id: their subject documents
/// and (version 3) PROV documents.
struct KeptBeside {
    documents: HashMap<String, Vec<u8>>,
    provenance: HashMap<String, Vec<u8>>,
}

impl KeptBeside {
    fn of(&self, record_id: &str) -> Beside<'_, [u8]> {
        Beside::new(
            self.documents.get(record_id).map(Vec::as_slice),
            self.provenance.get(record_id).map(Vec::as_slice),
        )
    }
}

/// A document kept beside a record, for the export: the canonical JSON the
/// record commits to, byte for byte; bytes that are not JSON go as a
/// string, which fails the auditor's hash check like any change.
fn raw_json(bytes: Vec<u8>) -> Option<Box<serde_json::value::RawValue>> {
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    serde_json::value::RawValue::from_string(text.clone())
        .or_else(|_| serde_json::value::RawValue::from_string(Value::String(text).to_string()))
        .ok()
}

fn line(l: &ExportLine) -> Result<Bytes, String> {
    let mut text = serde_json::to_vec(l).map_err(|e| e.to_string())?;
    text.push(b'\n');
    Ok(Bytes::from(text))
}

fn audit_chunk(
    auditor: &mut Auditor,
    verifier: &LogVerifier,
    start: u64,
    end: u64,
    chunk: &[(StoredEntry, Vec<Hash>)],
    kept: &KeptBeside,
) -> Result<(), AuditProblem> {
    if chunk.len() as u64 != end - start {
        // A deleted row: name the first missing index.
        let mut expected = start;
        for (entry, _) in chunk {
            if entry.leaf_index != expected {
                break;
            }
            expected += 1;
        }
        return Err(AuditProblem::at(expected, "missing from the database"));
    }
    for (entry, nodes) in chunk {
        let leaf = entry.signed_record.as_bytes();
        let checked = Auditor::check_record(verifier, entry.leaf_index, &entry.record_id, leaf)?;
        Auditor::check_beside(
            entry.leaf_index,
            &entry.record_id,
            leaf,
            kept.of(&entry.record_id),
        )?;
        auditor.append(entry.leaf_index, &checked, nodes)?;
    }
    Ok(())
}
