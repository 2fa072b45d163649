//! The command line, as clap sees it.

use std::net::IpAddr;

use clap::{Args, Parser, Subcommand};

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
    Up(UpArgs),
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
    /// Make an Ed25519 signing key for the archive (PKCS#8 PEM).
    Keygen(crate::commands::KeygenArgs),
    /// Check a record and its receipt, or a whole exported log, offline.
    /// Needs only the log's public key. Exits 0 when everything verifies,
    /// 1 naming the first bad entry when something does not, 2 when the
    /// inputs cannot be read.
    Verify(crate::commands::VerifyArgs),
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// A project folder to run through the cells once they are up; the
    /// snapshot and its receipt are printed, and the cells keep serving.
    #[arg(value_name = "DIR")]
    pub project: Option<std::path::PathBuf>,
    /// How to print that snapshot.
    #[arg(long, value_enum, default_value_t = crate::commands::snapshot::OutputFormat::Md)]
    pub format: crate::commands::snapshot::OutputFormat,
    /// The date the answer is for (YYYY-MM-DD, or `today`); overrides
    /// project.yaml's `as_of`.
    #[arg(long, value_name = "DATE", value_parser = crate::commands::snapshot::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Address every cell binds to.
    #[arg(long, env = "VPM_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    #[command(flatten)]
    pub ports: CellPorts,
}

/// One port per cell.
#[derive(Debug, Args, Clone, Copy)]
pub struct CellPorts {
    #[arg(long, env = "VPM_CURATOR_PORT", default_value_t = 8002)]
    pub curator_port: u16,
    #[arg(long, env = "VPM_PLANNER_PORT", default_value_t = 8003)]
    pub planner_port: u16,
    #[arg(long, env = "VPM_SYNTHESIZER_PORT", default_value_t = 8004)]
    pub synthesizer_port: u16,
    #[arg(long, env = "VPM_ARCHIVIST_PORT", default_value_t = 8005)]
    pub archivist_port: u16,
}
