//! Text from input, made safe to show on a terminal.
//!
//! File names, problem messages, values quoted from a project's files and
//! the answers of remote cells all reach the terminal through the CLI. A
//! terminal obeys the control characters in what it prints: `ESC [ 2 J`
//! clears the screen, other sequences set the window title or move the
//! cursor, a carriage return or newline in a file name can forge a
//! `tasks.yaml:1:` line, and the bidirectional overrides (U+202A–U+202E,
//! U+2066–U+2069) make text read differently from what it is. So every
//! piece of input-derived text the CLI prints goes through [`line`] (one
//! line: a file name, a message) or [`block`] (a document printed on
//! standard output, such as the Markdown snapshot), which show those
//! characters as escapes (`\x1b`, `\n`, `\u{202e}`) instead of sending
//! them. A document written with `--output FILE` is written as it is.
//!
//! The `vpm` binary has no unit-test harness (see its `Cargo.toml`); these
//! functions are tested through the binary in `tests/suite/terminal.rs`.
//!
//! The escaping itself is the runtime's ([`vpm_cell::terminal`]), which
//! the log lines written for a terminal use too.
//!
//! JSON needs no help from here for C0 controls: `serde_json` writes them
//! as `\u001b`, `\n`. It writes DEL, the C1 controls and the bidi overrides
//! as they are, though, so [`json`] rewrites those as `\uXXXX` escapes,
//! which leaves the document meaning exactly the same.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::path::Path;

use vpm_cell::terminal::{escape, needs_escape};

/// `text` for one line of terminal output: every control character
/// escaped, including CR and LF; a tab is kept.
pub fn line(text: &str) -> Cow<'_, str> {
    vpm_cell::terminal::line(text)
}

/// [`line`] of anything displayable: a problem, an error, a limit.
pub fn text(value: impl fmt::Display) -> String {
    line(&value.to_string()).into_owned()
}

/// [`line`] of a path.
pub fn path(path: &Path) -> String {
    text(path.display())
}

/// `text` for several lines of terminal output: newlines and tabs are
/// kept, a CR only where it ends a line (`\r\n`); every other control
/// character is escaped.
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, |c, next| {
        c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'))
    })
}

/// A JSON document as `serde_json` writes it, for any output: DEL, C1
/// controls and bidi overrides, which can only occur inside strings there,
/// written as `\uXXXX` escapes. (The C0 controls are escaped already; the
/// newlines between values are layout and are kept.)
pub fn json(text: &str) -> Cow<'_, str> {
    let unsafe_in_json = |c: char| needs_escape(c) && u32::from(c) >= 0x7f;
    if !text.chars().any(unsafe_in_json) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_in_json(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// How the CLI speaks to the person running it; decided once in `main`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ui {
    /// `-q`: errors and the requested output only.
    pub quiet: bool,
    /// Colour on standard error (a terminal, `NO_COLOR` unset).
    pub color: bool,
    /// Standard error is a terminal: progress bars may be drawn.
    pub interactive: bool,
}

static UI: std::sync::OnceLock<Ui> = std::sync::OnceLock::new();

/// Sets the [`Ui`] for the process; the first call wins.
pub fn set_ui(ui: Ui) {
    let _ = UI.set(ui);
}

/// The process's [`Ui`] (plain and not quiet until [`set_ui`]).
pub fn ui() -> Ui {
    UI.get().copied().unwrap_or_default()
}

/// Prints `line` on standard error unless `-q` was given: what was done,
/// where it went. Errors are printed whatever `-q` says.
pub fn note(line: impl fmt::Display) {
    if !ui().quiet {
        eprintln!("{line}");
    }
}

/// The line that ends a failure's report: what to run or set to fix it.
pub fn help_line(fix: &str, color: bool) -> String {
    if color {
        format!("  \x1b[1;36mhelp:\x1b[0m {fix}")
    } else {
        format!("  help: {fix}")
    }
}

/// Prints [`help_line`] on standard error.
pub fn help(fix: &str) {
    eprintln!("{}", help_line(fix, ui().color));
}
