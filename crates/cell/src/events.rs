//! CloudEvents on `POST /`: each cell is one step of a Knative `Sequence`.
//!
//! A cell that is a pipeline step declares the event type it consumes and
//! the one it answers with ([`EventStep`]). The runtime parses the incoming
//! event (HTTP binding, binary or structured content mode, by the official
//! `cloudevents-sdk`), checks its type, decodes its JSON data into the
//! step's input type, runs the step, and answers with the next event in the
//! response — so a `Sequence` of the four Knative Services runs the whole
//! pipeline with no code of ours in between.
//!
//! Status codes follow what Knative's delivery retries: a malformed or
//! wrong event is a 4xx (retrying cannot help), a transient fault (overload,
//! a database that is down) a 5xx (retrying can).
//!
//! The reply's id is derived from the request's source and id and the
//! cell's name, so a redelivered event gets a reply with the same id, and
//! the trace context travels in the `traceparent` extension (CloudEvents
//! distributed-tracing extension) as well as in the HTTP header.

use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cloudevents::{AttributesReader, Data, Event};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::trace_context::TraceContext;

/// `content-type` of structured-mode events.
pub const STRUCTURED: &str = "application/cloudevents+json";
const BATCH: &str = "application/cloudevents-batch+json";

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
    /// event's `traceparent` extension, else a new trace).
    pub trace: TraceContext,
    /// The HTTP request headers, for steps that authorise writes.
    pub headers: HeaderMap,
}

type Handler = Arc<
    dyn Fn(Bytes, EventContext) -> BoxFuture<'static, Result<StepReply, ApiError>> + Send + Sync,
>;

struct StepReply {
    data: serde_json::Value,
    subject: Option<String>,
}

/// One step of the pipeline: consumes `consumes`, answers `produces`.
#[derive(Clone)]
pub struct EventStep {
    pub consumes: &'static str,
    pub produces: &'static str,
    handler: Handler,
}

impl std::fmt::Debug for EventStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStep")
            .field("consumes", &self.consumes)
            .field("produces", &self.produces)
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
        let handler: Handler = Arc::new(move |bytes: Bytes, context: EventContext| {
            let step = step.clone();
            Box::pin(async move {
                let input: I = decode(&bytes, consumes)?;
                let out = step(input, context).await?;
                let data = serde_json::to_value(out.data).map_err(|e| {
                    ApiError::internal(format!("the {produces} event could not be encoded: {e}"))
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
        }
    }
}

fn decode<I: DeserializeOwned>(bytes: &[u8], event_type: &str) -> Result<I, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let status_code = if inner.is_syntax() || inner.is_eof() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(
            status_code,
            "invalid_event_data",
            format!("the data of this {event_type} event is not valid at `{path}`: {inner}"),
        )
    })
}

