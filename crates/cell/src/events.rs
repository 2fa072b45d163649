//! CloudEvents on `POST /`: each cell is one step of a Knative `Sequence`.
//!
//! A cell that is a pipeline step declares the event type it consumes and
//! the one it answers with ([`EventStep`]). The runtime reads the incoming
//! event's envelope (HTTP binding, binary or structured content mode, see
//! [`crate::cloudevent`]), checks its type, decodes its JSON data straight
//! into the step's input type, runs the step, and answers with the next
//! event in the response — so a `Sequence` of the four Knative Services runs
//! the whole pipeline with no code of ours in between.
//!
//! A step that writes (the archivist's) may require a bearer token
//! ([`EventStep::requiring`]); the route then checks it before the body is
//! read (see [`crate::auth`]), and [`handle`] checks it again for callers
//! that reach it without the router.
//!
//! Status codes follow what Knative's delivery retries: a malformed or
//! wrong event is a 4xx (retrying cannot help), a transient fault (overload,
//! a database that is down) a 5xx (retrying can).
//!
//! The reply's id is derived from the request's source and id and the
//! cell's name, so a redelivered event gets a reply with the same id. The
//! trace context is the request's `traceparent` header, else the event's
//! `traceparent` attribute (CloudEvents distributed-tracing extension, in
//! either mode); it becomes the request's trace for its log lines and its
//! metric exemplar, and travels on in the reply's `traceparent` attribute.

use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::auth::Credential;
use crate::cloudevent::{Attributes, BATCH, STRUCTURED, parse_structured};
use crate::error::ApiError;
use crate::json::{self, Document};
use crate::trace_context::TraceContext;

/// What a step returns: the next event's data and, optionally, its subject
/// (the project id, so consumers can filter without reading the data).
#[derive(Debug)]
pub struct StepOutput<O> {
    pub data: O,
    pub subject: Option<String>,
}

/// What a step knows about the request besides the event's data.
#[derive(Debug, Clone)]
pub struct EventContext {
    /// The trace this event belongs to (from `traceparent`, else the
    /// event's `traceparent` attribute, else a new trace).
    pub trace: TraceContext,
    /// The HTTP request headers.
    pub headers: HeaderMap,
}

type Handler = Arc<
    dyn Fn(&[u8], EventContext) -> BoxFuture<'static, Result<StepReply, ApiError>> + Send + Sync,
>;

struct StepReply {
    data: Box<RawValue>,
    subject: Option<String>,
}

/// One step of the pipeline: consumes `consumes`, answers `produces`.
#[derive(Clone)]
pub struct EventStep {
    pub consumes: &'static str,
    pub produces: &'static str,
    handler: Handler,
    credential: Option<Arc<dyn Credential>>,
}

impl std::fmt::Debug for EventStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStep")
            .field("consumes", &self.consumes)
            .field("produces", &self.produces)
            .field("needs_token", &self.credential.is_some())
            .finish_non_exhaustive()
    }
}

