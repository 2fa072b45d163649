//! The contract every cell keeps (SYSTEM.md), checked black-box: each test
//! starts the real binaries of all four cells on free ports and talks HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use vpm_testkit::{Proc, client, metric_sample as sample};

const CELLS: [&str; 4] = ["curator", "planner", "synthesizer", "archivist"];
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0";

fn start(cell: &str, env: &[(&str, &str)]) -> Proc {
    let dir =
        std::env::temp_dir().join(format!("vpm-contract-{cell}-{}", vpm_testkit::free_port()));
    let dir = dir.to_string_lossy().into_owned();
    let mut all = vec![("VPM_DATA_DIR", dir.as_str()), ("VPM_DEBUG_ROUTES", "true")];
    all.extend_from_slice(env);
    Proc::start(cell, &all)
}

fn metrics(proc: &Proc) -> String {
    let r = client().get(proc.url("/metrics")).send().unwrap();
    assert_eq!(r.status(), 200);
    r.text().unwrap()
}

#[test]
fn healthz_answers_exactly_status_ok_on_every_cell() {
    for cell in CELLS {
        let proc = start(cell, &[]);
        let r = client().get(proc.url("/healthz")).send().unwrap();
        assert_eq!(r.status(), 200, "{cell}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(r.text().unwrap(), r#"{"status":"ok"}"#, "{cell}");
        let ready = client().get(proc.url("/readyz")).send().unwrap();
        assert_eq!(ready.status(), 200, "{cell} readyz");
    }
}

#[test]
fn metrics_negotiates_text_004_by_default_and_openmetrics_when_asked() {
    for cell in CELLS {
        let proc = start(cell, &[]);
        let plain = client().get(proc.url("/metrics")).send().unwrap();
        assert_eq!(
            plain.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let body = plain.text().unwrap();
        assert!(
            body.contains("# TYPE hello_ai_requests_total counter"),
            "{cell}:\n{body}"
        );
        assert!(!body.contains("# EOF"));

        let om = client()
            .get(proc.url("/metrics"))
            .header("accept", OPENMETRICS)
            .send()
            .unwrap();
        assert_eq!(
            om.headers()["content-type"],
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        let body = om.text().unwrap();
        assert!(
            body.contains("# TYPE hello_ai_requests counter"),
            "{cell}:\n{body}"
        );
        assert!(
            body.ends_with("# EOF\n"),
            "{cell}: OpenMetrics must end with # EOF"
        );
    }
}

#[test]
fn counters_go_up_by_exactly_n_under_the_route_template() {
    let proc = start("planner", &[]);
    let before = metrics(&proc);
    let labels = [
        ("route", "/v1/debug/sleep/{ms}"),
        ("method", "GET"),
        ("code", "200"),
    ];
    let start_value = sample(&before, "hello_ai_requests_total", &labels).unwrap_or(0.0);
    let n = 7;
    for i in 0..n {
        let r = client()
            .get(proc.url(&format!("/v1/debug/sleep/{i}")))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let after = metrics(&proc);
    assert_eq!(
        sample(&after, "hello_ai_requests_total", &labels),
        Some(start_value + n as f64)
    );
    assert_eq!(
        sample(
            &after,
            "hello_ai_request_duration_seconds_count",
            &[("route", "/v1/debug/sleep/{ms}"), ("method", "GET")]
        ),
        Some(n as f64)
    );
    for i in 0..n {
        assert!(
            !after.contains(&format!("/v1/debug/sleep/{i}\"")),
            "a raw path became a label"
        );
    }
}

#[test]
fn unmatched_paths_share_one_constant_label_and_never_become_labels() {
    let proc = start("curator", &[]);
    let paths = [
        "/nope",
        "/wp-admin/setup.php",
        "/v1/does/not/exist/4711",
        "/%F0%9F%90%9B",
    ];
    for path in paths {
        let r = client().get(proc.url(path)).send().unwrap();
        assert_eq!(r.status(), 404);
        let body: serde_json::Value = r.json().unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
    let text = metrics(&proc);
    let labels = [("route", "unmatched"), ("method", "GET"), ("code", "404")];
    assert_eq!(
        sample(&text, "hello_ai_requests_total", &labels),
        Some(paths.len() as f64)
    );
    for path in paths {
        assert!(!text.contains(path), "{path} leaked into a label");
    }
    // A known path with the wrong method is a 405 on its template, not unmatched.
    let r = client().delete(proc.url("/healthz")).send().unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key("allow"));
    let text = metrics(&proc);
    assert_eq!(
        sample(
            &text,
            "hello_ai_requests_total",
            &[("route", "/healthz"), ("method", "DELETE"), ("code", "405")]
        ),
        Some(1.0)
    );
}

#[test]
fn duration_histogram_has_fine_buckets_and_the_one_second_slo_bucket() {
    let proc = start("synthesizer", &[]);
    client().get(proc.url("/healthz")).send().unwrap();
    let text = metrics(&proc);
    let les: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("hello_ai_request_duration_seconds_bucket{route=\"/healthz\""))
        .filter_map(|l| {
            l.split("le=\"")
                .nth(1)?
                .split('"')
                .next()
                .map(str::to_owned)
        })
        .collect();
    let bounds: Vec<f64> = les
        .iter()
        .filter(|l| *l != "+Inf")
        .map(|l| l.parse().unwrap())
        .collect();
    // Tell 200 µs from 2 ms: at least one bound between them, and several below 5 ms.
    assert!(bounds.iter().any(|&b| b > 0.0002 && b < 0.002), "{les:?}");
    assert!(
        bounds.iter().filter(|&&b| b < 0.005).count() >= 4,
        "{les:?}"
    );
    assert!(
        les.iter().any(|l| l == "1"),
        "no bucket at exactly 1 s: {les:?}"
    );
    assert_eq!(les.last().map(String::as_str), Some("+Inf"));
}

#[test]
fn build_info_up_and_process_metrics_are_exported() {
    for cell in CELLS {
        let proc = start(cell, &[]);
        let text = metrics(&proc);
        let info_line = text
            .lines()
            .find(|l| l.starts_with("hello_ai_build_info{"))
            .unwrap_or_else(|| panic!("{cell}: no hello_ai_build_info"));
        assert!(
            info_line.contains(&format!("service=\"{cell}\"")),
            "{info_line}"
        );
        assert!(
            info_line.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))),
            "{info_line}"
        );
        assert!(info_line.contains("commit=\""), "{info_line}");
        assert!(info_line.ends_with(" 1"), "{info_line}");
        assert_eq!(sample(&text, "hello_ai_up", &[]), Some(1.0), "{cell}");
        for name in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_virtual_memory_bytes",
            "process_start_time_seconds",
            "process_open_fds",
            "process_max_fds",
        ] {
            let v = sample(&text, name, &[]).unwrap_or_else(|| panic!("{cell}: {name} missing"));
            assert!(v >= 0.0);
        }
        let rss = sample(&text, "process_resident_memory_bytes", &[]).unwrap();
        assert!(rss > 100_000.0, "{cell}: implausible RSS {rss}");
    }
}

