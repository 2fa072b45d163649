//! `vpm plan DIR` / `vpm plan --curated FILE`: plan a project folder (curated
//! in this process first) or a curated set, offline, and print the plan
//! (`plan_v1` JSON) on standard output.
//!
//! Exit codes: 0 with a plan; 1 when the input cannot be planned (every
//! problem is printed on standard error as `path:line: code: message`) or
//! cannot be read.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Args;
use vpm_cell::TraceContext;
use vpm_model::curated::CuratedSet;

use crate::terminal;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A project folder to curate and plan.
    #[arg(
        value_name = "DIR",
        required_unless_present = "curated",
        conflicts_with = "curated"
    )]
    pub dir: Option<PathBuf>,
    /// A curated set (`curated_set_v1` JSON, as the curator writes it) to plan.
    #[arg(long, value_name = "FILE")]
    pub curated: Option<PathBuf>,
    /// The date to plan for (YYYY-MM-DD). Wins over the curated set's
    /// `as_of`; one of the two is required.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
}

pub async fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let trace_id = TraceContext::new_root().trace_id_hex();
    let (set, source) = match (&args.dir, &args.curated) {
        (Some(dir), _) => match curate(dir, args.as_of, &trace_id).await? {
            Some(set) => (set, dir.clone()),
            None => return Ok(ExitCode::FAILURE),
        },
        (None, Some(path)) => {
            let text = super::read_document(path)?;
            let set: CuratedSet = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a curated set", path.display()))?;
            (set, path.clone())
        }
        (None, None) => anyhow::bail!("give a project folder or --curated FILE"),
    };
    let result = match planner::resolve_as_of(args.as_of, &set) {
        Some(as_of) => planner::plan(&set, as_of, &trace_id),
        None => planner::plan_request(
            &vpm_model::plan::PlanRequest {
                curated_set: set,
                as_of: None,
            },
            &trace_id,
        ),
    };
    match result {
        Ok(plan) => {
            let json = serde_json::to_string_pretty(&plan)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", terminal::json(&json))?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!(
                "vpm plan: {} cannot be planned ({} {}):",
                terminal::path(&source),
                problems.len(),
                if problems.len() == 1 {
                    "problem"
                } else {
                    "problems"
                }
            );
            for problem in &problems {
                eprintln!("  {}", terminal::text(problem));
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Curates `dir` in this process; `None` after printing its problems.
async fn curate(
    dir: &std::path::Path,
    as_of: Option<NaiveDate>,
    trace_id: &str,
) -> anyhow::Result<Option<CuratedSet>> {
    let limits = curator::Limits::from_env()?;
    let (dir, trace_id) = (dir.to_path_buf(), trace_id.to_owned());
    let shown = dir.clone();
    let result = tokio::task::spawn_blocking(move || {
        curator::folder::curate_dir(&dir, as_of, &trace_id, &limits)
    })
    .await
    .context("curation stopped unexpectedly")?;
    match result {
        Ok(set) => Ok(Some(set)),
        Err(curator::folder::FolderError::Curate(curator::CurateError::Invalid {
            problems,
            ..
        })) => {
            for problem in &problems {
                eprintln!("{}", terminal::text(problem));
            }
            eprintln!(
                "vpm plan: {} problem(s) in {}",
                problems.len(),
                terminal::path(&shown)
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
