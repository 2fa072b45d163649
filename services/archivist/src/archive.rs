//! The archive as the rest of the system sees it: submit a record, get a
//! receipt; read records, proofs and checkpoints; export and audit the log.
//! No HTTP here: the routes are thin adapters over these methods.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use serde_json::Value;
use tokio::sync::Semaphore;
use vpm_model::Problem;
use vpm_model::record::{Receipt, RecordSubmission};
use vpm_tlog::audit::{
    AuditProblem, Auditor, EXPORT_FORMAT, ExportEnd, ExportEntry, ExportHeader, ExportLine,
};
use vpm_tlog::checkpoint::{self, TreeHead, VerifiedCheckpoint};
use vpm_tlog::merkle::{self, NodeId};
use vpm_tlog::record::seal;
use vpm_tlog::{Hash, LogKey, LogVerifier};

use crate::appender::Appender;
use crate::config::{ArchiveConfig, ArchiveUrl};
use crate::metrics::ArchiveMetrics;
use crate::provenance;
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{
    Appended, HeadSigner, ListQuery, LogMeta, LogStore, StoreError, StoredAttachment, StoredEntry,
    StoredHead, now_rfc3339,
};
use crate::views::{
    AttachmentLink, AuditView, ConsistencyProofView, InclusionProofView, PublicKeyView, RecordPage,
    RecordSummary, RecordVerification, RecordView,
};

/// How many leaves an export or audit reads at a time.
const CHUNK: u64 = 1000;
/// The largest page of the listing.
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the submission is invalid")]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for ArchiveError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => Self::Unavailable(m),
            StoreError::Integrity(m) | StoreError::Config(m) => Self::Internal(m),
        }
    }
}

pub type ArchiveResult<T> = Result<T, ArchiveError>;

/// Whether an append added a leaf or found the record already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    New,
    Existing,
}

/// The archive: a store, the log key and the writer.
pub struct Archive {
    store: Arc<dyn LogStore>,
    key: LogKey,
    verifier: LogVerifier,
    appender: Appender,
    metrics: ArchiveMetrics,
    /// One audit at a time: an audit reads the whole log.
    audits: Semaphore,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

/// Opens the store `VPM_ARCHIVE_URL` names.
pub fn open_store(config: &ArchiveConfig) -> Result<Arc<dyn LogStore>, StoreError> {
    Ok(match &config.url {
        ArchiveUrl::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
        ArchiveUrl::Postgres(url) => Arc::new(PostgresStore::connect(url, config.pool_size)?),
    })
}

impl Archive {
    /// Checks the store's identity against `key` and starts the writer.
    pub async fn start(
        store: Arc<dyn LogStore>,
        key: LogKey,
        max_batch: usize,
        metrics: ArchiveMetrics,
    ) -> Result<Self, StoreError> {
        let verifier = key.verifier();
        store
            .init(&LogMeta {
                origin: key.name().to_owned(),
                verifier_key: verifier.verifier_key(),
            })
            .await?;
        let signer = key.clone();
        let sign: HeadSigner = Arc::new(move |size, root| {
            TreeHead {
                origin: signer.name(),
                size,
                root,
            }
            .sign(&signer)
            .map_err(|e| e.to_string())
        });
        let appender = Appender::start(store.clone(), sign, max_batch, metrics.clone());
        Ok(Self {
            store,
            key,
            verifier,
            appender,
            metrics,
            audits: Semaphore::new(1),
        })
    }

    pub fn verifier(&self) -> &LogVerifier {
        &self.verifier
    }

    pub fn store(&self) -> &Arc<dyn LogStore> {
        &self.store
    }

