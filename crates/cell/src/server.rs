//! Assembling a cell's router and serving it until shutdown.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::admission::AdmissionLayer;
use crate::body_deadline::BodyDeadlineLayer;
use crate::config::RuntimeConfig;
use crate::connections::{self, ConnectionPolicy, Connections};
use crate::error::{ApiError, JsonErrorLayer};
use crate::header_limits::HeaderLimitsLayer;
use crate::lifecycle::{Lifecycle, Shutdown};
use crate::metrics::CellMetrics;
use crate::request_metrics::{RequestMetricsLayer, RouteTemplateLayer};
use crate::routes::{self, CellDescription, Endpoint, RuntimeState};
use crate::trace_context::TraceContextLayer;
use crate::{BUILD_COMMIT, Cell, CellApp, CellContext, VERSION};

/// A cell whose routes are built and whose port is bound, ready to serve.
#[derive(Debug)]
pub struct BoundCell {
    name: &'static str,
    listener: TcpListener,
    router: Router,
    lifecycle: Arc<Lifecycle>,
    config: RuntimeConfig,
    local_addr: SocketAddr,
    /// The `VPM_METRICS_PORT` listener and what it serves, when configured.
    metrics_port: Option<(TcpListener, Router)>,
}

/// Builds `cell` and binds its port.
pub async fn bind<C: Cell>(cell: C, config: RuntimeConfig) -> anyhow::Result<BoundCell> {
    let mut metrics = CellMetrics::new(C::NAME, VERSION, BUILD_COMMIT);
    let app = {
        let mut ctx = CellContext {
            registry: metrics.registry_mut(),
            config: &config,
        };
        cell.build(&mut ctx)
            .await
            .with_context(|| format!("{} failed to start", C::NAME))?
    };
    let metrics = Arc::new(metrics);
    let lifecycle = Arc::new(Lifecycle::new(metrics.clone()));
    let router = assemble::<C>(app, &config, lifecycle.clone(), metrics.clone());
    let listener = listen(C::NAME, &config, config.port).await?;
    let local_addr = listener.local_addr()?;
    let metrics_port = match config.metrics_port {
        Some(port) => Some((
            listen(C::NAME, &config, port).await?,
            metrics_only(metrics, &config),
        )),
        None => None,
    };
    Ok(BoundCell {
        name: C::NAME,
        listener,
        router,
        lifecycle,
        config,
        local_addr,
        metrics_port,
    })
}

async fn listen(name: &str, config: &RuntimeConfig, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((config.host, port))
        .await
        .with_context(|| format!("{name}: cannot listen on {}:{port}", config.host))
}

/// What the `VPM_METRICS_PORT` listener serves: `GET /metrics`, negotiated
/// and counted exactly as on the main port, and a JSON 404 for every other
/// path. A headless Service pointing at this port gives scrapers the
/// metrics without a way around queue-proxy to the cell's routes.
fn metrics_only(metrics: Arc<CellMetrics>, config: &RuntimeConfig) -> Router {
    let exposition = metrics.clone();
    Router::new()
        .route(
            "/metrics",
            axum::routing::get(move |headers: HeaderMap| {
                let metrics = exposition.clone();
                async move { metrics.exposition(headers.get(header::ACCEPT)) }
            }),
        )
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "this port serves GET /metrics only",
            )
        })
        .layer(RouteTemplateLayer)
        .layer(JsonErrorLayer)
        .layer(HeaderLimitsLayer::new(config.max_header_bytes))
        .layer(RequestMetricsLayer::new(metrics))
        .layer(TraceContextLayer)
}