#[test]
fn traceparent_is_continued_and_every_request_log_line_carries_the_trace_id() {
    let proc = start("archivist", &[("VPM_LOG", "debug")]);
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = client()
        .get(proc.url("/v1/debug/sleep/1"))
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .send()
        .unwrap();
    let answered = r.headers()["traceparent"].to_str().unwrap().to_owned();
    assert!(answered.starts_with(&format!("00-{trace}-")), "{answered}");
    assert!(
        !answered.contains("00f067aa0ba902b7"),
        "the cell must answer with its own span id"
    );

    // A malformed traceparent starts a fresh trace instead of failing.
    let r = client()
        .get(proc.url("/healthz"))
        .header("traceparent", "garbage")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!r.headers()["traceparent"].to_str().unwrap().contains(trace));

    // The trace id shows up as an exemplar on the duration histogram.
    let om = client()
        .get(proc.url("/metrics"))
        .header("accept", OPENMETRICS)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        om.contains(&format!("# {{trace_id=\"{trace}\"}}")),
        "no exemplar:\n{om}"
    );

    std::thread::sleep(Duration::from_millis(200));
    let lines = proc.json_logs();
    assert!(!lines.is_empty(), "no JSON log lines");
    let request_lines: Vec<_> = lines.iter().filter(|l| l.get("path").is_some()).collect();
    assert!(!request_lines.is_empty(), "no request log lines: {lines:?}");
    for line in &request_lines {
        assert!(
            line["trace_id"].as_str().is_some_and(|t| t.len() == 32),
            "{line}"
        );
    }
    assert!(request_lines.iter().any(|l| l["trace_id"] == trace));
}

