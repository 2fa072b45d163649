//! Reading a file whose path came from outside the program: a project
//! folder, a command-line argument, a configured secret.
//!
//! Such a path may name anything. A FIFO blocks the first read for ever, a
//! device such as `/dev/zero` never ends, and `/proc` files and devices
//! report a length of 0, so a size check on metadata alone says nothing.
//! [`read_regular`] therefore
//!
//! 1. looks at the path before opening it and refuses anything that is not
//!    a regular file (a directory, FIFO, socket or device is never opened);
//! 2. opens it with `O_NONBLOCK` (a FIFO swapped in after the look cannot
//!    block the open) and, with [`Symlinks::Refuse`], `O_NOFOLLOW` (a final
//!    symbolic link swapped in after the look is not followed);
//! 3. checks the *opened* file's metadata again, closing the race between
//!    the look and the open;
//! 4. reads at most `limit + 1` bytes, so a file that grows while it is read
//!    or lies about its length is refused as too large instead of filling
//!    memory.
//!
//! Every error names the file.
//!
//! It lives in the runtime crate because three programs need the same
//! care: the curator reads project folders, the archivist reads its key and
//! token files, and the `vpm` CLI reads documents named on its command
//! line. Neither cell may import the other, and both, like the CLI, already
//! depend on this crate.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

/// Whether a symbolic link at the path itself may be followed.
///
/// A path the operator chose (a `--curated` file, a Kubernetes Secret,
/// which is mounted as a chain of links) is followed; a path inside a
/// project folder that has already been resolved and checked to stay in the
/// folder is opened with [`Symlinks::Refuse`], so a link put in its place
/// afterwards is not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symlinks {
    Follow,
    Refuse,
}

