//! The archivist's own settings, from the environment (12-factor).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VPM_ARCHIVE_URL` | `sqlite://$VPM_DATA_DIR/archive.db` | `sqlite://<path>` (relative, or `sqlite:///abs/path`) or `postgres://user:pass@host:port/db` |
//! | `VPM_DATA_DIR` | `.vpm` | where embedded state lives (the SQLite file, the development key) |
//! | `VPM_SIGNING_KEY_FILE` | unset: a development key at `$VPM_DATA_DIR/archive-signing-key.pem` | the Ed25519 private key, PKCS#8 PEM |
//! | `VPM_WRITE_TOKEN` / `VPM_WRITE_TOKEN_FILE` | unset: writes are open | bearer token required by `POST /v1/records` and by pipeline events on `POST /` |
//! | `VPM_EVENTS_NEED_TOKEN` | `true` | `false` accepts `dev.vpm.snapshot.v1` events without the token: Knative Eventing cannot add a bearer token, so a Sequence needs this, with the archivist reachable only inside the cluster |
//! | `VPM_LOG_ORIGIN` | `localhost/vpm-archive` | the checkpoint origin line and key name |
//! | `VPM_ARCHIVE_MAX_BATCH` | `512` | most records committed in one transaction |
//! | `VPM_ARCHIVE_POOL_SIZE` | `8` | PostgreSQL connections per process |
//!
//! The secrets fail closed: `VPM_WRITE_TOKEN`, `VPM_WRITE_TOKEN_FILE` or
//! `VPM_SIGNING_KEY_FILE` set but empty or blank, or naming a file that is
//! empty, blank, unreadable or not a regular file, stops the cell (exit 2)
//! with a message naming the variable and never the secret. A Kubernetes
//! Secret with an empty key must not silently open the archive to writes;
//! leaving a variable unset is the one way to choose the open default.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use vpm_cell::config::ConfigError;

/// The default origin: names the log in every checkpoint. Deployments
/// should set their own (a schema-less URL they control, per C2SP).
pub const DEFAULT_ORIGIN: &str = "localhost/vpm-archive";
pub const DEFAULT_DATA_DIR: &str = ".vpm";
pub const DEFAULT_MAX_BATCH: usize = 512;
pub const DEFAULT_POOL_SIZE: usize = 8;
/// The development key's file name under `VPM_DATA_DIR`.
pub const DEV_KEY_FILE: &str = "archive-signing-key.pem";
/// Most bytes a token or key file may hold. An Ed25519 PKCS#8 PEM is about
/// 120 bytes; anything near this is the wrong file.
pub const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Where the log is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl ArchiveUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("a sqlite:// URL needs a file path".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err("expected sqlite://<path> or postgres://...".into())
    }

    /// For log lines: never the PostgreSQL password.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let userinfo = &url[scheme + 3..at];
                    let user = userinfo.split(':').next().unwrap_or_default();
                    format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Where the signing key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `VPM_SIGNING_KEY_FILE`: a production key, never created by us.
    File(PathBuf),
    /// No key configured: a development key, created on first start.
    Development(PathBuf),
}

/// The bearer token writes need, kept only as its SHA-256 so that the
/// comparison takes the same time whatever the length of the guess.
#[derive(Clone, PartialEq, Eq)]
pub struct WriteToken([u8; 32]);

impl std::fmt::Debug for WriteToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteToken(***)")
    }
}

