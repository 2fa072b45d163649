//! A throwaway PostgreSQL server for tests, started from the machine's own
//! server binaries in a temporary directory on a free port.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then the data
//! directory is handed to an unprivileged user (`VPM_PG_USER`, else
//! `postgres`, else `nobody`) and `initdb` and `postgres` are run through
//! `setpriv`, which changes user and *execs*, so the child we hold is the
//! server itself and dropping it stops the server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A running PostgreSQL server, stopped and deleted when dropped.
#[derive(Debug)]
pub struct TempPostgres {
    pub port: u16,
    child: Mutex<Child>,
    dir: PathBuf,
    /// The unprivileged user the server runs as, when we are root.
    as_user: Option<(u32, u32)>,
}

/// Where `initdb` and `postgres` are: `VPM_PG_BINDIR`, else the newest
/// `/usr/lib/postgresql/*/bin`, else `pg_config --bindir`.
pub fn bindir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VPM_PG_BINDIR") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("postgres").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(dir) = versions.pop() {
        return dir;
    }
    let out = Command::new("pg_config").arg("--bindir").output().expect(
        "PostgreSQL server binaries not found: install postgresql (scripts/install-deps does)",
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and touches no memory.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid() == 0
    }
}

/// The unprivileged user to run the server as, when we are root.
fn server_user() -> (String, u32, u32) {
    let candidates = std::env::var("VPM_PG_USER")
        .map(|u| vec![u])
        .unwrap_or_else(|_| vec!["postgres".into(), "nobody".into()]);
    for user in candidates {
        let id = |flag: &str| -> Option<u32> {
            let out = Command::new("id").args([flag, &user]).output().ok()?;
            String::from_utf8_lossy(&out.stdout).trim().parse().ok()
        };
        if let (Some(uid), Some(gid)) = (id("-u"), id("-g")) {
            return (user, uid, gid);
        }
    }
    panic!("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as");
}

fn command(bin: &Path, as_user: Option<(u32, u32)>) -> Command {
    match as_user {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg("--")
                .arg(bin);
            c
        }
        None => Command::new(bin),
    }
}

impl TempPostgres {
    /// Initialises a cluster (trust authentication, user `vpm`) and starts it.
    pub fn start() -> Self {
        let bin = bindir();
        let dir = tempdir();
        let data = dir.join("data");
        let as_user = if is_root() {
            let (_, uid, gid) = server_user();
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .expect("chown the PostgreSQL directory");
            Some((uid, gid))
        } else {
            None
        };
        let out = command(&bin.join("initdb"), as_user)
            .args(["-D"])
            .arg(&data)
            .args([
                "-U",
                "vpm",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdout(Stdio::null())
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = crate::free_port();
        let child = Mutex::new(spawn_server(&bin, &dir, port, as_user));
        let server = Self {
            port,
            child,
            dir,
            as_user,
        };
        server.wait_ready(&bin, Duration::from_secs(30));
        server
    }

    /// Crashes the server and starts it again on the same data and port.
    /// `SIGQUIT` is PostgreSQL's immediate shutdown: every connection is
    /// cut, nothing is checkpointed, and the next start recovers from the
    /// WAL, as after a power cut.
    pub fn crash_and_restart(&self) {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        signal(&child, libc::SIGQUIT);
        stop(&mut child);
        let bin = bindir();
        *child = spawn_server(&bin, &self.dir, self.port, self.as_user);
        drop(child);
        self.wait_ready(&bin, Duration::from_secs(30));
    }

    fn wait_ready(&self, bin: &Path, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let ok = Command::new(bin.join("pg_isready"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "vpm",
                    "-d",
                    "postgres",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "PostgreSQL did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A URL for `VPM_ARCHIVE_URL`, to a fresh database of this server.
    pub fn url(&self) -> String {
        format!("postgres://vpm@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(PoisonError::into_inner);
        // SIGINT is PostgreSQL's "fast shutdown".
        signal(child, libc::SIGINT);
        stop(child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_server(bin: &Path, dir: &Path, port: u16, as_user: Option<(u32, u32)>) -> Child {
    command(&bin.join("postgres"), as_user)
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", dir.display()))
        .args(["-c", "max_connections=200", "-c", "shared_buffers=32MB"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start postgres")
}

fn signal(child: &Child, signal: i32) {
    #[allow(unsafe_code)]
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
}

/// Waits up to 10 s for the signalled server to exit, then kills it.
fn stop(child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn tempdir() -> PathBuf {
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "vpm-pg-{}-{attempt}-{}",
            std::process::id(),
            crate::free_port()
        ));
        if std::fs::create_dir(&dir).is_ok() {
            return dir;
        }
    }
    panic!(
        "cannot create a temporary directory under {}",
        base.display()
    );
}
