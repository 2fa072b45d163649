//! Files written with `--out`: whole or not at all.
//!
//! A snapshot written over yesterday's must never be seen half-written, by
//! a reader, a browser reloading it, or after a crash or a full disk. So
//! the text goes to a new file in the same directory (same file system, so
//! the rename cannot turn into a copy), is flushed to disk, and is renamed
//! over the target; the directory is synced so the rename survives a power
//! cut. Any failure before the rename removes the new file and leaves the
//! old one as it was.
//!
//! A file that already exists keeps its permissions; a new one gets the
//! usual `0666` less the umask. A symbolic link at the target is replaced
//! by the file, not followed.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::Path;

/// Writes `contents` to `path` atomically (see the module documentation).
pub fn write(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_with(path, |file| file.write_all(contents))
}

/// Creates the new file next to `path`, lets `fill` write it, and renames
/// it over `path` once it is on disk. When `fill` or anything after fails,
/// `path` is untouched and the new file is gone.
pub fn write_with(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Given to open(2), which applies the umask: what a plain write gives.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut new = builder.tempfile_in(dir)?;
    if let Ok(old) = fs::symlink_metadata(path)
        && old.is_file()
    {
        new.as_file().set_permissions(old.permissions())?;
    }
    fill(new.as_file_mut())?;
    new.as_file_mut().flush()?;
    new.as_file().sync_all()?;
    new.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_file_holds_exactly_the_text_and_nothing_else_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.md");
        write(&path, b"# Current\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"# Current\n");
        assert_eq!(names(dir.path()), ["snapshot.md"]);
    }

    #[test]
    fn a_failure_while_writing_leaves_the_old_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        fs::write(&path, "yesterday's snapshot\n").unwrap();
        let err = write_with(&path, |file| {
            file.write_all(b"{\"half\": ")?;
            Err(io::Error::other("the disk is full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "the disk is full");
        assert_eq!(fs::read_to_string(&path).unwrap(), "yesterday's snapshot\n");
        assert_eq!(
            names(dir.path()),
            ["snapshot.json"],
            "a temporary file was left"
        );
    }

    #[test]
    fn a_target_that_cannot_be_replaced_is_left_and_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), "kept").unwrap();
        assert!(write(&path, b"text").is_err());
        assert_eq!(fs::read_to_string(path.join("inside")).unwrap(), "kept");
        assert_eq!(names(dir.path()), ["out"]);
        // A directory that does not exist: nothing is created.
        let missing = dir.path().join("no/such/dir/file.md");
        assert_eq!(
            write(&missing, b"text").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn a_replaced_file_overwrites_the_old_text_and_keeps_its_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        fs::write(&path, "a much longer old document than the new one\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write(&path, b"{}\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
    }

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.txt");
        fs::write(&elsewhere, "not to be touched").unwrap();
        let path = dir.path().join("link.md");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
            write(&path, b"new").unwrap();
            assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "not to be touched");
            assert_eq!(fs::read_to_string(&path).unwrap(), "new");
            assert!(
                !fs::symlink_metadata(&path)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }
    }
}
