//! Logs: JSON lines for machines, short readable lines for a person.
//!
//! Where logs are collected (a container, a pipe, a file) every line is one
//! JSON object with the trace id at the top level. Fields of the enclosing
//! spans (the cell's `cell`, the request's `trace_id`, `method`, `path`) are
//! copied onto every event, so each line stands alone: `jq
//! 'select(.trace_id == "…")'` over the logs of all four cells gives one
//! run's story.
//!
//! On a terminal the same events are written for a person
//! ([`LogFormat::Text`]): the time, the level, the cell and the message,
//! then the event's own fields as `key=value`; a request is one short line
//! (`12:01:33 curator     POST / 200 3 ms`), and a message too long for one
//! line is wrapped. Colour marks levels and statuses unless `NO_COLOR` is
//! set. Which format is chosen ([`LogFormat::choose`]):
//!
//! | `VPM_LOG_FORMAT` | the log stream is a terminal | otherwise |
//! |---|---|---|
//! | unset, empty or `auto` | text | JSON |
//! | `json` | JSON | JSON |
//! | `text` | text | text |
//!
//! Text is coloured when the stream is a terminal and `NO_COLOR` is unset
//! or empty; `CLICOLOR_FORCE` (set, not `0`) colours text written to a
//! pipe too. `NO_COLOR` wins over both. Any other `VPM_LOG_FORMAT` is a
//! setting the process cannot use ([`ConfigError`]).

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{IsTerminal as _, Write as _};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Record};
use tracing::{Event, Id, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::ConfigError;

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// Services log to stdout, as the twelve-factor app does.
    Stdout,
    /// The CLI keeps stdout for its output and logs to stderr.
    Stderr,
}

impl LogStream {
    fn is_terminal(self) -> bool {
        match self {
            LogStream::Stdout => std::io::stdout().is_terminal(),
            LogStream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (see the module documentation).
    Json,
    /// One short line per event for a person, coloured or not.
    Text { color: bool },
}

impl LogFormat {
    /// The format for a stream, from `VPM_LOG_FORMAT`, `NO_COLOR` and
    /// `CLICOLOR_FORCE` (read through `env`) and whether the stream is a
    /// terminal; the table in the module documentation.
    pub fn choose(
        env: impl Fn(&str) -> Option<String>,
        is_terminal: bool,
    ) -> Result<LogFormat, ConfigError> {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        let text = match set("VPM_LOG_FORMAT").as_deref() {
            None | Some("auto") => is_terminal,
            Some("text") => true,
            Some("json") => false,
            Some(other) => {
                return Err(ConfigError {
                    name: "VPM_LOG_FORMAT".to_owned(),
                    value: other.to_owned(),
                    reason: "must be json, text or auto (text on a terminal, JSON otherwise)"
                        .to_owned(),
                });
            }
        };
        if !text {
            return Ok(LogFormat::Json);
        }
        let forced = set("CLICOLOR_FORCE").is_some_and(|v| v != "0");
        let color = set("NO_COLOR").is_none() && (is_terminal || forced);
        Ok(LogFormat::Text { color })
    }
}

/// Installs the global logger for `stream`, in the format
/// [`LogFormat::choose`] picks from the environment. `VPM_LOG` sets the
/// filter (`default_filter` when unset; any `tracing` directive such as
/// `warn,vpm_cell=debug` works).
///
/// A `VPM_LOG_FORMAT` the process cannot use is returned as an error after
/// a JSON logger has been installed, so the caller can log it and stop with
/// its configuration exit code. Calling this twice is harmless: the first
/// logger stays.
pub fn init_logging(stream: LogStream, default_filter: &str) -> Result<LogFormat, ConfigError> {
    let chosen = LogFormat::choose(|name| std::env::var(name).ok(), stream.is_terminal());
    let format = chosen.as_ref().map_or(LogFormat::Json, |f| *f);
    let filter =
        EnvFilter::try_from_env("VPM_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    let fmt = tracing_subscriber::fmt::layer().event_format(Lines(format));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(SpanFieldsLayer);
    let _ = match stream {
        LogStream::Stdout => registry.with(fmt.with_writer(std::io::stdout)).try_init(),
        LogStream::Stderr => registry.with(fmt.with_writer(std::io::stderr)).try_init(),
    };
    chosen
}

/// Installs a JSON logger writing to `writer`, for tests that read log lines.
pub fn init_logging_to<W>(writer: W) -> tracing::subscriber::DefaultGuard
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    init_logging_as(LogFormat::Json, writer)
}

/// Installs a logger in `format` writing to `writer`, for tests.
pub fn init_logging_as<W>(format: LogFormat, writer: W) -> tracing::subscriber::DefaultGuard
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let fmt = tracing_subscriber::fmt::layer()
        .event_format(Lines(format))
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

/// The event formatter of either [`LogFormat`].
struct Lines(LogFormat);

impl<S, N> FormatEvent<S, N> for Lines
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
        // The enclosing spans' fields, then the event's own.
        let mut spans = Map::new();
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    spans.extend(fields.0.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
                }
            }
        }
        let mut own = Map::new();
        event.record(&mut JsonVisitor(&mut own));
        match self.0 {
            LogFormat::Json => {
                let mut line = Map::new();
                line.insert(
                    "ts".to_owned(),
                    Value::String(
                        humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
                    ),
                );
                line.insert("level".to_owned(), Value::String(meta.level().to_string()));
                line.insert("target".to_owned(), Value::String(meta.target().to_owned()));
                line.extend(spans);
                line.extend(own);
                let mut buf = Vec::with_capacity(256);
                serde_json::to_writer(&mut buf, &line).map_err(|_| fmt::Error)?;
                let _ = buf.write_all(b"\n");
                writer.write_str(&String::from_utf8_lossy(&buf))
            }
            LogFormat::Text { color } => {
                let now = chrono::Local::now().format("%H:%M:%S").to_string();
                let line = text_line(&now, *meta.level(), &spans, own, color);
                writer.write_str(&line)
            }
        }
    }
}

