//! Logs: one JSON object per line, with the trace id at the top level.
//!
//! Fields of the enclosing spans (the cell's `cell`, the request's
//! `trace_id`, `method`, `path`) are copied onto every event, so each line
//! stands alone: `jq 'select(.trace_id == "…")'` over the logs of all four
//! cells gives one run's story.

use std::fmt;
use std::io::Write as _;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Record};
use tracing::{Event, Id, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// Services log to stdout, as the twelve-factor app does.
    Stdout,
    /// The CLI keeps stdout for its output and logs to stderr.
    Stderr,
}

/// Installs the global JSON logger. `VPM_LOG` sets the filter (`info` by
/// default; any `tracing` directive such as `warn,vpm_cell=debug` works).
/// Calling it twice is harmless: the first logger stays.
pub fn init_logging(stream: LogStream) {
    let filter = EnvFilter::try_from_env("VPM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().event_format(JsonLines);
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(SpanFieldsLayer);
    let _ = match stream {
        LogStream::Stdout => registry.with(fmt.with_writer(std::io::stdout)).try_init(),
        LogStream::Stderr => registry.with(fmt.with_writer(std::io::stderr)).try_init(),
    };
}

/// Installs a logger writing to `writer`, for tests that read log lines.
pub fn init_logging_to<W>(writer: W) -> tracing::subscriber::DefaultGuard
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let fmt = tracing_subscriber::fmt::layer()
        .event_format(JsonLines)
        .with_writer(writer);
    tracing_subscriber::registry()
        .with(SpanFieldsLayer)
        .with(fmt)
        .set_default()
}

/// The fields a span was created with (and later recorded). Keys are the
/// fields' static names: a span is made for every request, and most never
/// see a log line, so nothing is allocated for a key.
#[derive(Debug, Default)]
struct SpanFields(Vec<(&'static str, Value)>);

struct SpanFieldsLayer;

impl<S> tracing_subscriber::Layer<S> for SpanFieldsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = SpanFields(Vec::with_capacity(attrs.fields().len()));
        attrs.record(&mut JsonVisitor(&mut fields));
        span.extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(fields) = extensions.get_mut::<SpanFields>() {
            values.record(&mut JsonVisitor(fields));
        }
    }
}

/// Where a visitor puts the fields it reads: a log line or a span's list.
trait FieldSink {
    fn put(&mut self, key: &'static str, value: Value);
}

impl FieldSink for Map<String, Value> {
    fn put(&mut self, key: &'static str, value: Value) {
        self.insert(key.to_owned(), value);
    }
}

impl FieldSink for SpanFields {
    fn put(&mut self, key: &'static str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

struct JsonVisitor<'a, T: FieldSink>(&'a mut T);

impl<T: FieldSink> Visit for JsonVisitor<'_, T> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.put(key(field), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.put(key(field), Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.put(key(field), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.put(key(field), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.put(key(field), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.put(key(field), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.put(key(field), Value::String(value.to_string()));
    }
}

fn key(field: &Field) -> &'static str {
    match field.name() {
        "message" => "msg",
        other => other,
    }
}

struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert(
            "ts".to_owned(),
            Value::String(
                humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
            ),
        );
        line.insert("level".to_owned(), Value::String(meta.level().to_string()));
        line.insert("target".to_owned(), Value::String(meta.target().to_owned()));
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.0.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
                }
            }
        }
        event.record(&mut JsonVisitor(&mut line));
        let mut buf = Vec::with_capacity(256);
        serde_json::to_writer(&mut buf, &line).map_err(|_| fmt::Error)?;
        let _ = buf.write_all(b"\n");
        writer.write_str(&String::from_utf8_lossy(&buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn every_line_is_json_with_the_span_trace_id_on_top() {
        let captured = Captured::default();
        let _guard = init_logging_to(captured.clone());
        let span = tracing::info_span!(
            "request",
            trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
            cell = "planner"
        );
        span.in_scope(|| tracing::info!(tasks = 3, "planned \"quoted\" project"));
        tracing::warn!("outside any request");
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(lines[0]["cell"], "planner");
        assert_eq!(lines[0]["msg"], "planned \"quoted\" project");
        assert_eq!(lines[0]["tasks"], 3);
        assert_eq!(lines[0]["level"], "INFO");
        assert!(lines[1].get("trace_id").is_none());
    }
}
