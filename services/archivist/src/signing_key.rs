//! The log's signing key: read from `VPM_SIGNING_KEY_FILE`, or — when none
//! is configured — a development key created once under `VPM_DATA_DIR` and
//! reused after, announced with a loud warning on every start.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use vpm_tlog::LogKey;

use crate::config::KeySource;

/// Loads the key `source` names, creating the development key if needed.
pub fn load(source: &KeySource, origin: &str) -> anyhow::Result<LogKey> {
    match source {
        KeySource::File(path) => {
            read(path, origin).with_context(|| format!("VPM_SIGNING_KEY_FILE={}", path.display()))
        }
        KeySource::Development(path) => {
            let key = match read(path, origin) {
                Ok(key) => key,
                Err(_) if !path.exists() => create(path, origin)?,
                Err(e) => return Err(e),
            };
            tracing::warn!(
                key_file = %path.display(),
                verifier_key = %key.verifier().verifier_key(),
                "USING A DEVELOPMENT SIGNING KEY: VPM_SIGNING_KEY_FILE is not set, so the archive \
                 is signed with a key kept next to the data. Anyone who can read that file can \
                 forge records. For production, create a key with `vpm keygen`, keep it in a \
                 secret and set VPM_SIGNING_KEY_FILE."
            );
            Ok(key)
        }
    }
}

fn read(path: &Path, origin: &str) -> anyhow::Result<LogKey> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the signing key {}", path.display()))?;
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
}
