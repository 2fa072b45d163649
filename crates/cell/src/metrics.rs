//! The Prometheus metrics every cell exports, with the names fixed by the
//! system contract, and their exposition in both text formats.
//!
//! Each cell owns one [`Registry`]: when `vpm up` runs four cells in one
//! process, each `/metrics` still describes only its own traffic (the
//! `process_*` families, being about the process, are the same in all four).

mod negotiate;
mod process;

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::exemplar::HistogramWithExemplars;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use negotiate::ExpositionFormat;

/// Upper bounds of `hello_ai_request_duration_seconds`, in seconds.
///
/// Dense below 5 ms so a 200 µs answer and a 2 ms answer land in different
/// buckets, and with a bound at exactly 1 s, the latency SLO threshold, so
/// `le="1"` counts the requests that met it.
pub const DURATION_BUCKETS: [f64; 17] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

/// The `route` label of requests that matched no route: one constant value,
/// so that scanners probing random paths cannot grow the label set.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Labels of `hello_ai_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: Arc<str>,
    pub method: MethodLabel,
    pub code: u16,
}

/// Labels of `hello_ai_request_duration_seconds`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DurationLabels {
    pub route: Arc<str>,
    pub method: MethodLabel,
}

/// The exemplar attached to a duration observation (OpenMetrics only).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TraceExemplar {
    pub trace_id: String,
}

/// The HTTP method as a label: the standard methods by name, anything else
/// folded into `OTHER` so a client cannot invent label values.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(clippy::upper_case_acronyms)]
pub enum MethodLabel {
    GET,
    HEAD,
    POST,
    PUT,
    DELETE,
    PATCH,
    OPTIONS,
    OTHER,
}

impl From<&axum::http::Method> for MethodLabel {
    fn from(method: &axum::http::Method) -> Self {
        use axum::http::Method;
        match *method {
            Method::GET => Self::GET,
            Method::HEAD => Self::HEAD,
            Method::POST => Self::POST,
            Method::PUT => Self::PUT,
            Method::DELETE => Self::DELETE,
            Method::PATCH => Self::PATCH,
            Method::OPTIONS => Self::OPTIONS,
            _ => Self::OTHER,
        }
    }
}

#[derive(Clone, Debug)]
struct DurationHistogram;

impl MetricConstructor<HistogramWithExemplars<TraceExemplar>> for DurationHistogram {
    fn new_metric(&self) -> HistogramWithExemplars<TraceExemplar> {
        HistogramWithExemplars::new(DURATION_BUCKETS.into_iter())
    }
}

/// Labels of `hello_ai_build_info`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    service: String,
    version: String,
    commit: String,
}

/// One cell's registry and the handles the runtime records into.
#[derive(Debug)]
pub struct CellMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<DurationLabels, HistogramWithExemplars<TraceExemplar>, DurationHistogram>,
    up: Gauge,
}

impl CellMetrics {
    /// A registry holding the contract's families for `service`.
    pub fn new(service: &str, version: &str, commit: &str) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "hello_ai_requests",
            "HTTP requests answered, by route template, method and status code",
            requests.clone(),
        );
        let durations = Family::new_with_constructor(DurationHistogram);
        registry.register(
            "hello_ai_request_duration_seconds",
            "Time from receiving a request to sending its response head, by route template and method",
            durations.clone(),
        );
        let up = Gauge::default();
        registry.register(
            "hello_ai_up",
            "1 while the cell serves, 0 once shutdown has begun",
            up.clone(),
        );
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                service: service.to_owned(),
                version: version.to_owned(),
                commit: commit.to_owned(),
            })
            .set(1);
        registry.register(
            "hello_ai_build_info",
            "Always 1; the labels say which build of which cell is running",
            build_info,
        );
        registry.register_collector(Box::new(process::ProcessCollector));
        Self {
            registry,
            requests,
            durations,
            up,
        }
    }

    /// Where a cell registers metrics of its own domain.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Records one answered request.
    pub fn observe(
        &self,
        route: Arc<str>,
        method: MethodLabel,
        code: u16,
        seconds: f64,
        trace_id: Option<&str>,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method,
                code,
            })
            .inc();
        let exemplar = trace_id.map(|id| TraceExemplar {
            trace_id: id.to_owned(),
        });
        self.durations
            .get_or_create(&DurationLabels { route, method })
            .observe(seconds, exemplar, None);
    }

    /// Sets `hello_ai_up`.
    pub fn set_up(&self, up: bool) {
        self.up.set(i64::from(up));
    }

    /// The current `hello_ai_up` value, for tests and readiness.
    pub fn is_up(&self) -> bool {
        self.up.get() == 1
    }

    /// Encodes every family in `format`.
    pub fn encode(&self, format: ExpositionFormat) -> Result<String, std::fmt::Error> {
        let mut out = String::with_capacity(8 * 1024);
        match format {
            ExpositionFormat::OpenMetrics => {
                prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
            }
            ExpositionFormat::Text004 => {
                prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
            }
        }
        Ok(out)
    }

    /// The `/metrics` response for a request that sent `accept`.
    pub fn exposition(&self, accept: Option<&HeaderValue>) -> Response {
        let format = ExpositionFormat::negotiate(accept.and_then(|v| v.to_str().ok()));
        match self.encode(format) {
            Ok(body) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(format.content_type()),
                )],
                body,
            )
                .into_response(),
            Err(_) => {
                crate::error::ApiError::internal("metrics could not be encoded").into_response()
            }
        }
    }
}

/// A histogram with the same buckets as the request durations, for cells
/// that time their own domain steps.
pub fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// `StatusCode` as the numeric label value.
pub fn code_label(status: StatusCode) -> u16 {
    status.as_u16()
}
