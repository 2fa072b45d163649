//! A commit whose answer never arrives: PostgreSQL commits the batch, then
//! the connection dies before the reply reaches the archivist. The client
//! must be told the record *may* have been committed, and a retry must
//! settle it — the same receipt, no second leaf, no lost record.
//!
//! The database is a real PostgreSQL; between it and the archivist sits a
//! TCP relay of the test's own that, when armed, forwards the next
//! `COMMIT` to the server, swallows the server's answer and cuts both ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use support::{Archive, Backend, audit_export, client, get, post, snapshot};

/// The simple-query message tokio-postgres sends to commit: `Q`, a length
/// of 4 + 7, `COMMIT\0`.
const COMMIT: &[u8] = b"Q\x00\x00\x00\x0bCOMMIT\x00";

struct Relay {
    port: u16,
    armed: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
}

impl Relay {
    fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let armed = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicUsize::new(0));
        let (a, c) = (armed.clone(), cuts.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                let cut = Arc::new(AtomicBool::new(false));
                let (client2, server2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (armed, cuts, cut2) = (a.clone(), c.clone(), cut.clone());
                // Archivist → PostgreSQL: watch for the armed COMMIT.
                std::thread::spawn(move || {
                    let (mut from, mut to) = (client, server);
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let chunk = &buf[..n];
                        let is_commit = chunk.windows(COMMIT.len()).any(|w| w == COMMIT);
                        if is_commit && armed.swap(false, Ordering::SeqCst) {
                            // From now on nothing the server says gets back.
                            cut2.store(true, Ordering::SeqCst);
                            cuts.fetch_add(1, Ordering::SeqCst);
                            to.write_all(chunk).unwrap();
                            // Let the server commit (and answer into the void).
                            std::thread::sleep(Duration::from_millis(500));
                            let _ = from.shutdown(Shutdown::Both);
                            let _ = to.shutdown(Shutdown::Both);
                            break;
                        }
                        if to.write_all(chunk).is_err() {
                            break;
                        }
                    }
                });
                // PostgreSQL → archivist, until the cut.
                std::thread::spawn(move || {
                    let (mut from, mut to) = (server2, client2);
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || cut.load(Ordering::SeqCst) {
                            break;
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(Shutdown::Both);
                });
            }
        });
        Self { port, armed, cuts }
    }
}

#[test]
fn a_commit_lost_in_transit_is_reported_as_maybe_committed_and_a_retry_is_idempotent() {
    let archive = Archive::new(Backend::Postgres);
    let upstream = archive.postgres.as_ref().unwrap().port;
    let relay = Relay::start(upstream);
    let url = format!("postgres://vpm@127.0.0.1:{}/postgres", relay.port);
    let proc = archive.start_with(&[("VPM_ARCHIVE_URL", &url)]);
    let client = client();

    let (status, _) = post(&client, &proc, &snapshot("cut", 0, "2026-01-05", "before"));
    assert_eq!(status, 201);

    // One submission whose commit is cut.
    relay.armed.store(true, Ordering::SeqCst);
    let lost = snapshot("cut", 1, "2026-01-05", "in transit");
    let r = client
        .post(proc.url("/v1/records"))
        .json(&lost)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"]["code"], "archive_commit_unknown", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("may have been committed"), "{message}");
    assert!(message.contains("idempotent"), "{message}");
    assert_eq!(
        relay.cuts.load(Ordering::SeqCst),
        1,
        "the relay cut no commit"
    );
    // The log says so too (its lines reach us through a pipe: give them time).
    let said = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        proc.logs()
            .iter()
            .any(|l| l.contains("may have been committed"))
    });
    assert!(
        said,
        "no log line says the batch may have been committed:\n{}",
        proc.logs().join("\n")
    );
    assert!(
        !proc
            .logs()
            .iter()
            .any(|l| l.contains("nothing of it was committed"))
    );

    // It was in fact committed: the retry gets its receipt, adds nothing.
    let (status, receipt) = post(&client, &proc, &lost);
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["leaf_index"], 1);

    // Several at once, one batch cut: every answer is a receipt or a
    // "may have been committed"; retrying all of them loses and doubles nothing.
    relay.armed.store(true, Ordering::SeqCst);
    let bodies: Vec<Value> = (2..10)
        .map(|n| snapshot("cut", n, "2026-01-05", "batch"))
        .collect();
    let first: Vec<(u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = bodies
            .iter()
            .map(|b| {
                let (client, proc) = (&client, &proc);
                s.spawn(move || post(client, proc, b))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (status, body) in &first {
        assert!(
            *status == 201 || (*status == 503 && body["error"]["code"] == "archive_commit_unknown"),
            "{status} {body}"
        );
    }
    assert!(first.iter().any(|(s, _)| *s == 503), "no batch was cut");
    let mut ids = BTreeSet::new();
    let mut leaves = BTreeSet::new();
    for body in &bodies {
        let (status, receipt) = post(&client, &proc, body);
        assert!(status == 200 || status == 201, "{status} {receipt}");
        ids.insert(receipt["record_id"].as_str().unwrap().to_owned());
        leaves.insert(receipt["leaf_index"].as_u64().unwrap());
    }
    assert_eq!(ids.len(), 8);
    assert_eq!(leaves, (2..10).collect::<BTreeSet<u64>>());
    let head = get(&client, &proc, "/v1/log/proof/consistency?old_size=1");
    assert_eq!(head["new_size"], 10);
    let report = audit_export(&client, &proc, &archive.verifier()).unwrap();
    assert_eq!(report.tree_size, 10);
}
