//! The archive as the rest of the system sees it: submit a record, get a
//! receipt; read records, proofs, checkpoints and tiles; export and audit
//! the log. No HTTP here: the routes are thin adapters over these methods.
//!
//! The operations are grouped by what they do, each an `impl Archive`
//! block of its own:
//!
//! * [`write`]: submitting a record (sealing it, group commit, the receipt);
//! * [`read`]: records, attachments, the listing, receipts rebuilt from storage;
//! * [`proofs`]: inclusion and consistency proofs from the stored nodes;
//! * [`tiles`]: the log as C2SP tlog-tiles, for clients that are not ours;
//! * [`audit`]: checking a record or the whole log, and the export.

use std::sync::Arc;

use tokio::sync::Semaphore;
use vpm_model::Problem;
use vpm_tlog::checkpoint::TreeHead;
use vpm_tlog::{Hash, LogKey, LogVerifier};

use crate::appender::Appender;
use crate::config::{ArchiveConfig, ArchiveUrl};
use crate::metrics::ArchiveMetrics;
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{HeadSigner, LogMeta, LogStore, StoreError, StoredEntry, StoredHead};
use crate::views::PublicKeyView;

mod audit;
pub mod history;
mod proofs;
mod read;
mod tiles;
mod write;

pub use read::summary;

/// The largest page of the listing.
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the submission is invalid")]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unavailable(String),
    /// The batch holding this append may have been committed: retry.
    #[error("{0}")]
    CommitUnknown(String),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for ArchiveError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => Self::Unavailable(m),
            e @ StoreError::CommitUnknown(_) => Self::CommitUnknown(e.to_string()),
            StoreError::Integrity(m) | StoreError::Config(m) => Self::Internal(m),
        }
    }
}

pub type ArchiveResult<T> = Result<T, ArchiveError>;

/// Whether an append added a leaf or found the record already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    New,
    Existing,
}

/// The archive: a store, the log key and the writer.
pub struct Archive {
    store: Arc<dyn LogStore>,
    key: LogKey,
    verifier: LogVerifier,
    appender: Appender,
    metrics: ArchiveMetrics,
    /// One audit at a time: an audit reads the whole log.
    audits: Semaphore,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

/// Opens the store `VPM_ARCHIVE_URL` names.
pub fn open_store(config: &ArchiveConfig) -> Result<Arc<dyn LogStore>, StoreError> {
    Ok(match &config.url {
        ArchiveUrl::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
        ArchiveUrl::Postgres(url) => Arc::new(PostgresStore::connect(url, config.pool_size)?),
    })
}

impl Archive {
    /// Checks the store's identity against `key` and starts the writer.
    pub async fn start(
        store: Arc<dyn LogStore>,
        key: LogKey,
        max_batch: usize,
        metrics: ArchiveMetrics,
    ) -> Result<Self, StoreError> {
        let verifier = key.verifier();
        store
            .init(&LogMeta {
                origin: key.name().to_owned(),
                verifier_key: verifier.verifier_key(),
            })
            .await?;
        let signer = key.clone();
        let sign: HeadSigner = Arc::new(move |size, root| {
            TreeHead {
                origin: signer.name(),
                size,
                root,
            }
            .sign(&signer)
            .map_err(|e| e.to_string())
        });
        let appender = Appender::start(store.clone(), sign, max_batch, metrics.clone());
        Ok(Self {
            store,
            key,
            verifier,
            appender,
            metrics,
            audits: Semaphore::new(1),
        })
    }

    pub fn verifier(&self) -> &LogVerifier {
        &self.verifier
    }

    pub fn store(&self) -> &Arc<dyn LogStore> {
        &self.store
    }

    /// The database answers.
    pub async fn ping(&self) -> ArchiveResult<()> {
        Ok(self.store.ping().await?)
    }

    /// The newest signed tree head; for an empty log, a freshly signed
    /// head of size 0.
    pub async fn checkpoint(&self) -> ArchiveResult<StoredHead> {
        match self.store.latest_head().await? {
            Some(head) => Ok(head),
            None => {
                let root = Hash::empty_tree();
                let checkpoint = TreeHead {
                    origin: self.key.name(),
                    size: 0,
                    root,
                }
                .sign(&self.key)
                .map_err(|e| ArchiveError::Internal(e.to_string()))?;
                Ok(StoredHead {
                    tree_size: 0,
                    root,
                    checkpoint,
                })
            }
        }
    }

    pub fn public_key(&self) -> PublicKeyView {
        PublicKeyView {
            origin: self.verifier.name().to_owned(),
            algorithm: "Ed25519".into(),
            key_id: self.verifier.key_id_hex(),
            verifier_key: self.verifier.verifier_key(),
            public_key_pem: self.verifier.public_pem(),
            public_key_base64: self.verifier.public_base64(),
        }
    }

    pub async fn entry(&self, record_id: &str) -> ArchiveResult<StoredEntry> {
        let id = record_id.to_ascii_lowercase();
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ArchiveError::BadRequest(format!(
                "{:?} is not a record id (64 hex digits)",
                record_id.chars().take(80).collect::<String>()
            )));
        }
        self.store
            .entry_by_id(id)
            .await?
            .ok_or_else(|| ArchiveError::NotFound(format!("no record {record_id} in this log")))
    }
}
