//! `vpm snapshot`: the PM snapshot of a project folder, and its receipt.
//!
//! Three ways to run it:
//!
//! * `vpm snapshot DIR` — through the running cells (URLs from flags or
//!   `VPM_*_URL`, defaulting to the local ports): the same CloudEvents a
//!   Knative `Sequence` sends, one trace id from bundle to receipt;
//! * `vpm snapshot DIR --embedded` — the four cells' libraries in this
//!   process, appending to the archive in `VPM_DATA_DIR`;
//! * `vpm snapshot --curated FILE --plan FILE` — only the synthesizer's part,
//!   offline, from the curator's and planner's outputs (nothing archived).
//!
//! The snapshot goes to standard output (or, atomically, to `--out FILE`;
//! `--open` writes the HTML page to a file and opens it in the browser);
//! what was recorded (record id, leaf, tree size, where to look) to
//! standard error unless `-q`, and the receipt as JSON to `--receipt FILE`
//! when asked. Everything printed that came from input is escaped for the
//! terminal ([`crate::terminal`]); a file written with `--out` holds the
//! document exactly as archived.
//!
//! Exit status ([`crate::failure`]): 0 done; 1 the project (or the
//! documents) have problems, each printed `file:line: code: message`; 2 a
//! setting cannot be used, such as a set but empty `VPM_WRITE_TOKEN` or a
//! missing `VPM_SIGNING_KEY_FILE` (`--embedded`); 3 a cell is down or kept
//! failing; 4 the output cannot be written. Every failure ends with a
//! `help:` line: the command or setting that fixes it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use clap::{Args, ValueEnum};
use serde::de::DeserializeOwned;
use vpm_cell::TraceContext;
use vpm_model::{CuratedSet, Plan};

use crate::failure::{self, Failure, OUTPUT};
use crate::pipeline::{self, Client, Endpoints, Outcome, PipelineError, RetryPolicy};
use crate::{browser, terminal};

/// Exit status when the input has problems.
pub const INVALID_INPUT: u8 = failure::INPUT;
/// Exit status when a setting is set but unusable, as for the cells.
pub const CONFIG_INVALID: u8 = failure::USAGE;
/// Exit status when a cell is down, refuses for a reason of its own, or
/// keeps failing.
pub const CELL_FAILED: u8 = failure::CELL;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The project folder (project.yaml, state.md, tasks.yaml, decisions/, reports/).
    #[arg(value_name = "DIR", required_unless_present_all = ["curated", "plan"], conflicts_with_all = ["curated", "plan"])]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Run the four cells' code in this process instead of calling them.
    #[arg(long)]
    pub embedded: bool,
    /// What to print: the `pm_snapshot_v1` document (the default), the
    /// Markdown report or the self-contained HTML page (the default with
    /// --open).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write the snapshot to this file instead of standard output,
    /// atomically: a failure leaves the old file as it was.
    #[arg(long, short, value_name = "FILE", visible_alias = "output")]
    pub out: Option<PathBuf>,
    /// Show the HTML page in the browser ($BROWSER, else xdg-open or open),
    /// written to --out FILE or to a new file in the temporary directory.
    #[arg(long)]
    pub open: bool,
    /// Also write the archive's receipt (JSON) to this file, atomically.
    #[arg(long, value_name = "FILE")]
    pub receipt: Option<PathBuf>,
    /// Also write the HTML page of the same run to this file, atomically:
    /// one record, both views (`--format md --out FILE.md --page FILE.html`).
    #[arg(long, value_name = "FILE", requires = "dir")]
    pub page: Option<PathBuf>,
    /// Offline: the curated set (`curated_set_v1` JSON) to synthesize from.
    #[arg(long, value_name = "FILE", requires = "plan")]
    pub curated: Option<PathBuf>,
    /// Offline: the plan (`plan_v1` JSON) of that curated set.
    #[arg(long, value_name = "FILE", requires = "curated")]
    pub plan: Option<PathBuf>,
    /// Offline: the `generated_at` to record (RFC 3339); now by default.
    /// Fixing it makes the output the same, byte for byte, on every run.
    #[arg(long, value_name = "TIME", requires = "curated")]
    pub generated_at: Option<DateTime<Utc>>,
}

