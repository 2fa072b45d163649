//! Reading what is stored: records, attachments, the listing, and the
//! receipt a record was given, rebuilt from storage.

use serde_json::Value;
use vpm_model::record::Receipt;
use vpm_tlog::Hash;

use super::{Archive, ArchiveError, ArchiveResult, MAX_PAGE};
use crate::provenance::{DOCUMENT, PROVENANCE};
use crate::store::{ListQuery, StoredAttachment, StoredEntry};
use crate::views::{AttachmentLink, RecordPage, RecordSummary, RecordView};

impl Archive {
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
            decisions: vec![],
        })
    }

    /// The bytes of the subject's document stored beside a (version 2)
    /// record, if there are any.
    pub async fn stored_document(&self, record_id: &str) -> ArchiveResult<Option<Vec<u8>>> {
        Ok(self
            .store
            .attachment(record_id.to_owned(), DOCUMENT.to_owned())
            .await?
            .map(|a| a.content))
    }

    /// The subject's document: inside a version 1 record, beside a version
    /// 2 one. `None` when it is neither (a damaged store; verification
    /// says so).
    pub async fn document(
        &self,
        entry: &StoredEntry,
        signed: &Value,
    ) -> ArchiveResult<Option<Value>> {
        if let Some(inline) = signed["record"]["subject"].get("document") {
            return Ok(Some(inline.clone()));
        }
        Ok(self
            .stored_document(&entry.record_id)
            .await?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// A version 3 record's PROV document, stored beside it: `None` for a
    /// record that carries its own (versions 1 and 2), or when the store
    /// lost it (verification says so).
    pub async fn stored_provenance(
        &self,
        entry: &StoredEntry,
        signed: &Value,
    ) -> ArchiveResult<Option<Value>> {
        if !vpm_tlog::record::keeps_provenance_beside(&signed["record"]) {
            return Ok(None);
        }
        Ok(self
            .store
            .attachment(entry.record_id.clone(), PROVENANCE.to_owned())
            .await?
            .and_then(|a| serde_json::from_slice(&a.content).ok()))
    }

    /// [`Archive::readable_record`] with the PROV document in place too
    /// (`record.provenance`), whichever version: what the record's page
    /// reads. Not what was signed; never verify this.
    pub async fn readable_record_with_provenance(
        &self,
        entry: &StoredEntry,
    ) -> ArchiveResult<Value> {
        let mut value = self.readable_record(entry).await?;
        if let Some(provenance) = self.stored_provenance(entry, &value).await?
            && let Some(record) = value["record"].as_object_mut()
        {
            record.insert("provenance".into(), provenance);
        }
        Ok(value)
    }

    /// The signed record as JSON with its subject's document in place
    /// (`record.subject.document`) whichever version it is: what pages
    /// and the listing read. Not what was signed; never verify this.
    pub async fn readable_record(&self, entry: &StoredEntry) -> ArchiveResult<Value> {
        let mut value: Value = serde_json::from_str(&entry.signed_record).unwrap_or(Value::Null);
        if value["record"]["subject"].get("document").is_none()
            && let Some(document) = self.document(entry, &value).await?
            && let Some(subject) = value["record"]["subject"].as_object_mut()
        {
            subject.insert("document".into(), document);
        }
        Ok(value)
    }

    /// A record with its receipt and attachment links.
    pub async fn record(&self, record_id: &str) -> ArchiveResult<RecordView> {
        let entry = self.entry(record_id).await?;
        let receipt = self.receipt_for(&entry).await?;
        let attachments = self
            .attachment_names(&entry.record_id)
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
        let document = self.document(&entry, &signed_record).await?;
        let provenance = self.stored_provenance(&entry, &signed_record).await?;
        Ok(RecordView {
            record_id: entry.record_id,
            leaf_index: entry.leaf_index,
            project_id: entry.project_id,
            logged_at: entry.logged_at,
            signed_record,
            document,
            provenance,
            receipt,
            attachments,
        })
    }

    /// Names and media types of a record's rendered views (not its
    /// document or PROV document, which are served with the record).
    pub async fn attachment_names(&self, record_id: &str) -> ArchiveResult<Vec<(String, String)>> {
        let mut names = self.store.attachment_names(record_id.to_owned()).await?;
        names.retain(|(name, _)| name != DOCUMENT && name != PROVENANCE);
        Ok(names)
    }

    pub async fn attachment(&self, record_id: &str, name: &str) -> ArchiveResult<StoredAttachment> {
        let entry = self.entry(record_id).await?;
        if name == DOCUMENT || name == PROVENANCE {
            let what = if name == DOCUMENT {
                "document"
            } else {
                "PROV document"
            };
            return Err(ArchiveError::NotFound(format!(
                "record {record_id} has no attachment {name:?}; its {what} is served with \
                 the record, at /v1/records/{record_id}"
            )));
        }
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
        let mut records = Vec::with_capacity(entries.len());
        for entry in &entries {
            records.push(summary(entry, &self.readable_record(entry).await?));
        }
        Ok(RecordPage {
            records,
            next_cursor,
        })
    }
}

pub(super) fn parse_time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

/// A listing line from a stored entry and its
/// [`Archive::readable_record`].
pub fn summary(entry: &StoredEntry, readable: &Value) -> RecordSummary {
    let document = &readable["record"]["subject"]["document"];
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