impl EventStep {
    /// A step whose input is the event data decoded as `I` and whose output
    /// `O` becomes the reply's data.
    pub fn new<I, O, F, Fut>(consumes: &'static str, produces: &'static str, step: F) -> Self
    where
        I: DeserializeOwned + Send + 'static,
        O: Serialize + Send + 'static,
        F: Fn(I, EventContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<StepOutput<O>, ApiError>> + Send + 'static,
    {
        let step = Arc::new(step);
        let handler: Handler = Arc::new(move |bytes: &[u8], context: EventContext| {
            // Decoded here, before the future, so the request's bytes need
            // not outlive this call.
            let input: Result<I, ApiError> = json::decode(
                bytes,
                Document {
                    name: consumes,
                    invalid_code: "invalid_event_data",
                },
            );
            let step = step.clone();
            Box::pin(async move {
                let out = step(input?, context).await?;
                let data = serde_json::to_string(&out.data)
                    .and_then(RawValue::from_string)
                    .map_err(|e| {
                        ApiError::internal(format!(
                            "the {produces} event could not be encoded: {e}"
                        ))
                    })?;
                Ok(StepReply {
                    data,
                    subject: out.subject,
                })
            })
        });
        Self {
            consumes,
            produces,
            handler,
            credential: None,
        }
    }

    /// Requires `Authorization: Bearer` with a token `credential` permits.
    pub fn requiring(mut self, credential: Arc<dyn Credential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The credential the step requires, if any.
    pub fn credential(&self) -> Option<&Arc<dyn Credential>> {
        self.credential.as_ref()
    }
}

/// Handles `POST /` for `cell`: authorise, parse, check, run the step, answer.
pub async fn handle(
    cell: &'static str,
    step: &EventStep,
    headers: &HeaderMap,
    body: Bytes,
    trace: TraceContext,
) -> Response {
    if let Some(credential) = &step.credential
        && let Err(denied) = crate::auth::authorize(credential.as_ref(), headers, cell)
    {
        return denied;
    }
    let structured = content_type(headers).is_some_and(|ct| ct.starts_with(STRUCTURED));
    let (result, trace) = reply(cell, step, headers, &body, trace).await;
    let mut response = match result {
        Ok((attrs, data)) => respond(&attrs, &data, structured),
        Err(e) => e.into_response(),
    };
    // The trace the event really belongs to, for the layers outside
    // (metrics exemplar, the `traceparent` answer), which otherwise know
    // only what the HTTP headers implied.
    response.extensions_mut().insert(trace);
    response
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
}

async fn reply(
    cell: &'static str,
    step: &EventStep,
    headers: &HeaderMap,
    body: &[u8],
    trace: TraceContext,
) -> (Result<(Attributes, Box<RawValue>), ApiError>, TraceContext) {
    let ctype = content_type(headers);
    if ctype.as_deref().is_some_and(|ct| ct.starts_with(BATCH)) {
        return (
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "batched CloudEvents are not accepted; send one event per request",
            )),
            trace,
        );
    }
    let structured = ctype
        .as_deref()
        .is_some_and(|ct| ct.starts_with(STRUCTURED));
    if !structured && !headers.contains_key("ce-specversion") {
        return (
            Err(ApiError::bad_request(format!(
                "not a CloudEvent: send it in binary mode (ce-specversion, ce-type, ce-source, ce-id headers) \
                 or structured mode (content-type {STRUCTURED}); this cell consumes {}",
                step.consumes
            ))),
            trace,
        );
    }
    let parsed = if structured {
        parse_structured(body)
    } else {
        Attributes::from_binary(headers).map(|attrs| {
            (
                attrs,
                (!body.is_empty()).then_some(std::borrow::Cow::Borrowed(body)),
            )
        })
    };
    let (incoming, data) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return (Err(e.into()), trace),
    };
    // Join the trace the event carries (distributed-tracing extension) when
    // the HTTP request itself carried none, in either content mode, and
    // make it the trace of this request's log lines from here on.
    let trace = match incoming.extension("traceparent") {
        Some(tp) if !headers.contains_key("traceparent") => {
            let joined = TraceContext::continue_or_start(Some(tp));
            tracing::Span::current().record("trace_id", joined.trace_id_hex());
            joined
        }
        _ => trace,
    };
    if incoming.ty != step.consumes {
        return (
            Err(ApiError::unprocessable(
                "wrong_event_type",
                format!(
                    "the {cell} consumes {} events, not {}; send it to the cell for that step",
                    step.consumes, incoming.ty
                ),
            )),
            trace,
        );
    }
    if let Some(dct) = incoming
        .datacontenttype
        .as_deref()
        .map(str::to_ascii_lowercase)
        && !(dct.starts_with("application/json") || dct.contains("+json"))
    {
        return (
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("event data must be JSON (application/json), not {dct}"),
            )),
            trace,
        );
    }
    let Some(data) = data else {
        return (
            Err(ApiError::unprocessable(
                "missing_event_data",
                format!("this {} event carries no data", step.consumes),
            )),
            trace,
        );
    };
    let context = EventContext {
        trace,
        headers: headers.clone(),
    };
    let reply = match (step.handler)(&data, context).await {
        Ok(reply) => reply,
        Err(e) => return (Err(e), trace),
    };
    let mut attrs = Attributes::new(
        reply_id(cell, &incoming.source, &incoming.id),
        format!("/vpm/{cell}"),
        step.produces,
    )
    .with_extension("traceparent", trace.traceparent());
    attrs.time = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    attrs.subject = reply.subject;
    attrs.datacontenttype = Some("application/json".to_owned());
    (Ok((attrs, reply.data)), trace)
}

