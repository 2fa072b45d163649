//! The folder's changes, as debounced batches.
//!
//! `notify` watches the folder recursively (inotify on Linux, FSEvents on
//! macOS), adding new subdirectories as they appear. Its callback runs on
//! the watcher's own thread and only records what happened in a small
//! shared [`Pending`] (bounded: a flood of events costs a counter, not
//! memory) and wakes the async side; [`Changes::next`] then waits until
//! the folder has been quiet for the debounce interval, so an editor's
//! save (a temporary file written and renamed over the original, or the
//! original deleted and written anew) and a burst of saves each end in one
//! run, started once the last write is done.
//!
//! Which events count: anything that creates, writes, renames, removes or
//! changes the metadata of a [relevant](super::relevance) path. Opening
//! and reading do not, which matters: every run reads the folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::Notify;

use super::relevance::Relevance;

/// How many changed paths a batch names; the rest are counted.
const NAMED: usize = 8;

/// The longest a steady stream of changes can put a run off: a file
/// written continuously still gets snapshots.
const MAX_DELAY_FACTOR: u32 = 20;

/// What changed since the last batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Changed paths relative to the folder, at most [`NAMED`] of them.
    pub paths: BTreeSet<PathBuf>,
    /// Further changed paths, not named.
    pub more: usize,
    /// Errors the file system watcher reported (such as its event queue
    /// overflowing): something may have changed unseen.
    pub errors: Vec<String>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.more == 0 && self.errors.is_empty()
    }
}

#[derive(Debug, Default)]
struct Pending {
    batch: Batch,
    first: Option<Instant>,
    last: Option<Instant>,
}

#[derive(Debug, Default)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Notify,
}

impl Shared {
    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        // The lock guards plain data that every holder leaves consistent,
        // so a panic elsewhere while holding it does not spoil it.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, relevance: &Relevance, result: notify::Result<Event>) {
        let mut pending = self.pending();
        match result {
            Ok(event) => {
                if !counts(&event.kind) {
                    return;
                }
                let relevant: Vec<PathBuf> = event
                    .paths
                    .iter()
                    .filter_map(|p| relevance.relevant(p))
                    .map(Path::to_path_buf)
                    .collect();
                // A rescan request names no path but means "look again".
                if relevant.is_empty() && !(event.paths.is_empty() && event.need_rescan()) {
                    return;
                }
                for path in relevant {
                    if pending.batch.paths.len() < NAMED || pending.batch.paths.contains(&path) {
                        pending.batch.paths.insert(path);
                    } else {
                        pending.batch.more = pending.batch.more.saturating_add(1);
                    }
                }
                if event.need_rescan() && pending.batch.errors.len() < NAMED {
                    pending
                        .batch
                        .errors
                        .push("the watcher lost events; rescanning".to_owned());
                }
            }
            Err(e) => {
                if pending.batch.errors.len() < NAMED {
                    pending.batch.errors.push(e.to_string());
                }
            }
        }
        let now = Instant::now();
        pending.first.get_or_insert(now);
        pending.last = Some(now);
        drop(pending);
        self.wake.notify_one();
    }
}

/// Whether an event of this kind can mean new content.
fn counts(kind: &EventKind) -> bool {
    match kind {
        // inotify's IN_CLOSE_WRITE: a writer finished.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        // Opening and reading, ours included.
        EventKind::Access(_) => false,
        EventKind::Any
        | EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Other => true,
    }
}

/// The folder under watch. Dropping it stops the watch.
#[derive(Debug)]
pub struct Changes {
    shared: Arc<Shared>,
    _watcher: RecommendedWatcher,
}

impl Changes {
    /// Starts watching `root` (canonical) and everything below it.
    pub fn watch(root: &Path, relevance: Relevance) -> notify::Result<Self> {
        let shared = Arc::new(Shared::default());
        let sink = shared.clone();
        let mut watcher = notify::recommended_watcher(move |result| {
            sink.record(&relevance, result);
        })?;
        watcher.watch(root, RecursiveMode::Recursive)?;
        Ok(Self {
            shared,
            _watcher: watcher,
        })
    }

    /// Waits for a change, then until nothing has changed for `quiet`
    /// (or for twenty times that since the first change, whichever comes
    /// first), and returns everything that changed meanwhile.
    pub async fn next(&self, quiet: Duration) -> Batch {
        loop {
            let notified = self.shared.wake.notified();
            let due = {
                let pending = self.shared.pending();
                match (pending.first, pending.last) {
                    (Some(first), Some(last)) => {
                        Some((last + quiet).min(first + quiet * MAX_DELAY_FACTOR))
                    }
                    _ => None,
                }
            };
            match due {
                None => notified.await,
                Some(due) if Instant::now() >= due => {
                    let mut pending = self.shared.pending();
                    let taken = std::mem::take(&mut *pending);
                    if !taken.batch.is_empty() {
                        return taken.batch;
                    }
                }
                Some(due) => {
                    // Woken early by a new change: the deadline moves.
                    tokio::select! {
                        () = tokio::time::sleep_until(due.into()) => {}
                        () = notified => {}
                    }
                }
            }
        }
    }
}
