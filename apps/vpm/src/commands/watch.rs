//! `vpm watch`: keep a project's archived snapshot current while its
//! folder is edited.
//!
//! The loop: run the pipeline once at start, then wait for the folder (or
//! a pulled source under `.vpm/sources/`) to change and stay quiet for
//! the debounce interval ([`crate::watch::changes`]), run again, and so on
//! until Ctrl-C or SIGTERM, which end it with status 0.
//!
//! A run goes as far as the synthesizer, through the same code as
//! `vpm snapshot` (in this process with `--embedded`, through the running
//! cells otherwise), and reaches the archive only when the snapshot's
//! content differs from the newest one archived for the project
//! ([`crate::watch::fingerprint`]): saving a file unchanged, touching it,
//! or editing a comment records nothing. The newest one is asked of the
//! archive the first time a project is seen, so a restarted watcher does
//! not record the same content again.
//!
//! Each run prints one line on standard output, what it did and what
//! triggered it:
//!
//! ```text
//! 10:42:01 archived 4b1f...e9 leaf 3 [start]
//! 10:42:09 unchanged [tasks.yaml]
//! 10:42:15 error tasks.yaml:14: invalid_yaml: ... (and 1 more); nothing recorded [tasks.yaml]
//! ```
//!
//! A run that fails (a half-saved file, a cell that is down) prints its
//! error line and records nothing; the watcher carries on, and the next
//! save runs again. Only what stops every run ends it: settings that
//! cannot be used (2), a folder that cannot be watched (2), an embedded
//! archive that cannot be opened (3).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use vpm_cell::{Shutdown, TraceContext};
use vpm_model::Bundle;
use vpm_model::record::{Receipt, RecordSubmission};

use super::snapshot::{Mode, RunArgs};
use crate::failure::{self, Failure};
use crate::pipeline::{self, Client, Endpoints, PipelineError, RetryPolicy};
use crate::terminal;
use crate::watch::{Batch, Changes, Fingerprint, Relevance};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The project folder to watch (project.yaml, state.md, tasks.yaml,
    /// decisions/, reports/, and pulled sources in .vpm/sources/).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    /// Run the four cells' code in this process instead of calling them.
    #[arg(long)]
    pub embedded: bool,
    /// How long the folder must stay quiet after a change before a run:
    /// a burst of saves within it makes one run.
    #[arg(long, value_name = "DURATION", default_value = "50ms", value_parser = vpm_cell::config::duration)]
    pub debounce: Duration,
}

