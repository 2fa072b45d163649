//! One module per subcommand.

pub mod snapshot;
mod up;

use std::process::ExitCode;

use crate::cli::Command;

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Up(args) => up::run(args).await,
        Command::Snapshot(args) => snapshot::run(args).await,
    }
}
