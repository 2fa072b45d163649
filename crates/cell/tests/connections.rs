//! The connection-level defences, attacked the way an attacker would: raw
//! TCP sockets that send nothing, half a head, a trickled body, or too many
//! connections; heads too large; the metrics-only port. Each test serves an
//! in-process cell on port 0 with short timeouts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Json;
use axum::routing::post;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use vpm_cell::utoipa_axum::router::OpenApiRouter;
use vpm_cell::{Cell, CellApp, CellContext, RuntimeConfig, Shutdown, ShutdownTrigger};

/// A cell with one route of its own behind admission control:
/// `POST /v1/echo` answers the JSON it was sent.
struct Echo;

impl Cell for Echo {
    const NAME: &'static str = "echo";
    const DEFAULT_PORT: u16 = 0;
    const SUMMARY: &'static str = "Echoes JSON.";

    async fn build(self, _ctx: &mut CellContext<'_>) -> anyhow::Result<CellApp> {
        let routes = OpenApiRouter::new().route(
            "/v1/echo",
            post(|Json(v): Json<serde_json::Value>| async move { Json(v) }),
        );
        Ok(CellApp::new(routes))
    }
}

struct Running {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    trigger: ShutdownTrigger,
    server: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn stop(self) {
        self.trigger.trigger();
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .expect("the cell drains within 10 s")
            .unwrap()
            .unwrap();
    }
}

/// Short timeouts, so that attacks resolve in a test's time.
fn config() -> RuntimeConfig {
    let mut config = RuntimeConfig::defaults(0);
    config.host = [127, 0, 0, 1].into();
    // `/v1/debug/sleep` makes the admission layer apply to `/v1/echo` too.
    config.debug_routes = true;
    config.header_read_timeout = Duration::from_millis(300);
    config.idle_timeout = Duration::from_millis(1500);
    config.body_timeout = Duration::from_secs(1);
    config.shutdown_grace = Duration::from_secs(5);
    config
}

async fn start(config: RuntimeConfig) -> Running {
    let bound = vpm_cell::bind(Echo, config).await.unwrap();
    let addr = bound.local_addr();
    let metrics_addr = bound.metrics_addr();
    let (trigger, shutdown) = Shutdown::manual();
    let server = tokio::spawn(bound.serve(shutdown));
    Running {
        addr,
        metrics_addr,
        trigger,
        server,
    }
}

/// Reads until the server closes the connection (or resets it); returns
/// how long that took, or `None` if it was still open after `within`.
async fn time_to_close(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((start + within).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

/// One HTTP/1.1 response read off a raw socket: status, headers, body.
async fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed before a response head");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while raw.len() < head_end + length {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed inside a response body");
        raw.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&raw[head_end..head_end + length]).into_owned();
    (status, head, body)
}

fn error_code(body: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| {
        panic!("not a JSON error body ({e}): {body:?}");
    });
    json["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_read_timeout() {
    let cell = start(config()).await;
    let mut silent = TcpStream::connect(cell.addr).await.unwrap();
    let closed = time_to_close(&mut silent, Duration::from_millis(300 + 2000)).await;
    println!("silent connection closed after {closed:?} (header-read timeout 300 ms)");
    assert!(closed.is_some(), "a silent connection was still open");
    cell.stop().await;
}