pub async fn run(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let root = watched_folder(&args.dir)?;
    let limits = curator::Limits::from_env()?;
    let mode = if args.embedded {
        Mode::Embedded
    } else {
        Mode::Http
    };
    let stop = Shutdown::on_signals().context("cannot listen for Ctrl-C and SIGTERM")?;
    let (archive, own_files) = match mode {
        Mode::Embedded => {
            if let Some(code) = super::snapshot::refuse_embedded_settings() {
                return Ok(code);
            }
            let archive = archivist::open_embedded().await.map_err(|e| {
                Failure::new(
                    failure::CELL,
                    format!(
                        "cannot open the archive: {}",
                        terminal::text(format!("{e:#}"))
                    ),
                )
                .help("check VPM_DATA_DIR (or VPM_ARCHIVE_URL); VPM_LOG=debug shows more")
            })?;
            (Some(archive), embedded_archive_files())
        }
        Mode::Http => (None, Vec::new()),
    };
    let runner = match archive {
        Some(archive) => Runner::Embedded(archive),
        None => Runner::Cells {
            client: Client::new(
                args.run.timeout,
                RetryPolicy::default(),
                args.run.write_token.clone(),
            )?,
            endpoints: args.run.endpoints(),
            reader: reqwest::Client::builder()
                .timeout(args.run.timeout)
                .build()
                .context("cannot build the HTTP client")?,
        },
    };
    let start_watch = |root: &Path| {
        Changes::watch(root, Relevance::new(root.to_path_buf(), own_files.clone())).map_err(|e| {
            Failure::new(
                failure::USAGE,
                format!("cannot watch {}: {e}", terminal::path(&args.dir)),
            )
            .help(
                "on Linux, a large folder may need more inotify watches: \
                 sysctl fs.inotify.max_user_watches=524288",
            )
        })
    };
    let mut changes = start_watch(&root)?;
    let mut folder = folder_identity(&root);
    terminal::note(format!(
        "vpm: watching {} ({}); Ctrl-C stops",
        terminal::path(&args.dir),
        match &runner {
            Runner::Embedded(_) => "embedded archive".to_owned(),
            Runner::Cells { endpoints, .. } =>
                format!("cells from {}", terminal::line(&endpoints.curator)),
        }
    ));

    let mut watcher = Watcher {
        root,
        as_of: args.run.as_of,
        limits,
        runner,
        archived: HashMap::new(),
        warnings: Vec::new(),
    };
    let mut trigger = Trigger::Start;
    loop {
        tokio::select! {
            () = stop.requested() => break,
            line = watcher.run_once() => print_line(&line, &trigger)?,
        }
        tokio::select! {
            () = stop.requested() => break,
            batch = changes.next(args.debounce) => {
                for error in &batch.errors {
                    terminal::note(format!("vpm: the file watcher says: {}", terminal::line(error)));
                }
                trigger = Trigger::Changed(batch);
            }
        }
        // The folder itself removed, or moved away and another put in its
        // place (a branch switch, a restore from backup): the watch went
        // with the old directory. Wait for one to be there, watch it anew.
        let now = folder_identity(&watcher.root);
        if now != folder {
            // An embedded archive inside the folder went with it: appends
            // would go to a file no path leads to any more, or to the old
            // folder wherever it was moved.
            if let Some(database) = own_files.iter().find(|f| f.starts_with(&watcher.root)) {
                return Err(Failure::new(
                    failure::CELL,
                    format!(
                        "{} was removed or replaced, and the archive ({}) was inside it: \
                         nothing more can be recorded there",
                        terminal::path(&args.dir),
                        terminal::path(database)
                    ),
                )
                .help(
                    "keep the archive outside the folder (VPM_DATA_DIR) and start vpm watch again",
                )
                .into());
            }
            if now.is_none() {
                terminal::note(format!(
                    "vpm: {} is gone; waiting for it to come back",
                    terminal::path(&args.dir)
                ));
            }
            let Some(back) = folder_back(&watcher.root, &stop).await else {
                break;
            };
            changes = start_watch(&watcher.root)?;
            folder = Some(back);
            terminal::note(format!(
                "vpm: watching {} again: the folder was made anew",
                terminal::path(&args.dir)
            ));
            // A copy into it may still be under way: let it go quiet (or
            // show no sign of one) before the run. Changes left pending
            // when this gives up start the run after.
            tokio::select! {
                () = stop.requested() => break,
                _ = tokio::time::timeout(args.debounce * 4, changes.next(args.debounce)) => {}
            }
            trigger = Trigger::FolderAnew;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Which directory a path names (device and inode), if one is there.
fn folder_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .map(|m| (m.dev(), m.ino()))
}

/// Waits until `root` is a directory again, looking every 200 ms; `None`
/// when asked to stop first.
async fn folder_back(root: &Path, stop: &Shutdown) -> Option<(u64, u64)> {
    loop {
        if let Some(identity) = folder_identity(root) {
            return Some(identity);
        }
        tokio::select! {
            () = stop.requested() => return None,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// The folder as the file system's events will name it.
fn watched_folder(dir: &Path) -> anyhow::Result<PathBuf> {
    let unusable = |why: String| {
        Failure::new(
            failure::USAGE,
            format!("cannot watch {}: {why}", terminal::path(dir)),
        )
        .help("give the project folder (the one holding project.yaml)")
    };
    let root = dir.canonicalize().map_err(|e| unusable(e.to_string()))?;
    if !root.is_dir() {
        return Err(unusable("not a directory".to_owned()).into());
    }
    Ok(root)
}

/// The embedded archive's own files, which change on every append: the
/// SQLite database and its journals, wherever `VPM_DATA_DIR` puts them.
fn embedded_archive_files() -> Vec<PathBuf> {
    let Ok(config) = archivist::ArchiveConfig::from_env() else {
        return Vec::new();
    };
    let archivist::config::ArchiveUrl::Sqlite(database) = &config.url else {
        return Vec::new();
    };
    // Open by now, so it exists and has a canonical name.
    let Ok(database) = database.canonicalize() else {
        return Vec::new();
    };
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut name = database.clone().into_os_string();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

/// Why a run happened.
#[derive(Debug)]
enum Trigger {
    Start,
    Changed(Batch),
    /// The folder was removed or replaced, and is back.
    FolderAnew,
}

/// What a run did.
#[derive(Debug)]
enum RunLine {
    Archived(Receipt),
    Unchanged,
    /// Why nothing was recorded, on one line (already escaped).
    Failed(String),
}

/// Where runs go: the pipeline in this process against an open archive,
/// or the running cells.
#[derive(Debug)]
enum Runner {
    Embedded(Arc<archivist::Archive>),
    Cells {
        client: Client,
        endpoints: Endpoints,
        /// For reading the archivist's newest record.
        reader: reqwest::Client,
    },
}

impl Runner {
    async fn submission(
        &self,
        bundle: &Bundle,
        trace: TraceContext,
    ) -> Result<RecordSubmission, PipelineError> {
        match self {
            // Each run compares with the previous archived snapshot.
            Runner::Embedded(archive) => {
                pipeline::embedded::submission(archive, bundle, &trace.trace_id_hex(), None).await
            }
            Runner::Cells {
                client, endpoints, ..
            } => client.submission(bundle, endpoints, trace, None).await,
        }
    }

    async fn append(
        &self,
        submission: &RecordSubmission,
        trace: TraceContext,
    ) -> Result<Receipt, PipelineError> {
        match self {
            Runner::Embedded(archive) => {
                pipeline::embedded::append(archive, submission.clone()).await
            }
            Runner::Cells {
                client, endpoints, ..
            } => client.archive(submission, endpoints, trace).await,
        }
    }

    /// The fingerprint of the newest snapshot archived for `project_id`.
    async fn newest(&self, project_id: &str) -> Result<Option<Fingerprint>, String> {
        match self {
            Runner::Embedded(archive) => {
                let query = archivist::store::ListQuery {
                    project_id: Some(project_id.to_owned()),
                    subject_kind: Some("pm_snapshot_v1".to_owned()),
                    limit: 1,
                    ..Default::default()
                };
                let entries = archive
                    .store()
                    .list(query)
                    .await
                    .map_err(|e| e.to_string())?;
                let Some(entry) = entries.first() else {
                    return Ok(None);
                };
                // With its document, which a version 2 record keeps beside it.
                let record = archive
                    .readable_record(entry)
                    .await
                    .map_err(|e| format!("record {}: {e}", entry.record_id))?;
                Fingerprint::of_signed_record(&record, None)
            }
            Runner::Cells {
                reader, endpoints, ..
            } => newest_over_http(reader, &endpoints.archivist, project_id).await,
        }
    }
}

/// The newest snapshot record of a project, from the archivist's API.
async fn newest_over_http(
    reader: &reqwest::Client,
    archivist_url: &str,
    project_id: &str,
) -> Result<Option<Fingerprint>, String> {
    let base = archivist_url.trim_end_matches('/');
    let failed = |e: reqwest::Error| format!("the archivist at {base}: {e}");
    let list = reqwest::Url::parse_with_params(
        &format!("{base}/v1/records"),
        [
            ("project_id", project_id),
            ("kind", "pm_snapshot_v1"),
            ("limit", "1"),
        ],
    )
    .map_err(|e| format!("--archivist-url {base:?}: {e}"))?;
    let page: archivist::views::RecordPage = reader
        .get(list)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(failed)?
        .json()
        .await
        .map_err(failed)?;
    let Some(newest) = page.records.first() else {
        return Ok(None);
    };
    // The id goes into a URL path: only what an id can be.
    if newest.record_id.is_empty() || !newest.record_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "the archivist at {base} listed a record id that is not hex: {:?}",
            newest.record_id
        ));
    }
    let view: archivist::views::RecordView = reader
        .get(format!("{base}/v1/records/{}", newest.record_id))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(failed)?
        .json()
        .await
        .map_err(failed)?;
    Fingerprint::of_signed_record(&view.signed_record, view.document)
}

/// The loop's state between runs.
#[derive(Debug)]
struct Watcher {
    root: PathBuf,
    /// `today` is read again at each run.
    as_of: Option<super::snapshot::AsOf>,
    limits: curator::Limits,
    runner: Runner,
    /// The newest archived snapshot of each project seen, as far as this
    /// watcher knows; asked of the archive on first sight.
    archived: HashMap<String, Option<Fingerprint>>,
    /// The last run's curation warnings, printed again only when they change.
    warnings: Vec<String>,
}

impl Watcher {
    /// One run: pack the folder, run the pipeline up to the snapshot, and
    /// archive it if its content is new.
    async fn run_once(&mut self) -> RunLine {
        let packed = {
            let root = self.root.clone();
            let (as_of, limits) = (self.as_of.map(super::snapshot::AsOf::date), self.limits);
            tokio::task::spawn_blocking(move || {
                curator::folder::bundle_from_dir(&root, as_of, &limits)
            })
            .await
        };
        let packed = match packed {
            Ok(Ok(packed)) => packed,
            Ok(Err(e)) => return RunLine::Failed(terminal::text(e)),
            Err(e) => return RunLine::Failed(format!("reading the folder stopped: {e}")),
        };
        self.note_warnings(&packed.warnings);
        if !packed.problems.is_empty() {
            return RunLine::Failed(problems_line(&packed.problems));
        }
        let trace = TraceContext::new_root();
        let submission = match self.runner.submission(&packed.bundle, trace).await {
            Ok(submission) => submission,
            Err(error) => return RunLine::Failed(pipeline_line(&error)),
        };
        let fingerprint = match &submission.subject {
            vpm_model::record::Subject::PmSnapshot(snapshot) => {
                match Fingerprint::of_snapshot(snapshot) {
                    Ok(fingerprint) => fingerprint,
                    Err(why) => return RunLine::Failed(terminal::text(why)),
                }
            }
            vpm_model::record::Subject::Decision(_) => {
                return RunLine::Failed("the synthesizer answered with no snapshot".to_owned());
            }
        };
        let project = submission.project_id.clone();
        let newest = match self.archived.get(&project) {
            Some(known) => *known,
            None => match self.runner.newest(&project).await {
                Ok(newest) => {
                    self.archived.insert(project.clone(), newest);
                    newest
                }
                Err(why) => {
                    return RunLine::Failed(format!(
                        "cannot read the newest archived snapshot: {}",
                        terminal::text(why)
                    ));
                }
            },
        };
        if newest == Some(fingerprint) {
            return RunLine::Unchanged;
        }
        match self.runner.append(&submission, trace).await {
            Ok(receipt) => {
                self.archived.insert(project, Some(fingerprint));
                RunLine::Archived(receipt)
            }
            Err(error) => RunLine::Failed(pipeline_line(&error)),
        }
    }

    fn note_warnings(&mut self, warnings: &[vpm_model::curated::Warning]) {
        let now: Vec<String> = warnings.iter().map(|w| w.message.clone()).collect();
        if now != self.warnings && !terminal::ui().quiet {
            let mut stderr = std::io::stderr().lock();
            // A closed standard error only loses the warnings.
            let _ = super::print_warnings(&mut stderr, warnings);
        }
        self.warnings = now;
    }
}

/// The first problem, and how many more there are.
fn problems_line(problems: &[vpm_model::Problem]) -> String {
    let mut line = problems.first().map(terminal::text).unwrap_or_default();
    if problems.len() > 1 {
        line.push_str(&format!(" (and {} more)", problems.len() - 1));
    }
    line
}

/// A failed pipeline run, on one line: its first located problem if it
/// has one, else what stopped it.
fn pipeline_line(error: &PipelineError) -> String {
    let problems = error.problems();
    if problems.is_empty() {
        terminal::text(error)
    } else {
        problems_line(&problems)
    }
}

/// The run's line on standard output.
fn print_line(line: &RunLine, trigger: &Trigger) -> anyhow::Result<()> {
    let time = chrono::Local::now().format("%H:%M:%S");
    let what = match line {
        RunLine::Archived(receipt) => format!(
            "archived {} leaf {}",
            terminal::line(&receipt.record_id),
            receipt.leaf_index
        ),
        RunLine::Unchanged => "unchanged".to_owned(),
        RunLine::Failed(why) => format!("error {why}; nothing recorded"),
    };
    let why = match trigger {
        Trigger::Start => "start".to_owned(),
        Trigger::FolderAnew => "the folder, made anew".to_owned(),
        Trigger::Changed(batch) => {
            let mut names: Vec<String> = batch.paths.iter().map(|p| terminal::path(p)).collect();
            if batch.more > 0 {
                names.push(format!("and {} more", batch.more));
            }
            if names.is_empty() {
                names.push("a rescan".to_owned());
            }
            names.join(", ")
        }
    };
    super::write_stdout(format!("{time} {what} [{why}]\n").as_bytes())
}
