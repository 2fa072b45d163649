//! Submitting a record: seal it, hand it to the group-commit writer, and
//! answer with its receipt once it is durable.

use vpm_model::record::{Receipt, RecordSubmission};
use vpm_tlog::Hash;
use vpm_tlog::merkle;
use vpm_tlog::record::seal;

use super::read::parse_time;
use super::{Archive, ArchiveError, ArchiveResult, Submitted};
use crate::provenance;
use crate::store::{Appended, now_rfc3339};

impl Archive {
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
        // A leaf longer than a tlog-tiles entry (65,535 bytes: the snapshot
        // of a project of a few hundred tasks) is still logged: refusing
        // it would lose the record of every large project. Its hash is in
        // the hash tiles like any other; only the entry bundle holding it
        // cannot be served (see `Archive::tile`).
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
            ArchiveError::from(e)
        })?;
        match placed.appended {
            Appended::New {
                leaf_index,
                logged_at,
            } => {
                let proof = merkle::record_proof(leaf_index, placed.head.tree_size, |id| {
                    placed.nodes.get(id)
                })
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
}
