//! The one middleware layer that counts and times every request.
//!
//! It wraps the whole router, health and metrics routes included, so no
//! request escapes it. The route *template* comes from the router: an inner
//! [`RouteTemplateLayer`] (a route layer, so it runs only for matched routes)
//! copies axum's `MatchedPath` onto the response, and the outer
//! [`RequestMetricsLayer`] reads it there. A response without one matched no
//! route and is counted under [`UNMATCHED_ROUTE`](crate::metrics::UNMATCHED_ROUTE).

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::http::{Request, Response};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use crate::metrics::{CellMetrics, MethodLabel, UNMATCHED_ROUTE};
pub use crate::route_template::{RouteTemplate, RouteTemplateLayer};
use crate::trace_context::TraceContext;

/// Counts and times every request into `hello_ai_requests_total` and
/// `hello_ai_request_duration_seconds`.
#[derive(Debug, Clone)]
pub struct RequestMetricsLayer {
    metrics: Arc<CellMetrics>,
    unmatched: Arc<str>,
}

impl RequestMetricsLayer {
    pub fn new(metrics: Arc<CellMetrics>) -> Self {
        Self {
            metrics,
            unmatched: Arc::from(UNMATCHED_ROUTE),
        }
    }
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestMetrics {
            inner,
            metrics: self.metrics.clone(),
            unmatched: self.unmatched.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RequestMetrics<S> {
    inner: S,
    metrics: Arc<CellMetrics>,
    unmatched: Arc<str>,
}

impl<S, B, RB> Service<Request<B>> for RequestMetrics<S>
where
    S: Service<Request<B>, Response = Response<RB>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<RB>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let started = Instant::now();
        let method = MethodLabel::from(req.method());
        let trace_id = req
            .extensions()
            .get::<TraceContext>()
            .map(TraceContext::trace_id_hex);
        let metrics = self.metrics.clone();
        let unmatched = self.unmatched.clone();
        let future = self.inner.call(req);
        Box::pin(async move {
            let response = future.await?;
            // A pipeline step may have joined the trace its event carried
            // (structured mode): the exemplar names that trace.
            let trace_id = response
                .extensions()
                .get::<TraceContext>()
                .map(TraceContext::trace_id_hex)
                .or(trace_id);
            let route = response
                .extensions()
                .get::<RouteTemplate>()
                .map_or(unmatched, |t| t.0.clone());
            metrics.observe(
                route,
                method,
                response.status().as_u16(),
                started.elapsed().as_secs_f64(),
                trace_id.as_deref(),
            );
            Ok(response)
        })
    }
}