/// Why a file was not read, with the file it is about.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FileError {
    pub path: PathBuf,
    pub reason: Refusal,
}

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A directory, FIFO, socket, device or (with [`Symlinks::Refuse`])
    /// symbolic link: the kind, as [`kind_of`] names it.
    #[error("is {0}, not a regular file")]
    NotRegular(&'static str),
    /// The file holds more than `limit` bytes; `read` is how many were read
    /// before stopping (`limit + 1`), or the length the file reported if
    /// that is larger.
    #[error("holds more than {limit} bytes")]
    TooLarge { limit: u64, read: u64 },
    /// Resolves, through a link or `..`, to a place outside the folder it
    /// was read from ([`read_beneath`]).
    #[error("resolves to a place outside the folder (through a link or `..`); refused")]
    Outside,
    /// Cannot be opened or read (missing, no permission, not UTF-8, ...).
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl FileError {
    fn new(path: &Path, reason: impl Into<Refusal>) -> Self {
        Self {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// What kind of thing `meta` describes, as a noun phrase for messages.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_file() {
        return "a regular file";
    }
    if file_type.is_dir() {
        return "a directory";
    }
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    "not a regular file"
}

/// Opens the regular file at `path` for reading, without ever blocking on
/// the open, and returns it with its metadata (taken from the open file).
pub fn open_regular(path: &Path, links: Symlinks) -> Result<(File, Metadata), FileError> {
    let looked = match links {
        Symlinks::Follow => std::fs::metadata(path),
        Symlinks::Refuse => std::fs::symlink_metadata(path),
    }
    .map_err(|e| FileError::new(path, e))?;
    if !looked.is_file() {
        return Err(FileError::new(path, Refusal::NotRegular(kind_of(&looked))));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut flags = libc::O_NONBLOCK;
        if links == Symlinks::Refuse {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // O_NOFOLLOW met a link that replaced the file after the look.
        #[cfg(unix)]
        Err(e) if links == Symlinks::Refuse && e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(FileError::new(path, Refusal::NotRegular("a symbolic link")));
        }
        Err(e) => return Err(FileError::new(path, e)),
    };
    let meta = file.metadata().map_err(|e| FileError::new(path, e))?;
    if !meta.is_file() {
        return Err(FileError::new(path, Refusal::NotRegular(kind_of(&meta))));
    }
    Ok((file, meta))
}

/// The bytes of the regular file at `path`, if it holds at most `limit`.
pub fn read_regular(path: &Path, limit: u64, links: Symlinks) -> Result<Vec<u8>, FileError> {
    let (file, meta) = open_regular(path, links)?;
    if meta.len() > limit {
        return Err(FileError::new(
            path,
            Refusal::TooLarge {
                limit,
                read: meta.len(),
            },
        ));
    }
    read_bounded(file, limit).map_err(|reason| FileError::new(path, reason))
}

/// [`read_regular`], as UTF-8 text.
pub fn read_regular_to_string(
    path: &Path,
    limit: u64,
    links: Symlinks,
) -> Result<String, FileError> {
    let bytes = read_regular(path, limit, links)?;
    String::from_utf8(bytes).map_err(|_| {
        FileError::new(
            path,
            io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"),
        )
    })
}

/// Reads `relative`, a path inside the directory `root`, as
/// [`read_regular`] does, and resolves it with the kernel's
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`: every component,
/// not only the last, is resolved inside `root` at the moment of the open.
/// A symbolic link that stays inside `root` is followed; one that leaves
/// it, an absolute link, a `..` that climbs out, or a `/proc` magic link is
/// refused — even if a directory on the way was swapped for such a link
/// after the caller looked (the race a check-then-open reader cannot
/// close).
///
/// Where `openat2` is missing (Linux before 5.6, or a seccomp filter that
/// forbids it) it falls back to [`read_regular`] on `root/relative` with
/// [`Symlinks::Refuse`], which protects the last component only.
pub fn read_beneath(root: &Path, relative: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    let shown = root.join(relative);
    let dir = rustix::fs::open(
        root,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| FileError::new(root, io::Error::from(e)))?;
    let opened = rustix::fs::openat2(
        &dir,
        relative,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
    );
    let file = match opened {
        Ok(fd) => File::from(fd),
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {
            return read_regular(&shown, limit, Symlinks::Refuse);
        }
        Err(rustix::io::Errno::XDEV) => return Err(FileError::new(&shown, Refusal::Outside)),
        Err(e) => return Err(FileError::new(&shown, io::Error::from(e))),
    };
    let meta = file.metadata().map_err(|e| FileError::new(&shown, e))?;
    if !meta.is_file() {
        return Err(FileError::new(&shown, Refusal::NotRegular(kind_of(&meta))));
    }
    if meta.len() > limit {
        return Err(FileError::new(
            &shown,
            Refusal::TooLarge {
                limit,
                read: meta.len(),
            },
        ));
    }
    read_bounded(file, limit).map_err(|reason| FileError::new(&shown, reason))
}

/// Reads `reader` to its end if that comes within `limit` bytes. Reads at
/// most `limit + 1` bytes whatever the source claims about its length.
pub fn read_bounded(reader: impl io::Read, limit: u64) -> Result<Vec<u8>, Refusal> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(Refusal::TooLarge { limit, read });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    use vpm_testkit::mkfifo;

    /// Runs `f` in a thread and fails the test if it takes more than 5 s,
    /// instead of hanging the test run.
    fn within_5s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the read blocked")
    }

    #[test]
    fn a_regular_file_within_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ok.txt");
        std::fs::write(&path, "hello").unwrap();
        assert_eq!(read_regular(&path, 5, Symlinks::Refuse).unwrap(), b"hello");
        let e = read_regular(&path, 4, Symlinks::Refuse).unwrap_err();
        assert!(
            matches!(e.reason, Refusal::TooLarge { limit: 4, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("ok.txt"), "{e}");
    }

    #[test]
    fn a_source_that_lies_about_its_length_is_read_only_to_the_limit_plus_one() {
        // /dev/zero never ends; a reader is stopped after limit + 1 bytes.
        let e = read_bounded(io::repeat(0), 1000).unwrap_err();
        assert!(
            matches!(
                e,
                Refusal::TooLarge {
                    limit: 1000,
                    read: 1001
                }
            ),
            "{e:?}"
        );
        assert_eq!(read_bounded(&b"12345"[..], 5).unwrap(), b"12345");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_proc_file_reporting_length_zero_is_still_bounded() {
        // /proc/self/environ is a "regular" file of length 0 holding this
        // process's whole environment: only the read itself can bound it.
        let path = Path::new("/proc/self/environ");
        assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
        let e = read_regular(path, 10, Symlinks::Follow).unwrap_err();
        assert!(
            matches!(
                e.reason,
                Refusal::TooLarge {
                    limit: 10,
                    read: 11
                }
            ),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_fifos_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        for (path, links) in [
            (fifo.clone(), Symlinks::Follow),
            (fifo, Symlinks::Refuse),
            (PathBuf::from("/dev/zero"), Symlinks::Follow),
            (dir.path().to_path_buf(), Symlinks::Follow),
        ] {
            let e = within_5s(move || read_regular(&path, 10, links).unwrap_err());
            assert!(matches!(e.reason, Refusal::NotRegular(_)), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_only_when_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&target, "x").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_regular(&link, 10, Symlinks::Follow).unwrap(), b"x");
        let e = read_regular(&link, 10, Symlinks::Refuse).unwrap_err();
        assert!(
            matches!(e.reason, Refusal::NotRegular("a symbolic link")),
            "{e}"
        );
    }

    #[test]
    fn read_beneath_follows_links_inside_and_refuses_every_way_out() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("project");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("docs/state.md"), "inside").unwrap();
        std::fs::write(outside.join("secret"), "s3cr3t").unwrap();
        std::os::unix::fs::symlink("docs/state.md", root.join("linked.md")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("swapped")).unwrap();
        std::os::unix::fs::symlink("../outside/secret", root.join("climb.md")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", root.join("environ.md")).unwrap();

        let read = |rel: &str| read_beneath(&root, Path::new(rel), 1024);
        assert_eq!(read("docs/state.md").unwrap(), b"inside");
        assert_eq!(read("linked.md").unwrap(), b"inside");
        // An intermediate directory that is a link out of the folder (the
        // swapped-directory race, made permanent) is refused, as are `..`,
        // a relative link that climbs out and an absolute link.
        for escape in [
            "swapped/secret",
            "../outside/secret",
            "climb.md",
            "environ.md",
        ] {
            let err = read(escape).unwrap_err();
            assert!(
                err.to_string().contains("outside the folder"),
                "{escape}: {err}"
            );
        }
    }

    #[test]
    fn read_beneath_refuses_fifos_devices_and_large_files_naming_them() {
        let tmp = tempfile::tempdir().unwrap();
        mkfifo(&tmp.path().join("tasks.yaml"));
        std::fs::write(tmp.path().join("big.md"), vec![b'x'; 2048]).unwrap();
        std::os::unix::fs::symlink("/dev/zero", tmp.path().join("zero.md")).unwrap();
        let root = tmp.path().to_path_buf();
        let fifo = within_5s(move || read_beneath(&root, Path::new("tasks.yaml"), 1024));
        assert!(matches!(
            fifo.unwrap_err().reason,
            Refusal::NotRegular("a FIFO (named pipe)")
        ));
        let big = read_beneath(tmp.path(), Path::new("big.md"), 1024).unwrap_err();
        assert!(big.to_string().contains("big.md"), "{big}");
        assert!(matches!(big.reason, Refusal::TooLarge { limit: 1024, .. }));
        let zero = read_beneath(tmp.path(), Path::new("zero.md"), 1024).unwrap_err();
        assert!(zero.to_string().contains("outside the folder"), "{zero}");
    }
}
