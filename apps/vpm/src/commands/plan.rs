//! `vpm plan DIR` / `vpm plan --curated FILE`: plan a project folder (curated
//! in this process first) or a curated set, offline, and print the plan
//! (`plan_v1` JSON) on standard output.
//!
//! Exit codes: 0 with a plan; 1 when the input cannot be planned (every
//! problem is printed on standard error as `path:line: code: message`,
//! then a `help:` line); 2 when a named file cannot be read; 4 when
//! `--out` cannot be written.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Args;
use vpm_cell::TraceContext;
use vpm_model::curated::CuratedSet;

use crate::commands::snapshot::problems_help;
use crate::failure::Failure;
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
    #[arg(long, value_name = "DATE", value_parser = crate::commands::snapshot::parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// Write the plan to FILE instead of standard output, atomically: a
    /// failure leaves the old file as it was.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
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
            let set: CuratedSet = serde_json::from_str(&text).map_err(|e| {
                Failure::new(
                    crate::failure::INPUT,
                    format!("{} is not a curated set: {e}", terminal::path(path)),
                )
                .help("give the JSON `vpm curate DIR --out FILE` writes")
            })?;
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
            let mut json = serde_json::to_string_pretty(&plan)?;
            json.push('\n');
            match &args.out {
                Some(path) => super::write_out(path, json.as_bytes())?,
                None => super::write_stdout(terminal::json(&json).as_bytes())?,
            }
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
            terminal::help(&problems_help(&problems, &source));
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
            terminal::help(&problems_help(&problems, &shown));
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
