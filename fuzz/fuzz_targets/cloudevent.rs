//! CloudEvent parsing: arbitrary headers and body sent to a cell's `POST /`
//! handler whose step consumes a `bundle_v1`, as the curator's does. Every
//! outcome must be an HTTP answer; a malformed event must be a 4xx.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use vpm_cell::TraceContext;
use vpm_cell::events::{EventStep, StepOutput, handle};

#[derive(Debug, Arbitrary)]
struct Request<'a> {
    /// Header name index into the CloudEvents vocabulary, or free text.
    headers: Vec<(u8, &'a str, &'a [u8])>,
    body: &'a [u8],
}

const NAMES: &[&str] = &[
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-subject",
    "ce-time",
    "ce-dataschema",
    "ce-traceparent",
    "content-type",
    "traceparent",
];

fuzz_target!(|req: Request<'_>| {
    let mut headers = HeaderMap::new();
    for (i, free, value) in &req.headers {
        let name = match NAMES.get(usize::from(*i)) {
            Some(n) => HeaderName::from_static(n),
            None => match HeaderName::try_from(*free) {
                Ok(n) => n,
                Err(_) => continue,
            },
        };
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.append(name, v);
        }
    }
    let step = EventStep::new(
        "dev.vpm.bundle.v1",
        "dev.vpm.ok.v1",
        |bundle: vpm_model::Bundle, _| async move {
            Ok(StepOutput {
                data: bundle.sources.len(),
                subject: None,
            })
        },
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let response = runtime.block_on(handle(
        "curator",
        &step,
        &headers,
        Bytes::copy_from_slice(req.body),
        TraceContext::new_root(),
    ));
    let status = response.status();
    assert!(
        status.is_success() || status.is_client_error(),
        "an event built from request bytes alone got {status}"
    );
});
