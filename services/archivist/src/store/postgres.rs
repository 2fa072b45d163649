//! The shared backend: PostgreSQL, for several archivist replicas.
//!
//! Every append transaction first takes a transaction-scoped advisory lock
//! (`pg_advisory_xact_lock`) on one key, so replicas append one after
//! another. Holding it, an append either reads the tree size and right
//! edge, or, when this process wrote the last head it knows of, checks
//! that this head (size and root) is still the newest: if another replica
//! appended since, the check fails and the transaction is rolled back
//! before anything is written. Either way the log stays one tree with no
//! gap and no duplicate index whichever replica writes. Leaves, nodes and
//! the tree head are committed together; with PostgreSQL's default
//! `synchronous_commit = on` a commit is flushed to the WAL before it
//! returns, so a receipt is only handed out for a record that survives a
//! crash.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::future::BoxFuture;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{GenericClient, NoTls, Row};
use vpm_tlog::Hash;
use vpm_tlog::merkle::{Frontier, NodeId};

use super::{
    BatchOutcome, BatchPlan, EntryWithNodes, HeadSigner, HeadSource, ListQuery, LogMeta, LogStore,
    NewEntry, StoreError, StoreResult, StoredAttachment, StoredEntry, StoredHead,
    completed_node_ranges, nodes_by_leaf, plan_batch,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    leaf_index BIGINT PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    receipt_tree_size BIGINT NOT NULL,
    signed_record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_project ON entries (project_id, leaf_index);
CREATE TABLE IF NOT EXISTS attachments (
    record_id TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (record_id, name)
);
CREATE TABLE IF NOT EXISTS tree_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS tree_heads (
    tree_size BIGINT PRIMARY KEY,
    root_hash BYTEA NOT NULL,
    checkpoint TEXT NOT NULL,
    created_at TEXT NOT NULL
);
";

/// A statement parameter with its type, for `query_typed`.
type Param<'a> = (&'a (dyn ToSql + Sync), Type);

/// The advisory lock every writer takes ("vpm_log" in ASCII).
const LOG_LOCK: i64 = 0x76_70_6d_5f_6c_6f_67;

const ENTRY_COLUMNS: &str =
    "leaf_index, record_id, project_id, subject_kind, logged_at, receipt_tree_size, signed_record";

/// The PostgreSQL backend: a connection pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// The log's right edge as this process last committed it, if no
    /// append has failed since: the next batch is planned on it without
    /// reading the head (see [`PostgresStore::append_on_known_head`]).
    known: Arc<Mutex<Option<Frontier>>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn hash_of(bytes: &[u8]) -> StoreResult<Hash> {
    Hash::from_slice(bytes)
        .ok_or_else(|| StoreError::Integrity("a stored hash is not 32 bytes".into()))
}

fn entry_from_row(row: &Row) -> StoreResult<StoredEntry> {
    Ok(StoredEntry {
        leaf_index: to_u64(row.try_get(0).map_err(unavailable)?),
        record_id: row.try_get(1).map_err(unavailable)?,
        project_id: row.try_get(2).map_err(unavailable)?,
        subject_kind: row.try_get(3).map_err(unavailable)?,
        logged_at: row.try_get(4).map_err(unavailable)?,
        receipt_tree_size: to_u64(row.try_get(5).map_err(unavailable)?),
        signed_record: row.try_get(6).map_err(unavailable)?,
    })
}

fn head_from_row(row: &Row) -> StoreResult<StoredHead> {
    let root: Vec<u8> = row.try_get(1).map_err(unavailable)?;
    Ok(StoredHead {
        tree_size: to_u64(row.try_get(0).map_err(unavailable)?),
        root: hash_of(&root)?,
        checkpoint: row.try_get(2).map_err(unavailable)?,
    })
}

