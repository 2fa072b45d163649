//! Submitting a record: seal it, hand it to the group-commit writer, and
//! answer with its receipt once it is durable.

use vpm_model::Problem;
use vpm_model::record::{Receipt, RecordSubmission};
use vpm_tlog::Hash;
use vpm_tlog::merkle;
use vpm_tlog::record::seal;
use vpm_tlog::tiles::MAX_ENTRY;

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
        // Every leaf must fit a tlog-tiles entry bundle (a uint16 length),
        // or the log could no longer be served to tile clients whole.
        // Attachments are outside the leaf (only their hashes are in it).
        if sealed.leaf.len() > MAX_ENTRY {
            self.metrics.count("invalid");
            return Err(ArchiveError::Invalid(vec![Problem::new(
                "record_too_large",
                "subject.document",
                None,
                format!(
                    "the signed record would be {} bytes; a log entry holds at most {MAX_ENTRY} \
                     (C2SP tlog-tiles); put large renderings in attachments",
                    sealed.leaf.len()
                ),
            )]));
        }
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
}