/// The widest a text line's message runs before it is wrapped: with the
/// 27 columns before it, a line fits a 110-column terminal.
const TEXT_WIDTH: usize = 80;

/// ANSI SGR sequences for the text format.
mod sgr {
    pub const RESET: &str = "\x1b[0m";
    pub const DIM: &str = "\x1b[2m";
    pub const BOLD: &str = "\x1b[1m";
    pub const RED: &str = "\x1b[1;31m";
    pub const YELLOW: &str = "\x1b[1;33m";
    pub const GREEN: &str = "\x1b[32m";
    pub const BLUE: &str = "\x1b[34m";
    pub const MAGENTA: &str = "\x1b[35m";
    pub const CYAN: &str = "\x1b[36m";
}

/// `text` wrapped in `style` when colouring.
fn paint<'a>(text: &'a str, style: &str, color: bool) -> Cow<'a, str> {
    if color {
        Cow::Owned(format!("{style}{text}{}", sgr::RESET))
    } else {
        Cow::Borrowed(text)
    }
}

/// A field's value for a person: strings as they are (escaped for the
/// terminal, quoted when they hold spaces or are empty), other values as
/// JSON writes them.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() || s.contains([' ', '=', '"']) => {
            crate::terminal::line(&format!("{s:?}")).into_owned()
        }
        Value::String(s) => crate::terminal::line(s).into_owned(),
        other => other.to_string(),
    }
}