    /// The database answers.
    pub async fn ping(&self) -> ArchiveResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Builds, signs and appends the record of `submission`; returns its
    /// receipt once it is durable. Submitting the same content again
    /// returns the first receipt and adds nothing.
    pub async fn submit(
        &self,
        submission: RecordSubmission,
    ) -> ArchiveResult<(Submitted, Receipt)> {
        let prepared = provenance::prepare(submission).map_err(|problems| {
            self.metrics.count("invalid");
            ArchiveError::Invalid(problems)
        })?;
        let project_id = prepared.record.project_id.clone();
        let subject_kind = prepared.record.subject.kind.as_str().to_owned();
        let sealed =
            seal(prepared.record, &self.key).map_err(|e| ArchiveError::Internal(e.to_string()))?;
        let entry = crate::store::NewEntry {
            record_id: sealed.record_id,
            project_id,
            subject_kind,
            leaf: sealed.leaf,
            leaf_hash: sealed.leaf_hash,
            logged_at: now_rfc3339(),
            attachments: prepared.attachments,
        };
        let placed = self.appender.append(entry).await.map_err(|e| {
            self.metrics.count("failed");
            ArchiveError::Unavailable(e)
        })?;
        match placed.appended {
            Appended::New {
                leaf_index,
                logged_at,
            } => {
                let plan = merkle::inclusion_plan(leaf_index, placed.head.tree_size)
                    .map_err(|e| ArchiveError::Internal(e.to_string()))?;
                let proof = merkle::assemble(&plan, |id| placed.nodes.get(id))
                    .map_err(|e| ArchiveError::Internal(e.to_string()))?;
                let receipt = Receipt {
                    record_id: sealed.record_id.to_hex(),
                    leaf_index,
                    leaf_hash: sealed.leaf_hash.to_hex(),
                    tree_size: placed.head.tree_size,
                    root_hash: placed.head.root.to_hex(),
                    checkpoint: placed.head.checkpoint.clone(),
                    inclusion_proof: proof.iter().map(Hash::to_hex).collect(),
                    logged_at: parse_time(&logged_at),
                };
                self.metrics.count("new");
                Ok((Submitted::New, receipt))
            }
            Appended::Existing(entry) => {
                self.metrics.count("existing");
                Ok((Submitted::Existing, self.receipt_for(&entry).await?))
            }
        }
    }

    /// The receipt issued when `entry` was appended, rebuilt from storage.
    pub async fn receipt_for(&self, entry: &StoredEntry) -> ArchiveResult<Receipt> {
        let head = self
            .store
            .head_at(entry.receipt_tree_size)
            .await?
            .ok_or_else(|| {
                ArchiveError::Internal(format!(
                    "the tree head of size {} is missing",
                    entry.receipt_tree_size
                ))
            })?;
        let proof = self
            .inclusion_hashes(entry.leaf_index, head.tree_size)
            .await?;
        let leaf_hash = vpm_tlog::hash::leaf_hash(entry.signed_record.as_bytes());
        Ok(Receipt {
            record_id: entry.record_id.clone(),
            leaf_index: entry.leaf_index,
            leaf_hash: leaf_hash.to_hex(),
            tree_size: head.tree_size,
            root_hash: head.root.to_hex(),
            checkpoint: head.checkpoint,
            inclusion_proof: proof.iter().map(Hash::to_hex).collect(),
            logged_at: parse_time(&entry.logged_at),
        })
    }

    async fn fetch(
        &self,
        plans: &[&[Vec<NodeId>]],
    ) -> ArchiveResult<std::collections::HashMap<NodeId, Hash>> {
        let wanted = merkle::plan_nodes(plans.iter().copied());
        Ok(self.store.nodes(wanted).await?)
    }

    async fn inclusion_hashes(&self, leaf_index: u64, tree_size: u64) -> ArchiveResult<Vec<Hash>> {
        let plan = merkle::inclusion_plan(leaf_index, tree_size)
            .map_err(|e| ArchiveError::BadRequest(e.to_string()))?;
        let nodes = self.fetch(&[&plan]).await?;
        merkle::assemble(&plan, |id| nodes.get(&id).copied())
            .map_err(|e| ArchiveError::Internal(e.to_string()))
    }

    async fn root_at(&self, size: u64) -> ArchiveResult<Hash> {
        let plan = vec![merkle::root_plan(size)];
        let nodes = self.fetch(&[&plan]).await?;
        let roots = merkle::assemble(&plan, |id| nodes.get(&id).copied())
            .map_err(|e| ArchiveError::Internal(e.to_string()))?;
        Ok(roots.first().copied().unwrap_or_else(Hash::empty_tree))
    }

    /// The newest signed tree head; for an empty log, a freshly signed
    /// head of size 0.
    pub async fn checkpoint(&self) -> ArchiveResult<StoredHead> {
        match self.store.latest_head().await? {
            Some(head) => Ok(head),
            None => {
                let root = Hash::empty_tree();
                let checkpoint = TreeHead {
                    origin: self.key.name(),
                    size: 0,
                    root,
                }
                .sign(&self.key)
                .map_err(|e| ArchiveError::Internal(e.to_string()))?;
                Ok(StoredHead {
                    tree_size: 0,
                    root,
                    checkpoint,
                })
            }
        }
    }

