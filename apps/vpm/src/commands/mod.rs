//! One module per subcommand.

pub mod curate;
pub mod init;
pub mod keygen;
pub mod plan;
pub mod pull;
pub mod snapshot;
pub mod up;
pub mod verify;

pub use keygen::KeygenArgs;
pub use verify::VerifyArgs;

pub use curate::CurateArgs;
pub use plan::PlanArgs;
pub use up::UpArgs;

use std::path::Path;

use vpm_cell::files::{self, Symlinks};

/// Most bytes of one JSON document read from a file (`--curated`, `--plan`,
/// `--record`, `--receipt`, and one line of an exported log). The largest
/// curated set the curator's limits allow is well below this.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// The text of a document named on the command line: a regular file
/// (links followed: the user chose the path), read to at most
/// [`MAX_DOCUMENT_BYTES`]; a FIFO, device or directory is refused without
/// waiting on it. The error names the file.
pub fn read_document(path: &Path) -> anyhow::Result<String> {
    files::read_regular_to_string(path, MAX_DOCUMENT_BYTES, Symlinks::Follow)
        .map_err(|e| anyhow::anyhow!("cannot read {e}"))
}