impl WriteToken {
    pub fn new(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// Whether `presented` (the token from `Authorization: Bearer`) is it,
    /// compared in constant time.
    pub fn permits(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.0.ct_eq(&presented).into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveConfig {
    pub url: ArchiveUrl,
    pub data_dir: PathBuf,
    pub key: KeySource,
    pub write_token: Option<WriteToken>,
    /// Whether pipeline events on `POST /` need the write token too.
    pub events_need_token: bool,
    pub origin: String,
    pub max_batch: usize,
    pub pool_size: usize,
}

fn invalid(name: &str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        name: name.to_owned(),
        value: value.to_owned(),
        reason: reason.into(),
    }
}

impl ArchiveConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let data_dir =
            PathBuf::from(get("VPM_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.into()));
        let url = match get("VPM_ARCHIVE_URL") {
            Some(v) => {
                ArchiveUrl::parse(v.trim()).map_err(|r| invalid("VPM_ARCHIVE_URL", &v, r))?
            }
            None => ArchiveUrl::Sqlite(data_dir.join("archive.db")),
        };
        let key = match lookup("VPM_SIGNING_KEY_FILE") {
            Some(path) if path.trim().is_empty() => {
                return Err(invalid(
                    "VPM_SIGNING_KEY_FILE",
                    &path,
                    "names no file; unset it to use a development key, or name the key file",
                ));
            }
            Some(path) => KeySource::File(PathBuf::from(path.trim())),
            None => KeySource::Development(data_dir.join(DEV_KEY_FILE)),
        };
        let write_token = write_token(&lookup)?.map(|token| WriteToken::new(&token));
        let origin = get("VPM_LOG_ORIGIN").unwrap_or_else(|| DEFAULT_ORIGIN.into());
        let origin = origin.trim().to_owned();
        if !signed_note_name_ok(&origin) {
            return Err(invalid(
                "VPM_LOG_ORIGIN",
                &origin,
                "must be non-empty, without spaces or '+' (a schema-less URL such as example.com/vpm-archive)",
            ));
        }
        let number = |name: &str, default: usize| -> Result<usize, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| invalid(name, &v, "expected a whole number of at least 1")),
            }
        };
        Ok(Self {
            url,
            data_dir,
            key,
            write_token,
            events_need_token: match get("VPM_EVENTS_NEED_TOKEN") {
                None => true,
                Some(v) => vpm_cell::config::boolean(v.trim())
                    .map_err(|r| invalid("VPM_EVENTS_NEED_TOKEN", &v, r))?,
            },
            origin,
            max_batch: number("VPM_ARCHIVE_MAX_BATCH", DEFAULT_MAX_BATCH)?,
            pool_size: number("VPM_ARCHIVE_POOL_SIZE", DEFAULT_POOL_SIZE)?,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

/// The write token as configured, in the clear: the archivist keeps only
/// its hash, `vpm up` sends it. `None` only when neither `VPM_WRITE_TOKEN`
/// nor `VPM_WRITE_TOKEN_FILE` is set at all; set but empty, blank or
/// unreadable is an error naming the variable, so that a missing secret
/// never opens the archive to writes.
pub fn write_token(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    let token = lookup("VPM_WRITE_TOKEN");
    let file = lookup("VPM_WRITE_TOKEN_FILE");
    if let Some(token) = &token
        && token.trim().is_empty()
    {
        // Only a blank value reaches the message: there is no secret in it.
        return Err(invalid(
            "VPM_WRITE_TOKEN",
            token,
            "is empty: writes would be open; unset it to leave them open, or set the token",
        ));
    }
    if let Some(file) = &file
        && file.trim().is_empty()
    {
        return Err(invalid(
            "VPM_WRITE_TOKEN_FILE",
            file,
            "names no file; unset it, or name the file holding the token",
        ));
    }
    match (token, file) {
        (Some(_), Some(file)) => Err(invalid(
            "VPM_WRITE_TOKEN_FILE",
            &file,
            "set either VPM_WRITE_TOKEN or VPM_WRITE_TOKEN_FILE, not both",
        )),
        (Some(token), None) => Ok(Some(token.trim().to_owned())),
        (None, Some(file)) => {
            let token = read_secret_file(Path::new(file.trim()))
                .map_err(|why| invalid("VPM_WRITE_TOKEN_FILE", &file, why))?;
            Ok(Some(token.trim().to_owned()))
        }
        (None, None) => Ok(None),
    }
}

/// The text of a token or key file: a bounded read of a regular file
/// (links followed, since Kubernetes mounts Secrets as links), refused when
/// empty or blank. The error says why without quoting the file.
pub fn read_secret_file(path: &Path) -> Result<String, String> {
    use vpm_cell::files::{Refusal, Symlinks, read_regular_to_string};
    let text = read_regular_to_string(path, MAX_SECRET_FILE_BYTES, Symlinks::Follow).map_err(
        |e| match e.reason {
            Refusal::Io(io) => format!("cannot read the file: {io}"),
            other => format!("cannot read the file: it {other}"),
        },
    )?;
    if text.trim().is_empty() {
        return Err("the file is empty".to_owned());
    }
    Ok(text)
}

fn signed_note_name_ok(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use vpm_testkit::mkfifo;

    fn config(vars: &[(&str, &str)]) -> Result<ArchiveConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ArchiveConfig::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn defaults_put_everything_under_the_data_dir() {
        let c = config(&[]).unwrap();
        assert_eq!(c.url, ArchiveUrl::Sqlite(PathBuf::from(".vpm/archive.db")));
        assert_eq!(
            c.key,
            KeySource::Development(PathBuf::from(".vpm/archive-signing-key.pem"))
        );
        assert_eq!(c.origin, DEFAULT_ORIGIN);
        assert!(c.write_token.is_none());
        let c = config(&[("VPM_DATA_DIR", "/data")]).unwrap();
        assert_eq!(c.url, ArchiveUrl::Sqlite(PathBuf::from("/data/archive.db")));
    }

    #[test]
    fn archive_urls() {
        assert_eq!(
            ArchiveUrl::parse("sqlite:///var/lib/vpm/a.db").unwrap(),
            ArchiveUrl::Sqlite(PathBuf::from("/var/lib/vpm/a.db"))
        );
        assert!(matches!(
            ArchiveUrl::parse("postgresql://u:p@db:5432/vpm").unwrap(),
            ArchiveUrl::Postgres(_)
        ));
        assert!(config(&[("VPM_ARCHIVE_URL", "mysql://x")]).is_err());
        assert!(config(&[("VPM_ARCHIVE_URL", "sqlite://")]).is_err());
    }

    #[test]
    fn redaction_hides_the_password() {
        let url = ArchiveUrl::Postgres("postgres://vpm:s3cret@db:5432/vpm".into());
        assert_eq!(url.redacted(), "postgres://vpm:***@db:5432/vpm");
        assert!(!url.redacted().contains("s3cret"));
    }

    #[test]
    fn the_write_token_compares_exactly() {
        let c = config(&[("VPM_WRITE_TOKEN", "open sesame")]).unwrap();
        let token = c.write_token.unwrap();
        assert!(token.permits("open sesame"));
        assert!(!token.permits("open sesam"));
        assert!(!token.permits(""));
        assert!(!format!("{token:?}").contains("sesame"));
        assert!(config(&[("VPM_WRITE_TOKEN", "a"), ("VPM_WRITE_TOKEN_FILE", "/x")]).is_err());
        assert!(config(&[("VPM_WRITE_TOKEN_FILE", "/nonexistent/token")]).is_err());
    }

    /// The error `vars` give, checked to name `variable`.
    fn refused(vars: &[(&str, &str)], variable: &str) -> String {
        let e = config(vars).expect_err("a config that must be refused was accepted");
        assert_eq!(e.name, variable, "{e}");
        e.to_string()
    }

    #[test]
    fn a_set_but_empty_token_stops_the_cell_instead_of_opening_writes() {
        for blank in ["", "   ", "\t\n"] {
            let message = refused(&[("VPM_WRITE_TOKEN", blank)], "VPM_WRITE_TOKEN");
            assert!(message.contains("VPM_WRITE_TOKEN"), "{message}");
            refused(&[("VPM_WRITE_TOKEN_FILE", blank)], "VPM_WRITE_TOKEN_FILE");
            refused(&[("VPM_SIGNING_KEY_FILE", blank)], "VPM_SIGNING_KEY_FILE");
        }
    }

    #[test]
    fn a_token_file_that_is_empty_blank_or_unreadable_stops_the_cell() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "s3cr3t-token-value";
        let good = dir.path().join("good");
        std::fs::write(&good, format!("{secret}\n")).unwrap();
        let c = config(&[("VPM_WRITE_TOKEN_FILE", good.to_str().unwrap())]).unwrap();
        assert!(c.write_token.unwrap().permits(secret));

        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let blank = dir.path().join("blank");
        std::fs::write(&blank, " \n\t\n").unwrap();
        let missing = dir.path().join("missing");
        for path in [&empty, &blank, &missing, &dir.path().to_path_buf()] {
            let message = refused(
                &[("VPM_WRITE_TOKEN_FILE", path.to_str().unwrap())],
                "VPM_WRITE_TOKEN_FILE",
            );
            assert!(message.contains("VPM_WRITE_TOKEN_FILE"), "{message}");
        }
        // Both set: refused, and the token itself is not in the message.
        let message = refused(
            &[
                ("VPM_WRITE_TOKEN", secret),
                ("VPM_WRITE_TOKEN_FILE", good.to_str().unwrap()),
            ],
            "VPM_WRITE_TOKEN_FILE",
        );
        assert!(!message.contains(secret), "{message}");
    }

    #[cfg(unix)]
    #[test]
    fn a_token_file_that_is_a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("token");
        mkfifo(&fifo);
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.to_str().unwrap().to_owned();
        std::thread::spawn(move || {
            let _ = tx.send(config(&[("VPM_WRITE_TOKEN_FILE", &path)]).map(|_| ()));
        });
        let e = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("reading a FIFO token file blocked")
            .unwrap_err();
        assert_eq!(e.name, "VPM_WRITE_TOKEN_FILE");
        assert!(e.reason.contains("FIFO"), "{e}");
    }

    #[test]
    fn the_token_vpm_up_sends_is_the_one_the_archivist_checks() {
        let lookup = |name: &str| (name == "VPM_WRITE_TOKEN").then(|| " tok \n".to_owned());
        assert_eq!(write_token(&lookup).unwrap().as_deref(), Some("tok"));
        assert_eq!(write_token(&|_: &str| None::<String>).unwrap(), None);
    }

    #[test]
    fn origins_must_be_key_names() {
        assert!(config(&[("VPM_LOG_ORIGIN", "has space")]).is_err());
        assert!(config(&[("VPM_LOG_ORIGIN", "a+b")]).is_err());
        assert_eq!(
            config(&[("VPM_LOG_ORIGIN", "example.com/log")])
                .unwrap()
                .origin,
            "example.com/log"
        );
        assert!(config(&[("VPM_ARCHIVE_MAX_BATCH", "0")]).is_err());
    }
}
