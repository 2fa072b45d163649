//! Submitting a record: seal it (and the records of a snapshot's
//! decisions), hand them to the group-commit writer, and answer with the
//! receipt once they are durable.

use vpm_model::record::{DecisionReceipt, Receipt, RecordSubmission};
use vpm_tlog::Hash;
use vpm_tlog::merkle;
use vpm_tlog::record::{SealedRecord, seal};

use super::read::parse_time;
use super::{Archive, ArchiveError, ArchiveResult, Submitted};
use crate::appender::Placed;
use crate::provenance::{self, Prepared};
use crate::store::{Appended, NewEntry, now_rfc3339};

impl Archive {
    /// Builds, signs and appends the record of `submission` — after the
    /// records of the decisions it carries, in the same commit; returns its
    /// receipt once they are durable. Submitting the same content again
    /// returns the first receipt and adds nothing, and a decision already
    /// in the log adds nothing either.
    pub async fn submit(
        &self,
        submission: RecordSubmission,
    ) -> ArchiveResult<(Submitted, Receipt)> {
        let filing = provenance::prepare(submission).map_err(|problems| {
            self.metrics.count("invalid");
            ArchiveError::Invalid(problems)
        })?;
        let logged_at = now_rfc3339();
        let mut decision_ids = Vec::with_capacity(filing.decisions.len());
        let mut sealed = Vec::with_capacity(filing.decisions.len() + 1);
        let mut entries = Vec::with_capacity(filing.decisions.len() + 1);
        let preparations = filing
            .decisions
            .into_iter()
            .map(|d| {
                decision_ids.push(d.decision_id);
                d.prepared
            })
            .chain(std::iter::once(filing.subject));
        for prepared in preparations {
            let (record, entry) = self.seal_entry(prepared, &logged_at)?;
            sealed.push(record);
            entries.push(entry);
        }
        let count = entries.len();
        let placed = self.appender.append_together(entries).await.map_err(|e| {
            self.metrics.count("failed");
            ArchiveError::from(e)
        })?;
        if placed.len() != count {
            return Err(ArchiveError::Internal(format!(
                "the writer placed {} of {count} records",
                placed.len()
            )));
        }
        let mut decisions = Vec::with_capacity(decision_ids.len());
        for ((decision_id, record), placed) in decision_ids.into_iter().zip(&sealed).zip(&placed) {
            let (leaf_index, new) = match &placed.appended {
                Appended::New { leaf_index, .. } => (*leaf_index, true),
                Appended::Existing(entry) => (entry.leaf_index, false),
            };
            self.metrics.count(if new { "new" } else { "existing" });
            decisions.push(DecisionReceipt {
                decision_id,
                record_id: record.record_id.to_hex(),
                leaf_index,
                leaf_hash: record.leaf_hash.to_hex(),
                new,
            });
        }
        let (Some(subject), Some(placed)) = (sealed.last(), placed.last()) else {
            return Err(ArchiveError::Internal("nothing was filed".into()));
        };
        let (submitted, mut receipt) = self.subject_receipt(subject, placed).await?;
        receipt.decisions = decisions;
        Ok((submitted, receipt))
    }

    /// Signs a prepared record and makes the entry the store appends: the
    /// leaf, and beside it the document and attachments.
    fn seal_entry(
        &self,
        prepared: Prepared,
        logged_at: &str,
    ) -> ArchiveResult<(SealedRecord, NewEntry)> {
        let (record, attachments) = prepared.into_parts();
        let project_id = record.project_id.clone();
        let subject_kind = record.subject.kind.as_str().to_owned();
        let sealed = seal(record, &self.key).map_err(|e| ArchiveError::Internal(e.to_string()))?;
        // The leaf holds no document, so it is small whatever the size of
        // the project, and fits a tlog-tiles entry bundle (at most 65,535
        // bytes). A record that still exceeds it (a snapshot of many
        // hundreds of input files) is logged all the same: its hash is in
        // the hash tiles like any other (see `Archive::tile`).
        let entry = NewEntry {
            record_id: sealed.record_id,
            project_id,
            subject_kind,
            leaf: sealed.leaf.clone(),
            leaf_hash: sealed.leaf_hash,
            logged_at: logged_at.to_owned(),
            attachments,
        };
        Ok((sealed, entry))
    }

    /// The receipt of the submission's own record.
    async fn subject_receipt(
        &self,
        sealed: &SealedRecord,
        placed: &Placed,
    ) -> ArchiveResult<(Submitted, Receipt)> {
        match &placed.appended {
            Appended::New {
                leaf_index,
                logged_at,
            } => {
                let proof = merkle::record_proof(*leaf_index, placed.head.tree_size, |id| {
                    placed.nodes.get(id)
                })
                .map_err(|e| ArchiveError::Internal(e.to_string()))?;
                self.metrics.count("new");
                Ok((
                    Submitted::New,
                    Receipt {
                        record_id: sealed.record_id.to_hex(),
                        leaf_index: *leaf_index,
                        leaf_hash: sealed.leaf_hash.to_hex(),
                        tree_size: placed.head.tree_size,
                        root_hash: placed.head.root.to_hex(),
                        checkpoint: placed.head.checkpoint.clone(),
                        inclusion_proof: proof.iter().map(Hash::to_hex).collect(),
                        logged_at: parse_time(logged_at),
                        decisions: vec![],
                    },
                ))
            }
            Appended::Existing(entry) => {
                self.metrics.count("existing");
                Ok((Submitted::Existing, self.receipt_for(entry).await?))
            }
        }
    }
}