fn assemble<C: Cell>(
    app: CellApp,
    config: &RuntimeConfig,
    lifecycle: Arc<Lifecycle>,
    metrics: Arc<CellMetrics>,
) -> Router {
    let state = RuntimeState {
        lifecycle,
        metrics: metrics.clone(),
        readiness: app.readiness,
        openapi: Arc::new(OnceLock::new()),
        description: Arc::new(OnceLock::new()),
        cell: C::NAME,
        events: app.events.map(Arc::new),
    };
    let mut own = app.routes;
    if config.debug_routes {
        own = own.merge(routes::debug_router());
    }
    if state.events.is_some() {
        own = own.merge(routes::events_router(state.clone()));
    }
    let shed_paths: BTreeSet<String> = own.get_openapi().paths.paths.keys().cloned().collect();
    // axum refuses a route layer on a router without routes.
    let own = if shed_paths.is_empty() {
        own
    } else {
        own.route_layer(
            AdmissionLayer::new(config.concurrency_limit, config.request_timeout)
                .with_body_memory(config.max_body_memory),
        )
    };
    let (router, doc) = OpenApiRouter::new()
        .merge(own)
        .merge(routes::router(state.clone()))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(routes::describe))
                .with_state(state.clone()),
        )
        .split_for_parts();

    let doc = crate::openapi::finalize(
        doc,
        &format!("vpm {}", C::NAME),
        VERSION,
        C::SUMMARY,
        &shed_paths,
    );
    let _ = state
        .description
        .set(describe::<C>(&doc, state.events.as_deref()));
    let _ = state.openapi.set(doc.to_string());

    // Requests no route matches reach the fallback, which carries no route
    // template: the metrics layer counts them under UNMATCHED_ROUTE.
    router
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                "no route matches this path; GET / lists the endpoints",
            )
        })
        .layer(RouteTemplateLayer)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a handler panicked; answered 500");
            ApiError::internal("the cell hit an internal fault; the request was not processed")
                .into_response()
        }))
        .layer(JsonErrorLayer)
        // Outside the JSON error layer: it replaces whatever answer a body
        // cut at its deadline led to with its own 408.
        .layer(BodyDeadlineLayer::new(config.body_timeout))
        .layer(HeaderLimitsLayer::new(config.max_header_bytes))
        .layer(RequestMetricsLayer::new(metrics))
        .layer(TraceContextLayer)
}

fn describe<C: Cell>(
    doc: &serde_json::Value,
    events: Option<&crate::events::EventStep>,
) -> CellDescription {
    let mut endpoints = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let summary = op
                    .get("summary")
                    .or_else(|| op.get("description"))
                    .and_then(|s| s.as_str())
                    .unwrap_or_default();
                endpoints.push(Endpoint {
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    summary: summary.lines().next().unwrap_or_default().to_owned(),
                });
            }
        }
    }
    CellDescription {
        name: C::NAME.to_owned(),
        consumes: events.map(|e| e.consumes.to_owned()),
        produces: events.map(|e| e.produces.to_owned()),
        version: VERSION.to_owned(),
        commit: BUILD_COMMIT.to_owned(),
        summary: C::SUMMARY.to_owned(),
        endpoints,
    }
}

impl BoundCell {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where the metrics-only listener is bound, when `VPM_METRICS_PORT` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_port
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Serves until `shutdown`, then drains (see the crate docs for the
    /// sequence) and returns once every connection has closed or the grace
    /// period has run out.
    pub async fn serve(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let BoundCell {
            name,
            listener,
            router,
            lifecycle,
            config,
            local_addr,
            metrics_port,
        } = self;
        let span = tracing::info_span!("cell", cell = name);
        tracing::info!(parent: &span, %local_addr, "serving");

        let policy = ConnectionPolicy::from_config(&config);
        connections::warn_if_descriptors_run_out_first(policy.max_connections);
        let connections = Arc::new(Connections::new());
        let (close_listeners, listeners_open) = tokio::sync::watch::channel(false);
        let closed = || {
            let mut open = listeners_open.clone();
            async move {
                let _ = open.wait_for(|closed| *closed).await;
            }
        };
        // Run inline rather than spawned, so that dropping `serve` stops
        // accepting too.
        // Accepting in the cell's span puts `cell` on every request's lines.
        let mut accepting = vec![
            connections::accept_until(listener, router, policy, connections.clone(), closed())
                .instrument(span.clone()),
        ];
        if let Some((listener, router)) = metrics_port {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(parent: &span, %addr, "serving /metrics alone");
            }
            // Scrapers need a handful of connections; a flood on this port
            // must not take descriptors the main port needs.
            let policy = ConnectionPolicy {
                max_connections: policy.max_connections.min(METRICS_MAX_CONNECTIONS),
                ..policy
            };
            accepting.push(
                connections::accept_until(listener, router, policy, connections.clone(), closed())
                    .instrument(span.clone()),
            );
        }
        let stop_accepting = async {
            shutdown.requested().await;
            lifecycle.begin_drain();
            tracing::info!(
                parent: &span,
                drain_delay_ms = config.drain_delay.as_millis() as u64,
                "draining: readiness is now 503"
            );
            tokio::time::sleep(config.drain_delay).await;
            close_listeners.send_replace(true);
        };
        tokio::join!(futures_util::future::join_all(accepting), stop_accepting);
        tracing::info!(parent: &span, "listener closed; finishing in-flight requests");
        if tokio::time::timeout(config.shutdown_grace, connections.drain())
            .await
            .is_ok()
        {
            tracing::info!(parent: &span, "drained; exiting");
        } else {
            tracing::warn!(
                parent: &span,
                grace_ms = config.shutdown_grace.as_millis() as u64,
                "grace period over with requests still in flight; exiting anyway"
            );
        }
        Ok(())
    }
}

/// The connection cap of the metrics-only listener.
const METRICS_MAX_CONNECTIONS: usize = 64;
