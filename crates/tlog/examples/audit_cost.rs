//! Where a full audit's time goes, stage by stage, on an export file.
//!
//! ```text
//! cargo run --release -p vpm-tlog --example audit_cost -- LOG.ndjson
//! ```
//!
//! (`VPM_BENCH_EXPORT=LOG.ndjson` makes `bench_archivist` keep its export.)
//! Each stage runs on one thread over every entry and prints its CPU time
//! per leaf, so the figures hold on a machine other work shares; then the
//! whole audit runs on one thread and on two. With `AUDIT_ONLY=1` only
//! the whole audit runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use serde_json::value::RawValue;
use vpm_tlog::LogVerifier;
use vpm_tlog::audit::audit_export;
use vpm_tlog::record::{check_leaf, open_leaf};

#[derive(serde::Deserialize)]
struct Line<'a> {
    kind: String,
    verifier_key: Option<String>,
    #[serde(borrow)]
    signed_record: Option<&'a RawValue>,
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
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
    (ticks(11) + ticks(12)) / 100.0
}

fn stage(name: &str, leaves: usize, f: impl FnOnce()) {
    let (cpu, wall) = (cpu_seconds(), Instant::now());
    f();
    let (cpu, wall) = (cpu_seconds() - cpu, wall.elapsed().as_secs_f64());
    println!(
        "| {name} | {:.1} | {:.0} |",
        cpu * 1e6 / leaves as f64,
        leaves as f64 / wall
    );
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: audit_cost LOG.ndjson");
    let text = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let header: Line = serde_json::from_slice(lines[0]).unwrap();
    let verifier = LogVerifier::from_verifier_key(&header.verifier_key.unwrap()).unwrap();
    // `AUDIT_ONLY=1`: only the whole audit, with nothing else parsed
    // first (to profile it, or to compare two builds side by side).
    if std::env::var_os("AUDIT_ONLY").is_some() {
        let n = lines.len().saturating_sub(2);
        println!("{n} leaves, {} bytes of export\n", text.len());
        for threads in [1, 2] {
            stage(&format!("the whole audit, {threads} thread(s)"), n, || {
                audit_export(text.as_slice(), &verifier, threads).unwrap();
            });
        }
        return;
    }
    let leaves: Vec<&[u8]> = lines
        .iter()
        .filter_map(|l| serde_json::from_slice::<Line>(l).ok())
        .filter(|l| l.kind == "entry")
        .map(|l| l.signed_record.unwrap().get().as_bytes())
        .collect();
    let n = leaves.len();
    println!("{n} leaves, {} bytes of export\n", text.len());
    println!("| stage (one thread unless said) | CPU µs per leaf | leaves/s |");
    println!("|---|---:|---:|");
    stage(
        "parse the export lines (JSON, raw signed record)",
        n,
        || {
            for l in &lines[1..lines.len() - 1] {
                let line: Line = serde_json::from_slice(l).unwrap();
                assert!(line.signed_record.is_some());
            }
        },
    );
    let mut opened = Vec::new();
    stage(
        "open each leaf: form, key id, record id and leaf hash (2 × SHA-256)",
        n,
        || {
            opened = leaves
                .iter()
                .map(|l| open_leaf(l, &verifier).unwrap())
                .collect();
        },
    );
    stage("verify each signature alone (strict)", n, || {
        for o in &opened {
            assert!(verifier.verify(&o.record_id.0, &o.signature));
        }
    });
    for size in [64, 256, 1024, 2048, 4096] {
        stage(
            &format!("verify the signatures in batches of {size}"),
            n,
            || {
                for batch in opened.chunks(size) {
                    let d: Vec<[u8; 32]> = batch.iter().map(|o| o.record_id.0).collect();
                    let s: Vec<[u8; 64]> = batch.iter().map(|o| o.signature).collect();
                    assert!(verifier.verify_batch(&d, &s));
                }
            },
        );
    }
    stage("check_leaf (open + strict verify), as before", n, || {
        for l in &leaves {
            check_leaf(l, &verifier).unwrap();
        }
    });
    for threads in [1, 2] {
        stage(&format!("the whole audit, {threads} thread(s)"), n, || {
            audit_export(text.as_slice(), &verifier, threads).unwrap();
        });
    }
}
