//! `vpm completions SHELL`: the shell's completion script, from clap's own
//! description of the command line, so it never falls behind a new flag.

use std::process::ExitCode;

use clap::Args;
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs, mut command: clap::Command) -> anyhow::Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "vpm", &mut script);
    super::write_stdout(&script)?;
    Ok(ExitCode::SUCCESS)
}
