//! Fixtures shared by the synthesizer's integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use vpm_model::curated::{Statement, StatementKind};
use vpm_model::{CuratedSet, Plan, SourceRef};

pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `(curated set, plan)` of a fixture project under `tests/fixtures/<name>/`.
pub fn fixture(name: &str) -> (CuratedSet, Plan) {
    let dir = fixture_dir(name);
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
    (
        serde_json::from_str(&read("curated.json")).unwrap(),
        serde_json::from_str(&read("plan.json")).unwrap(),
    )
}

/// Lantern: an offline-first field-notes app by a team in Tokyo and Berlin.
pub fn lantern() -> (CuratedSet, Plan) {
    fixture("lantern")
}

/// Lantern with markup and Markdown in every text the files carry.
pub fn hostile() -> (CuratedSet, Plan) {
    fixture("hostile")
}

/// A fixed `generated_at`, so outputs can be compared byte for byte.
pub fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 11, 9, 0, 0).unwrap()
}

/// A state-note statement with the given text and headings.
pub fn state_statement(n: usize, text: &str, headings: &[&str]) -> Statement {
    Statement {
        id: format!("s{n}"),
        kind: StatementKind::State,
        text: text.to_owned(),
        heading_path: headings.iter().map(|h| (*h).to_owned()).collect(),
        sources: vec![SourceRef::new("state.md", 1 + n as u32)],
        date: None,
    }
}

/// Lantern with its state note replaced by `statements`.
pub fn lantern_with_state(statements: Vec<Statement>) -> (CuratedSet, Plan) {
    let (mut set, plan) = lantern();
    set.statements.retain(|s| s.kind != StatementKind::State);
    set.statements.splice(0..0, statements);
    (set, plan)
}