/// How to reach the cells, and the date the answer is for.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// The date the answer is for (YYYY-MM-DD, or `today`); overrides
    /// project.yaml's `as_of`. Without either the run stops and says so:
    /// the date is never guessed from the files.
    #[arg(long, value_name = "DATE", value_parser = AsOf::parse)]
    pub as_of: Option<AsOf>,
    /// Say what changed since this archived snapshot instead of the
    /// previous one: a record id (64 hex digits) or a date (YYYY-MM-DD:
    /// the latest snapshot as of that date or earlier).
    #[arg(long, value_name = "RECORD|DATE", value_parser = parse_since)]
    pub since: Option<String>,
    #[arg(long, env = "VPM_CURATOR_URL", default_value = "http://127.0.0.1:8002")]
    pub curator_url: String,
    #[arg(long, env = "VPM_PLANNER_URL", default_value = "http://127.0.0.1:8003")]
    pub planner_url: String,
    #[arg(
        long,
        env = "VPM_SYNTHESIZER_URL",
        default_value = "http://127.0.0.1:8004"
    )]
    pub synthesizer_url: String,
    #[arg(
        long,
        env = "VPM_ARCHIVIST_URL",
        default_value = "http://127.0.0.1:8005"
    )]
    pub archivist_url: String,
    /// Bearer token for the archivist, when it requires one.
    #[arg(long, env = "VPM_WRITE_TOKEN", hide_env_values = true)]
    pub write_token: Option<String>,
    /// How long one request to a cell may take.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
}

impl RunArgs {
    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            curator: self.curator_url.clone(),
            planner: self.planner_url.clone(),
            synthesizer: self.synthesizer_url.clone(),
            archivist: self.archivist_url.clone(),
        }
    }
}

pub fn parse_since(value: &str) -> Result<String, String> {
    archivist::archive::history::Since::parse(value).map(|_| value.to_ascii_lowercase())
}

/// `--as-of` of a run: a fixed date, or `today`, which is read from the
/// clock each time a run starts — a `vpm watch` left running past
/// midnight dates its next snapshot by the new day, not the day it
/// started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    Today,
    On(NaiveDate),
}

impl AsOf {
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.eq_ignore_ascii_case("today") {
            return Ok(Self::Today);
        }
        curator::dates::parse_date(value).map(Self::On)
    }

    /// The date a run starting now is for.
    pub fn date(self) -> NaiveDate {
        self.date_given_today(chrono::Local::now().date_naive())
    }

    /// The date, with `today` taken as given.
    pub fn date_given_today(self, today: NaiveDate) -> NaiveDate {
        match self {
            Self::Today => today,
            Self::On(date) => date,
        }
    }
}