#[test]
fn sigterm_lets_the_slow_request_finish_answers_503_on_readyz_and_exits_zero() {
    let mut proc = start(
        "curator",
        &[("VPM_DRAIN_DELAY", "1500ms"), ("VPM_SHUTDOWN_GRACE", "10s")],
    );
    let slow_url = proc.url("/v1/debug/sleep/2500");
    let slow = std::thread::spawn(move || {
        let r = client().get(slow_url).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    });
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    proc.signal(libc_sigterm());

    std::thread::sleep(Duration::from_millis(200));
    let ready = client().get(proc.url("/readyz")).send().unwrap();
    assert_eq!(ready.status(), 503, "readyz must say 503 while draining");
    let body: serde_json::Value = ready.json().unwrap();
    assert_eq!(body["status"], "draining");
    let om = client()
        .get(proc.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        sample(&om, "hello_ai_up", &[]),
        Some(0.0),
        "hello_ai_up must drop to 0 at once"
    );

    let (status, body) = slow.join().unwrap();
    assert_eq!(status, 200, "the in-flight request must complete: {body}");
    let exit = proc
        .wait_exit(Duration::from_secs(12))
        .expect("must exit within the grace period");
    assert!(exit.success(), "exit status {exit:?}");
    assert!(signalled.elapsed() < Duration::from_secs(12));
}

#[test]
fn grace_period_bounds_the_drain() {
    let mut proc = start("planner", &[("VPM_SHUTDOWN_GRACE", "500ms")]);
    let slow_url = proc.url("/v1/debug/sleep/30000");
    std::thread::spawn(move || {
        let _ = client().get(slow_url).send();
    });
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    proc.signal(libc_sigterm());
    let exit = proc
        .wait_exit(Duration::from_secs(10))
        .expect("must exit once the grace period is over");
    assert!(exit.success());
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "took {:?}",
        signalled.elapsed()
    );
}

#[test]
fn overload_is_shed_fast_with_503_and_retry_after() {
    let k = 4;
    let proc = start("synthesizer", &[("VPM_CONCURRENCY_LIMIT", "4")]);
    let burst = 40;
    let url = proc.url("/v1/debug/sleep/1500");
    let started = Instant::now();
    let handles: Vec<_> = (0..burst)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let t = Instant::now();
                let r = client().get(url).send().unwrap();
                let retry_after = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_owned());
                let status = r.status().as_u16();
                let body: serde_json::Value = r.json().unwrap();
                (status, retry_after, body, t.elapsed())
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|r| r.0 == 200).count();
    let shed: Vec<_> = results.iter().filter(|r| r.0 == 503).collect();
    assert_eq!(
        ok + shed.len(),
        burst,
        "only 200 and 503 expected: {results:?}"
    );
    assert!(ok >= 1 && ok <= k, "at most k requests may run: {ok} ran");
    assert!(shed.len() >= burst - k);
    for (_, retry_after, body, elapsed) in shed {
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body["error"]["code"], "overloaded");
        assert!(
            *elapsed < Duration::from_millis(1000),
            "a shed request waited {elapsed:?}"
        );
    }
    // Nothing hung: the whole burst is over shortly after the admitted ones finish.
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = metrics(&proc);
    let shed_count = sample(
        &text,
        "hello_ai_requests_total",
        &[
            ("route", "/v1/debug/sleep/{ms}"),
            ("method", "GET"),
            ("code", "503"),
        ],
    );
    assert_eq!(shed_count, Some((burst - ok) as f64));
}

#[test]
fn an_oversized_body_gets_a_413_json_error() {
    let proc = start("curator", &[("VPM_MAX_BODY_BYTES", "1024")]);
    let r = client()
        .post(proc.url("/"))
        .header("content-type", "application/json")
        .body(vec![b'x'; 4096])
        .send()
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[test]
fn describes_itself_and_publishes_openapi_31() {
    for cell in CELLS {
        let proc = start(cell, &[]);
        let d: serde_json::Value = client().get(proc.url("/")).send().unwrap().json().unwrap();
        assert_eq!(d["name"], cell);
        assert_eq!(d["version"], env!("CARGO_PKG_VERSION"));
        let endpoints: Vec<String> = d["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap(),
                    e["path"].as_str().unwrap()
                )
            })
            .collect();
        for required in [
            "GET /healthz",
            "GET /readyz",
            "GET /metrics",
            "GET /openapi.json",
        ] {
            assert!(
                endpoints.iter().any(|e| e == required),
                "{cell}: {endpoints:?}"
            );
        }
        let doc: serde_json::Value = client()
            .get(proc.url("/openapi.json"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/healthz"]["get"].is_object());
    }
}

fn libc_sigterm() -> i32 {
    15
}
