//! Benchmark: durable appends per second with 1 and 32 concurrent clients on
//! each backend, and the rate of a full offline verification of the log.
//!
//! ```text
//! cargo run --release -p archivist --example bench_archivist [-- SECONDS]
//! ```
//!
//! Appends go through the archive's own API — build the PROV record, sign
//! it, queue it for group commit, commit durably (SQLite `synchronous=FULL`;
//! PostgreSQL `synchronous_commit=on`), answer with a receipt and its
//! inclusion proof — from `clients` tasks in a closed loop; HTTP parsing is
//! not included. Each record is a `pm_snapshot_v1` with Markdown and HTML
//! attachments, about the size the synthesizer makes. PostgreSQL is a
//! throwaway server started from the machine's binaries.
//!
//! Verification reads the log exported by the SQLite run and checks it as
//! `vpm verify --log` does: every record's signature over its stored bytes,
//! every leaf and stored node, and the root against the signed checkpoint,
//! on all cores. The Merkle-only figure (leaf hashing and tree rebuild, no
//! signatures) is printed beside it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use archivist::Archive;
use archivist::store::LogStore;
use archivist::store::postgres::PostgresStore;
use archivist::store::sqlite::SqliteStore;
use futures_util::StreamExt;
use vpm_model::record::RecordSubmission;
use vpm_tlog::LogKey;

/// A unique submission: the template with its own trace id and summary
/// (cloning a struct, so the benchmark's own cost stays small).
fn submission(template: &RecordSubmission, n: u64) -> RecordSubmission {
    let mut s = template.clone();
    s.trace_id = format!("{:032x}", (1u128 << 100) + u128::from(n));
    if let vpm_model::record::Subject::PmSnapshot(snapshot) = &mut s.subject {
        snapshot.current.summary =
            format!("Run {n}: storage and proofs are done; the pipeline is next.");
    }
    s
}

fn template(n: u64) -> RecordSubmission {
    let next: Vec<serde_json::Value> = (1..=3)
        .map(|i| {
            serde_json::json!({"id": format!("T-{i}"), "title": format!("Task {i} of run {n}"),
                "details": "Highest impact among the ready tasks; unblocks two others on the critical path.",
                "evidence_refs": ["tasks.yaml:12", "state.md:4"], "links": ["G-1"],
                "impact": "high", "effort": "medium", "status": "todo"})
        })
        .collect();
    let markdown = format!(
        "# Demo — as of 2026-01-05\n\n## Current\n\n{}\n",
        "- a bullet of the current state\n".repeat(40)
    );
    let html = format!(
        "<!doctype html><html><body><h1>Demo</h1>{}</body></html>",
        "<p>a paragraph of the rendered snapshot</p>".repeat(60)
    );
    let inputs: Vec<serde_json::Value> = (0..6)
        .map(|i| serde_json::json!({"path": format!("file{i}.yaml"), "sha256": format!("{:064x}", n * 10 + i)}))
        .collect();
    let activities: Vec<serde_json::Value> = ["curator", "planner", "synthesizer"]
        .iter()
        .map(|c| {
            serde_json::json!({"cell": c, "version": "0.2.0",
            "started_at": "2026-01-05T09:00:00Z", "ended_at": "2026-01-05T09:00:01Z"})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "project_id": "demo",
        "trace_id": format!("{:032x}", (1u128 << 100) + u128::from(n)),
        "subject": {"kind": "pm_snapshot_v1", "document": {
            "schema_version": "pm_snapshot_v1", "project_id": "demo",
            "generated_at": "2026-01-05T09:00:00Z", "as_of_date": "2026-01-05",
            "current": {"summary": format!("Run {n}: storage and proofs are done; the pipeline is next."),
                        "bullets": ["storage done", "proofs done", "pipeline next"]},
            "goals": {"short_term": [], "mid_term": []},
            "gaps": [{"goal": "G-1", "kind": "remaining_work", "summary": "three tasks left", "refs": ["tasks.yaml:3"]}],
            "next_actions": next,
            "evidence": [{"kind": "state", "path": "state.md", "summary": "current state"}],
            "notes": []}},
        "inputs": inputs,
        "activities": activities,
        "submitted_by": {"id": "bench", "kind": "software"},
        "attachments": [
            {"name": "snapshot.md", "media_type": "text/markdown", "content": markdown},
            {"name": "snapshot.html", "media_type": "text/html", "content": html}
        ]
    }))
    .unwrap()
}