/// `--as-of` of a command that runs once: `today` is read now.
pub fn parse_as_of(value: &str) -> Result<NaiveDate, String> {
    AsOf::parse(value).map(AsOf::date)
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    vpm_cell::config::duration(value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Json,
    Md,
    Html,
}

impl SnapshotArgs {
    /// The format asked for: HTML with --open, JSON otherwise.
    fn format(&self) -> anyhow::Result<OutputFormat> {
        match (self.format, self.open) {
            (Some(OutputFormat::Html) | None, true) => Ok(OutputFormat::Html),
            (Some(format), true) => Err(Failure::new(
                failure::USAGE,
                format!("--open shows the HTML page, not --format {format:?}"),
            )
            .help("drop --format, or use --format html with --open")
            .into()),
            (format, false) => Ok(format.unwrap_or(OutputFormat::Json)),
        }
    }
}

pub async fn run(args: SnapshotArgs) -> anyhow::Result<ExitCode> {
    let format = args.format()?;
    if let (Some(curated), Some(plan)) = (&args.curated, &args.plan) {
        return offline(curated, plan, &args, format).await;
    }
    let Some(dir) = args.dir.as_deref() else {
        anyhow::bail!("give a project folder, or --curated and --plan");
    };
    let mode = if args.embedded {
        Mode::Embedded
    } else {
        Mode::Http
    };
    let outcome = match run_project(dir, &args.run, mode).await? {
        Ok(outcome) => outcome,
        Err(code) => return Ok(code),
    };
    let text = render(&outcome, format)?;
    deliver(&args, &text, format)?;
    if let Some(path) = &args.page {
        super::write_out(path, render(&outcome, OutputFormat::Html)?.as_bytes())?;
    }
    if let Some(path) = &args.receipt {
        let mut json = serde_json::to_string_pretty(&outcome.receipt)?;
        json.push('\n');
        super::write_out(path, json.as_bytes())?;
    }
    let page = (mode == Mode::Http).then(|| project_page(&args.run.archivist_url, &outcome));
    if !terminal::ui().quiet {
        report(&outcome, page.as_deref(), &mut std::io::stderr().lock())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The snapshot to where it was asked for: standard output, `--out FILE`,
/// or a file shown in the browser (`--open`).
fn deliver(args: &SnapshotArgs, text: &str, format: OutputFormat) -> anyhow::Result<()> {
    if !args.open {
        return write_out(args.out.as_deref(), text, format);
    }
    let path = match &args.out {
        Some(path) => {
            super::write_out(path, text.as_bytes())?;
            path.clone()
        }
        None => {
            let file = tempfile::Builder::new()
                .prefix("vpm-snapshot-")
                .suffix(".html")
                .tempfile()
                .and_then(|mut file| {
                    file.write_all(text.as_bytes())?;
                    file.keep().map_err(|e| e.error)
                })
                .map_err(|e| {
                    Failure::new(
                        OUTPUT,
                        format!("cannot write the page to the temporary directory: {e}"),
                    )
                    .help("write it somewhere else with --out FILE.html --open")
                })?;
            file.1
        }
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    browser::open(&path).map_err(|why| {
        Failure::new(
            OUTPUT,
            format!("cannot open {}: {why}", terminal::path(&path)),
        )
        .help(format!(
            "set BROWSER to your browser's command (such as BROWSER=firefox), or open {} yourself",
            terminal::path(&path)
        ))
    })?;
    terminal::note(format!("vpm: opened {}", terminal::path(&path)));
    Ok(())
}

/// Through the cells over HTTP, or in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Http,
    Embedded,
}

/// Packs `dir` and runs it through the pipeline. The inner `Err` is the
/// exit code after the reason has been printed to standard error.
pub async fn run_project(
    dir: &Path,
    run: &RunArgs,
    mode: Mode,
) -> anyhow::Result<Result<Outcome, ExitCode>> {
    let limits = curator::Limits::from_env()?;
    if mode == Mode::Embedded
        && let Some(code) = refuse_embedded_settings()
    {
        return Ok(Err(code));
    }
    let packed = {
        let dir = dir.to_path_buf();
        let as_of = run.as_of.map(AsOf::date);
        tokio::task::spawn_blocking(move || curator::folder::bundle_from_dir(&dir, as_of, &limits))
            .await
            .context("packing the folder stopped unexpectedly")??
    };
    let mut stderr = std::io::stderr().lock();
    if !terminal::ui().quiet {
        super::print_warnings(&mut stderr, &packed.warnings)?;
    }
    if !packed.problems.is_empty() {
        for problem in &packed.problems {
            writeln!(stderr, "{}", terminal::text(problem))?;
        }
        writeln!(
            stderr,
            "vpm: {} problem(s) in {}; nothing was recorded",
            packed.problems.len(),
            terminal::path(dir)
        )?;
        drop(stderr);
        terminal::help(&problems_help(&packed.problems, dir));
        return Ok(Err(ExitCode::from(INVALID_INPUT)));
    }
    drop(stderr);
    let trace = TraceContext::new_root();
    tracing::info!(trace_id = %trace.trace_id_hex(), project = %packed.bundle.project_id, "running the pipeline");
    let result = match mode {
        Mode::Http => {
            let client = Client::new(run.timeout, RetryPolicy::default(), run.write_token.clone())?;
            client
                .run_since(packed.bundle, &run.endpoints(), trace, run.since.as_deref())
                .await
        }
        Mode::Embedded => {
            pipeline::embedded_since(packed.bundle, trace, run.since.as_deref()).await
        }
    };
    match result {
        Ok(outcome) => Ok(Ok(outcome)),
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            let problems = error.problems();
            for problem in &problems {
                writeln!(stderr, "{}", terminal::text(problem))?;
            }
            writeln!(stderr, "vpm: {}", terminal::text(&error))?;
            writeln!(
                stderr,
                "vpm: nothing was recorded (trace {})",
                trace.trace_id_hex()
            )?;
            drop(stderr);
            let help = if problems.is_empty() {
                pipeline_help(&error, mode)
            } else {
                problems_help(&problems, dir)
            };
            terminal::help(&help);
            let code = match &error {
                PipelineError::Problems { .. } => INVALID_INPUT,
                PipelineError::Refused { status, .. } if *status == 413 || *status == 422 => {
                    INVALID_INPUT
                }
                _ => CELL_FAILED,
            };
            Ok(Err(ExitCode::from(code)))
        }
    }
}

/// The refusal the archivist cell would give at start (a set but empty
/// token, a key file that is missing or not a key, ...), printed with its
/// fix, before anything is read: the exit code, or `None` when the
/// embedded archive's settings can be used.
pub fn refuse_embedded_settings() -> Option<ExitCode> {
    let refused = match archivist::ArchiveConfig::from_env() {
        Err(e) => Some((e.name.clone(), e.to_string())),
        Ok(config) => match &config.key {
            archivist::config::KeySource::File(_) => {
                archivist::signing_key::load(&config.key, &config.origin)
                    .err()
                    .map(|e| ("VPM_SIGNING_KEY_FILE".to_owned(), format!("{e:#}")))
            }
            archivist::config::KeySource::Development(_) => None,
        },
    };
    let (name, why) = refused?;
    eprintln!("vpm: {}", terminal::text(why));
    terminal::help(&failure::setting_help(&name));
    Some(ExitCode::from(CONFIG_INVALID))
}

/// What fixes a folder's problems: the as-of date, or the lines printed.
pub fn problems_help(problems: &[vpm_model::Problem], dir: &Path) -> String {
    if problems.iter().any(|p| p.code == "missing_as_of") {
        "pass `--as-of today` (or a date, YYYY-MM-DD), or add `as_of: YYYY-MM-DD` to project.yaml"
            .to_owned()
    } else {
        format!(
            "fix each file:line above, then run again; `vpm curate {}` checks the folder alone",
            terminal::path(dir)
        )
    }
}

/// What fixes a run the cells did not complete.
fn pipeline_help(error: &PipelineError, mode: Mode) -> String {
    match error {
        PipelineError::Unreachable { .. } => {
            "start the cells with `vpm up` (in another terminal), \
             or run in this process with `--embedded`"
                .to_owned()
        }
        PipelineError::Unavailable { cell, .. } => format!(
            "the {cell} is overloaded or waiting on its database: try again in a moment, \
             or give it longer with --timeout"
        ),
        PipelineError::Refused {
            status: 401 | 403, ..
        } => "set VPM_WRITE_TOKEN (or --write-token) to the archivist's write token".to_owned(),
        PipelineError::Refused { status: 413, .. } => {
            "raise VPM_MAX_BODY_BYTES on the cells, or leave large files out of the folder"
                .to_owned()
        }
        PipelineError::Refused { cell, .. } | PipelineError::BadReply { cell, .. } => format!(
            "check that --{cell}-url (VPM_{}_URL) names a vpm {cell} of this version",
            cell.to_uppercase()
        ),
        PipelineError::Problems { .. } => "fix each file:line above, then run again".to_owned(),
        PipelineError::Internal { .. } if mode == Mode::Embedded => {
            "check VPM_DATA_DIR (or VPM_ARCHIVE_URL); VPM_LOG=debug shows more".to_owned()
        }
        PipelineError::Internal { .. } => "run again with VPM_LOG=debug for more".to_owned(),
    }
}

/// The snapshot in `format`: the document itself, or the rendered view the
/// synthesizer attached to the record (the exact bytes the archive hashed).
pub fn render(outcome: &Outcome, format: OutputFormat) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Json => {
            let snapshot = outcome.snapshot().context("the record holds no snapshot")?;
            let mut json = serde_json::to_string_pretty(snapshot)?;
            json.push('\n');
            json
        }
        OutputFormat::Md => outcome
            .attachment(synthesizer::step::MARKDOWN_ATTACHMENT)
            .context("the record has no Markdown view")?
            .to_owned(),
        OutputFormat::Html => outcome
            .attachment(synthesizer::step::HTML_ATTACHMENT)
            .context("the record has no HTML view")?
            .to_owned(),
    })
}

