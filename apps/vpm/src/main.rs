//! `vpm`: run the four cells in one process, and the command-line tools.

mod cli;
mod commands;
mod pipeline;
mod terminal;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    vpm_cell::telemetry::init_logging(vpm_cell::telemetry::LogStream::Stderr);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vpm: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.command.run()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vpm: {e:#}");
            ExitCode::FAILURE
        }
    }
}
