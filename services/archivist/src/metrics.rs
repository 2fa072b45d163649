//! The archive's own metrics, beside the runtime's request metrics:
//!
//! * `vpm_archive_appends_total{result}` — submissions by outcome: `new`
//!   (a leaf was added), `existing` (a retry; nothing added), `invalid`,
//!   `failed` (the database failed; nothing was committed);
//! * `vpm_archive_commit_batch_size` — records per group commit, which shows
//!   whether concurrent appends are sharing their fsyncs;
//! * `vpm_archive_tree_size` — leaves in the log after this process's last
//!   commit;
//! * `vpm_archive_commits_total{head}` — group commits by how the writer
//!   knew the head it appended to: `known` (the head this process committed
//!   last, checked in the same round trip as the inserts: PostgreSQL) or
//!   `read` (read under the lock first: every SQLite commit; on PostgreSQL
//!   a process's first commit, and any after another replica moved the head
//!   or with a record already logged, each one round trip more). With
//!   replicas on one PostgreSQL, a high `read` share means they take turns
//!   on the head.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HeadLabel {
    pub head: &'static str,
}

#[derive(Debug, Clone)]
pub struct ArchiveMetrics {
    pub appends: Family<ResultLabel, Counter>,
    pub commits: Family<HeadLabel, Counter>,
    pub batch_size: Histogram,
    pub tree_size: Gauge,
}

impl Default for ArchiveMetrics {
    fn default() -> Self {
        Self {
            appends: Family::default(),
            commits: Family::default(),
            batch_size: Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0]),
            tree_size: Gauge::default(),
        }
    }
}

impl ArchiveMetrics {
    /// New metrics, registered in `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let m = Self::default();
        registry.register(
            "vpm_archive_appends",
            "Record submissions by outcome (new, existing, invalid, failed)",
            m.appends.clone(),
        );
        registry.register(
            "vpm_archive_commit_batch_size",
            "Records committed per group-commit transaction",
            m.batch_size.clone(),
        );
        registry.register(
            "vpm_archive_tree_size",
            "Leaves in the log after this process's last commit",
            m.tree_size.clone(),
        );
        registry.register(
            "vpm_archive_commits",
            "Group commits by how the writer knew the head it appended to (known, read)",
            m.commits.clone(),
        );
        m
    }

    pub fn count(&self, result: &'static str) {
        self.appends.get_or_create(&ResultLabel { result }).inc();
    }
}