#[tokio::test]
async fn half_a_head_or_a_trickled_head_is_closed_after_the_header_read_timeout() {
    let cell = start(config()).await;
    let mut half = TcpStream::connect(cell.addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x")
        .await
        .unwrap();
    let closed = time_to_close(&mut half, Duration::from_millis(300 + 2000)).await;
    println!("half-head connection closed after {closed:?}");
    assert!(
        closed.is_some(),
        "a connection with half a head was still open"
    );

    // A byte every 100 ms keeps the socket busy but never completes the head.
    let mut trickle = TcpStream::connect(cell.addr).await.unwrap();
    let start = Instant::now();
    let mut closed_after = None;
    for byte in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
        .iter()
        .cycle()
    {
        if trickle.write_all(&[*byte]).await.is_err() {
            closed_after = Some(start.elapsed());
            break;
        }
        if start.elapsed() > Duration::from_secs(5) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("trickled head cut after {closed_after:?}");
    assert!(
        closed_after.is_some_and(|t| t < Duration::from_millis(300 + 2500)),
        "a trickled head kept its connection: {closed_after:?}"
    );
    cell.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout_not_before() {
    let cell = start(config()).await;
    let mut conn = TcpStream::connect(cell.addr).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (status, _, _) = read_response(&mut conn).await;
    assert_eq!(status, 200);

    // Idle for longer than the header-read timeout: still open and usable,
    // since the idle timeout (1.5 s) governs between requests.
    tokio::time::sleep(Duration::from_millis(800)).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (status, _, _) = read_response(&mut conn).await;
    assert_eq!(
        status, 200,
        "the kept-alive connection was closed too early"
    );

    let closed = time_to_close(&mut conn, Duration::from_millis(1500 + 2000)).await;
    println!("idle keep-alive connection closed after {closed:?} (idle timeout 1.5 s)");
    let closed = closed.expect("an idle connection was still open");
    assert!(
        closed >= Duration::from_millis(1200),
        "closed after {closed:?}, before the idle timeout"
    );
    cell.stop().await;
}

#[tokio::test]
async fn at_the_connection_cap_established_connections_are_served_and_new_ones_wait() {
    let mut config = config();
    config.max_connections = 16;
    config.header_read_timeout = Duration::from_secs(2);
    config.idle_timeout = Duration::from_secs(30);
    let cell = start(config).await;

    // One client that is already connected before the flood.
    let mut regular = TcpStream::connect(cell.addr).await.unwrap();
    regular
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut regular).await.0, 200);

    let flood_started = Instant::now();
    let mut flood = Vec::new();
    for _ in 0..16 + 8 {
        flood.push(TcpStream::connect(cell.addr).await.unwrap());
    }
    // The established connection is still served at the cap.
    regular
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut regular).await.0, 200);

    // A newcomer waits in the backlog and gets in once the silent ones are
    // cut by the header-read timeout.
    let answered = vpm_testkit::async_client()
        .get(cell.url("/healthz"))
        .send()
        .await
        .unwrap();
    let waited = flood_started.elapsed();
    println!("a new client at the cap was answered after {waited:?}");
    assert_eq!(answered.status(), 200);
    assert!(waited < Duration::from_secs(2 + 4), "waited {waited:?}");
    drop(flood);
    cell.stop().await;
}

