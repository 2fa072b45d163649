//! One module per subcommand.

pub mod completions;
pub mod curate;
pub mod init;
pub mod keygen;
pub mod man;
pub mod plan;
pub mod pull;
pub mod snapshot;
pub mod up;
pub mod verify;
pub mod watch;

pub use keygen::KeygenArgs;
pub use verify::VerifyArgs;

pub use curate::CurateArgs;
pub use plan::PlanArgs;
pub use up::UpArgs;

use std::io::Write as _;
use std::path::Path;

use vpm_cell::files::{self, Symlinks};

use vpm_model::curated::Warning;

use crate::failure::{Failure, OUTPUT, USAGE};
use crate::{out_file, terminal};

/// Most bytes of one JSON document read from a file (`--curated`, `--plan`,
/// `--record`, `--receipt`, and one line of an exported log). The largest
/// curated set the curator's limits allow is well below this.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// The text of a document named on the command line: a regular file
/// (links followed: the user chose the path), read to at most
/// [`MAX_DOCUMENT_BYTES`]; a FIFO, device or directory is refused without
/// waiting on it. The error names the file; its exit status is 2, a file
/// named on the command line that cannot be read.
pub fn read_document(path: &Path) -> anyhow::Result<String> {
    files::read_regular_to_string(path, MAX_DOCUMENT_BYTES, Symlinks::Follow).map_err(|e| {
        Failure::new(USAGE, format!("cannot read {e}"))
            .help("check the path: it must name a readable regular file")
            .into()
    })
}

/// `bytes` on standard output, flushed. A closed pipe (`vpm ... | head`)
/// ends the output quietly rather than as an error.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// An `--out FILE` written atomically ([`out_file::write`]), failing with
/// status 4 and what to do; the same for every command that writes one.
pub fn write_out(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    out_file::write(path, bytes).map_err(|e| {
        Failure::new(
            OUTPUT,
            format!("cannot write {}: {e}", terminal::path(path)),
        )
        .help("choose a file in a directory you can write to; the old file, if any, is unchanged")
        .into()
    })
}

/// A curation's warnings, one line each, their text escaped.
pub fn print_warnings(out: &mut impl std::io::Write, warnings: &[Warning]) -> std::io::Result<()> {
    for warning in warnings {
        writeln!(
            out,
            "warning: {}: {}",
            warning.code,
            terminal::line(&warning.message)
        )?;
    }
    Ok(())
}
