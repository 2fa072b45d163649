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

use std::process::ExitCode;

use crate::cli::Command;

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Up(args) => up::run(args).await,
        Command::Plan(args) => plan::run(args).await,
        Command::Snapshot(args) => snapshot::run(args).await,
        Command::Curate(args) => curate::run(args).await,
        Command::Keygen(args) => keygen::run(args).await,
        Command::Verify(args) => verify::run(args).await,
    }
}
