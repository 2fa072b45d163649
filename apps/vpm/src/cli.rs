//! The command line, as clap sees it, and which command runs for each
//! subcommand. The dependency runs one way: this module knows the commands'
//! argument types; the commands know nothing of it.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::terminal;

/// vpm: where a project stands, what is missing, what to do next, and a
/// signed record of every answer.
#[derive(Debug, Parser)]
#[command(name = "vpm", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run curator, planner, synthesizer and archivist in this process.
    ///
    /// Each cell listens on its own port. Shared settings (limits, timeouts,
    /// drain) come from the same VPM_* variables as the cell binaries; PORT
    /// is ignored here in favour of the per-cell ports. SIGTERM or Ctrl-C
    /// drains all four.
    Up(crate::commands::UpArgs),
    /// Plan a curated set: each goal's progress, gap and status, the task
    /// graph, the ranking of ready tasks and the Next 3, as `plan_v1` JSON.
    Plan(crate::commands::PlanArgs),
    /// Run a project folder through the pipeline: the PM snapshot, recorded.
    ///
    /// By default through the running cells (URLs from --curator-url etc.
    /// or VPM_CURATOR_URL etc., the local ports otherwise); with --embedded
    /// in this process. Prints the snapshot (json, md or html) and what was
    /// recorded. With --curated and --plan instead of a folder, only writes
    /// the snapshot of those two documents. Exit status 1: the project has
    /// problems (each printed file:line); 3: a cell is down or kept failing.
    Snapshot(crate::commands::snapshot::SnapshotArgs),
    /// Curate a project folder: print its facts as curated_set_v1 JSON, or every problem in it.
    Curate(crate::commands::CurateArgs),
    /// Start a project folder: project.yaml, state.md, and with --github
    /// the repository as its task source, its open milestones as goals and
    /// a first pull. Never overwrites a file.
    Init(crate::commands::init::InitArgs),
    /// Fetch the project's live GitHub sources into .vpm/sources/, for
    /// snapshots that run offline from the cache.
    Pull(crate::commands::pull::PullArgs),
    /// Make an Ed25519 signing key for the archive (PKCS#8 PEM).
    Keygen(crate::commands::KeygenArgs),
    /// Check a record and its receipt, or a whole exported log, offline.
    /// Needs only the log's public key. Exits 0 when everything verifies,
    /// 1 naming the first bad entry when something does not, 2 when the
    /// inputs cannot be read.
    Verify(crate::commands::VerifyArgs),
}

impl Command {
    /// Runs the command. An error's text is escaped for the terminal here,
    /// once for every command, since it may quote a file name or a cell's
    /// answer.
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        let result = match self {
            Command::Up(args) => commands::up::run(args).await,
            Command::Plan(args) => commands::plan::run(args).await,
            Command::Snapshot(args) => commands::snapshot::run(args).await,
            Command::Curate(args) => commands::curate::run(args).await,
            Command::Init(args) => commands::init::run(args).await,
            Command::Pull(args) => commands::pull::run(args).await,
            Command::Keygen(args) => commands::keygen::run(args).await,
            Command::Verify(args) => commands::verify::run(args).await,
        };
        result.map_err(|e| anyhow::anyhow!("{}", terminal::line(&format!("{e:#}"))))
    }
}
