//! The embedded backend: one SQLite file.
//!
//! Durability: WAL journal with `synchronous=FULL`, so every commit is
//! fsynced to the WAL before `COMMIT` returns — a receipt is never handed
//! out for a record a power cut could take back. (`NORMAL`, the usual WAL
//! setting, may lose the last commits on power loss; it is not used.)
//! Writes are serialised by `BEGIN IMMEDIATE`, which also holds between
//! processes sharing the file; readers use their own connections and see a
//! consistent snapshot while the writer works.
//!
//! Checkpoints (copying the WAL's pages into the database file, and its
//! fsync) run on a thread of their own, not in the writer's commit: SQLite
//! would otherwise run one inside every commit that takes the WAL past
//! 1,000 pages, and a request would wait for it. A PASSIVE checkpoint never
//! blocks the writer, so the copy overlaps the next batch's commit. (The
//! writer still checkpoints at 16 MiB, see [`WRITER_CHECKPOINT_BYTES`].)

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use vpm_tlog::Hash;
use vpm_tlog::merkle::{Frontier, NodeId};

use super::{
    BatchOutcome, EntryWithNodes, HeadSigner, HeadSource, ListQuery, LogMeta, LogStore, NewEntry,
    StoreError, StoreResult, StoredAttachment, StoredEntry, StoredHead, completed_node_ranges,
    nodes_by_leaf, plan_batch,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    leaf_index INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    receipt_tree_size BIGINT NOT NULL,
    signed_record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_project ON entries (project_id, leaf_index);
CREATE TABLE IF NOT EXISTS attachments (
    leaf_index INTEGER NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (leaf_index, name)
);
CREATE TABLE IF NOT EXISTS tree_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_heads (
    tree_size BIGINT PRIMARY KEY,
    root_hash BLOB NOT NULL,
    checkpoint TEXT NOT NULL,
    created_at TEXT NOT NULL
);
";

// `leaf_index INTEGER PRIMARY KEY` is the table's rowid: one b-tree fewer
// per record than the `BIGINT PRIMARY KEY` (a separate unique index) of
// files made before 2026-12-03. Both read and write alike; old files keep
// their schema (tests/log.rs holds a file of that layout to it).

/// How a file's attachments are keyed. Files made before 2026-12-04 key
/// them by record id: a random key, so each record's attachments land on a
/// page of their own in the key's b-tree, and a commit of n records writes
/// n more pages to the WAL. New files key them by leaf index,
/// which only grows: a batch's attachments are appended side by side.
/// Old files keep their table; the statements follow the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttachmentKey {
    RecordId,
    LeafIndex,
}

impl AttachmentKey {
    fn of(conn: &Connection) -> rusqlite::Result<Self> {
        let by_leaf: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('attachments') WHERE name = 'leaf_index')",
            [],
            |r| r.get(0),
        )?;
        Ok(if by_leaf {
            Self::LeafIndex
        } else {
            Self::RecordId
        })
    }

    /// Parameters: the key (record id or leaf index), name, media type, content.
    fn insert(self) -> &'static str {
        match self {
            Self::RecordId => {
                "INSERT INTO attachments (record_id, name, media_type, content) VALUES (?1, ?2, ?3, ?4)"
            }
            Self::LeafIndex => {
                "INSERT INTO attachments (leaf_index, name, media_type, content) VALUES (?1, ?2, ?3, ?4)"
            }
        }
    }

    /// Parameters: record id, name. Columns: name, media type, content.
    fn one(self) -> &'static str {
        match self {
            Self::RecordId => {
                "SELECT name, media_type, content FROM attachments WHERE record_id = ?1 AND name = ?2"
            }
            Self::LeafIndex => {
                "SELECT a.name, a.media_type, a.content FROM entries e JOIN attachments a \
                 ON a.leaf_index = e.leaf_index WHERE e.record_id = ?1 AND a.name = ?2"
            }
        }
    }

    /// Parameters: record id.
    fn names(self) -> &'static str {
        match self {
            Self::RecordId => {
                "SELECT name, media_type FROM attachments WHERE record_id = ?1 ORDER BY name"
            }
            Self::LeafIndex => {
                "SELECT a.name, a.media_type FROM entries e JOIN attachments a \
                 ON a.leaf_index = e.leaf_index WHERE e.record_id = ?1 ORDER BY a.name"
            }
        }
    }
}

