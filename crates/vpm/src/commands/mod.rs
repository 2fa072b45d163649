//! One module per subcommand.

mod keygen;
mod up;
mod verify;

pub use keygen::KeygenArgs;
pub use verify::VerifyArgs;

use std::process::ExitCode;

use crate::cli::Command;

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Up(args) => up::run(args).await,
        Command::Keygen(args) => keygen::run(args).await,
        Command::Verify(args) => verify::run(args).await,
    }
}
