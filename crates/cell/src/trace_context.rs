//! W3C Trace Context (`traceparent`), accepted on every request and passed on.
//!
//! A request that arrives with a valid `traceparent` joins that trace; one
//! without (or with a malformed one, which the W3C spec says to discard)
//! starts a new trace. Either way the cell gets a fresh span id, the request
//! runs inside a `tracing` span carrying `trace_id` (so every log line of the
//! request carries it), handlers can read the [`TraceContext`] from the
//! request extensions to stamp documents or call onwards, and the response
//! carries the cell's own `traceparent` so the caller learns the trace id.

use std::fmt;
use std::task::{Context, Poll};

use axum::http::{HeaderMap, HeaderValue, Request, Response};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};
use tracing::Instrument;

/// The trace a request belongs to and this cell's span in it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceContext {
    pub trace_id: [u8; 16],
    /// The caller's span, when the request arrived with a `traceparent`.
    pub parent_id: Option<[u8; 8]>,
    /// This cell's span for the request.
    pub span_id: [u8; 8],
    /// W3C trace flags; bit 0 is "sampled".
    pub flags: u8,
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.traceparent())
    }
}

impl TraceContext {
    /// A new trace, sampled, with random ids.
    pub fn new_root() -> Self {
        Self {
            trace_id: nonzero_random(),
            parent_id: None,
            span_id: nonzero_random(),
            flags: 0x01,
        }
    }

    /// Continues the trace in `header`, or starts a new one if it is absent or invalid.
    pub fn continue_or_start(header: Option<&str>) -> Self {
        match header.and_then(parse_traceparent) {
            Some((trace_id, parent, flags)) => Self {
                trace_id,
                parent_id: Some(parent),
                span_id: nonzero_random(),
                flags,
            },
            None => Self::new_root(),
        }
    }

    /// A child span in the same trace, for an outgoing call.
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id,
            parent_id: Some(self.span_id),
            span_id: nonzero_random(),
            flags: self.flags,
        }
    }

    /// The trace id as 32 lowercase hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    pub fn span_id_hex(&self) -> String {
        hex(&self.span_id)
    }

    /// The `traceparent` header naming this span as the parent.
    pub fn traceparent(&self) -> String {
        String::from_utf8_lossy(&self.traceparent_bytes()).into_owned()
    }

    /// [`Self::traceparent`] without allocating: `00-{trace}-{span}-{flags}`.
    fn traceparent_bytes(&self) -> [u8; 55] {
        let mut out = [0u8; 55];
        out[..3].copy_from_slice(b"00-");
        hex_into(&self.trace_id, &mut out[3..35]);
        out[35] = b'-';
        hex_into(&self.span_id, &mut out[36..52]);
        out[52] = b'-';
        hex_into(&[self.flags], &mut out[53..55]);
        out
    }

    /// Reads `traceparent`, falling back to the CloudEvents binary-mode
    /// `ce-traceparent` (the distributed-tracing extension attribute).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let header = headers
            .get("traceparent")
            .or_else(|| headers.get("ce-traceparent"))
            .and_then(|v| v.to_str().ok());
        Self::continue_or_start(header)
    }
}