/// Same input event, same reply id: redeliveries are recognisable.
fn reply_id(cell: &str, source: &str, id: &str) -> String {
    let mut hash = Sha256::new();
    for part in [cell, source, id] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    crate::trace_context::hex(&digest[..16])
}

/// The reply in the request's content mode.
fn respond(attrs: &Attributes, data: &RawValue, structured: bool) -> Response {
    if structured {
        return (
            [(header::CONTENT_TYPE, STRUCTURED)],
            attrs.to_structured(data),
        )
            .into_response();
    }
    let mut headers = HeaderMap::new();
    attrs.to_binary(&mut headers);
    (StatusCode::OK, headers, data.get().to_owned()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use http_body_util::BodyExt;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Ping {
        n: u32,
    }

    #[derive(Serialize)]
    struct Pong {
        n: u32,
    }

    fn step() -> EventStep {
        EventStep::new(
            "dev.vpm.ping.v1",
            "dev.vpm.pong.v1",
            |p: Ping, _| async move {
                if p.n == 13 {
                    return Err(ApiError::unavailable("busy", "try again"));
                }
                Ok(StepOutput {
                    data: Pong { n: p.n + 1 },
                    subject: Some("demo".into()),
                })
            },
        )
    }

    fn binary(ty: &str, body: &str) -> HeaderMap {
        let _ = body;
        let mut h = HeaderMap::new();
        h.insert("ce-specversion", HeaderValue::from_static("1.0"));
        h.insert("ce-id", HeaderValue::from_static("42"));
        h.insert("ce-source", HeaderValue::from_static("/test"));
        h.insert("ce-type", HeaderValue::from_str(ty).unwrap());
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h
    }

    async fn call(headers: HeaderMap, body: &str) -> Response {
        handle(
            "tester",
            &step(),
            &headers,
            Bytes::from(body.to_owned()),
            TraceContext::new_root(),
        )
        .await
    }

    async fn json(r: Response) -> serde_json::Value {
        serde_json::from_slice(&r.into_body().collect().await.unwrap().to_bytes()).unwrap()
    }

    #[tokio::test]
    async fn binary_mode_in_binary_mode_out() {
        let r = call(binary("dev.vpm.ping.v1", ""), r#"{"n":1}"#).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["ce-type"], "dev.vpm.pong.v1");
        assert_eq!(r.headers()["ce-specversion"], "1.0");
        assert_eq!(r.headers()["ce-subject"], "demo");
        assert!(
            r.headers()["ce-traceparent"]
                .to_str()
                .unwrap()
                .starts_with("00-")
        );
        assert_eq!(json(r).await["n"], 2);
    }

    #[tokio::test]
    async fn the_same_event_redelivered_gets_the_same_reply_id() {
        let a = call(binary("dev.vpm.ping.v1", ""), r#"{"n":1}"#).await;
        let b = call(binary("dev.vpm.ping.v1", ""), r#"{"n":1}"#).await;
        assert_eq!(a.headers()["ce-id"], b.headers()["ce-id"]);
    }

    #[tokio::test]
    async fn structured_mode_in_structured_mode_out() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static(STRUCTURED));
        let body = r#"{"specversion":"1.0","id":"7","source":"/t","type":"dev.vpm.ping.v1","datacontenttype":"application/json","data":{"n":41}}"#;
        let r = call(h, body).await;
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(STRUCTURED)
        );
        let ev = json(r).await;
        assert_eq!(ev["type"], "dev.vpm.pong.v1");
        assert_eq!(ev["data"]["n"], 42);
    }

    #[tokio::test]
    async fn wrong_type_missing_data_and_bad_data_are_4xx_that_say_why() {
        let r = call(binary("dev.vpm.plan.v1", ""), r#"{"n":1}"#).await;
        assert_eq!(r.status(), 422);
        let msg = json(r).await["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            msg.contains("dev.vpm.ping.v1") && msg.contains("dev.vpm.plan.v1"),
            "{msg}"
        );

        let r = call(binary("dev.vpm.ping.v1", ""), "").await;
        assert_eq!(r.status(), 422);

        let r = call(binary("dev.vpm.ping.v1", ""), r#"{"n":"one"}"#).await;
        assert_eq!(r.status(), 422);
        assert!(
            json(r).await["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`/n`")
        );

        let r = call(binary("dev.vpm.ping.v1", ""), r#"{"n":"#).await;
        assert_eq!(r.status(), 400);
    }

    #[tokio::test]
    async fn not_a_cloudevent_or_a_batch_is_refused() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        assert_eq!(call(h, r#"{"n":1}"#).await.status(), 400);
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static(BATCH));
        assert_eq!(call(h, "[]").await.status(), 415);
        let mut h = binary("dev.vpm.ping.v1", "");
        h.insert("content-type", HeaderValue::from_static("text/plain"));
        assert_eq!(call(h, "hello").await.status(), 415);
        let mut h = binary("dev.vpm.ping.v1", "");
        h.insert("ce-specversion", HeaderValue::from_static("0.1"));
        assert_eq!(call(h, r#"{"n":1}"#).await.status(), 400);
    }

    #[derive(Debug)]
    struct Token;
    impl Credential for Token {
        fn permits(&self, presented: &str) -> bool {
            presented == "letmein"
        }
    }

    #[tokio::test]
    async fn a_step_that_needs_a_token_refuses_before_reading_the_event() {
        let step = step().requiring(Arc::new(Token));
        let call = |headers: HeaderMap, body: &'static str| {
            let step = step.clone();
            async move {
                handle(
                    "tester",
                    &step,
                    &headers,
                    Bytes::from(body),
                    TraceContext::new_root(),
                )
                .await
            }
        };
        // Malformed data and a wrong type: without the token, still 401,
        // never the 400/422 that would describe the input format.
        let r = call(binary("dev.vpm.ping.v1", ""), r#"{"n":"#).await;
        assert_eq!(r.status(), 401);
        let r = call(binary("dev.vpm.other.v1", ""), r#"{"n":1}"#).await;
        assert_eq!(r.status(), 401);
        let mut h = binary("dev.vpm.ping.v1", "");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer nope"),
        );
        assert_eq!(call(h, r#"{"n":1}"#).await.status(), 401);
        let mut h = binary("dev.vpm.ping.v1", "");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer letmein"),
        );
        assert_eq!(call(h, r#"{"n":1}"#).await.status(), 200);
    }

    #[tokio::test]
    async fn a_structured_event_s_traceparent_becomes_the_request_s_trace() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static(STRUCTURED));
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let body = format!(
            r#"{{"specversion":"1.0","id":"7","source":"/t","type":"dev.vpm.ping.v1","traceparent":"{tp}","data":{{"n":1}}}}"#
        );
        let r = handle(
            "tester",
            &step(),
            &h,
            Bytes::from(body),
            TraceContext::new_root(),
        )
        .await;
        assert_eq!(r.status(), 200);
        let trace = *r.extensions().get::<TraceContext>().unwrap();
        assert_eq!(trace.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let ev = json(r).await;
        assert!(
            ev["traceparent"]
                .as_str()
                .unwrap()
                .contains("4bf92f3577b34da6a3ce929d0e0e4736")
        );
    }

    #[tokio::test]
    async fn an_envelope_of_padding_is_refused_where_the_padding_starts() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static(STRUCTURED));
        let pad = "{\"\":0},".repeat(100_000);
        let body = format!(
            r#"{{"specversion":"1.0","id":"7","source":"/t","type":"dev.vpm.ping.v1","pad":[{pad}{{}}],"data":{{"n":1}}}}"#
        );
        let r = handle(
            "tester",
            &step(),
            &h,
            Bytes::from(body),
            TraceContext::new_root(),
        )
        .await;
        assert_eq!(r.status(), 400);
        // The same padding inside the data is skipped by the typed decode
        // of the step's input (an unknown field), not built into a tree.
        let body = format!(
            r#"{{"specversion":"1.0","id":"7","source":"/t","type":"dev.vpm.ping.v1","data":{{"pad":[{pad}{{}}],"n":1}}}}"#
        );
        let r = handle(
            "tester",
            &step(),
            &h,
            Bytes::from(body),
            TraceContext::new_root(),
        )
        .await;
        assert_eq!(r.status(), 200);
    }

    #[tokio::test]
    async fn transient_faults_stay_5xx_so_knative_retries() {
        let r = call(binary("dev.vpm.ping.v1", ""), r#"{"n":13}"#).await;
        assert_eq!(r.status(), 503);
    }
}