fn as_str<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// One event as text: `HH:MM:SS LEVEL cell message key=value…`, or for a
/// request's `answered` event `HH:MM:SS cell METHOD path STATUS N ms`.
/// Span fields other than `cell` (trace and span ids, the request's method
/// and path) are left out, except the trace id of a warning or error.
fn text_line(
    now: &str,
    level: Level,
    spans: &Map<String, Value>,
    mut own: Map<String, Value>,
    color: bool,
) -> String {
    let cell = as_str(spans, "cell").unwrap_or("vpm");
    let mut out = String::with_capacity(128);
    let _ = write!(out, "{} ", paint(now, sgr::DIM, color));
    let message = match own.remove("msg") {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let cell_col = format!("{:<11}", crate::terminal::line(cell));
    if message == "answered"
        && let Some(status) = own.get("status").and_then(Value::as_u64)
    {
        let method = as_str(spans, "method").unwrap_or("?");
        let path = as_str(spans, "path").unwrap_or("?");
        let millis = own.get("micros").and_then(Value::as_u64).unwrap_or(0) as f64 / 1000.0;
        let status_style = match status {
            500.. => sgr::RED,
            400..500 => sgr::YELLOW,
            _ => sgr::GREEN,
        };
        let _ = write!(
            out,
            "{} {} {} {} {}",
            paint(&cell_col, sgr::CYAN, color),
            crate::terminal::line(method),
            crate::terminal::line(path),
            paint(&status.to_string(), status_style, color),
            paint(&format_millis(millis), sgr::DIM, color),
        );
        if status >= 500
            && let Some(trace) = as_str(spans, "trace_id")
        {
            let _ = write!(
                out,
                " {}",
                paint(
                    &format!("trace={}", show(&Value::from(trace))),
                    sgr::DIM,
                    color
                )
            );
        }
        out.push('\n');
        return out;
    }
    let (label, style) = match level {
        Level::ERROR => ("ERROR", sgr::RED),
        Level::WARN => ("WARN ", sgr::YELLOW),
        Level::INFO => ("INFO ", sgr::GREEN),
        Level::DEBUG => ("DEBUG", sgr::BLUE),
        Level::TRACE => ("TRACE", sgr::MAGENTA),
    };
    let _ = write!(
        out,
        "{} {} ",
        paint(label, style, color),
        paint(&cell_col, sgr::CYAN, color)
    );
    // A warning or error is worth following across the cells.
    if level <= Level::WARN
        && !own.contains_key("trace_id")
        && let Some(trace) = spans.get("trace_id")
    {
        own.insert("trace_id".to_owned(), trace.clone());
    }
    let loud = level <= Level::WARN;
    let indent = " ".repeat(9 + 6 + 12);
    for (i, piece) in wrap(&crate::terminal::line(&message), TEXT_WIDTH)
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.push('\n');
            out.push_str(&indent);
        }
        if loud {
            out.push_str(&paint(piece, sgr::BOLD, color));
        } else {
            out.push_str(piece);
        }
    }
    for (key, value) in &own {
        let _ = write!(
            out,
            " {}{}",
            paint(&format!("{}=", crate::terminal::line(key)), sgr::DIM, color),
            show(value)
        );
    }
    out.push('\n');
    out
}