    pub fn public_key(&self) -> PublicKeyView {
        PublicKeyView {
            origin: self.verifier.name().to_owned(),
            algorithm: "Ed25519".into(),
            key_id: self.verifier.key_id_hex(),
            verifier_key: self.verifier.verifier_key(),
            public_key_pem: self.verifier.public_pem(),
            public_key_base64: self.verifier.public_base64(),
        }
    }

    async fn size_or_latest(&self, tree_size: Option<u64>) -> ArchiveResult<StoredHead> {
        let latest = self.checkpoint().await?;
        match tree_size {
            None => Ok(latest),
            Some(size) if size > latest.tree_size => Err(ArchiveError::BadRequest(format!(
                "tree_size {size} is larger than the log ({})",
                latest.tree_size
            ))),
            Some(size) if size == latest.tree_size => Ok(latest),
            Some(size) => match self.store.head_at(size).await? {
                Some(head) => Ok(head),
                None => Ok(StoredHead {
                    tree_size: size,
                    root: self.root_at(size).await?,
                    checkpoint: String::new(),
                }),
            },
        }
    }

    pub async fn entry(&self, record_id: &str) -> ArchiveResult<StoredEntry> {
        let id = record_id.to_ascii_lowercase();
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ArchiveError::BadRequest(format!(
                "{:?} is not a record id (64 hex digits)",
                record_id.chars().take(80).collect::<String>()
            )));
        }
        self.store
            .entry_by_id(id)
            .await?
            .ok_or_else(|| ArchiveError::NotFound(format!("no record {record_id} in this log")))
    }

    /// An inclusion proof by leaf index or record id, to `tree_size`
    /// (default: the latest).
    pub async fn inclusion(
        &self,
        leaf_index: Option<u64>,
        record_id: Option<&str>,
        tree_size: Option<u64>,
    ) -> ArchiveResult<InclusionProofView> {
        let head = self.size_or_latest(tree_size).await?;
        let entry = match (leaf_index, record_id) {
            (Some(i), None) => self
                .store
                .entry_by_index(i)
                .await?
                .ok_or_else(|| ArchiveError::NotFound(format!("no leaf {i} in this log")))?,
            (None, Some(id)) => self.entry(id).await?,
            _ => {
                return Err(ArchiveError::BadRequest(
                    "give exactly one of leaf_index and record_id".into(),
                ));
            }
        };
        if entry.leaf_index >= head.tree_size {
            return Err(ArchiveError::BadRequest(format!(
                "leaf {} is not in the tree of size {}",
                entry.leaf_index, head.tree_size
            )));
        }
        let hashes = self
            .inclusion_hashes(entry.leaf_index, head.tree_size)
            .await?;
        Ok(InclusionProofView {
            leaf_index: entry.leaf_index,
            tree_size: head.tree_size,
            leaf_hash: vpm_tlog::hash::leaf_hash(entry.signed_record.as_bytes()).to_hex(),
            root_hash: head.root.to_hex(),
            hashes: hashes.iter().map(Hash::to_hex).collect(),
            checkpoint: (!head.checkpoint.is_empty()).then_some(head.checkpoint),
        })
    }

    /// A consistency proof from `old_size` to `new_size` (default: latest).
    pub async fn consistency(
        &self,
        old_size: u64,
        new_size: Option<u64>,
    ) -> ArchiveResult<ConsistencyProofView> {
        let new = self.size_or_latest(new_size).await?;
        let plan = merkle::consistency_plan(old_size, new.tree_size)
            .map_err(|e| ArchiveError::BadRequest(e.to_string()))?;
        let old_plan = vec![merkle::root_plan(old_size)];
        let nodes = self.fetch(&[&plan, &old_plan]).await?;
        let lookup = |id| nodes.get(&id).copied();
        let hashes =
            merkle::assemble(&plan, lookup).map_err(|e| ArchiveError::Internal(e.to_string()))?;
        let old_root = merkle::assemble(&old_plan, lookup)
            .map_err(|e| ArchiveError::Internal(e.to_string()))?
            .first()
            .copied()
            .unwrap_or_else(Hash::empty_tree);
        Ok(ConsistencyProofView {
            old_size,
            new_size: new.tree_size,
            old_root: old_root.to_hex(),
            new_root: new.root.to_hex(),
            hashes: hashes.iter().map(Hash::to_hex).collect(),
        })
    }

    /// A record with its receipt and attachment links.
    pub async fn record(&self, record_id: &str) -> ArchiveResult<RecordView> {
        let entry = self.entry(record_id).await?;
        let receipt = self.receipt_for(&entry).await?;
        let attachments = self
            .store
            .attachment_names(entry.record_id.clone())
            .await?
            .into_iter()
            .map(|(name, media_type)| AttachmentLink {
                url: format!("/v1/records/{}/attachments/{name}", entry.record_id),
                name,
                media_type,
            })
            .collect();
        let signed_record = serde_json::from_str(&entry.signed_record).map_err(|e| {
            ArchiveError::Internal(format!(
                "stored record {} is not JSON: {e}",
                entry.record_id
            ))
        })?;
        Ok(RecordView {
            record_id: entry.record_id,
            leaf_index: entry.leaf_index,
            project_id: entry.project_id,
            logged_at: entry.logged_at,
            signed_record,
            receipt,
            attachments,
        })
    }

    pub async fn attachment(&self, record_id: &str, name: &str) -> ArchiveResult<StoredAttachment> {
        let entry = self.entry(record_id).await?;
        self.store
            .attachment(entry.record_id, name.to_owned())
            .await?
            .ok_or_else(|| {
                ArchiveError::NotFound(format!("record {record_id} has no attachment {name:?}"))
            })
    }

    /// A page of the listing, newest first.
    pub async fn list(&self, mut query: ListQuery) -> ArchiveResult<RecordPage> {
        query.limit = query.limit.clamp(1, MAX_PAGE);
        let limit = query.limit as usize;
        query.limit += 1;
        let mut entries = self.store.list(query).await?;
        let more = entries.len() > limit;
        entries.truncate(limit);
        let next_cursor = if more {
            entries.last().map(|e| e.leaf_index.to_string())
        } else {
            None
        };
        Ok(RecordPage {
            records: entries.iter().map(summary).collect(),
            next_cursor,
        })
    }

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
            let verifier = self.verifier.clone();
            let (back, result) = tokio::task::spawn_blocking(move || {
                let result = audit_chunk(&mut auditor, &verifier, start, end, &chunk);
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
                        match archive.store.entries_with_nodes(start, end).await {
                            Ok(chunk) => {
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
                                    let l = ExportLine::Entry(ExportEntry {
                                        leaf_index: entry.leaf_index,
                                        record_id: entry.record_id,
                                        logged_at: entry.logged_at,
                                        nodes: nodes.iter().map(Hash::to_hex).collect(),
                                        signed_record,
                                    });
                                    if let Ok(text) = serde_json::to_vec(&l) {
                                        buf.extend_from_slice(&text);
                                        buf.push(b'\n');
                                    }
                                }
                                Some((Ok(Bytes::from(buf)), (archive, State::Chunk(end))))
                            }
                            Err(e) => Some((
                                Err(std::io::Error::other(e.to_string())),
                                (archive, State::Done),
                            )),
                        }
                    }
                    State::Done => None,
                }
            },
        );
        Ok(stream)
    }
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
        let checked = Auditor::check_record(
            verifier,
            entry.leaf_index,
            &entry.record_id,
            entry.signed_record.as_bytes(),
        )?;
        auditor.append(entry.leaf_index, &checked, nodes)?;
    }
    Ok(())
}

fn parse_time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

/// A listing line from a stored entry (reads the subject from the record).
pub fn summary(entry: &StoredEntry) -> RecordSummary {
    let value: Value = serde_json::from_str(&entry.signed_record).unwrap_or(Value::Null);
    let document = &value["record"]["subject"]["document"];
    let as_of_date = document["as_of_date"].as_str().map(str::to_owned);
    let title = match entry.subject_kind.as_str() {
        "pm_snapshot_v1" => format!(
            "Snapshot as of {}",
            as_of_date.as_deref().unwrap_or("an unknown date")
        ),
        "decision" => format!(
            "Decision {}: {}",
            document["id"].as_str().unwrap_or("?"),
            document["decision"].as_str().unwrap_or("")
        ),
        other => other.to_owned(),
    };
    RecordSummary {
        record_id: entry.record_id.clone(),
        leaf_index: entry.leaf_index,
        project_id: entry.project_id.clone(),
        subject_kind: entry.subject_kind.clone(),
        logged_at: entry.logged_at.clone(),
        as_of_date,
        title,
    }
}
