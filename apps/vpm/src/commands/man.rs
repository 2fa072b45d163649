//! `vpm man --out-dir DIR`: one manual page per command (`vpm.1`,
//! `vpm-snapshot.1`, ...), generated from clap's own description of the
//! command line, each written atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::failure::{Failure, OUTPUT};
use crate::{out_file, terminal};

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory to write the pages to (created if missing), such as
    /// ~/.local/share/man/man1.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

pub fn run(args: ManArgs, command: clap::Command) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out_dir).map_err(|e| {
        Failure::new(
            OUTPUT,
            format!("cannot create {}: {e}", terminal::path(&args.out_dir)),
        )
        .help("pass a directory you can write to with --out-dir")
    })?;
    let mut pages = Vec::new();
    let command = command.version(vpm_cell::VERSION);
    collect(&command, &mut pages)?;
    for (name, page) in &pages {
        let path = args.out_dir.join(format!("{name}.1"));
        out_file::write(&path, page).map_err(|e| {
            Failure::new(
                OUTPUT,
                format!("cannot write {}: {e}", terminal::path(&path)),
            )
            .help("pass a directory you can write to with --out-dir")
        })?;
    }
    terminal::note(format!(
        "vpm: wrote {} manual pages to {} (read one with `man {}/vpm-snapshot.1`)",
        pages.len(),
        terminal::path(&args.out_dir),
        terminal::path(&args.out_dir)
    ));
    Ok(ExitCode::SUCCESS)
}

/// The page of `command` and of each subcommand under it, named as `git`
/// names its pages: `vpm`, `vpm-snapshot`.
fn collect(command: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    pages.push((command.get_name().to_owned(), page));
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("{}-{}", command.get_name(), sub.get_name());
        let sub = sub.clone().name(name).version(vpm_cell::VERSION);
        collect(&sub, pages)?;
    }
    Ok(())
}