/// `ms` with a precision that suits its size: `0.21 ms`, `3.4 ms`, `120 ms`.
fn format_millis(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// `text` in pieces of at most `width` characters, broken at spaces (a
/// word longer than `width` stays whole). Linear in the text's length.
fn wrap(text: &str, width: usize) -> Vec<&str> {
    let text = text.trim_end();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut count = 0;
    let mut last_space = None;
    for (i, c) in text.char_indices() {
        if c == ' ' {
            last_space = Some(i);
        }
        count += 1;
        if count > width
            && let Some(space) = last_space.filter(|&s| s > start)
        {
            pieces.push(&text[start..space]);
            start = space + 1;
            count = text[start..i + c.len_utf8()].chars().count();
            last_space = None;
        }
    }
    pieces.push(&text[start..]);
    pieces
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

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn a_terminal_gets_coloured_text_and_a_pipe_json() {
        assert_eq!(
            LogFormat::choose(env(&[]), true),
            Ok(LogFormat::Text { color: true })
        );
        assert_eq!(LogFormat::choose(env(&[]), false), Ok(LogFormat::Json));
        // Empty and `auto` mean unset.
        for unset in ["", "auto"] {
            let vars = [("VPM_LOG_FORMAT", unset)];
            assert_eq!(
                LogFormat::choose(env(&vars), true),
                Ok(LogFormat::Text { color: true })
            );
            assert_eq!(LogFormat::choose(env(&vars), false), Ok(LogFormat::Json));
        }
    }

    #[test]
    fn vpm_log_format_overrides_the_terminal_check() {
        let json = [("VPM_LOG_FORMAT", "json")];
        assert_eq!(LogFormat::choose(env(&json), true), Ok(LogFormat::Json));
        let text = [("VPM_LOG_FORMAT", "text")];
        assert_eq!(
            LogFormat::choose(env(&text), false),
            Ok(LogFormat::Text { color: false })
        );
        assert_eq!(
            LogFormat::choose(env(&text), true),
            Ok(LogFormat::Text { color: true })
        );
        let wrong = LogFormat::choose(env(&[("VPM_LOG_FORMAT", "yaml")]), true).unwrap_err();
        assert_eq!(wrong.name, "VPM_LOG_FORMAT");
        assert!(wrong.reason.contains("json, text or auto"), "{wrong}");
    }

    #[test]
    fn no_color_wins_and_clicolor_force_colours_a_pipe() {
        let no_color = [("NO_COLOR", "1")];
        assert_eq!(
            LogFormat::choose(env(&no_color), true),
            Ok(LogFormat::Text { color: false })
        );
        // NO_COLOR set but empty does not count (no-color.org).
        assert_eq!(
            LogFormat::choose(env(&[("NO_COLOR", "")]), true),
            Ok(LogFormat::Text { color: true })
        );
        let forced = [("VPM_LOG_FORMAT", "text"), ("CLICOLOR_FORCE", "1")];
        assert_eq!(
            LogFormat::choose(env(&forced), false),
            Ok(LogFormat::Text { color: true })
        );
        // Forcing colour does not turn a pipe's JSON into text.
        assert_eq!(
            LogFormat::choose(env(&[("CLICOLOR_FORCE", "1")]), false),
            Ok(LogFormat::Json)
        );
        let off = [("VPM_LOG_FORMAT", "text"), ("CLICOLOR_FORCE", "0")];
        assert_eq!(
            LogFormat::choose(env(&off), false),
            Ok(LogFormat::Text { color: false })
        );
        let both = [
            ("VPM_LOG_FORMAT", "text"),
            ("CLICOLOR_FORCE", "1"),
            ("NO_COLOR", "1"),
        ];
        assert_eq!(
            LogFormat::choose(env(&both), false),
            Ok(LogFormat::Text { color: false })
        );
    }

    fn text_of(color: bool, emit: impl FnOnce()) -> String {
        let captured = Captured::default();
        let guard = init_logging_as(LogFormat::Text { color }, captured.clone());
        emit();
        drop(guard);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_request_is_one_short_line_on_a_terminal() {
        let text = text_of(false, || {
            let span = tracing::info_span!(
                "request",
                trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                method = "POST",
                path = "/v1/records",
                cell = "archivist"
            );
            span.in_scope(|| {
                tracing::info!(
                    status = 201u64,
                    route = "/v1/records",
                    micros = 3400u64,
                    "answered"
                )
            });
        });
        // HH:MM:SS, the cell, method, path, status, milliseconds: nothing else.
        let line = text.strip_suffix('\n').unwrap();
        assert!(!line.contains('\n'), "{text}");
        let (time, rest) = line.split_at(8);
        assert!(
            time.chars().all(|c| c.is_ascii_digit() || c == ':'),
            "{line}"
        );
        assert_eq!(
            rest.split_whitespace().collect::<Vec<_>>(),
            ["archivist", "POST", "/v1/records", "201", "3.4", "ms"]
        );
        assert!(!text.contains('{') && !text.contains('\x1b'), "{text}");
    }

    #[test]
    fn text_is_coloured_only_when_asked_and_input_is_escaped() {
        let emit = || {
            tracing::warn!(file = "a\x1b[2Jb", "cannot read \x1b]0;title\x07 it");
        };
        let plain = text_of(false, emit);
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert!(plain.contains("WARN"), "{plain}");
        assert!(
            plain.contains("cannot read \\x1b]0;title\\x07 it"),
            "{plain}"
        );
        assert!(plain.contains("file=a\\x1b[2Jb"), "{plain}");
        let coloured = text_of(true, emit);
        assert!(coloured.contains("\x1b[1;33mWARN"), "{coloured:?}");
        // The only escapes are the formatter's own SGR sequences.
        assert!(
            !coloured.contains("\x1b[2J") && !coloured.contains("\x1b]0"),
            "{coloured:?}"
        );
    }

    #[test]
    fn a_long_warning_is_wrapped_into_a_few_indented_lines() {
        let long = "word ".repeat(60);
        let text = text_of(false, || tracing::warn!("{long}"));
        let lines: Vec<&str> = text.lines().collect();
        // 60 words of 4 letters, at most 80 characters a line: 16 a line.
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(text.matches("word").count(), 60, "{text}");
        assert!(
            lines.iter().all(|l| l.chars().count() <= 27 + TEXT_WIDTH),
            "{text}"
        );
        assert!(lines[1].starts_with(&" ".repeat(27)), "{text}");
    }

    #[test]
    fn wrapping_keeps_every_word_and_a_long_word_whole() {
        let pieces = wrap("aaa bbb ccc", 7);
        assert_eq!(pieces, ["aaa bbb", "ccc"]);
        let long = "x".repeat(30);
        let text = format!("ab {long} cd");
        assert_eq!(wrap(&text, 10), ["ab", long.as_str(), "cd"]);
        assert_eq!(wrap("日本語 のテキスト", 4), ["日本語", "のテキスト"]);
    }
}
