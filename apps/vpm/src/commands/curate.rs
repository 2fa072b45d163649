//! `vpm curate DIR`: a project folder's curated set, or every problem in it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Args;
use curator::folder::{FolderError, curate_dir};
use curator::{CurateError, Limits};

use crate::commands::snapshot::problems_help;
use crate::failure::{Failure, USAGE};
use crate::terminal;

/// Packs a project folder, curates it in this process and prints the
/// `curated_set_v1` JSON.
///
/// Problems are printed to standard error, one per line in the form
/// `tasks.yaml:12: unknown_key: ...`, then a `help:` line, and the exit
/// code is 1; a folder that cannot be read is 2. Warnings (near-duplicates,
/// ignored files, ...) go to standard error too, unless `-q`, and do not
/// change the exit code. The VPM_CURATOR_MAX_* limits apply as they do
/// to the curator cell.
#[derive(Debug, Args)]
pub struct CurateArgs {
    /// The project folder: project.yaml, state.md, tasks.yaml, decisions/, reports/.
    pub dir: PathBuf,
    /// The date the answer is for (YYYY-MM-DD); wins over project.yaml's `as_of`.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// Write the curated set to FILE instead of standard output,
    /// atomically: a failure leaves the old file as it was.
    #[arg(long, short, value_name = "FILE", visible_alias = "output")]
    pub out: Option<PathBuf>,
}

fn parse_as_of(value: &str) -> Result<NaiveDate, String> {
    curator::dates::parse_date(value)
}

pub async fn run(args: CurateArgs) -> anyhow::Result<ExitCode> {
    let limits = Limits::from_env()?;
    let trace_id = vpm_cell::TraceContext::new_root().trace_id_hex();
    let dir = args.dir.clone();
    let result =
        tokio::task::spawn_blocking(move || curate_dir(&dir, args.as_of, &trace_id, &limits))
            .await
            .context("curation stopped unexpectedly")?;
    let mut stderr = std::io::stderr().lock();
    match result {
        Ok(set) => {
            if !terminal::ui().quiet {
                super::print_warnings(&mut stderr, &set.warnings)?;
            }
            drop(stderr);
            let mut json = serde_json::to_string_pretty(&set)?;
            json.push('\n');
            match &args.out {
                Some(path) => super::write_out(path, json.as_bytes())?,
                None => super::write_stdout(terminal::json(&json).as_bytes())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(FolderError::Curate(CurateError::Invalid { problems, warnings })) => {
            for problem in &problems {
                writeln!(stderr, "{}", terminal::text(problem))?;
            }
            super::print_warnings(&mut stderr, &warnings)?;
            writeln!(
                stderr,
                "vpm: {} problem(s) in {}; nothing was written",
                problems.len(),
                terminal::path(&args.dir)
            )?;
            drop(stderr);
            terminal::help(&problems_help(&problems, &args.dir));
            Ok(ExitCode::FAILURE)
        }
        Err(FolderError::Curate(CurateError::TooLarge(exceeded))) => {
            for e in &exceeded {
                writeln!(stderr, "vpm: too large: {}", terminal::text(e))?;
            }
            drop(stderr);
            terminal::help(
                "leave large files out of the folder, or raise the VPM_CURATOR_MAX_* limit named above",
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e @ FolderError::Unreadable { .. }) => Err(Failure::new(USAGE, e)
            .help("pass a project folder: a directory holding project.yaml")
            .into()),
    }
}
