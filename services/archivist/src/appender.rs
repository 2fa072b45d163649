//! Group commit: one writer task turns many concurrent appends into one
//! transaction.
//!
//! Each request hands its sealed record to the writer and waits. The writer
//! takes whatever has queued up (at most `max_batch`), commits it in one
//! transaction — one fsync for the lot — and answers every request with its
//! place in the tree. A request is answered only after the commit returned,
//! so a receipt always describes a durable record. Under light load a
//! batch is a single record and nothing waits for company.
//!
//! A request may hand over several records that belong together (a
//! snapshot's decisions, then the snapshot): they go into the same batch,
//! in order, so they are committed together or not at all.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use vpm_tlog::merkle::NodeMap;

use crate::metrics::{ArchiveMetrics, HeadLabel};
use crate::store::{Appended, HeadSigner, LogStore, NewEntry, StoreError, StoredHead};

/// Where an append landed.
#[derive(Debug, Clone)]
pub struct Placed {
    pub appended: Appended,
    /// The head committed with it.
    pub head: StoredHead,
    /// Nodes for the new leaves' proofs to `head`, shared by the batch.
    pub nodes: Arc<NodeMap>,
}

struct Job {
    entries: Vec<NewEntry>,
    reply: oneshot::Sender<Result<Vec<Placed>, StoreError>>,
}

/// The handle requests append through.
#[derive(Debug, Clone)]
pub struct Appender {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

impl Appender {
    /// Starts the writer task on the current runtime.
    pub fn start(
        store: Arc<dyn LogStore>,
        sign: HeadSigner,
        max_batch: usize,
        metrics: ArchiveMetrics,
    ) -> Self {
        let (jobs, rx) = mpsc::channel(max_batch.saturating_mul(4).max(16));
        tokio::spawn(write_loop(store, sign, max_batch.max(1), rx, metrics));
        Self { jobs }
    }

    /// Appends `entry`, returning once it is durably committed.
    /// A [`StoreError::CommitUnknown`] means the batch may be in the log.
    pub async fn append(&self, entry: NewEntry) -> Result<Placed, StoreError> {
        self.append_together(vec![entry])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Integrity("the writer placed no entry".to_owned()))
    }

    /// Appends `entries` in this order in one commit; returns where each
    /// landed once they are durable.
    pub async fn append_together(&self, entries: Vec<NewEntry>) -> Result<Vec<Placed>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { entries, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the archive writer has stopped".to_owned()))?;
        answer.await.map_err(|_| {
            StoreError::Unavailable("the archive writer dropped the request".to_owned())
        })?
    }
}

async fn write_loop(
    store: Arc<dyn LogStore>,
    sign: HeadSigner,
    max_batch: usize,
    mut rx: mpsc::Receiver<Job>,
    metrics: ArchiveMetrics,
) {
    let mut jobs = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut jobs, max_batch).await > 0 {
        let mut entries = Vec::with_capacity(jobs.len());
        let mut replies = Vec::with_capacity(jobs.len());
        for job in jobs.drain(..) {
            replies.push((job.reply, job.entries.len()));
            entries.extend(job.entries);
        }
        let size = entries.len();
        match store.append_batch(entries, sign.clone()).await {
            Ok(outcome) => {
                tracing::debug!(
                    batch = size,
                    tree_size = outcome.head.tree_size,
                    "committed"
                );
                metrics.batch_size.observe(size as f64);
                metrics
                    .commits
                    .get_or_create(&HeadLabel {
                        head: outcome.head_source.as_str(),
                    })
                    .inc();
                metrics
                    .tree_size
                    .set(i64::try_from(outcome.head.tree_size).unwrap_or(i64::MAX));
                let nodes = Arc::new(outcome.nodes);
                let mut results = outcome.results.into_iter();
                for (reply, count) in replies {
                    let placed = results
                        .by_ref()
                        .take(count)
                        .map(|appended| Placed {
                            appended,
                            head: outcome.head.clone(),
                            nodes: nodes.clone(),
                        })
                        .collect();
                    // A requester that gave up (timeout, disconnect) still
                    // has its record logged; a retry gets the same receipt.
                    let _ = reply.send(Ok(placed));
                }
            }
            Err(e) => {
                match &e {
                    StoreError::CommitUnknown(_) => tracing::error!(
                        error = %e,
                        batch = size,
                        "an append batch may have been committed: the database did not confirm \
                         the commit; its clients were told to retry, which is idempotent"
                    ),
                    _ => tracing::error!(
                        error = %e,
                        batch = size,
                        "an append batch failed before its commit; nothing of it was committed"
                    ),
                }
                for (reply, _) in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
