//! The route template a response was produced by.
//!
//! [`RouteTemplateLayer`] is a route layer (it runs only for matched
//! routes): it copies axum's `MatchedPath` onto the response as a
//! [`RouteTemplate`], where the metrics layer and the access log, both
//! outside the router, read it. Its own module because both of those use
//! it and neither should depend on the other for it.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

/// The route template a response was produced by (response extension).
#[derive(Debug, Clone)]
pub struct RouteTemplate(pub Arc<str>);

/// The one shared copy of a route template, so a request costs a lookup and
/// a reference count, not an allocation. Templates are the router's own
/// paths, a handful per cell, so each thread's table stays that small.
fn interned(template: &str) -> Arc<str> {
    thread_local! {
        static TEMPLATES: std::cell::RefCell<std::collections::HashMap<Box<str>, Arc<str>>> =
            std::cell::RefCell::default();
    }
    TEMPLATES.with(|t| {
        let mut table = t.borrow_mut();
        if let Some(shared) = table.get(template) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(template);
        table.insert(Box::from(template), shared.clone());
        shared
    })
}

/// Copies the matched route template onto the response (see module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct RouteTemplateLayer;

impl<S> Layer<S> for RouteTemplateLayer {
    type Service = RecordRouteTemplate<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RecordRouteTemplate { inner }
    }
}

#[derive(Debug, Clone)]
pub struct RecordRouteTemplate<S> {
    inner: S,
}

impl<S, B, RB> Service<Request<B>> for RecordRouteTemplate<S>
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
        let template = req
            .extensions()
            .get::<MatchedPath>()
            .map(|p| RouteTemplate(interned(p.as_str())));
        let future = self.inner.call(req);
        Box::pin(async move {
            let mut response = future.await?;
            if let Some(template) = template {
                response.extensions_mut().insert(template);
            }
            Ok(response)
        })
    }
}
