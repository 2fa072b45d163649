//! Where the log lives: one interface ([`LogStore`]), two backends chosen by
//! `VPM_ARCHIVE_URL` — embedded SQLite ([`sqlite`]) and PostgreSQL
//! ([`postgres`]).
//!
//! The tables are the same in both:
//!
//! * `log_meta` — the origin and verifier key the log was created with; a
//!   process configured with another key or origin refuses to start, so one
//!   log never has two signers;
//! * `entries` — one row per leaf: index, record id (unique), project,
//!   subject kind, arrival time, the tree size of its receipt, and the leaf
//!   data (the canonical JSON of the signed record);
//! * `attachments` — the rendered views whose hashes the records sign;
//! * `tree_nodes` — the hash of every perfect subtree, `(level, idx)`, leaf
//!   hashes at level 0: proofs read O(log n) of them and rehash nothing;
//! * `tree_heads` — one signed checkpoint per committed batch.
//!
//! An append is one transaction that takes the log's write lock (SQLite:
//! `BEGIN IMMEDIATE`; PostgreSQL: `pg_advisory_xact_lock`), reads the tree
//! size and right edge *inside* the lock, and writes leaves, nodes and the
//! new tree head together — so concurrent requests, and replicas sharing one
//! database, can never give two records one index or leave a gap. The
//! planning in between is [`plan_batch`], shared by both backends.

pub mod postgres;
pub mod sqlite;

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use vpm_tlog::Hash;
use vpm_tlog::merkle::{Frontier, NodeId, NodeMap};

/// What can go wrong in storage.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database did not answer or failed before the commit; nothing of
    /// the transaction was committed, and the same request may succeed later.
    #[error("the archive database is unavailable: {0}")]
    Unavailable(String),
    /// `COMMIT` was sent but its answer never came (the connection or the
    /// server died in between): the batch may or may not be in the log.
    /// Appends are idempotent, so a retry settles it either way.
    #[error(
        "the archive database did not confirm the commit ({0}); the batch may have been committed"
    )]
    CommitUnknown(String),
    /// What is stored contradicts itself or the configuration.
    #[error("{0}")]
    Integrity(String),
    /// A bad `VPM_ARCHIVE_URL` or an unusable database.
    #[error("{0}")]
    Config(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The log's identity, fixed when the log is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMeta {
    pub origin: String,
    pub verifier_key: String,
}

/// A record ready to be appended: sealed, with its attachments.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub record_id: Hash,
    pub project_id: String,
    pub subject_kind: String,
    /// The leaf data: the canonical JSON of the signed record.
    pub leaf: Vec<u8>,
    pub leaf_hash: Hash,
    pub logged_at: String,
    pub attachments: Vec<StoredAttachment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// One leaf as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub leaf_index: u64,
    pub record_id: String,
    pub project_id: String,
    pub subject_kind: String,
    pub logged_at: String,
    /// The tree size the record's first receipt was issued for.
    pub receipt_tree_size: u64,
    /// The leaf data, as stored (it is what an audit distrusts).
    pub signed_record: String,
}

/// A leaf with the node hashes it completed, level 0 first.
pub type EntryWithNodes = (StoredEntry, Vec<Hash>);

/// A signed tree head as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHead {
    pub tree_size: u64,
    pub root: Hash,
    pub checkpoint: String,
}

/// Signs a tree head: `(size, root) → checkpoint note`.
pub type HeadSigner = Arc<dyn Fn(u64, Hash) -> Result<String, String> + Send + Sync>;

/// What an append batch did for each of its entries, in order.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    /// The tree head committed by this batch (or the current one, if the
    /// batch added nothing).
    pub head: StoredHead,
    pub results: Vec<Appended>,
    /// Every node the new leaves' proofs to `head` need.
    pub nodes: NodeMap,
    /// How the store knew the head it appended to.
    pub head_source: HeadSource,
}