/// Parses `version-traceid-parentid-flags`, rejecting what the spec says to reject.
pub fn parse_traceparent(value: &str) -> Option<([u8; 16], [u8; 8], u8)> {
    let value = value.trim();
    let mut parts = value.split('-');
    let version = parts.next()?;
    let trace = parts.next()?;
    let parent = parts.next()?;
    let flags = parts.next()?;
    if version.len() != 2 || !is_lower_hex(version) || version == "ff" {
        return None;
    }
    // Version 00 has exactly four fields; later versions may append more.
    if version == "00" && parts.next().is_some() {
        return None;
    }
    if trace.len() != 32 || parent.len() != 16 || flags.len() != 2 {
        return None;
    }
    if ![trace, parent, flags].iter().all(|p| is_lower_hex(p)) {
        return None;
    }
    let trace_id: [u8; 16] = unhex(trace)?;
    let parent_id: [u8; 8] = unhex(parent)?;
    if trace_id == [0; 16] || parent_id == [0; 8] {
        return None;
    }
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some((trace_id, parent_id, flags))
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let pair = std::str::from_utf8(chunk).ok()?;
        *out.get_mut(i)? = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// Lowercase hex into `out`, which holds exactly two bytes per input byte
/// (ids are formatted several times for every request, so no `write!` per byte).
fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    hex_into(bytes, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn nonzero_random<const N: usize>() -> [u8; N] {
    loop {
        let bytes: [u8; N] = rand::random();
        if bytes != [0; N] {
            return bytes;
        }
    }
}

/// Wraps every request in a span carrying its trace id and answers with `traceparent`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceContextLayer;

impl<S> Layer<S> for TraceContextLayer {
    type Service = TraceContextService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        TraceContextService { inner }
    }
}

#[derive(Debug, Clone)]
pub struct TraceContextService<S> {
    inner: S,
}

impl<S, B, RB> Service<Request<B>> for TraceContextService<S>
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

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let context = TraceContext::from_headers(req.headers());
        req.extensions_mut().insert(context);
        let span = tracing::info_span!(
            "request",
            trace_id = %context.trace_id_hex(),
            span_id = %context.span_id_hex(),
            method = %req.method(),
            path = %req.uri().path(),
        );
        let started = std::time::Instant::now();
        let future = self.inner.call(req);
        Box::pin(
            async move {
                let mut response = future.await?;
                access_log(&response, started.elapsed());
                // A handler that joined another trace (a structured-mode
                // event's `traceparent` attribute) answers in that one.
                let context = response
                    .extensions()
                    .get::<TraceContext>()
                    .copied()
                    .unwrap_or(context);
                if let Ok(value) = HeaderValue::from_bytes(&context.traceparent_bytes()) {
                    response.headers_mut().insert("traceparent", value);
                }
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// One line per answered request. Probes and scrapes are logged at DEBUG
/// (they arrive every few seconds and say nothing new); the cells' own
/// routes at INFO, and server errors at WARN.
fn access_log<B>(response: &Response<B>, elapsed: std::time::Duration) {
    let status = response.status().as_u16();
    let route = response
        .extensions()
        .get::<crate::route_template::RouteTemplate>()
        .map_or(crate::metrics::UNMATCHED_ROUTE, |t| &t.0);
    let micros = elapsed.as_micros() as u64;
    if status >= 500 {
        tracing::warn!(status, route, micros, "answered");
    } else if matches!(route, "/healthz" | "/readyz" | "/metrics") {
        tracing::debug!(status, route, micros, "answered");
    } else {
        tracing::info!(status, route, micros, "answered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_is_continued_with_a_new_span() {
        let ctx = TraceContext::continue_or_start(Some(EXAMPLE));
        assert_eq!(ctx.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            ctx.parent_id,
            Some([0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        );
        assert_ne!(ctx.span_id_hex(), "00f067aa0ba902b7");
        assert!(
            ctx.traceparent()
                .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        );
        assert!(ctx.traceparent().ends_with("-01"));
    }

    #[test]
    fn invalid_traceparents_start_a_new_trace() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e47é6-00f067aa0ba902b7-01",
        ] {
            assert!(
                parse_traceparent(bad).is_none(),
                "{bad:?} should be rejected"
            );
            let ctx = TraceContext::continue_or_start(Some(bad));
            assert_eq!(ctx.parent_id, None);
        }
    }

    #[test]
    fn future_versions_may_carry_extra_fields() {
        let v = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever";
        assert!(parse_traceparent(v).is_some());
    }

    #[test]
    fn child_spans_stay_in_the_trace() {
        let root = TraceContext::new_root();
        let child = root.child();
        assert_eq!(child.trace_id, root.trace_id);
        assert_eq!(child.parent_id, Some(root.span_id));
    }
}
