//! Inclusion and consistency proofs, assembled from the stored hashes of
//! perfect subtrees (O(log n) reads, no rehashing).

use std::collections::HashMap;

use vpm_tlog::Hash;
use vpm_tlog::merkle::{self, NodeId};

use super::{Archive, ArchiveError, ArchiveResult};
use crate::store::StoredHead;
use crate::views::{ConsistencyProofView, InclusionProofView};

impl Archive {
    /// The stored hashes of `nodes`, in one read.
    async fn fetch(&self, mut nodes: Vec<NodeId>) -> ArchiveResult<HashMap<NodeId, Hash>> {
        nodes.sort_unstable();
        nodes.dedup();
        Ok(self.store.nodes(nodes).await?)
    }

    pub(super) async fn inclusion_hashes(
        &self,
        leaf_index: u64,
        tree_size: u64,
    ) -> ArchiveResult<Vec<Hash>> {
        let wanted = merkle::record_proof_nodes(leaf_index, tree_size)
            .map_err(|e| ArchiveError::BadRequest(e.to_string()))?;
        let nodes = self.fetch(wanted).await?;
        merkle::record_proof(leaf_index, tree_size, |id| nodes.get(&id).copied())
            .map_err(|e| ArchiveError::Internal(e.to_string()))
    }

    pub(super) async fn root_at(&self, size: u64) -> ArchiveResult<Hash> {
        let nodes = self.fetch(merkle::root_nodes(size)).await?;
        merkle::root(size, |id| nodes.get(&id).copied())
            .map_err(|e| ArchiveError::Internal(e.to_string()))
    }

    pub(super) async fn size_or_latest(&self, tree_size: Option<u64>) -> ArchiveResult<StoredHead> {
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
        let mut wanted = merkle::tree_proof_nodes(old_size, new.tree_size)
            .map_err(|e| ArchiveError::BadRequest(e.to_string()))?;
        wanted.extend(merkle::root_nodes(old_size));
        let nodes = self.fetch(wanted).await?;
        let lookup = |id| nodes.get(&id).copied();
        let hashes = merkle::tree_proof(old_size, new.tree_size, lookup)
            .map_err(|e| ArchiveError::Internal(e.to_string()))?;
        let old_root =
            merkle::root(old_size, lookup).map_err(|e| ArchiveError::Internal(e.to_string()))?;
        Ok(ConsistencyProofView {
            old_size,
            new_size: new.tree_size,
            old_root: old_root.to_hex(),
            new_root: new.root.to_hex(),
            hashes: hashes.iter().map(Hash::to_hex).collect(),
        })
    }
}
