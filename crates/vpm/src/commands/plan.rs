//! `vpm plan --curated FILE [--as-of DATE]`: plan a curated set offline and
//! print the plan (`plan_v1` JSON) on standard output.
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

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A curated set (`curated_set_v1` JSON, as the curator writes it) to plan.
    #[arg(long, value_name = "FILE")]
    pub curated: PathBuf,
    /// The date to plan for (YYYY-MM-DD). Wins over the curated set's
    /// `as_of`; one of the two is required.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
}

pub async fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.curated)
        .with_context(|| format!("cannot read {}", args.curated.display()))?;
    let set: CuratedSet = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a curated set", args.curated.display()))?;
    let trace_id = TraceContext::new_root().trace_id_hex();
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
            writeln!(out, "{json}")?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!(
                "vpm plan: {} cannot be planned ({} {}):",
                args.curated.display(),
                problems.len(),
                if problems.len() == 1 {
                    "problem"
                } else {
                    "problems"
                }
            );
            for problem in &problems {
                eprintln!("  {problem}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