/// The archivist's page for the project the outcome is about.
pub fn project_page(archivist_url: &str, outcome: &Outcome) -> String {
    format!(
        "{}/v1/projects/{}",
        archivist_url.trim_end_matches('/'),
        outcome.submission.project_id
    )
}

/// What was recorded, for a person.
pub fn report(
    outcome: &Outcome,
    page: Option<&str>,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    // The receipt comes from the archivist, which may be anyone's server.
    let r = &outcome.receipt;
    writeln!(out, "trace     {}", terminal::line(&outcome.trace_id))?;
    writeln!(
        out,
        "recorded  {} as leaf {} of a log of {}",
        terminal::text(&r.record_id),
        r.leaf_index,
        r.tree_size
    )?;
    writeln!(out, "root      {}", terminal::text(&r.root_hash))?;
    if let Some(page) = page {
        writeln!(out, "page      {}", terminal::line(page))?;
    }
    Ok(())
}

/// The snapshot `text` as printed on standard output: JSON with the
/// characters a terminal would obey written as `\uXXXX` (the same
/// document), Markdown and HTML with control characters other than
/// newlines and tabs shown as escapes.
pub fn for_stdout(text: &str, format: OutputFormat) -> std::borrow::Cow<'_, str> {
    match format {
        OutputFormat::Json => terminal::json(text),
        OutputFormat::Md | OutputFormat::Html => terminal::block(text),
    }
}