struct Figures {
    appends: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn appends(
    archive: Arc<Archive>,
    template: Arc<RecordSubmission>,
    clients: u64,
    duration: Duration,
    next: Arc<AtomicU64>,
) -> Figures {
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (archive, next, template) = (archive.clone(), next.clone(), template.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                let s = submission(&template, n);
                archive.submit(s).await.unwrap();
                latencies.push(t0.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };
    Figures {
        appends: latencies.len() as u64,
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    }
}

/// (commits, records committed) so far, read from the batch-size histogram.
fn batches(metrics: &archivist::metrics::ArchiveMetrics) -> (f64, f64) {
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register("b", "", metrics.batch_size.clone());
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    let value = |suffix: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("b_{suffix} ")))
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (value("count"), value("sum"))
}

async fn export(archive: Arc<Archive>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stream = Box::pin(archive.export().await.unwrap());
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let duration = Duration::from_secs(seconds);
    // The audits run on every core, as `vpm verify --log` does.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let key = LogKey::generate("bench.example/log").unwrap();
    let dir = tempfile::tempdir_in(std::env::current_dir().unwrap()).unwrap();
    let template = Arc::new(template(0));
    let size = serde_json::to_vec(&*template).unwrap().len();
    println!(
        "Record: a pm_snapshot_v1 with Markdown and HTML attachments, {size} bytes submitted."
    );
    println!(
        "Each figure is a closed loop of {seconds} s; durable = committed with fsync before the receipt.\n"
    );
    println!(
        "| backend | clients | appends | appends/s | p50 ms | p99 ms | records per commit | CPU µs per append (this process) | KB written per append (this process) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");

    let mut export_bytes = Vec::new();
    let postgres = vpm_testkit::postgres::TempPostgres::start();
    for backend in ["SQLite", "PostgreSQL"] {
        let store: Arc<dyn LogStore> = match backend {
            "SQLite" => Arc::new(SqliteStore::open(&dir.path().join("bench.db")).unwrap()),
            _ => Arc::new(PostgresStore::connect(&postgres.url(), 16).unwrap()),
        };
        let metrics = archivist::metrics::ArchiveMetrics::default();
        let archive = Arc::new(
            Archive::start(store, key.clone(), 512, metrics.clone())
                .await
                .unwrap(),
        );
        let next = Arc::new(AtomicU64::new(0));
        // The goals are set at 32 clients on SQLite and 16 on PostgreSQL.
        for clients in [1, 16, 32] {
            let (count_before, sum_before) = batches(&metrics);
            let (cpu_before, written_before) = (cpu_seconds(), written_bytes());
            let f = appends(
                archive.clone(),
                template.clone(),
                clients,
                duration,
                next.clone(),
            )
            .await;
            let cpu = cpu_seconds() - cpu_before;
            // PostgreSQL's writes are its server's, not this process's.
            let written = match backend {
                "SQLite" => format!(
                    "{:.1}",
                    (written_bytes() - written_before) as f64 / 1e3 / f.appends.max(1) as f64
                ),
                _ => "(server)".to_owned(),
            };
            let (count, sum) = batches(&metrics);
            println!(
                "| {backend} | {clients} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.0} | {written} |",
                f.appends,
                f.per_second,
                f.p50_ms,
                f.p99_ms,
                (sum - sum_before) / (count - count_before).max(1.0),
                cpu * 1e6 / f.appends.max(1) as f64,
            );
        }
        if backend == "SQLite" {
            export_bytes = export(archive.clone()).await;
            if let Some(path) = std::env::var_os("VPM_BENCH_EXPORT") {
                std::fs::write(path, &export_bytes).unwrap();
            }
        } else {
            // Not timed: the log the load wrote must audit clean.
            let bytes = export(archive.clone()).await;
            let report =
                vpm_tlog::audit::audit_export(bytes.as_slice(), &key.verifier(), threads).unwrap();
            println!(
                "\nThe PostgreSQL log the load wrote audits clean: {} leaves, every signature and node.",
                report.tree_size
            );
        }
    }

    stage_costs(&template, &key, dir.path()).await;

    let verifier = key.verifier();
    let (cpu0, started) = (cpu_seconds(), Instant::now());
    let report =
        vpm_tlog::audit::audit_export(export_bytes.as_slice(), &verifier, threads).unwrap();
    let (full, full_cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu0);

    // Merkle only: leaf hashes from the export's bytes (on every thread, as
    // the audit hashes them), then the tree rebuilt and its root.
    let leaves: Vec<Vec<u8>> = export_bytes
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter(|v| v["kind"] == "entry")
        .map(|v| vpm_tlog::canonical::to_canonical(&v["signed_record"]).unwrap())
        .collect();
    let (cpu0, started) = (cpu_seconds(), Instant::now());
    let per_thread = leaves.len().div_ceil(threads).max(1);
    let hashes: Vec<vpm_tlog::Hash> = std::thread::scope(|scope| {
        let parts: Vec<_> = leaves
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|l| vpm_tlog::hash::leaf_hash(l))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
    });
    let hashed = started.elapsed().as_secs_f64();
    let mut frontier = vpm_tlog::merkle::Frontier::default();
    for leaf in &hashes {
        frontier.push(*leaf);
    }
    let root = frontier.root();
    let (merkle, merkle_cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    assert_eq!(root.to_hex(), report.root_hash);

    let n = report.tree_size as f64;
    println!(
        "\n| verification of {} leaves ({} MB export, {threads} threads) | leaves/s | CPU µs per leaf |",
        report.tree_size,
        export_bytes.len() / 1_000_000
    );
    println!("|---|---:|---:|");
    println!(
        "| full (as `vpm verify --log`): parse, every signature, leaves, stored nodes, signed root | {:.0} | {:.1} |",
        n / full,
        full_cpu * 1e6 / n
    );
    println!(
        "| Merkle only: leaf hashes and root from canonical leaf bytes | {:.0} | {:.1} |",
        n / merkle,
        merkle_cpu * 1e6 / n
    );
    println!(
        "| of which the tree alone (stored hashes and root from leaf hashes, one thread) | {:.0} | |",
        n / (merkle - hashed).max(1e-9)
    );
}

