//! `vpm watch --embedded` on a copy of the example project, edited the way
//! editors save: what a user sees on the console and what lands in the
//! archive. Every run prints one line with the leaf index of the record it
//! archived, so the leaf numbers prove that nothing else was appended.
//! Every wait has a deadline; "no run" is checked over a window several
//! times the debounce interval.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vpm_testkit::repo_path;

/// Long enough for any run of the example project on a loaded machine.
/// Decisions in examples/lantern/decisions: leaves before the first snapshot.
const EXAMPLE_DECISIONS: u64 = 4;
const RUN: Duration = Duration::from_secs(20);

struct Watch {
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    folder: PathBuf,
    work: Option<tempfile::TempDir>,
}

/// A run's console line: `HH:MM:SS what ... [trigger]`.
#[derive(Debug)]
struct RunLine {
    what: String,
    rest: String,
}

impl RunLine {
    fn leaf(&self) -> Option<u64> {
        self.rest.split_whitespace().nth(2)?.parse().ok()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Watch {
    /// `vpm watch --embedded` on a fresh copy of the example, its archive
    /// in the folder's own `.vpm/` (where `vpm watch .` would put it), so
    /// the watcher's writes are under its own eyes.
    fn start(debounce: &str) -> Self {
        let work = tempfile::tempdir().unwrap();
        let folder = work.path().join("lantern");
        copy_tree(&repo_path("examples/lantern"), &folder);
        Self::start_in(work, folder, debounce)
    }

    fn start_in(work: tempfile::TempDir, folder: PathBuf, debounce: &str) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vpm"));
        command
            .args(["watch", "--embedded", "--debounce", debounce])
            .arg(&folder)
            .env("VPM_DATA_DIR", folder.join(".vpm"));
        Self::spawn(command, work, folder)
    }

    /// `vpm watch` through running cells, whose URLs are in `env`.
    fn start_through(cells: &[(String, String)]) -> Self {
        let work = tempfile::tempdir().unwrap();
        let folder = work.path().join("lantern");
        copy_tree(&repo_path("examples/lantern"), &folder);
        let mut command = Command::new(env!("CARGO_BIN_EXE_vpm"));
        command
            .args(["watch", "--debounce", "150ms"])
            .arg(&folder)
            .envs(cells.iter().map(|(k, v)| (k, v)));
        Self::spawn(command, work, folder)
    }

    fn spawn(mut command: Command, work: tempfile::TempDir, folder: PathBuf) -> Self {
        let mut child = command
            .env("VPM_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        Self {
            child,
            lines,
            stderr,
            folder,
            work: Some(work),
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The next run's line, within `within`.
    fn next_run(&self, within: Duration) -> Option<RunLine> {
        match self.lines.recv_timeout(within) {
            Ok(line) => {
                let mut words = line.splitn(3, ' ');
                let _time = words.next();
                let what = words.next().unwrap_or_default().to_owned();
                let rest = words.next().unwrap_or_default().to_owned();
                Some(RunLine { what, rest })
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("vpm watch ended; stderr:\n{}", self.stderr())
            }
        }
    }

    fn expect_run(&self) -> RunLine {
        self.next_run(RUN)
            .unwrap_or_else(|| panic!("no run within {RUN:?}; stderr:\n{}", self.stderr()))
    }

    /// `leaf` counts snapshots: the example's four decisions are filed as
    /// records of their own before its first snapshot, once.
    fn expect_archived(&self, leaf: u64) -> RunLine {
        let line = self.expect_run();
        assert_eq!(line.what, "archived", "{line:?}");
        assert_eq!(line.leaf(), Some(EXAMPLE_DECISIONS + leaf), "{line:?}");
        line
    }

    fn expect_quiet(&self, window: Duration) {
        if let Some(line) = self.next_run(window) {
            panic!("expected no run, got {line:?}");
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.join(name)
    }

    fn tasks(&self) -> String {
        std::fs::read_to_string(self.path("tasks.yaml")).unwrap()
    }

    /// An editor's atomic save: a temporary file beside the target,
    /// written, then renamed over it.
    fn save_atomically(&self, name: &str, text: &str) {
        let temp = self.path(&format!(".{name}.vpm-test~"));
        std::fs::write(&temp, text).unwrap();
        std::fs::rename(&temp, self.path(name)).unwrap();
    }

    /// Killed outright, as a crash or a reboot would, and started again
    /// on the same folder and archive.
    fn restart(mut self, debounce: &str) -> Self {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let work = self.work.take().unwrap();
        let folder = self.folder.clone();
        drop(self);
        Self::start_in(work, folder, debounce)
    }

    /// SIGINT, as Ctrl-C sends; the exit status.
    fn interrupt(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "vpm watch did not stop on SIGINT"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example's tasks with every title prefixed by `prefix`: the Next 3
/// in the snapshot change with it.
fn retitled(tasks: &str, prefix: &str) -> String {
    let text: String = tasks
        .lines()
        .map(|line| match line.split_once("title: ") {
            Some((indent, title)) if indent.trim() == "" => {
                format!("{indent}title: {prefix} - {title}\n")
            }
            _ => format!("{line}\n"),
        })
        .collect();
    assert_ne!(text, tasks, "the example has task titles");
    text
}

#[test]
fn an_atomic_save_that_changes_a_task_is_one_record_and_saves_that_change_nothing_are_none() {
    let watch = Watch::start("150ms");
    let first = watch.expect_archived(0);
    assert!(first.rest.ends_with("[start]"), "{first:?}");
    // The archive database and its journals in the folder's .vpm/ change
    // on every append: the watcher must not wake itself up.
    watch.expect_quiet(Duration::from_millis(800));

    let original = watch.tasks();
    let changed = retitled(&original, "Sync engine, renamed by the test");
    watch.save_atomically("tasks.yaml", &changed);
    let line = watch.expect_archived(1);
    assert!(line.rest.ends_with("[tasks.yaml]"), "{line:?}");
    watch.expect_quiet(Duration::from_millis(800));

    // The same bytes saved again, then only the modification time.
    watch.save_atomically("tasks.yaml", &changed);
    assert_eq!(watch.expect_run().what, "unchanged");
    let file = std::fs::File::options()
        .append(true)
        .open(watch.path("tasks.yaml"))
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    drop(file);
    assert_eq!(watch.expect_run().what, "unchanged");

    // Editors' swap and backup files, and vim's write probe, are not the project.
    std::fs::write(watch.path(".tasks.yaml.swp"), "swap").unwrap();
    std::fs::write(watch.path("tasks.yaml~"), "backup").unwrap();
    std::fs::write(watch.path("4913"), "").unwrap();
    watch.expect_quiet(Duration::from_millis(800));

    let status = watch.interrupt();
    assert_eq!(
        status.code(),
        Some(0),
        "Ctrl-C ends vpm watch with status 0"
    );
}

#[test]
fn a_half_written_tasks_file_is_an_error_line_and_the_next_good_save_is_recorded() {
    let watch = Watch::start("150ms");
    watch.expect_archived(0);
    let original = watch.tasks();

    // Cut off in the middle of a task, as a crash or a slow writer leaves it.
    let cut = &original[..original.len() / 2];
    let cut = &cut[..cut.rfind(':').unwrap() + 1];
    std::fs::write(watch.path("tasks.yaml"), format!("{cut} [unclosed\n")).unwrap();
    let error = watch.expect_run();
    assert_eq!(error.what, "error", "{error:?}");
    assert!(
        error.rest.starts_with("tasks.yaml:"),
        "file and line: {error:?}"
    );
    assert!(error.rest.contains("nothing recorded"), "{error:?}");

    // Still running, and the fix is recorded as the next leaf.
    std::fs::write(watch.path("tasks.yaml"), retitled(&original, "Fixed")).unwrap();
    watch.expect_archived(1);
    watch.expect_quiet(Duration::from_millis(600));
}

#[test]
fn a_file_deleted_and_written_anew_is_one_run() {
    let watch = Watch::start("300ms");
    watch.expect_archived(0);
    let original = watch.tasks();
    std::fs::remove_file(watch.path("tasks.yaml")).unwrap();
    std::fs::write(watch.path("tasks.yaml"), retitled(&original, "Recreated")).unwrap();
    watch.expect_archived(1);
    watch.expect_quiet(Duration::from_millis(1200));

    // A new subdirectory's files are watched too; a removed one is no trouble.
    std::fs::create_dir(watch.path("reports/archive")).unwrap();
    std::fs::write(watch.path("reports/archive/old.md"), "# Old\n").unwrap();
    let line = watch.expect_run();
    assert!(line.rest.contains("reports/archive"), "{line:?}");
    std::fs::remove_dir_all(watch.path("reports/archive")).unwrap();
    watch.expect_run();
    std::fs::write(watch.path("tasks.yaml"), retitled(&original, "Again")).unwrap();
    assert_eq!(watch.expect_run().what, "archived");
}

#[test]
fn a_burst_of_twenty_saves_within_the_debounce_interval_is_one_run() {
    let watch = Watch::start("1s");
    watch.expect_archived(0);
    let original = watch.tasks();
    let started = Instant::now();
    for n in 0..20 {
        watch.save_atomically("tasks.yaml", &retitled(&original, &format!("Save {n}")));
    }
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "the burst took {:?}, longer than the debounce interval",
        started.elapsed()
    );
    watch.expect_archived(1);
    watch.expect_quiet(Duration::from_secs(3));
}

#[test]
fn a_restarted_watcher_does_not_archive_the_same_content_again() {
    let watch = Watch::start("150ms");
    watch.expect_archived(0);
    let again = watch.restart("150ms");
    let line = again.expect_run();
    assert_eq!(line.what, "unchanged", "{line:?}");
    let original = again.tasks();
    again.save_atomically("tasks.yaml", &retitled(&original, "After the restart"));
    again.expect_archived(1);
}

#[test]
fn through_running_cells_only_new_content_reaches_the_archivist_even_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_string_lossy().into_owned();
    let env = [("VPM_DATA_DIR", dir.as_str()), ("VPM_LOG", "warn")];
    let cells = [
        ("VPM_CURATOR_URL", vpm_testkit::Proc::start("curator", &env)),
        ("VPM_PLANNER_URL", vpm_testkit::Proc::start("planner", &env)),
        (
            "VPM_SYNTHESIZER_URL",
            vpm_testkit::Proc::start("synthesizer", &env),
        ),
        (
            "VPM_ARCHIVIST_URL",
            vpm_testkit::Proc::start("archivist", &env),
        ),
    ];
    let urls: Vec<(String, String)> = cells
        .iter()
        .map(|(name, proc)| ((*name).to_owned(), proc.url("")))
        .collect();

    let first = Watch::start_through(&urls);
    first.expect_archived(0);
    drop(first);

    // Another watcher on another copy of the same files asks the
    // archivist for the newest record, and finds the content there.
    let watch = Watch::start_through(&urls);
    let line = watch.expect_run();
    assert_eq!(line.what, "unchanged", "{line:?}");
    let original = watch.tasks();
    watch.save_atomically("tasks.yaml", &retitled(&original, "Over HTTP"));
    watch.expect_archived(1);
    watch.save_atomically("tasks.yaml", &retitled(&original, "Over HTTP"));
    assert_eq!(watch.expect_run().what, "unchanged");
}

/// The watched folder itself removed, then made again (a branch switch, a
/// restore): the watch went with the old directory, so the watcher says it
/// is gone, waits, and watches the new one.
#[test]
fn a_folder_removed_and_made_anew_is_watched_again() {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("lantern");
    let restored = work.path().join("lantern.restored");
    copy_tree(&repo_path("examples/lantern"), &folder);
    let mut command = Command::new(env!("CARGO_BIN_EXE_vpm"));
    command
        .args(["watch", "--embedded", "--debounce", "150ms"])
        .arg(&folder)
        // The archive outside the folder, so it outlives the folder.
        .env("VPM_DATA_DIR", work.path().join("data"));
    let watch = Watch::spawn(command, work, folder.clone());
    watch.expect_archived(0);
    let original = watch.tasks();

    std::fs::remove_dir_all(&folder).unwrap();
    let deadline = Instant::now() + RUN;
    while !watch
        .stderr()
        .contains("is gone; waiting for it to come back")
    {
        assert!(
            Instant::now() < deadline,
            "no word of the folder going; stderr:\n{}",
            watch.stderr()
        );
        // Runs while the files go are errors: nothing is recorded.
        if let Some(line) = watch.next_run(Duration::from_millis(100)) {
            assert_eq!(line.what, "error", "{line:?}");
        }
    }

    // Made whole beside it and renamed into place, so the one run that
    // follows sees the whole folder however slow the machine.
    copy_tree(&repo_path("examples/lantern"), &restored);
    std::fs::write(restored.join("tasks.yaml"), retitled(&original, "Anew")).unwrap();
    std::fs::rename(&restored, &folder).unwrap();
    let line = watch.expect_run();
    assert_eq!(
        line.what,
        "archived",
        "{line:?}; stderr:\n{}",
        watch.stderr()
    );
    assert_eq!(line.leaf(), Some(EXAMPLE_DECISIONS + 1), "{line:?}");
    assert!(
        watch.stderr().contains("again: the folder was made anew"),
        "{}",
        watch.stderr()
    );

    // The new folder is the one watched now.
    watch.save_atomically("tasks.yaml", &retitled(&original, "Later"));
    watch.expect_archived(2);
    watch.expect_quiet(Duration::from_millis(900));
}

/// An embedded archive inside the folder goes with it: the watcher stops
/// (status 3, naming the archive) instead of printing receipts for records
/// appended to a file no path leads to.
#[test]
fn a_folder_removed_with_the_archive_inside_stops_the_watcher() {
    let mut watch = Watch::start("150ms");
    watch.expect_archived(0);
    std::fs::remove_dir_all(&watch.folder).unwrap();
    let deadline = Instant::now() + RUN;
    let status = loop {
        if let Some(status) = watch.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still watching; stderr:\n{}",
            watch.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(3), "stderr:\n{}", watch.stderr());
    // The stderr reader may lag the exit by a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !watch.stderr().contains("help:") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stderr = watch.stderr();
    assert!(stderr.contains("the archive ("), "{stderr}");
    assert!(stderr.contains("archive.db"), "{stderr}");
    assert!(stderr.contains("VPM_DATA_DIR"), "{stderr}");
}