/// How a store knew the head a batch was appended to (the
/// `vpm_archive_commits_total{head}` metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadSource {
    /// The head this process committed last, checked in the same round
    /// trip as the inserts (PostgreSQL).
    Known,
    /// Read under the lock before the batch was planned: every SQLite
    /// batch (a local read); on PostgreSQL a process's first batch, and
    /// any batch after another replica moved the head or holding a record
    /// already logged (one more round trip each).
    Read,
}

impl HeadSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Known => "known",
            Self::Read => "read",
        }
    }
}

/// Where one submitted entry ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Appended now, at this index (by this entry or an identical one in
    /// the same batch, whose arrival time is the one stored).
    New { leaf_index: u64, logged_at: String },
    /// The same record was already in the log: nothing was added.
    Existing(Box<StoredEntry>),
}

/// The interface both backends offer.
pub trait LogStore: Send + Sync + 'static {
    /// Creates the tables if needed and checks (or records) the log's identity.
    fn init<'a>(&'a self, meta: &'a LogMeta) -> BoxFuture<'a, StoreResult<()>>;

    /// The database answers: readiness.
    fn ping(&self) -> BoxFuture<'_, StoreResult<()>>;

    /// Appends a batch in one durable transaction (see the module docs).
    /// Entries already in the log, or repeated within the batch, are not
    /// appended again.
    fn append_batch(
        &self,
        batch: Vec<NewEntry>,
        sign: HeadSigner,
    ) -> BoxFuture<'_, StoreResult<BatchOutcome>>;

    /// The newest tree head, if anything was ever appended.
    fn latest_head(&self) -> BoxFuture<'_, StoreResult<Option<StoredHead>>>;

    /// The signed tree head of exactly this size, if one was committed.
    fn head_at(&self, tree_size: u64) -> BoxFuture<'_, StoreResult<Option<StoredHead>>>;

    /// The stored hashes of these nodes (missing ones are left out).
    fn nodes(&self, ids: Vec<NodeId>) -> BoxFuture<'_, StoreResult<HashMap<NodeId, Hash>>>;

    fn entry_by_id(&self, record_id: String) -> BoxFuture<'_, StoreResult<Option<StoredEntry>>>;

    fn entry_by_index(&self, leaf_index: u64) -> BoxFuture<'_, StoreResult<Option<StoredEntry>>>;

    /// Entries newest first, filtered; `before` is a leaf index (the cursor).
    fn list(&self, query: ListQuery) -> BoxFuture<'_, StoreResult<Vec<StoredEntry>>>;

    /// Leaves `[start, end)` in order, with the nodes each completed
    /// (level 0 first): one chunk of an export or audit.
    fn entries_with_nodes(
        &self,
        start: u64,
        end: u64,
    ) -> BoxFuture<'_, StoreResult<Vec<EntryWithNodes>>>;

    /// The stored hashes of nodes `(level, idx)` for `idx` in `[lo, hi)`,
    /// in index order: one hash tile.
    fn node_run(&self, level: u8, lo: u64, hi: u64)
    -> BoxFuture<'_, StoreResult<Vec<(u64, Hash)>>>;

    /// The leaf data of leaves `[start, end)`, in index order: one entry
    /// bundle.
    fn leaves(&self, start: u64, end: u64) -> BoxFuture<'_, StoreResult<Vec<(u64, String)>>>;

    fn attachment(
        &self,
        record_id: String,
        name: String,
    ) -> BoxFuture<'_, StoreResult<Option<StoredAttachment>>>;

    /// Names and media types of a record's attachments.
    fn attachment_names(
        &self,
        record_id: String,
    ) -> BoxFuture<'_, StoreResult<Vec<(String, String)>>>;

    /// The content of the attachment called `name` of each of these
    /// records that has one, by record id: the subject documents of an
    /// export or audit chunk in one read.
    fn attachments_named(
        &self,
        name: String,
        record_ids: Vec<String>,
    ) -> BoxFuture<'_, StoreResult<HashMap<String, Vec<u8>>>>;
}

