//! The log as C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): the latest
//! checkpoint, hash tiles and entry bundles, read from the same stored
//! nodes and leaves the proof API uses — so a tile client that has never
//! heard of vpm recomputes the very roots our checkpoints sign.
//!
//! A hash tile at level `L` is a run of stored perfect-subtree hashes at
//! Merkle level `8·L` (the `tree_nodes` rows of that level), and an entry
//! bundle is a run of leaf data; nothing is stored twice for tiles.

use vpm_tlog::tiles::{self, TilePath};

use super::{Archive, ArchiveError, ArchiveResult};

impl Archive {
    /// The bytes of the tile or entry bundle at `path`, if the latest
    /// signed tree holds all of it.
    pub async fn tile(&self, path: TilePath) -> ArchiveResult<Vec<u8>> {
        let head = self.checkpoint().await?;
        let needed = path.tree_size_needed();
        if needed.is_none_or(|n| n > head.tree_size) {
            return Err(ArchiveError::NotFound(format!(
                "{path} is not in the tree of size {}",
                head.tree_size
            )));
        }
        let first = path.first();
        let end = first + u64::from(path.width());
        match path {
            TilePath::Hashes { level, .. } => {
                let merkle_level = level * tiles::HEIGHT;
                let run = self.store.node_run(merkle_level, first, end).await?;
                let mut data = Vec::with_capacity(run.len() * 32);
                for (expected, (idx, hash)) in (first..end).zip(&run) {
                    if *idx != expected {
                        return Err(missing(format!(
                            "tree node (level {merkle_level}, index {expected})"
                        )));
                    }
                    data.extend_from_slice(&hash.0);
                }
                if run.len() as u64 != end - first {
                    return Err(missing(format!("a tree node of {path}")));
                }
                Ok(data)
            }
            TilePath::Entries { .. } => {
                let leaves = self.store.leaves(first, end).await?;
                for (expected, (idx, _)) in (first..end).zip(&leaves) {
                    if *idx != expected {
                        return Err(missing(format!("leaf {expected}")));
                    }
                }
                if leaves.len() as u64 != end - first {
                    return Err(missing(format!("a leaf of {path}")));
                }
                tiles::entry_bundle(first, leaves.iter().map(|(_, l)| l.as_bytes())).map_err(|e| {
                    ArchiveError::NotFound(format!(
                        "{path} cannot be served: {e}. Its hash is in the hash tiles, so \
                             checkpoints and proofs cover it; read the entry itself from \
                             /v1/log/export or /v1/records/{{id}}"
                    ))
                })
            }
        }
    }
}

/// A row the signed tree covers is not in the database: the store is
/// damaged, which an audit reports in detail.
fn missing(what: String) -> ArchiveError {
    ArchiveError::Internal(format!(
        "{what} is missing from the database though the signed tree covers it"
    ))
}
