//! Checking a record against its receipt, offline: the record is signed by
//! the log key, it is the leaf the receipt names, the checkpoint is signed
//! by the same key, and the inclusion proof leads from the leaf to the
//! checkpoint's root.

use serde_json::Value;
use vpm_model::record::Receipt;

use crate::checkpoint::{self, CheckpointError, VerifiedCheckpoint};
use crate::hash::Hash;
use crate::key::LogVerifier;
use crate::merkle::{self, ProofError};
use crate::record::{self, RecordError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("record: {0}")]
    Record(#[from] RecordError),
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("inclusion proof: {0}")]
    Inclusion(#[from] ProofError),
    #[error("the receipt does not match: {0}")]
    Mismatch(String),
}

/// Checks `signed` (a signed record as JSON) against `receipt`; returns the
/// checkpoint the record is proven to be in. A version 2 or 3 record needs
/// the documents kept beside it: see [`check_with`].
pub fn check(
    signed: &Value,
    receipt: &Receipt,
    verifier: &LogVerifier,
) -> Result<VerifiedCheckpoint, ReceiptError> {
    check_with(signed, record::Beside::default(), receipt, verifier)
}

/// [`check`], with the documents kept beside the record (the `document`
/// and `provenance` of `GET /v1/records/{id}`): each must be the one the
/// signed record commits to.
pub fn check_with(
    signed: &Value,
    beside: record::Beside<'_, Value>,
    receipt: &Receipt,
    verifier: &LogVerifier,
) -> Result<VerifiedCheckpoint, ReceiptError> {
    let checked = record::check_with(signed, beside, verifier)?;
    if checked.record_id.to_hex() != receipt.record_id.to_ascii_lowercase() {
        return Err(ReceiptError::Mismatch(format!(
            "the receipt is for record {}, this record is {}",
            receipt.record_id, checked.record_id
        )));
    }
    if parse(&receipt.leaf_hash, "leaf_hash")? != checked.leaf_hash {
        return Err(ReceiptError::Mismatch(format!(
            "the receipt's leaf hash is {}, the record's is {}",
            receipt.leaf_hash, checked.leaf_hash
        )));
    }
    let head = checkpoint::open(&receipt.checkpoint, verifier)?;
    if head.size != receipt.tree_size || head.root != parse(&receipt.root_hash, "root_hash")? {
        return Err(ReceiptError::Mismatch(format!(
            "the signed checkpoint is for size {} root {}, the receipt says size {} root {}",
            head.size, head.root, receipt.tree_size, receipt.root_hash
        )));
    }
    let proof = receipt
        .inclusion_proof
        .iter()
        .map(|h| parse(h, "inclusion_proof"))
        .collect::<Result<Vec<_>, _>>()?;
    merkle::verify_inclusion(
        receipt.leaf_index,
        head.size,
        &checked.leaf_hash,
        &proof,
        &head.root,
    )?;
    Ok(head)
}

fn parse(hex: &str, field: &str) -> Result<Hash, ReceiptError> {
    hex.parse()
        .map_err(|_| ReceiptError::Mismatch(format!("`{field}` is not a hex SHA-256 hash")))
}
