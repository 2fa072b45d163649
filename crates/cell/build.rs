//! Stamps the build with the git commit it was built from, for
//! `hello_ai_build_info{commit=...}` and `GET /`.
//!
//! `VPM_BUILD_COMMIT` wins when set (container builds have no `.git`);
//! otherwise `git rev-parse` is asked; failing both, the commit is `unknown`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=VPM_BUILD_COMMIT");
    let commit = std::env::var("VPM_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    // Rerun when HEAD moves: HEAD itself (a checkout), the branch it points
    // at (a commit), packed-refs. `--git-path` resolves each for linked
    // worktrees too, whose branches live in the common git dir. A watched
    // path that does not exist makes Cargo rerun this script, and so rebuild
    // every cell, on every build: only existing paths are named, and a branch
    // that is only packed is watched through its directory instead.
    let existing = |name: &str| {
        git(&["rev-parse", "--git-path", name]).filter(|p| std::path::Path::new(p).exists())
    };
    let mut watched: Vec<String> = ["HEAD", "packed-refs"]
        .into_iter()
        .filter_map(existing)
        .collect();
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(existing(&branch).or_else(|| existing("refs/heads")));
    }
    for path in watched {
        println!("cargo:rerun-if-changed={path}");
    }
    println!(
        "cargo:rustc-env=VPM_BUILD_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".to_owned())
    );
}

/// The trimmed output of a successful `git` command.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
