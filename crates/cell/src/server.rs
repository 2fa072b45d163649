//! Assembling a cell's router and serving it until shutdown.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::admission::AdmissionLayer;
use crate::config::RuntimeConfig;
use crate::error::{ApiError, JsonErrorLayer};
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
    let router = assemble::<C>(app, &config, lifecycle.clone(), metrics);
    let listener = TcpListener::bind((config.host, config.port))
        .await
        .with_context(|| {
            format!(
                "{}: cannot listen on {}:{}",
                C::NAME,
                config.host,
                config.port
            )
        })?;
    let local_addr = listener.local_addr()?;
    Ok(BoundCell {
        name: C::NAME,
        listener,
        router,
        lifecycle,
        config,
        local_addr,
    })
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
        own.route_layer(AdmissionLayer::new(
            config.concurrency_limit,
            config.request_timeout,
        ))
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

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Serves until `shutdown`, then drains (see the crate docs for the
    /// sequence) and returns once every in-flight request has finished or
    /// the grace period has run out.
    pub async fn serve(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let BoundCell {
            name,
            listener,
            router,
            lifecycle,
            config,
            local_addr,
        } = self;
        let span = tracing::info_span!("cell", cell = name);
        let _entered = span.clone();
        tracing::info!(parent: &span, %local_addr, "serving");

        let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
        let drain = {
            let span = span.clone();
            let shutdown = shutdown.clone();
            async move {
                shutdown.requested().await;
                lifecycle.begin_drain();
                tracing::info!(
                    parent: &span,
                    drain_delay_ms = config.drain_delay.as_millis() as u64,
                    "draining: readiness is now 503"
                );
                tokio::time::sleep(config.drain_delay).await;
                tracing::info!(parent: &span, "listener closed; finishing in-flight requests");
                let _ = drained_tx.send(());
            }
        };
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = axum::serve(listener, router).with_graceful_shutdown(drain);
        let grace = async {
            if drained_rx.await.is_ok() {
                tokio::time::sleep(config.shutdown_grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => {
                result.with_context(|| format!("{name}: server failed"))?;
                tracing::info!(parent: &span, "drained; exiting");
            }
            () = grace => {
                tracing::warn!(
                    parent: &span,
                    grace_ms = config.shutdown_grace.as_millis() as u64,
                    "grace period over with requests still in flight; exiting anyway"
                );
            }
        }
        Ok(())
    }
}