/// A page of the listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub project_id: Option<String>,
    pub subject_kind: Option<String>,
    /// Only entries logged at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Only entries logged before this RFC 3339 time.
    pub until: Option<String>,
    /// Only entries with a smaller leaf index (the cursor).
    pub before: Option<u64>,
    pub limit: u32,
}

/// What a batch will write, planned from the state read inside the lock.
#[derive(Debug, Clone)]
pub struct BatchPlan {
    /// `(leaf_index, position in the batch)` of each entry to insert.
    pub inserts: Vec<(u64, usize)>,
    /// Node hashes to insert (every node the new leaves complete).
    pub new_nodes: Vec<(NodeId, Hash)>,
    pub new_size: u64,
    pub new_root: Hash,
    /// For each batch position: `Ok((leaf_index, position inserted))` if
    /// new, `Err(record_id)` if it already exists (look it up after commit).
    pub placement: Vec<Result<(u64, usize), String>>,
    /// The frontier and new nodes, for the receipts' proofs.
    pub nodes: NodeMap,
    /// The right edge once the batch is in: the next batch starts here.
    pub frontier: Frontier,
}

/// Plans a batch: which entries are new, their indices, and the nodes they
/// complete. `existing` holds the ids (hex) of batch entries already stored.
pub fn plan_batch(
    mut frontier: Frontier,
    batch: &[NewEntry],
    existing: &std::collections::HashSet<String>,
) -> BatchPlan {
    let mut nodes = NodeMap::default();
    for (id, h) in frontier.nodes() {
        nodes.insert(id, h);
    }
    let mut seen: HashMap<Hash, (u64, usize)> = HashMap::new();
    let mut plan = BatchPlan {
        inserts: Vec::new(),
        new_nodes: Vec::new(),
        new_size: frontier.size(),
        new_root: frontier.root(),
        placement: Vec::with_capacity(batch.len()),
        nodes: NodeMap::default(),
        frontier: Frontier::default(),
    };
    for (position, entry) in batch.iter().enumerate() {
        let hex = entry.record_id.to_hex();
        if existing.contains(&hex) {
            plan.placement.push(Err(hex));
            continue;
        }
        if let Some(first) = seen.get(&entry.record_id) {
            plan.placement.push(Ok(*first));
            continue;
        }
        let index = frontier.size();
        for (id, h) in frontier.push(entry.leaf_hash) {
            nodes.insert(id, h);
            plan.new_nodes.push((id, h));
        }
        seen.insert(entry.record_id, (index, position));
        plan.inserts.push((index, position));
        plan.placement.push(Ok((index, position)));
    }
    plan.new_size = frontier.size();
    plan.new_root = frontier.root();
    plan.nodes = nodes;
    plan.frontier = frontier;
    plan
}

/// Which nodes, per level, were completed by leaves `[start, end)`:
/// `(level, first idx, end idx)` ranges, for fetching an export chunk.
pub fn completed_node_ranges(start: u64, end: u64) -> Vec<(u8, u64, u64)> {
    // Node (l, j) is completed by leaf (j + 1)·2^l − 1, so the leaves
    // [start, end) complete j in [ceil((start+1)/2^l) − 1, ceil((end+1)/2^l) − 1).
    let mut ranges = Vec::new();
    for level in 0u8..64 {
        let size = 1u128 << level;
        let lo = (u128::from(start) + 1).div_ceil(size) - 1;
        let hi = (u128::from(end) + 1).div_ceil(size) - 1;
        if size > u128::from(end) {
            break;
        }
        if hi > lo {
            ranges.push((level, lo as u64, hi as u64));
        }
    }
    ranges
}

