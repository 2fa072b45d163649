//! One module per subcommand.

mod curate;
mod keygen;
mod plan;
pub mod snapshot;
mod up;
mod verify;

pub use keygen::KeygenArgs;
pub use verify::VerifyArgs;

pub use curate::CurateArgs;
pub use plan::PlanArgs;

use std::path::Path;
use std::process::ExitCode;

use vpm_cell::files::{self, Symlinks};

use crate::cli::Command;
use crate::terminal;

/// Most bytes of one JSON document read from a file (`--curated`, `--plan`,
/// `--record`, `--receipt`, and one line of an exported log). The largest
/// curated set the curator's limits allow is well below this.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Runs `command`. An error's text is escaped for the terminal here, once
/// for every command, since it may quote a file name or a cell's answer.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let result = match command {
        Command::Up(args) => up::run(args).await,
        Command::Plan(args) => plan::run(args).await,
        Command::Snapshot(args) => snapshot::run(args).await,
        Command::Curate(args) => curate::run(args).await,
        Command::Keygen(args) => keygen::run(args).await,
        Command::Verify(args) => verify::run(args).await,
    };
    result.map_err(|e| anyhow::anyhow!("{}", terminal::line(&format!("{e:#}"))))
}

/// The text of a document named on the command line: a regular file
/// (links followed: the user chose the path), read to at most
/// [`MAX_DOCUMENT_BYTES`]; a FIFO, device or directory is refused without
/// waiting on it. The error names the file.
pub fn read_document(path: &Path) -> anyhow::Result<String> {
    files::read_regular_to_string(path, MAX_DOCUMENT_BYTES, Symlinks::Follow)
        .map_err(|e| anyhow::anyhow!("cannot read {e}"))
}