const ENTRY_COLUMNS: &str =
    "leaf_index, record_id, project_id, subject_kind, logged_at, receipt_tree_size, signed_record";

/// Readers kept open between requests.
const READER_POOL: usize = 8;

/// The SQLite backend.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    attachment_key: AttachmentKey,
    /// Tells the checkpoint thread a commit added to the WAL; it ends when
    /// the last clone of the store is dropped.
    checkpoints: Arc<SyncSender<()>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn open(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(|e| {
        StoreError::Config(format!(
            "cannot open SQLite archive {}: {e}",
            path.display()
        ))
    })?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(unavailable)?;
    // Takes effect only on a new file (before WAL is on); an existing file
    // keeps the page size it was made with. A commit writes every page it
    // touched whole to the WAL (and the checkpoint copies it again): the
    // tail page of each b-tree that grows, the b-trees' inner pages, and a
    // page of the record id index per record, since those ids are random.
    // Most of those pages change by a few bytes, so small pages write less:
    // 44 KB per append at 32 clients with 4 KiB pages, 59 KB with 8 KiB
    // and 78 KB with 16 KiB (files made on 2026-12-03 and 04 have 16 KiB),
    // although a 5 KB leaf now spills onto an overflow page.
    conn.pragma_update(None, "page_size", 4096)
        .map_err(unavailable)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(unavailable)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(unavailable)?;
    Ok(conn)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn hash_of(bytes: Vec<u8>) -> rusqlite::Result<Hash> {
    Hash::from_slice(&bytes).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            bytes.len(),
            rusqlite::types::Type::Blob,
            "a stored hash is not 32 bytes".into(),
        )
    })
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEntry> {
    Ok(StoredEntry {
        leaf_index: to_u64(row.get(0)?),
        record_id: row.get(1)?,
        project_id: row.get(2)?,
        subject_kind: row.get(3)?,
        logged_at: row.get(4)?,
        receipt_tree_size: to_u64(row.get(5)?),
        signed_record: row.get(6)?,
    })
}

fn head_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredHead> {
    Ok(StoredHead {
        tree_size: to_u64(row.get(0)?),
        root: hash_of(row.get(1)?)?,
        checkpoint: row.get(2)?,
    })
}

impl SqliteStore {
    /// Opens (creating if needed) the archive at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Config(format!("cannot create directory {}: {e}", dir.display()))
            })?;
        }
        let writer = open(path)?;
        writer.execute_batch(SCHEMA).map_err(unavailable)?;
        let attachment_key = AttachmentKey::of(&writer).map_err(unavailable)?;
        // The checkpoint thread does most of what a commit would do.
        let page_size: i64 = writer
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(unavailable)?;
        writer
            .pragma_update(
                None,
                "wal_autocheckpoint",
                WRITER_CHECKPOINT_BYTES / page_size.max(512),
            )
            .map_err(unavailable)?;
        let checkpointer = open(path)?;
        let (tx, rx) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpointer, &rx))
            .map_err(|e| StoreError::Config(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self {
            path: path.to_owned(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            attachment_key,
            checkpoints: Arc::new(tx),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a reader connection, off the async threads.
    fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> BoxFuture<'static, StoreResult<T>> {
        let this = self.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let conn = match this.readers.lock().map(|mut pool| pool.pop()) {
                    Ok(Some(conn)) => conn,
                    _ => open(&this.path)?,
                };
                let result = f(&conn).map_err(unavailable);
                if let Ok(mut pool) = this.readers.lock()
                    && pool.len() < READER_POOL
                {
                    pool.push(conn);
                }
                result
            })
            .await
            .map_err(unavailable)?
        })
    }

    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> BoxFuture<'static, StoreResult<T>> {
        let writer = self.writer.clone();
        let checkpoints = self.checkpoints.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut conn = writer
                    .lock()
                    .map_err(|_| unavailable("the writer connection is poisoned"))?;
                let result = f(&mut conn);
                // Full means a checkpoint is already due; nothing to add.
                let _ = checkpoints.try_send(());
                result
            })
            .await
            .map_err(unavailable)?
        })
    }
}

/// The writer still checkpoints itself when the WAL reaches this size:
/// under steady load the checkpoint thread never catches the writer up
/// completely, and only a checkpoint between two commits lets the WAL
/// restart from its beginning. By then the thread has copied nearly every
/// page, so the writer's own checkpoint has little left to do.
const WRITER_CHECKPOINT_BYTES: i64 = 16 << 20;

