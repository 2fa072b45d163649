//! The command line, as clap sees it, and which command runs for each
//! subcommand. The dependency runs one way: this module knows the commands'
//! argument types; the commands know nothing of it.

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::commands;
use crate::failure::{self, EXIT_STATUS_HELP};
use crate::terminal;

/// vpm: where a project stands, what is missing, what to do next, and a
/// signed record of every answer.
#[derive(Debug, Parser)]
#[command(
    name = "vpm",
    version,
    about,
    long_about = None,
    after_help = EXIT_STATUS_HELP,
    after_long_help = LONG_HELP_FOOTER
)]
pub struct Cli {
    /// Print only errors and the requested output: no logs, progress or
    /// report of what was recorded.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// `vpm --help`'s footer: the exit statuses, the log settings.
const LONG_HELP_FOOTER: &str = "\
Exit status:
  0  done
  1  the input has problems (each printed file:line), or `vpm verify`: it does not verify
  2  usage: a bad command line, a VPM_* setting that cannot be used, an unreadable file
  3  a cell is unreachable, refused the run, or kept failing
  4  the output cannot be written (--out, --receipt, --open)

Logs go to standard error: readable text on a terminal, JSON lines otherwise.
VPM_LOG_FORMAT=json|text overrides; NO_COLOR turns colour off; VPM_LOG sets the
level (info by default, `warn` or `debug` for more or less).

See docs/cli.md, `vpm completions SHELL` and `vpm man --out-dir DIR`.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run curator, planner, synthesizer and archivist in this process.
    ///
    /// Each cell listens on its own port. Shared settings (limits, timeouts,
    /// drain) come from the same VPM_* variables as the cell binaries; PORT
    /// is ignored here in favour of the per-cell ports. SIGTERM or Ctrl-C
    /// drains all four and exits 0.
    #[command(after_help = EXIT_STATUS_HELP)]
    Up(crate::commands::UpArgs),
    /// Plan a curated set: each goal's progress, gap and status, the task
    /// graph, the ranking of ready tasks and the Next 3, as `plan_v1` JSON.
    #[command(after_help = EXIT_STATUS_HELP)]
    Plan(crate::commands::PlanArgs),
    /// Run a project folder through the pipeline: the PM snapshot, recorded.
    ///
    /// By default through the running cells (URLs from --curator-url etc.
    /// or VPM_CURATOR_URL etc., the local ports otherwise); with --embedded
    /// in this process. Prints the snapshot (json, md or html) and what was
    /// recorded; --out FILE writes it atomically, --open shows the HTML page.
    /// With --curated and --plan instead of a folder, only writes the
    /// snapshot of those two documents.
    #[command(after_help = EXIT_STATUS_HELP)]
    Snapshot(crate::commands::snapshot::SnapshotArgs),
    /// Curate a project folder: print its facts as curated_set_v1 JSON, or every problem in it.
    #[command(after_help = EXIT_STATUS_HELP)]
    Curate(crate::commands::CurateArgs),
    /// Start a project folder: project.yaml, state.md, and with --github
    /// the repository as its task source, its open milestones as goals and
    /// a first pull. Never overwrites a file.
    Init(crate::commands::init::InitArgs),
    /// Fetch the project's live GitHub sources into .vpm/sources/, for
    /// snapshots that run offline from the cache.
    Pull(crate::commands::pull::PullArgs),
    /// Keep a project's snapshot current: run the pipeline whenever the
    /// folder (or a pulled source) changes, archiving only new content.
    ///
    /// Runs once at start, then after every change, once the folder has
    /// been quiet for --debounce. Prints one line per run: archived (the
    /// record id), unchanged, or error (the file and line). The same
    /// pipeline choices as `vpm snapshot`: the running cells, or
    /// --embedded. Ctrl-C or SIGTERM stops it with status 0.
    #[command(after_help = EXIT_STATUS_HELP)]
    Watch(crate::commands::watch::WatchArgs),
    /// Make an Ed25519 signing key for the archive (PKCS#8 PEM).
    #[command(after_help = EXIT_STATUS_HELP)]
    Keygen(crate::commands::KeygenArgs),
    /// Check a record and its receipt, or a whole exported log, offline.
    ///
    /// Needs only the log's public key. Exits 0 when everything verifies,
    /// 1 naming the first bad entry when something does not, 2 when the
    /// inputs cannot be read.
    #[command(after_help = EXIT_STATUS_HELP)]
    Verify(crate::commands::VerifyArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// bash: `vpm completions bash > ~/.local/share/bash-completion/completions/vpm`;
    /// zsh: `vpm completions zsh > ~/.zfunc/_vpm` (with ~/.zfunc on fpath);
    /// fish: `vpm completions fish > ~/.config/fish/completions/vpm.fish`.
    #[command(after_help = EXIT_STATUS_HELP)]
    Completions(crate::commands::completions::CompletionsArgs),
    /// Write the manual pages (vpm.1, vpm-snapshot.1, ...) to a directory.
    ///
    /// `vpm man --out-dir ~/.local/share/man/man1`, then `man vpm-snapshot`.
    #[command(after_help = EXIT_STATUS_HELP)]
    Man(crate::commands::man::ManArgs),
}

impl Cli {
    /// Runs the command and reports a failure: the error (escaped for the
    /// terminal, since it may quote a file name or a cell's answer), then
    /// the command or setting that fixes it, and the exit status.
    pub async fn run(self) -> ExitCode {
        let result = match self.command {
            Command::Up(args) => commands::up::run(args).await,
            Command::Plan(args) => commands::plan::run(args).await,
            Command::Snapshot(args) => commands::snapshot::run(args).await,
            Command::Watch(args) => commands::watch::run(args).await,
            Command::Curate(args) => commands::curate::run(args).await,
            Command::Init(args) => commands::init::run(args).await,
            Command::Pull(args) => commands::pull::run(args).await,
            Command::Keygen(args) => commands::keygen::run(args).await,
            Command::Verify(args) => commands::verify::run(args).await,
            Command::Completions(args) => commands::completions::run(args, Cli::command()),
            Command::Man(args) => commands::man::run(args, Cli::command()),
        };
        match result {
            Ok(code) => code,
            Err(e) => {
                let (status, help) = failure::classify(&e);
                eprintln!("vpm: {}", terminal::text(format!("{e:#}")));
                if let Some(help) = help {
                    terminal::help(&help);
                }
                ExitCode::from(status)
            }
        }
    }
}
