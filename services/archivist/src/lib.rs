//! The archivist cell: records each snapshot and decision as a signed W3C
//! PROV record in an append-only, verifiable log — an RFC 6962 Merkle tree
//! with C2SP signed checkpoints, stored in SQLite or PostgreSQL.
//!
//! * [`config`]: the `VPM_*` settings; [`signing_key`]: the log key;
//! * [`provenance`]: submission → PROV record (pure);
//! * [`store`]: the storage interface and its two backends;
//! * [`appender`]: group commit; [`archive`]: the archive's operations;
//! * [`routes`], [`pages`], [`views`]: the HTTP API, HTML pages and JSON answers.
//!
//! The verification logic itself is in the `vpm-tlog` crate, shared with
//! `vpm verify`.

pub mod appender;
pub mod archive;
pub mod config;
pub mod metrics;
pub mod pages;
pub mod provenance;
pub mod routes;
pub mod signing_key;
mod step;
pub mod store;
pub mod views;

use std::sync::Arc;

use vpm_cell::{Cell, CellApp, CellContext};

pub use archive::Archive;
pub use config::ArchiveConfig;

/// The archivist cell, ready to be served by the shared runtime. Its
/// settings are read from the environment when it is built.
#[derive(Debug, Default)]
pub struct Archivist;

impl Cell for Archivist {
    const NAME: &'static str = "archivist";
    const DEFAULT_PORT: u16 = 8005;
    const SUMMARY: &'static str = "Records each snapshot and decision as a signed provenance record in an append-only, verifiable log.";

    async fn build(self, ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        let config = ArchiveConfig::from_env()?;
        let key = signing_key::load(&config.key, &config.origin)?;
        let store = archive::open_store(&config)?;
        let metrics = metrics::ArchiveMetrics::register(ctx.registry);
        let archive = Arc::new(Archive::start(store, key, config.max_batch, metrics).await?);
        tracing::info!(
            archive = %config.url.redacted(),
            origin = %config.origin,
            verifier_key = %archive.verifier().verifier_key(),
            writes = if config.write_token.is_some() { "need a bearer token" } else { "open" },
            "archive open"
        );
        let ready = archive.clone();
        let readiness: vpm_cell::ReadinessCheck = Arc::new(move || {
            let archive = ready.clone();
            Box::pin(async move {
                archive
                    .ping()
                    .await
                    .map_err(|e| format!("the archive database does not answer: {e}"))
            })
        });
        let step = step::step(
            archive.clone(),
            config
                .events_need_token
                .then(|| config.write_token.clone())
                .flatten(),
        );
        let routes = routes::router(routes::AppState {
            archive,
            write_token: config.write_token.clone(),
        });
        Ok(CellApp::new(routes)
            .with_readiness(readiness)
            .with_events(step))
    }
}

/// The archive opened in this process, from the same `VPM_*` settings the
/// archivist cell reads: what `vpm snapshot --embedded` appends to.
pub async fn open_embedded() -> anyhow::Result<Arc<Archive>> {
    let config = ArchiveConfig::from_env()?;
    let key = signing_key::load(&config.key, &config.origin)?;
    let store = archive::open_store(&config)?;
    // Nobody scrapes an embedded run; the registry only satisfies the writer.
    let mut registry = vpm_cell::prometheus_client::registry::Registry::default();
    let metrics = metrics::ArchiveMetrics::register(&mut registry);
    Ok(Arc::new(
        Archive::start(store, key, config.max_batch, metrics).await?,
    ))
}