/// The least time between two checkpoints of the thread: each one ends
/// with an fsync of the database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(50);

/// Runs a PASSIVE checkpoint after commits, at most every
/// [`CHECKPOINT_INTERVAL`], and a last one when the store is dropped.
/// PASSIVE copies the pages no reader still needs and never waits for, or
/// blocks, the writer. A failed one (the file busy in another process) is
/// retried after the next commit.
fn checkpoint_loop(conn: &Connection, commits: &mpsc::Receiver<()>) {
    let checkpoint = || {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "WAL checkpoint failed; retried after the next commit");
        }
    };
    loop {
        match commits.recv() {
            Ok(()) => {
                checkpoint();
                std::thread::sleep(CHECKPOINT_INTERVAL);
            }
            Err(mpsc::RecvError) => {
                checkpoint();
                return;
            }
        }
    }
}

fn latest_head(conn: &Connection) -> rusqlite::Result<Option<StoredHead>> {
    conn.prepare_cached(
        "SELECT tree_size, root_hash, checkpoint FROM tree_heads ORDER BY tree_size DESC LIMIT 1",
    )?
    .query_row([], head_from_row)
    .optional()
}

fn node(conn: &Connection, id: NodeId) -> rusqlite::Result<Option<Hash>> {
    conn.prepare_cached("SELECT hash FROM tree_nodes WHERE level = ?1 AND idx = ?2")?
        .query_row(params![id.level, to_i64(id.index)], |r| hash_of(r.get(0)?))
        .optional()
}

fn entry_by_id(conn: &Connection, record_id: &str) -> rusqlite::Result<Option<StoredEntry>> {
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries WHERE record_id = ?1"
    ))?
    .query_row([record_id], entry_from_row)
    .optional()
}