impl PostgresStore {
    /// A pool of up to `pool_size` connections to `url`.
    pub fn connect(url: &str, pool_size: usize) -> StoreResult<Self> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            StoreError::Config(format!("VPM_ARCHIVE_URL is not a PostgreSQL URL: {e}"))
        })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(2))
            .build()
            .map_err(|e| StoreError::Config(e.to_string()))?;
        Ok(Self {
            pool,
            known: Arc::default(),
        })
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(unavailable)
    }

    /// Appends a batch: in one round trip if this process wrote the last
    /// batch it knows of and nothing has failed since, else after reading
    /// the head under the lock.
    async fn append(&self, batch: Vec<NewEntry>, sign: HeadSigner) -> StoreResult<BatchOutcome> {
        let known = self
            .known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let mut done = None;
        if let Some(frontier) = known {
            done = self.append_on_known_head(frontier, &batch, &sign).await?;
        }
        let (outcome, frontier) = match done {
            Some(done) => done,
            None => self.append_after_reading_head(batch, sign).await?,
        };
        *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some(frontier);
        Ok(outcome)
    }

    /// The batch planned on `frontier` (the head this process committed
    /// last) and sent in one pipeline, one round trip: `BEGIN`, the lock, a
    /// check that the newest head is still `frontier`'s (`HEAD_IS`), the
    /// four inserts, `COMMIT`.
    ///
    /// `None` means the server refused a statement before `COMMIT`, so the
    /// transaction was aborted and `COMMIT` rolled it back: another replica
    /// moved the head, or a record of the batch is already in the log
    /// (its unique `record_id`). Nothing was written; the caller reads the
    /// head and plans again. Any other failure (the connection, not the
    /// server, failed) may have come after the commit: `CommitUnknown`.
    async fn append_on_known_head(
        &self,
        frontier: Frontier,
        batch: &[NewEntry],
        sign: &HeadSigner,
    ) -> StoreResult<Option<(BatchOutcome, Frontier)>> {
        let (size, root) = (to_i64(frontier.size()), frontier.root().0.to_vec());
        let plan = plan_batch(frontier, batch, &HashSet::new());
        let rows = InsertRows::of(&plan, batch, sign)?;
        let client = self.client().await?;
        let lock: [Param; 1] = [(&LOG_LOCK, Type::INT8)];
        let expected: [Param; 2] = [(&size, Type::INT8), (&root, Type::BYTEA)];
        // `BEGIN` and `COMMIT` go as simple queries, the form
        // `Transaction` uses too. Everything is sent on the first poll, in
        // this order (`biased`), and the server runs it in that order. Once
        // a statement fails, the server refuses the rest of the transaction
        // and answers `COMMIT` with a rollback. (`BEGIN` on a connection the
        // pool hands out, which is never inside a transaction, is not
        // refused, so nothing here runs outside the transaction.)
        let (begin, locked, checked, inserted, commit) = tokio::join!(
            biased;
            client.batch_execute("BEGIN"),
            client.execute_typed("SELECT pg_advisory_xact_lock($1)", &lock),
            client.execute_typed(HEAD_IS, &expected),
            rows.insert(&**client),
            client.batch_execute("COMMIT"),
        );
        let before = [begin.err(), locked.err(), checked.err(), inserted.err()];
        match before.into_iter().flatten().next() {
            None => commit.map_err(|e| StoreError::CommitUnknown(e.to_string()))?,
            Some(refused) if refused.as_db_error().is_some() => {
                tracing::debug!(
                    reason = %refused,
                    "the log moved or holds a record of the batch; reading its head"
                );
                return Ok(None);
            }
            Some(lost) => return Err(StoreError::CommitUnknown(lost.to_string())),
        }
        let results = super::resolve(&plan.placement, batch, |_| {
            Err(StoreError::Integrity(
                "a batch planned on the known head placed an existing record".into(),
            ))
        })?;
        Ok(Some((
            BatchOutcome {
                head: StoredHead {
                    tree_size: plan.new_size,
                    root: plan.new_root,
                    checkpoint: rows.checkpoint,
                },
                results,
                nodes: plan.nodes,
                head_source: HeadSource::Known,
            },
            plan.frontier,
        )))
    }

    /// One batch in one transaction, in four round trips to the server:
    /// `BEGIN`; the lock, the head, its right edge's nodes and which of the
    /// batch's records exist (sent together); the four inserts (sent
    /// together); `COMMIT`. Statements sent together are pipelined on the
    /// one connection and run in the order sent, so nothing is read before
    /// the lock is held. Every statement carries its parameter types
    /// (`query_typed`), which spares the round trip to have the server
    /// describe it first.
    async fn append_after_reading_head(
        &self,
        batch: Vec<NewEntry>,
        sign: HeadSigner,
    ) -> StoreResult<(BatchOutcome, Frontier)> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(unavailable)?;
        let wanted: Vec<String> = batch.iter().map(|e| e.record_id.to_hex()).collect();
        let lock: [Param; 1] = [(&LOG_LOCK, Type::INT8)];
        let wanted_ids: [Param; 1] = [(&wanted, Type::TEXT_ARRAY)];
        // `biased`: polled top to bottom, so each statement is sent (on its
        // first poll) in this order, and the lock comes first.
        let (_, head, edge, existing) = tokio::try_join!(
            biased;
            tx.execute_typed("SELECT pg_advisory_xact_lock($1)", &lock),
            tx.query_typed_opt(
                "SELECT tree_size, root_hash, checkpoint FROM tree_heads ORDER BY tree_size DESC LIMIT 1",
                &[],
            ),
            tx.query_typed(RIGHT_EDGE, &[]),
            tx.query_typed(
                "SELECT record_id FROM entries WHERE record_id = ANY($1)",
                &wanted_ids,
            ),
        )
        .map_err(unavailable)?;
        let head = head.map(|r| head_from_row(&r)).transpose()?;
        let existing: HashSet<String> = existing
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(unavailable)?;
        let size = head.as_ref().map_or(0, |h| h.tree_size);
        let found = nodes_from_rows(edge)?;
        let hashes = Frontier::node_ids(size)
            .iter()
            .map(|id| {
                found.get(id).copied().ok_or_else(|| {
                    StoreError::Integrity(format!(
                        "tree node (level {}, index {}) of the log's right edge is missing",
                        id.level, id.index
                    ))
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let frontier = Frontier::from_nodes(size, hashes)
            .ok_or_else(|| StoreError::Integrity("cannot rebuild the tree's right edge".into()))?;
        let plan = plan_batch(frontier, &batch, &existing);

        let head = if plan.inserts.is_empty() {
            head.ok_or_else(|| {
                StoreError::Integrity("the log has entries but no tree head".into())
            })?
        } else {
            let rows = InsertRows::of(&plan, &batch, &sign)?;
            rows.insert(&*tx).await.map_err(unavailable)?;
            let checkpoint = rows.checkpoint;
            StoredHead {
                tree_size: plan.new_size,
                root: plan.new_root,
                checkpoint,
            }
        };

        let mut existing_entries = HashMap::new();
        if plan.placement.iter().any(Result::is_err) {
            let ids: Vec<String> = plan
                .placement
                .iter()
                .filter_map(|p| p.as_ref().err().cloned())
                .collect();
            for row in tx
                .query_typed(
                    &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE record_id = ANY($1)"),
                    &[(&ids, Type::TEXT_ARRAY)],
                )
                .await
                .map_err(unavailable)?
            {
                let e = entry_from_row(&row)?;
                existing_entries.insert(e.record_id.clone(), e);
            }
        }
        // Until here a failure rolls everything back. A failed COMMIT is
        // different: the server may have committed and died (or lost the
        // connection) before answering, so say so instead of "nothing".
        tx.commit()
            .await
            .map_err(|e| StoreError::CommitUnknown(e.to_string()))?;
        let results = super::resolve(&plan.placement, &batch, |id| {
            existing_entries
                .get(id)
                .cloned()
                .ok_or_else(|| StoreError::Integrity("an existing entry vanished".into()))
        })?;
        Ok((
            BatchOutcome {
                head,
                results,
                nodes: plan.nodes,
                head_source: HeadSource::Read,
            },
            plan.frontier,
        ))
    }
}

/// A batch's rows, as the insert statements' array parameters.
struct InsertRows {
    index: Vec<i64>,
    record_id: Vec<String>,
    project_id: Vec<String>,
    kind: Vec<String>,
    logged_at: Vec<String>,
    leaf: Vec<String>,
    receipt_size: i64,
    attachment_record: Vec<String>,
    attachment_name: Vec<String>,
    attachment_type: Vec<String>,
    attachment_content: Vec<Vec<u8>>,
    node_level: Vec<i32>,
    node_index: Vec<i64>,
    node_hash: Vec<Vec<u8>>,
    root: Vec<u8>,
    checkpoint: String,
    created_at: String,
}

impl InsertRows {
    /// The rows `plan` inserts, and the new head signed.
    fn of(plan: &BatchPlan, batch: &[NewEntry], sign: &HeadSigner) -> StoreResult<Self> {
        let mut rows = Self {
            index: Vec::with_capacity(plan.inserts.len()),
            record_id: Vec::with_capacity(plan.inserts.len()),
            project_id: Vec::with_capacity(plan.inserts.len()),
            kind: Vec::with_capacity(plan.inserts.len()),
            logged_at: Vec::with_capacity(plan.inserts.len()),
            leaf: Vec::with_capacity(plan.inserts.len()),
            receipt_size: to_i64(plan.new_size),
            attachment_record: Vec::new(),
            attachment_name: Vec::new(),
            attachment_type: Vec::new(),
            attachment_content: Vec::new(),
            node_level: plan
                .new_nodes
                .iter()
                .map(|(id, _)| i32::from(id.level))
                .collect(),
            node_index: plan
                .new_nodes
                .iter()
                .map(|(id, _)| to_i64(id.index))
                .collect(),
            node_hash: plan.new_nodes.iter().map(|(_, h)| h.0.to_vec()).collect(),
            root: plan.new_root.0.to_vec(),
            checkpoint: sign(plan.new_size, plan.new_root).map_err(StoreError::Integrity)?,
            created_at: super::now_rfc3339(),
        };
        for (index, position) in &plan.inserts {
            let e = &batch[*position];
            rows.index.push(to_i64(*index));
            rows.record_id.push(e.record_id.to_hex());
            rows.project_id.push(e.project_id.clone());
            rows.kind.push(e.subject_kind.clone());
            rows.logged_at.push(e.logged_at.clone());
            rows.leaf.push(
                String::from_utf8(e.leaf.clone())
                    .map_err(|_| StoreError::Integrity("a leaf is not UTF-8".into()))?,
            );
            for a in &e.attachments {
                rows.attachment_record.push(e.record_id.to_hex());
                rows.attachment_name.push(a.name.clone());
                rows.attachment_type.push(a.media_type.clone());
                rows.attachment_content.push(a.content.clone());
            }
        }
        Ok(rows)
    }

    /// Sends the four inserts, pipelined on `on`'s connection in this
    /// order (`biased`: each is sent on its first poll, and all are polled
    /// on the first). An empty array inserts no row: one statement for
    /// every table keeps the pipeline the same shape.
    async fn insert(&self, on: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
        let (entries, attachments, nodes, head) = self.params();
        tokio::try_join!(
            biased;
            on.execute_typed(INSERT_ENTRIES, &entries),
            on.execute_typed(INSERT_ATTACHMENTS, &attachments),
            on.execute_typed(INSERT_NODES, &nodes),
            on.execute_typed(INSERT_HEAD, &head),
        )?;
        Ok(())
    }

    /// The parameters of `INSERT_ENTRIES`, `INSERT_ATTACHMENTS`,
    /// `INSERT_NODES` and `INSERT_HEAD`.
    fn params(
        &self,
    ) -> (
        [Param<'_>; 7],
        [Param<'_>; 4],
        [Param<'_>; 3],
        [Param<'_>; 4],
    ) {
        (
            [
                (&self.index, Type::INT8_ARRAY),
                (&self.record_id, Type::TEXT_ARRAY),
                (&self.project_id, Type::TEXT_ARRAY),
                (&self.kind, Type::TEXT_ARRAY),
                (&self.logged_at, Type::TEXT_ARRAY),
                (&self.leaf, Type::TEXT_ARRAY),
                (&self.receipt_size, Type::INT8),
            ],
            [
                (&self.attachment_record, Type::TEXT_ARRAY),
                (&self.attachment_name, Type::TEXT_ARRAY),
                (&self.attachment_type, Type::TEXT_ARRAY),
                (&self.attachment_content, Type::BYTEA_ARRAY),
            ],
            [
                (&self.node_level, Type::INT4_ARRAY),
                (&self.node_index, Type::INT8_ARRAY),
                (&self.node_hash, Type::BYTEA_ARRAY),
            ],
            [
                (&self.receipt_size, Type::INT8),
                (&self.root, Type::BYTEA),
                (&self.checkpoint, Type::TEXT),
                (&self.created_at, Type::TEXT),
            ],
        )
    }
}

/// Parameters: leaf indices, record ids, project ids, subject kinds,
/// logging times, leaves (arrays of one batch), the receipt's tree size.
const INSERT_ENTRIES: &str = "INSERT INTO entries \
     (leaf_index, record_id, project_id, subject_kind, logged_at, receipt_tree_size, signed_record) \
     SELECT i, r, p, k, t, $7, s \
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(i, r, p, k, t, s)";

const INSERT_ATTACHMENTS: &str = "INSERT INTO attachments (record_id, name, media_type, content) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[])";

const INSERT_NODES: &str = "INSERT INTO tree_nodes (level, idx, hash) \
     SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])";

const INSERT_HEAD: &str =
    "INSERT INTO tree_heads (tree_size, root_hash, checkpoint, created_at) VALUES ($1, $2, $3, $4)";

/// Fails, and so aborts the transaction, unless the newest tree head is
/// the one of size `$1` and root `$2`. The root matters: a head of the same
/// size but another tree (a database restored from a backup, appended to
/// since) must not be extended from a right edge it does not have. The
/// failing cast depends on the table's rows, so the planner cannot fold it
/// into an error of its own; its message says what it found, should it
/// reach the server's log.
const HEAD_IS: &str = "SELECT CASE WHEN count(*) = 1 AND bool_and(tree_size = $1 AND root_hash = $2) THEN 0 \
     ELSE ('the log head is not the one this archivist wrote last: expected size ' || $1 \
           || ', found ' || coalesce(max(tree_size), 0))::int END \
     FROM (SELECT tree_size, root_hash FROM tree_heads ORDER BY tree_size DESC LIMIT 1) h";

async fn fetch_nodes(
    client: &tokio_postgres::Client,
    ids: &[NodeId],
) -> StoreResult<HashMap<NodeId, Hash>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let levels: Vec<i32> = ids.iter().map(|id| i32::from(id.level)).collect();
    let indices: Vec<i64> = ids.iter().map(|id| to_i64(id.index)).collect();
    let ids: [Param; 2] = [(&levels, Type::INT4_ARRAY), (&indices, Type::INT8_ARRAY)];
    let rows = client
        .query_typed(NODES_BY_ID, &ids)
        .await
        .map_err(unavailable)?;
    nodes_from_rows(rows)
}

/// The nodes of the latest head's right edge ([`Frontier::node_ids`]):
/// for each bit `l` set in the tree size `n`, the perfect subtree of level
/// `l` with index `(n >> l) - 1`. Read in the same round trip as the head
/// itself; the append checks that every node the size calls for came back.
const RIGHT_EDGE: &str = "SELECT t.level, t.idx, t.hash \
     FROM (SELECT tree_size FROM tree_heads ORDER BY tree_size DESC LIMIT 1) h \
     JOIN generate_series(0, 62) AS g(l) ON ((h.tree_size >> g.l) & 1) = 1 \
     JOIN tree_nodes t ON t.level = g.l AND t.idx = (h.tree_size >> g.l) - 1";

/// Parameters: levels, indices.
const NODES_BY_ID: &str = "SELECT t.level, t.idx, t.hash FROM tree_nodes t \
     JOIN unnest($1::int[], $2::bigint[]) AS k(l, i) ON t.level = k.l AND t.idx = k.i";

fn nodes_from_rows(rows: Vec<Row>) -> StoreResult<HashMap<NodeId, Hash>> {
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let level: i32 = row.try_get(0).map_err(unavailable)?;
        let idx: i64 = row.try_get(1).map_err(unavailable)?;
        let hash: Vec<u8> = row.try_get(2).map_err(unavailable)?;
        found.insert(
            NodeId::new(u8::try_from(level).unwrap_or(u8::MAX), to_u64(idx)),
            hash_of(&hash)?,
        );
    }
    Ok(found)
}

impl LogStore for PostgresStore {
    fn init<'a>(&'a self, meta: &'a LogMeta) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(unavailable)?;
            // Replicas starting together would race on CREATE TABLE.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])
                .await
                .map_err(unavailable)?;
            tx.batch_execute(SCHEMA).await.map_err(unavailable)?;
            for (key, value) in [
                ("origin", &meta.origin),
                ("verifier_key", &meta.verifier_key),
            ] {
                tx.execute(
                    "INSERT INTO log_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                    &[&key, value],
                )
                .await
                .map_err(unavailable)?;
                let stored: String = tx
                    .query_one("SELECT value FROM log_meta WHERE key = $1", &[&key])
                    .await
                    .map_err(unavailable)?
                    .try_get(0)
                    .map_err(unavailable)?;
                super::check_meta(key, &stored, value)?;
            }
            tx.commit().await.map_err(unavailable)
        })
    }

    fn ping(&self) -> BoxFuture<'_, StoreResult<()>> {
        Box::pin(async move {
            self.client()
                .await?
                .simple_query("SELECT 1")
                .await
                .map(|_| ())
                .map_err(unavailable)
        })
    }

    fn append_batch(
        &self,
        batch: Vec<NewEntry>,
        sign: HeadSigner,
    ) -> BoxFuture<'_, StoreResult<BatchOutcome>> {
        Box::pin(self.append(batch, sign))
    }

    fn latest_head(&self) -> BoxFuture<'_, StoreResult<Option<StoredHead>>> {
        Box::pin(async move {
            self.client()
                .await?
                .query_typed_opt(
                    "SELECT tree_size, root_hash, checkpoint FROM tree_heads ORDER BY tree_size DESC LIMIT 1",
                    &[],
                )
                .await
                .map_err(unavailable)?
                .map(|r| head_from_row(&r))
                .transpose()
        })
    }

    fn head_at(&self, tree_size: u64) -> BoxFuture<'_, StoreResult<Option<StoredHead>>> {
        Box::pin(async move {
            self.client()
                .await?
                .query_typed_opt(
                    "SELECT tree_size, root_hash, checkpoint FROM tree_heads WHERE tree_size = $1",
                    &[(&to_i64(tree_size), Type::INT8)],
                )
                .await
                .map_err(unavailable)?
                .map(|r| head_from_row(&r))
                .transpose()
        })
    }

    fn nodes(&self, ids: Vec<NodeId>) -> BoxFuture<'_, StoreResult<HashMap<NodeId, Hash>>> {
        Box::pin(async move {
            let client = self.client().await?;
            fetch_nodes(&client, &ids).await
        })
    }

    fn entry_by_id(&self, record_id: String) -> BoxFuture<'_, StoreResult<Option<StoredEntry>>> {
        Box::pin(async move {
            self.client()
                .await?
                .query_typed_opt(
                    &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE record_id = $1"),
                    &[(&record_id, Type::TEXT)],
                )
                .await
                .map_err(unavailable)?
                .map(|r| entry_from_row(&r))
                .transpose()
        })
    }

    fn entry_by_index(&self, leaf_index: u64) -> BoxFuture<'_, StoreResult<Option<StoredEntry>>> {
        Box::pin(async move {
            self.client()
                .await?
                .query_typed_opt(
                    &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE leaf_index = $1"),
                    &[(&to_i64(leaf_index), Type::INT8)],
                )
                .await
                .map_err(unavailable)?
                .map(|r| entry_from_row(&r))
                .transpose()
        })
    }

    fn list(&self, query: ListQuery) -> BoxFuture<'_, StoreResult<Vec<StoredEntry>>> {
        Box::pin(async move {
            let mut clauses = Vec::new();
            let mut texts: Vec<String> = Vec::new();
            let mut push_text =
                |clause: &str, value: &Option<String>, clauses: &mut Vec<String>| {
                    if let Some(v) = value {
                        texts.push(v.clone());
                        clauses.push(format!("{clause} ${}", texts.len()));
                    }
                };
            push_text("project_id =", &query.project_id, &mut clauses);
            push_text("subject_kind =", &query.subject_kind, &mut clauses);
            push_text("logged_at >=", &query.since, &mut clauses);
            push_text("logged_at <", &query.until, &mut clauses);
            let before = query.before.map(to_i64);
            let mut params: Vec<Param> = texts.iter().map(|t| (t as _, Type::TEXT)).collect();
            if let Some(b) = &before {
                params.push((b, Type::INT8));
                clauses.push(format!("leaf_index < ${}", params.len()));
            }
            let limit = i64::from(query.limit);
            params.push((&limit, Type::INT8));
            let filter = if clauses.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", clauses.join(" AND "))
            };
            let sql = format!(
                "SELECT {ENTRY_COLUMNS} FROM entries {filter} ORDER BY leaf_index DESC LIMIT ${}",
                params.len()
            );
            self.client()
                .await?
                .query_typed(&sql, &params)
                .await
                .map_err(unavailable)?
                .iter()
                .map(entry_from_row)
                .collect()
        })
    }

    fn entries_with_nodes(
        &self,
        start: u64,
        end: u64,
    ) -> BoxFuture<'_, StoreResult<Vec<EntryWithNodes>>> {
        Box::pin(async move {
            let client = self.client().await?;
            let (start_i, end_i) = (to_i64(start), to_i64(end));
            let ranges = completed_node_ranges(start, end);
            let levels: Vec<i32> = ranges.iter().map(|r| i32::from(r.0)).collect();
            let los: Vec<i64> = ranges.iter().map(|r| to_i64(r.1)).collect();
            let his: Vec<i64> = ranges.iter().map(|r| to_i64(r.2)).collect();
            let span: [Param; 2] = [(&start_i, Type::INT8), (&end_i, Type::INT8)];
            let runs: [Param; 3] = [
                (&levels, Type::INT4_ARRAY),
                (&los, Type::INT8_ARRAY),
                (&his, Type::INT8_ARRAY),
            ];
            let in_span = format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index"
            );
            // Both in one round trip: pipelined on the one connection.
            let (entries, node_rows) = tokio::try_join!(
                client.query_typed(&in_span, &span),
                client.query_typed(
                    "SELECT t.level, t.idx, t.hash FROM tree_nodes t \
                     JOIN unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(l, lo, hi) \
                     ON t.level = r.l AND t.idx >= r.lo AND t.idx < r.hi",
                    &runs,
                ),
            )
            .map_err(unavailable)?;
            let entries = entries
                .iter()
                .map(entry_from_row)
                .collect::<StoreResult<Vec<_>>>()?;
            let nodes: Vec<(NodeId, Hash)> = nodes_from_rows(node_rows)?.into_iter().collect();
            let by_leaf = nodes_by_leaf(start, end, nodes);
            Ok(entries
                .into_iter()
                .map(|e| {
                    let n = by_leaf
                        .get((e.leaf_index - start) as usize)
                        .cloned()
                        .unwrap_or_default();
                    (e, n)
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
        Box::pin(async move {
            let client = self.client().await?;
            client
                .query_typed(
                    "SELECT idx, hash FROM tree_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                    &[
                        (&i32::from(level), Type::INT4),
                        (&to_i64(lo), Type::INT8),
                        (&to_i64(hi), Type::INT8),
                    ],
                )
                .await
                .map_err(unavailable)?
                .iter()
                .map(|row| {
                    let idx: i64 = row.try_get(0).map_err(unavailable)?;
                    let hash: Vec<u8> = row.try_get(1).map_err(unavailable)?;
                    Ok((to_u64(idx), hash_of(&hash)?))
                })
                .collect()
        })
    }

    fn leaves(&self, start: u64, end: u64) -> BoxFuture<'_, StoreResult<Vec<(u64, String)>>> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .query_typed(
                    "SELECT leaf_index, signed_record FROM entries WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index",
                    &[(&to_i64(start), Type::INT8), (&to_i64(end), Type::INT8)],
                )
                .await
                .map_err(unavailable)?
                .iter()
                .map(|row| {
                    let idx: i64 = row.try_get(0).map_err(unavailable)?;
                    Ok((to_u64(idx), row.try_get(1).map_err(unavailable)?))
                })
                .collect()
        })
    }

    fn attachment(
        &self,
        record_id: String,
        name: String,
    ) -> BoxFuture<'_, StoreResult<Option<StoredAttachment>>> {
        Box::pin(async move {
            let row = self
                .client()
                .await?
                .query_typed_opt(
                    "SELECT name, media_type, content FROM attachments WHERE record_id = $1 AND name = $2",
                    &[(&record_id, Type::TEXT), (&name, Type::TEXT)],
                )
                .await
                .map_err(unavailable)?;
            row.map(|r| {
                Ok(StoredAttachment {
                    name: r.try_get(0).map_err(unavailable)?,
                    media_type: r.try_get(1).map_err(unavailable)?,
                    content: r.try_get(2).map_err(unavailable)?,
                })
            })
            .transpose()
        })
    }

    fn attachment_names(
        &self,
        record_id: String,
    ) -> BoxFuture<'_, StoreResult<Vec<(String, String)>>> {
        Box::pin(async move {
            self.client()
                .await?
                .query_typed(
                    "SELECT name, media_type FROM attachments WHERE record_id = $1 ORDER BY name",
                    &[(&record_id, Type::TEXT)],
                )
                .await
                .map_err(unavailable)?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get(0).map_err(unavailable)?,
                        r.try_get(1).map_err(unavailable)?,
                    ))
                })
                .collect()
        })
    }

    fn attachments_named(
        &self,
        name: String,
        record_ids: Vec<String>,
    ) -> BoxFuture<'_, StoreResult<HashMap<String, Vec<u8>>>> {
        Box::pin(async move {
            self.client()
                .await?
                .query_typed(
                    "SELECT record_id, content FROM attachments WHERE name = $1 AND record_id = ANY($2)",
                    &[(&name, Type::TEXT), (&record_ids, Type::TEXT_ARRAY)],
                )
                .await
                .map_err(unavailable)?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get(0).map_err(unavailable)?,
                        r.try_get(1).map_err(unavailable)?,
                    ))
                })
                .collect()
        })
    }
}