/// Bytes this process has handed to `write` and its kind (`wchar` in
/// /proc/self/io): for SQLite, the WAL frames of every commit and the pages
/// its checkpoints copy; PostgreSQL writes in its own processes.
fn written_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("wchar: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// CPU seconds this process has used (user + system), from /proc: a rate
/// measured on a shared machine is what the other work left us; CPU time
/// per leaf says what the work costs.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line (11 and 12 here),
    // in clock ticks of 1/100 s (USER_HZ, 100 on Linux).
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU per append of the stages that run before the writer, on one thread:
/// what a request costs before its record is queued for the commit.
async fn stage_costs(template: &RecordSubmission, key: &LogKey, dir: &std::path::Path) {
    const RUNS: u64 = 2000;
    let submissions: Vec<RecordSubmission> = (0..RUNS)
        .map(|n| submission(template, 1_000_000 + n))
        .collect();
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let prepared: Vec<_> = submissions
        .into_iter()
        .map(|s| archivist::provenance::prepare(s).unwrap())
        .collect();
    let (prepare_cpu, prepare_wall) = (cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let sealed: Vec<_> = prepared
        .into_iter()
        .map(|filing| {
            // The subject's record (decisions are not part of this benchmark's
            // submissions), with what is stored beside it: its document,
            // its PROV document and its attachments.
            let (record, stored) = filing.subject.into_parts();
            (vpm_tlog::record::seal(record, key).unwrap(), stored)
        })
        .collect();
    let (seal_cpu, seal_wall) = (cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());

    // The writer alone: the same records committed to a fresh SQLite file
    // in batches of 16, each one durable transaction.
    let store = SqliteStore::open(&dir.join("stages.db")).unwrap();
    let signer = key.clone();
    let sign: archivist::store::HeadSigner = Arc::new(move |size, root| {
        vpm_tlog::TreeHead {
            origin: signer.name(),
            size,
            root,
        }
        .sign(&signer)
        .map_err(|e| e.to_string())
    });
    let entries: Vec<archivist::store::NewEntry> = sealed
        .into_iter()
        .map(|(s, attachments)| archivist::store::NewEntry {
            record_id: s.record_id,
            project_id: "demo".into(),
            subject_kind: "pm_snapshot_v1".into(),
            leaf: s.leaf,
            leaf_hash: s.leaf_hash,
            logged_at: archivist::store::now_rfc3339(),
            attachments,
        })
        .collect();
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    for batch in entries.chunks(16) {
        store
            .append_batch(batch.to_vec(), sign.clone())
            .await
            .unwrap();
    }
    let (write_cpu, write_wall) = (cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    let per = |x: f64| x * 1e6 / RUNS as f64;
    println!("\n| stage of an append, one thread, {RUNS} records | CPU µs | wall µs |");
    println!("|---|---:|---:|");
    println!(
        "| build the record (validate; the PROV document, its canonical JSON; hash it, the document and attachments) | {:.0} | {:.0} |",
        per(prepare_cpu),
        per(prepare_wall)
    );
    println!(
        "| seal: canonical JSON, record id, Ed25519 signature, leaf hash | {:.0} | {:.0} |",
        per(seal_cpu),
        per(seal_wall)
    );
    println!(
        "| the writer: SQLite transaction of 16 records, fsynced (per record) | {:.0} | {:.0} |",
        per(write_cpu),
        per(write_wall)
    );
}