/// Handles `POST /` for `cell`: parse, check, run the step, answer.
pub async fn handle(
    cell: &'static str,
    step: &EventStep,
    headers: &HeaderMap,
    body: Bytes,
    trace: TraceContext,
) -> Response {
    let structured = content_type(headers).is_some_and(|ct| ct.starts_with(STRUCTURED));
    match reply(cell, step, headers, body, trace).await {
        Ok(event) => respond(event, structured),
        Err(e) => e.into_response(),
    }
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
    body: Bytes,
    trace: TraceContext,
) -> Result<Event, ApiError> {
    let ctype = content_type(headers);
    if ctype.as_deref().is_some_and(|ct| ct.starts_with(BATCH)) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "batched CloudEvents are not accepted; send one event per request",
        ));
    }
    let structured = ctype
        .as_deref()
        .is_some_and(|ct| ct.starts_with(STRUCTURED));
    if !structured && !headers.contains_key("ce-specversion") {
        return Err(ApiError::bad_request(format!(
            "not a CloudEvent: send it in binary mode (ce-specversion, ce-type, ce-source, ce-id headers) \
             or structured mode (content-type {STRUCTURED}); this cell consumes {}",
            step.consumes
        )));
    }
    let mut event = cloudevents::binding::http::to_event(headers, body.to_vec())
        .map_err(|e| ApiError::bad_request(format!("malformed CloudEvent: {e}")))?;
    if event.ty() != step.consumes {
        return Err(ApiError::unprocessable(
            "wrong_event_type",
            format!(
                "the {cell} consumes {} events, not {}; send it to the cell for that step",
                step.consumes,
                event.ty()
            ),
        ));
    }
    let datacontenttype = event.datacontenttype().map(str::to_ascii_lowercase);
    if let Some(dct) = &datacontenttype
        && !(dct.starts_with("application/json") || dct.contains("+json"))
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("event data must be JSON (application/json), not {dct}"),
        ));
    }
    let (_, _, data) = event.take_data();
    let bytes = match data {
        Some(Data::Binary(b)) => Bytes::from(b),
        Some(Data::String(s)) => Bytes::from(s),
        Some(Data::Json(v)) => Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
        None => {
            return Err(ApiError::unprocessable(
                "missing_event_data",
                format!("this {} event carries no data", step.consumes),
            ));
        }
    };
    let incoming_id = event.id().to_owned();
    let incoming_source = event.source().to_string();
    // Join the trace the event carries (distributed-tracing extension) when
    // the HTTP request itself carried none.
    let trace = match event.extension("traceparent") {
        Some(tp) if !headers.contains_key("traceparent") => {
            TraceContext::continue_or_start(Some(&tp.to_string()))
        }
        _ => trace,
    };
    let context = EventContext {
        trace,
        headers: headers.clone(),
    };
    let reply = (step.handler)(bytes, context).await?;
    let id = reply_id(cell, &incoming_source, &incoming_id);
    let mut builder = cloudevents::EventBuilderV10::new()
        .id(id)
        .source(format!("/vpm/{cell}"))
        .ty(step.produces)
        .time(chrono::Utc::now())
        .extension("traceparent", trace.traceparent())
        .data("application/json", reply.data);
    if let Some(subject) = reply.subject {
        builder = builder.subject(subject);
    }
    use cloudevents::EventBuilder as _;
    builder
        .build()
        .map_err(|e| ApiError::internal(format!("the reply event could not be built: {e}")))
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
fn respond(mut event: Event, structured: bool) -> Response {
    if structured {
        return match serde_json::to_vec(&event) {
            Ok(body) => ([(header::CONTENT_TYPE, STRUCTURED)], body).into_response(),
            Err(e) => {
                ApiError::internal(format!("reply could not be encoded: {e}")).into_response()
            }
        };
    }
    let mut headers = HeaderMap::new();
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            headers.insert(n, v);
        }
    };
    put("ce-specversion", "1.0");
    put("ce-id", event.id());
    put("ce-source", &event.source().to_string());
    put("ce-type", event.ty());
    if let Some(subject) = event.subject() {
        put("ce-subject", subject);
    }
    if let Some(time) = event.time() {
        put(
            "ce-time",
            &time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
    }
    let extensions: Vec<(String, String)> = event
        .iter_extensions()
        .map(|(k, v)| (format!("ce-{k}"), v.to_string()))
        .collect();
    for (k, v) in &extensions {
        put(k, v);
    }
    put("content-type", "application/json");
    let body = match event.take_data().2 {
        Some(Data::Json(v)) => serde_json::to_vec(&v).unwrap_or_default(),
        Some(Data::Binary(b)) => b,
        Some(Data::String(s)) => s.into_bytes(),
        None => Vec::new(),
    };
    (StatusCode::OK, headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
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
                .contains("`n`")
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

    #[tokio::test]
    async fn transient_faults_stay_5xx_so_knative_retries() {
        let r = call(binary("dev.vpm.ping.v1", ""), r#"{"n":13}"#).await;
        assert_eq!(r.status(), 503);
    }
}
