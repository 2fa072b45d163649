//! `vpm`: run the four cells in one process, and the command-line tools.

mod browser;
mod cli;
mod commands;
mod failure;
mod out_file;
mod pipeline;
mod terminal;
mod watch;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;
use vpm_cell::telemetry::{self, LogFormat, LogStream};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // -q leaves errors only; VPM_LOG still wins for someone debugging.
    let level = if cli.quiet { "error" } else { "info" };
    let format = match telemetry::init_logging(LogStream::Stderr, level) {
        Ok(format) => format,
        Err(e) => {
            eprintln!("vpm: {}", terminal::text(&e));
            terminal::help(&failure::setting_help(&e.name));
            return ExitCode::from(failure::USAGE);
        }
    };
    let interactive = std::io::stderr().is_terminal();
    terminal::set_ui(terminal::Ui {
        quiet: cli.quiet,
        // The CLI's own messages are coloured exactly when its logs are.
        color: matches!(format, LogFormat::Text { color: true }),
        interactive,
    });
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
    runtime.block_on(cli.run())
}
