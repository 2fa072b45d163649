//! How a command fails: the exit status, and the command or setting that
//! fixes it.
//!
//! Every status means one thing across the CLI, so a script can tell a
//! project with problems from a cell that is down:
//!
//! | status | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | the input is wrong: the project folder or a document has problems (each printed `file:line: code: message`), or — `vpm verify` — a record or log does not verify |
//! | 2 | the command cannot start: a usage error (clap's own status), a `VPM_*` setting that cannot be used, a file named on the command line that cannot be read |
//! | 3 | a cell is unreachable, refused the run, or kept failing |
//! | 4 | the output cannot be written (`--out`, `--receipt`, `--open`) |
//!
//! 1 and 2 keep the meanings `vpm verify` had (1 does not verify, 2 cannot
//! read its inputs), as `diff` and `grep` use them, and 2 is what clap and
//! the cells already exit with for a bad command line or setting.

use std::fmt;

/// The input is wrong (or does not verify).
pub const INPUT: u8 = 1;
/// A usage error, an unusable setting, an unreadable named file.
pub const USAGE: u8 = 2;
/// A cell is unreachable, refused, or kept failing.
pub const CELL: u8 = 3;
/// The output cannot be written.
pub const OUTPUT: u8 = 4;

/// The exit statuses, for every command's `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  done
  1  the input has problems (each printed file:line), or `vpm verify`: it does not verify
  2  usage: a bad command line, a VPM_* setting that cannot be used, an unreadable file
  3  a cell is unreachable, refused the run, or kept failing
  4  the output cannot be written (--out, --receipt, --open)
See docs/cli.md.";

/// An error that ends a command with `status`, and says what fixes it.
#[derive(Debug)]
pub struct Failure {
    pub status: u8,
    pub message: String,
    /// The command or setting that fixes it, printed last.
    pub help: Option<String>,
}

impl Failure {
    pub fn new(status: u8, message: impl fmt::Display) -> Self {
        Self {
            status,
            message: message.to_string(),
            help: None,
        }
    }

    pub fn help(mut self, fix: impl Into<String>) -> Self {
        self.help = Some(fix.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The status and help for any error a command returns: a [`Failure`] says
/// its own; an unusable setting is a usage error; anything else is 1.
pub fn classify(error: &anyhow::Error) -> (u8, Option<String>) {
    if let Some(failure) = error.downcast_ref::<Failure>() {
        return (failure.status, failure.help.clone());
    }
    if let Some(config) = error.downcast_ref::<vpm_cell::config::ConfigError>() {
        return (USAGE, Some(setting_help(&config.name)));
    }
    (INPUT, None)
}

/// What fixes a setting that cannot be used.
pub fn setting_help(name: &str) -> String {
    match name {
        "VPM_SIGNING_KEY_FILE" => "create a key with `vpm keygen --out FILE` and set \
             VPM_SIGNING_KEY_FILE=FILE, or unset VPM_SIGNING_KEY_FILE to use a development key"
            .to_owned(),
        "VPM_WRITE_TOKEN" | "VPM_WRITE_TOKEN_FILE" => format!(
            "give {name} a value (the archivist's write token), or unset it to leave writes open"
        ),
        _ => format!("fix {name} or unset it (docs/cli.md and docs/runtime.md list the settings)"),
    }
}