#[tokio::test]
async fn slow_bodies_get_408_and_never_hold_an_admission_slot() {
    let mut config = config();
    config.concurrency_limit = 8;
    let cell = start(config).await;

    // 40 connections, five times the limit, each declaring a body it sends
    // a byte at a time.
    let mut slow = Vec::new();
    for _ in 0..40 {
        let mut conn = TcpStream::connect(cell.addr).await.unwrap();
        conn.write_all(
            b"POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
        slow.push(conn);
    }
    let trickler = tokio::spawn(async move {
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            for conn in &mut slow {
                let _ = conn.write_all(b" ").await;
            }
        }
        slow
    });

    // While they trickle, normal requests are served, not shed.
    let client = vpm_testkit::async_client();
    for _ in 0..5 {
        let r = client
            .post(cell.url("/v1/echo"))
            .json(&serde_json::json!({"ok": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "a normal POST was refused under the attack"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Each slow body is answered 408 `body_timeout` and its connection closed.
    let mut slow = trickler.await.unwrap();
    let started = Instant::now();
    for conn in &mut slow {
        let (status, head, body) = read_response(conn).await;
        assert_eq!(status, 408);
        assert!(head.contains("connection: close"), "{head}");
        assert_eq!(error_code(&body), "body_timeout");
        assert!(time_to_close(conn, Duration::from_secs(2)).await.is_some());
    }
    println!(
        "all 40 slow bodies answered 408 within {:?}",
        started.elapsed()
    );
    let r = client
        .post(cell.url("/v1/echo"))
        .json(&serde_json::json!({"after": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    cell.stop().await;
}

#[tokio::test]
async fn oversized_heads_and_uris_get_json_431_and_414() {
    let cell = start(config()).await;
    let client = vpm_testkit::async_client();
    let r = client
        .get(cell.url("/healthz"))
        .header("x-big", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 431);
    assert_eq!(error_code(&r.text().await.unwrap()), "headers_too_large");

    let r = client
        .get(cell.url(&format!("/healthz?q={}", "a".repeat(10 * 1024))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 414);
    assert_eq!(error_code(&r.text().await.unwrap()), "uri_too_long");

    let r = client.get(cell.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "ordinary heads still pass");
    cell.stop().await;
}

#[tokio::test]
async fn the_metrics_port_serves_metrics_and_nothing_else() {
    let mut config = config();
    config.metrics_port = Some(0);
    let cell = start(config).await;
    let metrics = cell.metrics_addr.expect("a metrics listener");
    assert_ne!(metrics, cell.addr);
    let client = vpm_testkit::async_client();

    let r = client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(r.text().await.unwrap().contains("hello_ai_up 1"));
    let r = client
        .get(format!("http://{metrics}/metrics"))
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().ends_with("# EOF\n"));

    for path in ["/v1/anything", "/healthz", "/"] {
        let r = client
            .get(format!("http://{metrics}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(error_code(&r.text().await.unwrap()), "not_found");
    }
    let r = client
        .post(format!("http://{metrics}/v1/echo"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The main port keeps its own /metrics.
    let r = client.get(cell.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    cell.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_and_closes_idle_connections() {
    let cell = start(config()).await;
    let mut idle = TcpStream::connect(cell.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut idle).await.0, 200);
    let client = vpm_testkit::async_client();
    let slow = tokio::spawn(client.get(cell.url("/v1/debug/sleep/700")).send());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = Instant::now();
    cell.stop().await;
    assert!(stopped.elapsed() >= Duration::from_millis(300));
    assert_eq!(slow.await.unwrap().unwrap().status(), 200);
    assert!(
        time_to_close(&mut idle, Duration::from_secs(1))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_request_whose_body_ends_when_no_slot_is_free_is_shed_with_503() {
    let mut config = config();
    config.concurrency_limit = 1;
    let cell = start(config).await;
    let client = vpm_testkit::async_client();
    let busy = tokio::spawn(client.get(cell.url("/v1/debug/sleep/1500")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = client
        .post(cell.url("/v1/echo"))
        .json(&serde_json::json!({"ok": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(error_code(&r.text().await.unwrap()), "overloaded");
    assert_eq!(busy.await.unwrap().unwrap().status(), 200);
    let r = client
        .post(cell.url("/v1/echo"))
        .json(&serde_json::json!({"ok": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the slot is free again");
    cell.stop().await;
}

/// Bodies are received before a slot is taken, so they draw on a budget of
/// their own: while one request holds most of it, a body that would overdraw
/// it is shed; once that request is answered, the budget is whole again.
#[tokio::test]
async fn bodies_held_at_once_are_bounded_by_the_body_memory_budget() {
    let mut config = config();
    config.max_body_bytes = 64 * 1024;
    config.max_body_memory = 64 * 1024;
    config.body_timeout = Duration::from_secs(5);
    let cell = start(config).await;

    // 60 KiB of a declared 64 KiB body, then nothing: it holds 60 KiB.
    let mut holder = TcpStream::connect(cell.addr).await.unwrap();
    let head = format!(
        "POST /v1/echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        64 * 1024
    );
    holder.write_all(head.as_bytes()).await.unwrap();
    holder.write_all(&[b' '; 60 * 1024]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let client = vpm_testkit::async_client();
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(10 * 1024));
    let r = client
        .post(cell.url("/v1/echo"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "10 KiB more would overdraw 64 KiB");
    assert_eq!(error_code(&r.text().await.unwrap()), "overloaded");
    // A small body still fits in what is left.
    let r = client
        .post(cell.url("/v1/echo"))
        .json(&serde_json::json!({"ok": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    drop(holder);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = client
        .post(cell.url("/v1/echo"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "the budget is whole again once the holder is gone"
    );
    cell.stop().await;
}