/// Groups fetched nodes by the leaf that completed them, level 0 first.
pub fn nodes_by_leaf(start: u64, end: u64, nodes: Vec<(NodeId, Hash)>) -> Vec<Vec<Hash>> {
    let mut by_leaf: Vec<Vec<(u8, Hash)>> = vec![Vec::new(); (end - start) as usize];
    for (id, h) in nodes {
        let leaf = id.last_leaf();
        if leaf >= start && leaf < end {
            by_leaf[(leaf - start) as usize].push((id.level, h));
        }
    }
    by_leaf
        .into_iter()
        .map(|mut v| {
            v.sort_by_key(|(l, _)| *l);
            v.into_iter().map(|(_, h)| h).collect()
        })
        .collect()
}

/// A stored identity must equal the configured one: one log, one signer,
/// one origin.
pub(crate) fn check_meta(key: &str, stored: &str, configured: &str) -> StoreResult<()> {
    if stored == configured {
        return Ok(());
    }
    let setting = if key == "origin" {
        "VPM_LOG_ORIGIN"
    } else {
        "VPM_SIGNING_KEY_FILE"
    };
    Err(StoreError::Config(format!(
        "this archive was created with {key} {stored:?}, but {setting} gives {configured:?}; \
         a log has exactly one signer and one origin, so the archivist will not write to it \
         with another (restore the original key, or point VPM_ARCHIVE_URL at a new archive)"
    )))
}

/// The current time as the archive stores it: RFC 3339, UTC, microseconds,
/// so that text order is time order.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The result of each placement once the batch is committed.
pub(crate) fn resolve(
    placement: &[Result<(u64, usize), String>],
    batch: &[NewEntry],
    mut existing: impl FnMut(&str) -> StoreResult<StoredEntry>,
) -> StoreResult<Vec<Appended>> {
    placement
        .iter()
        .map(|p| match p {
            Ok((leaf_index, position)) => Ok(Appended::New {
                leaf_index: *leaf_index,
                logged_at: batch[*position].logged_at.clone(),
            }),
            Err(id) => existing(id).map(|e| Appended::Existing(Box::new(e))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpm_tlog::hash::leaf_hash;

    fn entry(n: u8) -> NewEntry {
        NewEntry {
            record_id: Hash::of(&[n]),
            project_id: "p".into(),
            subject_kind: "decision".into(),
            leaf: vec![n],
            leaf_hash: leaf_hash(&[n]),
            logged_at: now_rfc3339(),
            attachments: vec![],
        }
    }

    #[test]
    fn a_batch_skips_stored_and_repeated_records() {
        let mut frontier = Frontier::default();
        frontier.push(leaf_hash(b"first"));
        let existing = [Hash::of(&[2]).to_hex()].into_iter().collect();
        let batch = vec![entry(1), entry(2), entry(1), entry(3)];
        let plan = plan_batch(frontier, &batch, &existing);
        assert_eq!(plan.inserts, vec![(1, 0), (2, 3)]);
        assert_eq!(plan.new_size, 3);
        assert_eq!(
            plan.placement,
            vec![
                Ok((1, 0)),
                Err(Hash::of(&[2]).to_hex()),
                Ok((1, 0)),
                Ok((2, 3))
            ]
        );
    }

    #[test]
    fn completed_node_ranges_cover_exactly_the_nodes_of_the_leaves() {
        // Compare with a brute-force walk over every node of a 100-leaf tree.
        for (start, end) in [(0, 1), (0, 100), (5, 17), (31, 33), (64, 65)] {
            let mut expected = Vec::new();
            for level in 0u8..8 {
                for idx in 0..(100u64 >> level) {
                    let id = NodeId::new(level, idx);
                    if id.last_leaf() >= start && id.last_leaf() < end {
                        expected.push(id);
                    }
                }
            }
            let mut got: Vec<NodeId> = completed_node_ranges(start, end)
                .into_iter()
                .flat_map(|(l, lo, hi)| (lo..hi).map(move |j| NodeId::new(l, j)))
                .collect();
            got.sort();
            expected.sort();
            assert_eq!(got, expected, "{start}..{end}");
        }
    }
}
