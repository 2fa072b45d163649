//! The runtime every vpm cell shares: configuration, the HTTP server and its
//! middleware, health, metrics, tracing, errors and graceful shutdown.
//!
//! A cell (curator, planner, synthesizer, archivist) is a [`Cell`]: a name, a
//! default port, and a `build` step that returns its own routes. Everything
//! else is done here, once, the same way for all four:
//!
//! * `GET /healthz`, `GET /readyz`, `GET /metrics`, `GET /openapi.json`, `GET /`;
//! * one layer that counts and times every request ([`request_metrics`]);
//! * W3C `traceparent` accepted and answered ([`trace_context`]), logs (JSON, or
//!   text on a terminal) carrying the trace id ([`telemetry`]);
//! * a body limit (413), a request timeout and a concurrency limit that sheds
//!   with 503 + `Retry-After` ([`admission`]); JSON errors ([`error`]);
//! * bounded connections: a cap on open connections, header-read, idle and
//!   body timeouts, oversized heads refused in JSON ([`body_deadline`],
//!   [`header_limits`]), and an optional port serving `/metrics` alone;
//! * on SIGTERM: readiness 503 and `hello_ai_up` 0 at once, keep accepting
//!   for `VPM_DRAIN_DELAY`, close the listener, let in-flight requests finish
//!   within `VPM_SHUTDOWN_GRACE`, exit 0 ([`lifecycle`], [`server`]).

pub mod admission;
pub mod auth;
pub mod body_deadline;
pub mod cloudevent;
pub mod config;
mod connections;
pub mod error;
pub mod events;
pub mod files;
pub mod header_limits;
pub mod html;
pub mod json;
pub mod lifecycle;
pub mod metrics;
pub mod negotiate;
mod openapi;
pub mod request_metrics;
pub mod route_template;
mod routes;
pub mod server;
pub mod telemetry;
pub mod terminal;
pub mod trace_context;

use std::future::Future;
use std::process::ExitCode;

pub use config::RuntimeConfig;
pub use error::{ApiError, ErrorBody};
pub use lifecycle::{ReadinessCheck, Shutdown, ShutdownTrigger};
pub use prometheus_client;
pub use routes::{CellDescription, Endpoint, HealthStatus};
pub use server::{BoundCell, bind};
pub use trace_context::TraceContext;
pub use utoipa;
pub use utoipa_axum;

/// The version every cell reports (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit the binary was built from (see `build.rs`).
pub const BUILD_COMMIT: &str = env!("VPM_BUILD_COMMIT");

/// One of the four services. Implementations hold only their domain.
pub trait Cell: Send + Sized + 'static {
    /// The service name, as in `hello_ai_build_info{service=...}`.
    const NAME: &'static str;
    /// The port used when `PORT` is not set.
    const DEFAULT_PORT: u16;
    /// One sentence on what the cell does, shown by `GET /` and in OpenAPI.
    const SUMMARY: &'static str;

    /// Registers the cell's own metrics and returns its routes.
    fn build(
        self,
        ctx: &mut CellContext<'_>,
    ) -> impl Future<Output = anyhow::Result<CellApp>> + Send;
}

/// What a cell may use while it builds.
#[derive(Debug)]
pub struct CellContext<'a> {
    /// The cell's metrics registry, for metrics of its own domain.
    pub registry: &'a mut prometheus_client::registry::Registry,
    pub config: &'a RuntimeConfig,
}

/// What a cell contributes to the server.
pub struct CellApp {
    /// The cell's own routes, annotated for OpenAPI.
    pub routes: utoipa_axum::router::OpenApiRouter,
    /// An extra readiness condition, such as "the database answers".
    pub readiness: Option<ReadinessCheck>,
    /// The cell's step of the pipeline, served on `POST /` as CloudEvents.
    pub events: Option<events::EventStep>,
}

impl std::fmt::Debug for CellApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CellApp")
            .field("readiness", &self.readiness.is_some())
            .finish_non_exhaustive()
    }
}

impl CellApp {
    pub fn new(routes: utoipa_axum::router::OpenApiRouter) -> Self {
        Self {
            routes,
            readiness: None,
            events: None,
        }
    }

    /// Serves `step` on `POST /` (CloudEvents, binary or structured mode).
    pub fn with_events(mut self, step: events::EventStep) -> Self {
        self.events = Some(step);
        self
    }

    pub fn with_readiness(mut self, check: ReadinessCheck) -> Self {
        self.readiness = Some(check);
        self
    }
}

/// The allocator of static musl builds (the images): with musl's own
/// malloc a cell answered `/healthz` at a fifth of the glibc build's rate
/// and the archivist spent a fifth more CPU per append (docs/images.md,
/// "The allocator"). `.cargo/config.toml` builds it with transparent huge
/// pages disabled for the process, which otherwise made an idle
/// archivist's heap 2 MiB pages and its resident memory twice as large.
/// glibc builds keep glibc's allocator.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Hands back to the kernel the heap pages that starting up used and freed.
/// glibc keeps freed memory in its arenas, and for the archivist that was
/// 1.5 MiB of its idle resident memory (docs/benchmarks.md); mimalloc (the
/// allocator of the static musl builds the images ship, see `ALLOCATOR`)
/// returns freed pages a second after they are freed, but only when it
/// next runs, which an idle cell never does.
fn release_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim takes no pointers; it only walks glibc's own free
    // lists under their locks, and is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
    #[cfg(target_env = "musl")]
    #[allow(unsafe_code)]
    // SAFETY: mi_collect takes no pointers; it frees what mimalloc itself
    // holds, and is safe to call from any thread.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// The whole `main` of a cell binary: logging, configuration from the
/// environment, bind, serve until SIGTERM, drain, exit.
///
/// Exit codes: 0 after a clean or grace-bounded drain, 2 for configuration
/// errors (the runtime's, or a [`config::ConfigError`] from the cell's own
/// `build`), 1 for any other failure to start.
pub fn run_main<C: Cell>(make: impl FnOnce() -> anyhow::Result<C>) -> ExitCode {
    if let Err(e) = telemetry::init_logging(telemetry::LogStream::Stdout, "info") {
        tracing::error!(error = %e, "invalid configuration");
        return ExitCode::from(2);
    }
    let config = match RuntimeConfig::from_env(C::DEFAULT_PORT) {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(error = %e, "invalid configuration");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let cell = make()?;
        let shutdown = Shutdown::on_signals()?;
        let bound = bind(cell, config).await?;
        release_freed_heap();
        bound.serve(shutdown).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A cell's own settings (read in `build`) are configuration too.
        Err(e) if e.downcast_ref::<config::ConfigError>().is_some() => {
            tracing::error!(error = format!("{e:#}"), "invalid configuration");
            ExitCode::from(2)
        }
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "{} stopped with an error",
                C::NAME
            );
            ExitCode::FAILURE
        }
    }
}
