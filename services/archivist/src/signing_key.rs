//! The log's signing key: read from `VPM_SIGNING_KEY_FILE`, or — when none
//! is configured — a development key created once under `VPM_DATA_DIR` and
//! reused after: announced with a loud warning when it is created, and a
//! one-line reminder on every later start.
//!
//! A configured key file that cannot be used (missing, empty, not a
//! regular file, larger than [`MAX_SECRET_FILE_BYTES`], not a key) is a
//! [`ConfigError`] naming `VPM_SIGNING_KEY_FILE`: the cell stops with exit
//! status 2, as for any other setting it cannot use. The key itself is never
//! quoted.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use vpm_tlog::LogKey;

use vpm_cell::config::ConfigError;

use crate::config::{KeySource, MAX_SECRET_FILE_BYTES, read_secret_file};

/// Loads the key `source` names, creating the development key if needed.
pub fn load(source: &KeySource, origin: &str) -> anyhow::Result<LogKey> {
    match source {
        KeySource::File(path) => {
            let refused = |reason: String| ConfigError {
                name: "VPM_SIGNING_KEY_FILE".to_owned(),
                value: path.display().to_string(),
                reason,
            };
            let pem = read_secret_file(path).map_err(refused)?;
            Ok(LogKey::from_pkcs8_pem(origin, &pem).map_err(|e| {
                refused(format!(
                    "the file is not an Ed25519 PKCS#8 PEM private key ({e}); make one with `vpm keygen`"
                ))
            })?)
        }
        KeySource::Development(path) => {
            let key = match read(path, origin) {
                Ok(key) => {
                    // Said loudly once, when the key was made; a reminder after.
                    tracing::warn!(
                        key_file = %path.display(),
                        "development signing key (set VPM_SIGNING_KEY_FILE for production; `vpm keygen` makes one)"
                    );
                    key
                }
                Err(_) if !path.exists() => {
                    let key = create(path, origin)?;
                    tracing::warn!(
                        key_file = %path.display(),
                        verifier_key = %key.verifier().verifier_key(),
                        "CREATED A DEVELOPMENT SIGNING KEY. VPM_SIGNING_KEY_FILE is not set, so the \
                         archive is signed with a key kept next to the data: anyone who can read that \
                         file can forge records. Fine on a laptop; for production, create a key with \
                         `vpm keygen`, keep it in a secret and set VPM_SIGNING_KEY_FILE. Later starts \
                         reuse this key and say so in one line."
                    );
                    key
                }
                Err(e) => return Err(e),
            };
            Ok(key)
        }
    }
}

fn read(path: &Path, origin: &str) -> anyhow::Result<LogKey> {
    use vpm_cell::files::{Symlinks, read_regular_to_string};
    let pem = read_regular_to_string(path, MAX_SECRET_FILE_BYTES, Symlinks::Follow)
        .context("cannot read the signing key")?;
    LogKey::from_pkcs8_pem(origin, &pem)
        .with_context(|| format!("{} is not a usable signing key", path.display()))
}

/// Writes a new key to `path` with mode 0600; if another process got there
/// first, uses its key.
fn create(path: &Path, origin: &str) -> anyhow::Result<LogKey> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let key = LogKey::generate(origin)?;
    match write_private(path, key.to_pkcs8_pem()?.as_bytes()) {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path, origin),
        Err(e) => {
            Err(e).with_context(|| format!("cannot write the development key {}", path.display()))
        }
    }
}

/// Creates `path` (failing if it exists), readable by its owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/key.pem");
        let source = KeySource::Development(path.clone());
        let first = load(&source, "o").unwrap();
        let second = load(&source, "o").unwrap();
        assert_eq!(first.verifier(), second.verifier());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_key_file_is_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.pem");
        assert!(load(&KeySource::File(path.clone()), "o").is_err());
        assert!(!path.exists());
    }

    /// The configuration error `path` gives as `VPM_SIGNING_KEY_FILE`.
    fn refused(path: &Path) -> ConfigError {
        let e = load(&KeySource::File(path.to_path_buf()), "o").unwrap_err();
        let e = e
            .downcast::<ConfigError>()
            .expect("a bad key file must be a configuration error (exit 2)");
        assert_eq!(e.name, "VPM_SIGNING_KEY_FILE");
        e
    }

    #[test]
    fn an_unusable_key_file_is_a_configuration_error_naming_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let blank = dir.path().join("blank.pem");
        std::fs::write(&blank, "\n  \n").unwrap();
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not-a-key-s3cr3t").unwrap();
        assert!(refused(&empty).reason.contains("empty"));
        assert!(refused(&blank).reason.contains("empty"));
        assert!(
            refused(&dir.path().join("missing.pem"))
                .reason
                .contains("cannot read")
        );
        assert!(refused(dir.path()).reason.contains("directory"));
        let e = refused(&garbage);
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        // A real key in the same place loads.
        let good = dir.path().join("good.pem");
        write_private(
            &good,
            LogKey::generate("o")
                .unwrap()
                .to_pkcs8_pem()
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        assert!(load(&KeySource::File(good), "o").is_ok());
    }
}
