//! Black-box test support: start the real binaries (the ones `cargo build`
//! put next to the test executable, or those in `VPM_BIN_DIR`) on free
//! ports, wait until they answer, talk HTTP to them, signal them, read
//! their logs. A test that uses this exercises exactly what ships.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod postgres;

pub use reqwest;

/// The value of one sample in a Prometheus text exposition, selected by
/// metric name and exact label set.
pub fn metric_sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, rest) = line.split_once(' ')?;
            let (metric, label_text) = match series.split_once('{') {
                Some((m, l)) => (m, l.trim_end_matches('}')),
                None => (series, ""),
            };
            if metric != name {
                return None;
            }
            let found: std::collections::BTreeMap<&str, &str> = label_text
                .split("\",")
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k, v.trim_matches('"')))
                .collect();
            let wanted: std::collections::BTreeMap<&str, &str> = labels.iter().copied().collect();
            (found == wanted).then(|| rest.split_whitespace().next()?.parse().ok())?
        })
}

/// Where the binaries under test are: `VPM_BIN_DIR`, else the profile
/// directory this test executable was built into (`target/<profile>`).
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VPM_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps")
        .to_path_buf()
}

/// The path of binary `name`, failing loudly (not skipping) if it was not built.
pub fn bin_path(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --release --workspace --bins` (or set VPM_BIN_DIR)",
        path.display()
    );
    path
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running binary, killed when dropped.
#[derive(Debug)]
pub struct Proc {
    pub name: String,
    pub port: u16,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Proc {
    /// Starts cell binary `bin` with `PORT` set to a free port and `env`
    /// added, and waits until `GET /healthz` answers 200.
    pub fn start(bin: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let port_s = port.to_string();
        let mut all: Vec<(&str, &str)> = vec![("PORT", &port_s), ("VPM_HOST", "127.0.0.1")];
        all.extend_from_slice(env);
        let proc = Self::spawn(bin, &[], &all, port);
        proc.wait_healthy(Duration::from_secs(15));
        proc
    }

    /// Spawns `bin args...` with `env`, capturing stdout and stderr lines;
    /// `port` is what [`Proc::url`] will use. Does not wait.
    pub fn spawn(bin: &str, args: &[&str], env: &[(&str, &str)], port: u16) -> Self {
        let mut command = Command::new(bin_path(bin));
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let logs = Arc::new(Mutex::new(Vec::new()));
        let streams: Vec<Box<dyn std::io::Read + Send>> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        .collect();
        for stream in streams {
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    logs.lock().unwrap().push(line);
                }
            });
        }
        Self {
            name: bin.to_owned(),
            port,
            child,
            logs,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `GET /healthz` answers 200, panicking with the logs if
    /// the deadline passes.
    pub fn wait_healthy(&self, within: Duration) {
        let deadline = Instant::now() + within;
        let client = client();
        loop {
            if let Ok(r) = client.get(self.url("/healthz")).send()
                && r.status().as_u16() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not become healthy; logs:\n{}",
                self.name,
                self.logs().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal (`libc::SIGTERM`, `libc::SIGKILL`, ...).
    pub fn signal(&self, signal: i32) {
        let rc = kill(self.child.id() as i32, signal);
        assert_eq!(rc, 0, "kill({}, {signal}) failed", self.child.id());
    }

    /// Waits for the process to exit, at most `within`.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Every line written so far to stdout and stderr.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Log lines parsed as JSON (lines that are not JSON are left out).
    pub fn json_logs(&self) -> Vec<serde_json::Value> {
        self.logs()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(unsafe_code)]
fn kill(pid: i32, signal: i32) -> i32 {
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    unsafe { libc::kill(pid, signal) }
}

/// A blocking HTTP client with a generous timeout.
pub fn client() -> reqwest::blocking::Client {
    install_crypto_provider();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// An async HTTP client for tests that run inside a Tokio runtime.
pub fn async_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// When a crate in the build enables reqwest's TLS without a provider (the
/// `vpm` CLI does, choosing ring), features unify across the workspace and
/// every client in every test binary needs a process-wide provider.
/// Installing it twice is harmless.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The path of a file in the repository, from a test.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// Makes a FIFO (named pipe) at `path` with the `mkfifo` tool, for tests
/// that a reader refuses one instead of blocking on it (no unsafe code).
pub fn mkfifo(path: &std::path::Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}
