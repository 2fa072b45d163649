//! One module per subcommand.

mod curate;
mod up;

pub use curate::CurateArgs;

use std::process::ExitCode;

use crate::cli::Command;

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Up(args) => up::run(args).await,
        Command::Curate(args) => curate::run(args).await,
    }
}