fn append(
    conn: &mut Connection,
    attachment_key: AttachmentKey,
    batch: Vec<NewEntry>,
    sign: HeadSigner,
) -> StoreResult<BatchOutcome> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    let head = latest_head(&tx).map_err(unavailable)?;
    let size = head.as_ref().map_or(0, |h| h.tree_size);
    let mut hashes = Vec::new();
    for id in Frontier::node_ids(size) {
        let hash = node(&tx, id).map_err(unavailable)?.ok_or_else(|| {
            StoreError::Integrity(format!(
                "tree node (level {}, index {}) of the log's right edge is missing",
                id.level, id.index
            ))
        })?;
        hashes.push(hash);
    }
    let frontier = Frontier::from_nodes(size, hashes)
        .ok_or_else(|| StoreError::Integrity("cannot rebuild the tree's right edge".into()))?;
    let mut existing = HashSet::new();
    {
        // Existence only: the stored record (kilobytes) is not read.
        let mut known = tx
            .prepare_cached("SELECT 1 FROM entries WHERE record_id = ?1")
            .map_err(unavailable)?;
        for entry in &batch {
            let id = entry.record_id.to_hex();
            if known.exists([&id]).map_err(unavailable)? {
                existing.insert(id);
            }
        }
    }
    let plan = plan_batch(frontier, &batch, &existing);

    let head = if plan.inserts.is_empty() {
        head.ok_or_else(|| StoreError::Integrity("the log has entries but no tree head".into()))?
    } else {
        {
            let mut insert_entry = tx
                .prepare_cached(&format!(
                    "INSERT INTO entries ({ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))
                .map_err(unavailable)?;
            let mut insert_attachment = tx
                .prepare_cached(attachment_key.insert())
                .map_err(unavailable)?;
            for (index, position) in &plan.inserts {
                let e = &batch[*position];
                let leaf = std::str::from_utf8(&e.leaf)
                    .map_err(|_| StoreError::Integrity("a leaf is not UTF-8".into()))?;
                insert_entry
                    .execute(params![
                        to_i64(*index),
                        e.record_id.to_hex(),
                        e.project_id,
                        e.subject_kind,
                        e.logged_at,
                        to_i64(plan.new_size),
                        leaf,
                    ])
                    .map_err(unavailable)?;
                let key: rusqlite::types::Value = match attachment_key {
                    AttachmentKey::RecordId => e.record_id.to_hex().into(),
                    AttachmentKey::LeafIndex => to_i64(*index).into(),
                };
                for a in &e.attachments {
                    insert_attachment
                        .execute(params![key, a.name, a.media_type, a.content])
                        .map_err(unavailable)?;
                }
            }
            let mut insert_node = tx
                .prepare_cached("INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
                .map_err(unavailable)?;
            for (id, hash) in &plan.new_nodes {
                insert_node
                    .execute(params![id.level, to_i64(id.index), hash.0.as_slice()])
                    .map_err(unavailable)?;
            }
        }
        let checkpoint = sign(plan.new_size, plan.new_root).map_err(StoreError::Integrity)?;
        tx.execute(
            "INSERT INTO tree_heads (tree_size, root_hash, checkpoint, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                to_i64(plan.new_size),
                plan.new_root.0.as_slice(),
                checkpoint,
                super::now_rfc3339()
            ],
        )
        .map_err(unavailable)?;
        StoredHead {
            tree_size: plan.new_size,
            root: plan.new_root,
            checkpoint,
        }
    };
    let results = super::resolve(&plan.placement, &batch, |id| {
        entry_by_id(&tx, id)
            .map_err(unavailable)?
            .ok_or_else(|| StoreError::Integrity("an existing entry vanished".into()))
    })?;
    // An I/O error during COMMIT (the WAL write or its fsync) can leave the
    // commit record on disk: its outcome is unknown, not "nothing".
    tx.commit()
        .map_err(|e| StoreError::CommitUnknown(e.to_string()))?;
    Ok(BatchOutcome {
        head,
        results,
        nodes: plan.nodes,
        head_source: HeadSource::Read,
    })
}

/// The WHERE clause and parameters of a listing.
fn list_sql(q: &ListQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut clauses = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let mut add = |clause: &str, value: Value| {
        params.push(value);
        clauses.push(clause.replace('?', &format!("?{}", params.len())));
    };
    if let Some(p) = &q.project_id {
        add("project_id = ?", Value::Text(p.clone()));
    }
    if let Some(k) = &q.subject_kind {
        add("subject_kind = ?", Value::Text(k.clone()));
    }
    if let Some(s) = &q.since {
        add("logged_at >= ?", Value::Text(s.clone()));
    }
    if let Some(u) = &q.until {
        add("logged_at < ?", Value::Text(u.clone()));
    }
    if let Some(b) = q.before {
        add("leaf_index < ?", Value::Integer(to_i64(b)));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    params.push(Value::Integer(i64::from(q.limit)));
    (
        format!(
            "SELECT {ENTRY_COLUMNS} FROM entries {filter} ORDER BY leaf_index DESC LIMIT ?{}",
            params.len()
        ),
        params,
    )
}

impl LogStore for SqliteStore {
    fn init<'a>(&'a self, meta: &'a LogMeta) -> BoxFuture<'a, StoreResult<()>> {
        let meta = meta.clone();
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            for (key, value) in [("origin", &meta.origin), ("verifier_key", &meta.verifier_key)] {
                tx.execute(
                    "INSERT INTO log_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                    params![key, value],
                )
                .map_err(unavailable)?;
                let stored: String = tx
                    .query_row("SELECT value FROM log_meta WHERE key = ?1", [key], |r| r.get(0))
                    .map_err(unavailable)?;
                super::check_meta(key, &stored, value)?;
            }
            tx.commit().map_err(unavailable)
        })
    }

    fn ping(&self) -> BoxFuture<'_, StoreResult<()>> {
        self.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())))
    }

    fn append_batch(
        &self,
        batch: Vec<NewEntry>,
        sign: HeadSigner,
    ) -> BoxFuture<'_, StoreResult<BatchOutcome>> {
        let attachment_key = self.attachment_key;
        self.write(move |conn| append(conn, attachment_key, batch, sign))
    }

    fn latest_head(&self) -> BoxFuture<'_, StoreResult<Option<StoredHead>>> {
        self.read(latest_head)
    }

    fn head_at(&self, tree_size: u64) -> BoxFuture<'_, StoreResult<Option<StoredHead>>> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT tree_size, root_hash, checkpoint FROM tree_heads WHERE tree_size = ?1",
            )?
            .query_row([to_i64(tree_size)], head_from_row)
            .optional()
        })
    }

    fn nodes(&self, ids: Vec<NodeId>) -> BoxFuture<'_, StoreResult<HashMap<NodeId, Hash>>> {
        self.read(move |conn| {
            let mut found = HashMap::with_capacity(ids.len());
            for id in ids {
                if let Some(h) = node(conn, id)? {
                    found.insert(id, h);
                }
            }
            Ok(found)
        })
    }

    fn entry_by_id(&self, record_id: String) -> BoxFuture<'_, StoreResult<Option<StoredEntry>>> {
        self.read(move |conn| entry_by_id(conn, &record_id))
    }

    fn entry_by_index(&self, leaf_index: u64) -> BoxFuture<'_, StoreResult<Option<StoredEntry>>> {
        self.read(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE leaf_index = ?1"
            ))?
            .query_row([to_i64(leaf_index)], entry_from_row)
            .optional()
        })
    }

    fn list(&self, query: ListQuery) -> BoxFuture<'_, StoreResult<Vec<StoredEntry>>> {
        self.read(move |conn| {
            let (sql, params) = list_sql(&query);
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params), entry_from_row)?;
            rows.collect()
        })
    }

    fn entries_with_nodes(
        &self,
        start: u64,
        end: u64,
    ) -> BoxFuture<'_, StoreResult<Vec<EntryWithNodes>>> {
        self.read(move |conn| {
            let entries: Vec<StoredEntry> = conn
                .prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries WHERE leaf_index >= ?1 AND leaf_index < ?2 ORDER BY leaf_index"
                ))?
                .query_map([to_i64(start), to_i64(end)], entry_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            let mut nodes = Vec::new();
            let mut stmt = conn.prepare_cached(
                "SELECT idx, hash FROM tree_nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3",
            )?;
            for (level, lo, hi) in completed_node_ranges(start, end) {
                let rows = stmt.query_map(params![level, to_i64(lo), to_i64(hi)], |r| {
                    Ok((NodeId::new(level, to_u64(r.get(0)?)), hash_of(r.get(1)?)?))
                })?;
                for row in rows {
                    nodes.push(row?);
                }
            }
            let by_leaf = nodes_by_leaf(start, end, nodes);
            Ok(entries
                .into_iter()
                .map(|e| {
                    let nodes = by_leaf
                        .get((e.leaf_index - start) as usize)
                        .cloned()
                        .unwrap_or_default();
                    (e, nodes)
                })
                .collect())
        })
    }

    fn node_run(
        &self,
        level: u8,
        lo: u64,
        hi: u64,
    ) -> BoxFuture<'_, StoreResult<Vec<(u64, Hash)>>> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT idx, hash FROM tree_nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx",
            )?
            .query_map(params![level, to_i64(lo), to_i64(hi)], |r| {
                Ok((to_u64(r.get(0)?), hash_of(r.get(1)?)?))
            })?
            .collect()
        })
    }

    fn leaves(&self, start: u64, end: u64) -> BoxFuture<'_, StoreResult<Vec<(u64, String)>>> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT leaf_index, signed_record FROM entries WHERE leaf_index >= ?1 AND leaf_index < ?2 ORDER BY leaf_index",
            )?
            .query_map([to_i64(start), to_i64(end)], |r| Ok((to_u64(r.get(0)?), r.get(1)?)))?
            .collect()
        })
    }

    fn attachment(
        &self,
        record_id: String,
        name: String,
    ) -> BoxFuture<'_, StoreResult<Option<StoredAttachment>>> {
        let sql = self.attachment_key.one();
        self.read(move |conn| {
            conn.prepare_cached(sql)?
                .query_row([record_id, name], |r| {
                    Ok(StoredAttachment {
                        name: r.get(0)?,
                        media_type: r.get(1)?,
                        content: r.get(2)?,
                    })
                })
                .optional()
        })
    }

    fn attachment_names(
        &self,
        record_id: String,
    ) -> BoxFuture<'_, StoreResult<Vec<(String, String)>>> {
        let sql = self.attachment_key.names();
        self.read(move |conn| {
            conn.prepare_cached(sql)?
                .query_map([record_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    fn attachments_named(
        &self,
        name: String,
        record_ids: Vec<String>,
    ) -> BoxFuture<'_, StoreResult<HashMap<String, Vec<u8>>>> {
        // Point lookups on the primary key, in one reader: SQLite answers
        // each in microseconds, with no round trip.
        let sql = self.attachment_key.one();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let mut found = HashMap::new();
            for id in record_ids {
                if let Some(content) = stmt
                    .query_row(params![id, name], |r| r.get::<_, Vec<u8>>(2))
                    .optional()?
                {
                    found.insert(id, content);
                }
            }
            Ok(found)
        })
    }
}
