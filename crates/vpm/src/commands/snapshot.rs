//! `vpm snapshot`: the PM snapshot of a curated set and its plan, written
//! in-process (no services running), as JSON, Markdown or HTML.
//!
//! Until the pipeline is wired end to end this takes the curator's and the
//! planner's outputs as files; the same library call serves
//! `POST /v1/synthesize`, so the bytes are the same either way.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, SubsecRound, Utc};
use clap::{Args, ValueEnum};
use serde::de::DeserializeOwned;
use vpm_model::{CuratedSet, Plan};

/// Exit status when the two documents cannot make a snapshot.
const INVALID_INPUT: u8 = 1;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The curated set (`curated_set_v1` JSON), as the curator writes it.
    #[arg(long, value_name = "FILE")]
    pub curated: PathBuf,
    /// The plan (`plan_v1` JSON) of that curated set, as the planner writes it.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// What to write: the `pm_snapshot_v1` document, the Markdown report or
    /// the self-contained HTML page.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The `generated_at` to record (RFC 3339, e.g. 2026-05-11T09:00:00Z);
    /// now by default. Fixing it makes the output the same, byte for byte,
    /// on every run.
    #[arg(long, value_name = "TIME")]
    pub generated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Json,
    Md,
    Html,
}

pub async fn run(args: SnapshotArgs) -> anyhow::Result<ExitCode> {
    let curated: CuratedSet = read_json(&args.curated)?;
    let plan: Plan = read_json(&args.plan)?;
    let generated_at = args
        .generated_at
        .unwrap_or_else(|| Utc::now().trunc_subsecs(0));
    let snapshot = match synthesizer::synthesize(&curated, &plan, generated_at) {
        Ok(snapshot) => snapshot,
        Err(problems) => {
            eprintln!(
                "vpm: {} and {} cannot make a snapshot:",
                args.curated.display(),
                args.plan.display()
            );
            for problem in &problems {
                eprintln!("  {problem}");
            }
            return Ok(ExitCode::from(INVALID_INPUT));
        }
    };
    let text = match args.format {
        OutputFormat::Json => {
            let mut json = serde_json::to_string_pretty(&snapshot.document)?;
            json.push('\n');
            json
        }
        OutputFormat::Md => synthesizer::render_markdown(&snapshot),
        OutputFormat::Html => synthesizer::render_html(&snapshot),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a JSON document, naming the file and the JSON pointer of what is wrong.
fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| anyhow::anyhow!("{}: at `{}`: {}", path.display(), e.path(), e.inner()))?;
    deserializer
        .end()
        .with_context(|| format!("{}: not one JSON document", path.display()))?;
    Ok(value)
}
