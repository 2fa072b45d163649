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
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        });
    if let Ok(out) = Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .output()
        && out.status.success()
    {
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/refs/heads");
    }
    println!(
        "cargo:rustc-env=VPM_BUILD_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".to_owned())
    );
}