/// To `path` exactly (atomically), or to standard output made safe
/// ([`for_stdout`]).
fn write_out(path: Option<&Path>, text: &str, format: OutputFormat) -> anyhow::Result<()> {
    match path {
        Some(path) => {
            super::write_out(path, text.as_bytes())?;
            terminal::note(format!("vpm: wrote {}", terminal::path(path)));
            Ok(())
        }
        None => super::write_stdout(for_stdout(text, format).as_bytes()),
    }
}

/// The synthesizer's part alone, from files, in this process.
async fn offline(
    curated_path: &Path,
    plan_path: &Path,
    args: &SnapshotArgs,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let curated: CuratedSet = read_json(curated_path)?;
    let plan: Plan = read_json(plan_path)?;
    let generated_at = args
        .generated_at
        .unwrap_or_else(|| Utc::now().trunc_subsecs(0));
    let snapshot = match synthesizer::synthesize(&curated, &plan, None, generated_at) {
        Ok(snapshot) => snapshot,
        Err(problems) => {
            eprintln!(
                "vpm: {} and {} cannot make a snapshot:",
                terminal::path(curated_path),
                terminal::path(plan_path)
            );
            for problem in &problems {
                eprintln!("  {}", terminal::text(problem));
            }
            terminal::help(
                "give the curated set and the plan made from it (`vpm curate DIR --out curated.json`, \
                 then `vpm plan --curated curated.json --out plan.json`)",
            );
            return Ok(ExitCode::from(INVALID_INPUT));
        }
    };
    let text = match format {
        OutputFormat::Json => {
            let mut json = serde_json::to_string_pretty(&snapshot.document)?;
            json.push('\n');
            json
        }
        OutputFormat::Md => synthesizer::render_markdown(&snapshot),
        OutputFormat::Html => synthesizer::render_html(&snapshot),
    };
    deliver(args, &text, format)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads a JSON document, naming the file and the JSON pointer of what is wrong.
fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = super::read_document(path)?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| anyhow::anyhow!("{}: at `{}`: {}", path.display(), e.path(), e.inner()))?;
    deserializer
        .end()
        .with_context(|| format!("{}: not one JSON document", path.display()))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::AsOf;
    use chrono::NaiveDate;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn today_is_kept_as_today_and_read_when_a_run_starts() {
        // Parsed once at start, `today` must not become that day: a
        // watcher running past midnight dates its next run by the new day.
        let as_of = AsOf::parse("Today").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(as_of, AsOf::Today);
        assert_eq!(as_of.date_given_today(day("2026-12-03")), day("2026-12-03"));
        assert_eq!(as_of.date_given_today(day("2026-12-04")), day("2026-12-04"));
        assert_eq!(as_of.date(), chrono::Local::now().date_naive());
    }

    #[test]
    fn a_date_stays_that_date_and_a_bad_one_is_refused() {
        let as_of = AsOf::parse("2026-01-05").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(as_of.date_given_today(day("2026-12-04")), day("2026-01-05"));
        assert!(AsOf::parse("2026-13-01").is_err());
        assert!(AsOf::parse("yesterday").is_err());
    }
}
