//! `vpm pull DIR`: every live GitHub source of DIR/project.yaml fetched
//! into its cache (`.vpm/sources/github/<owner>/<repo>/`), which `vpm
//! snapshot` and `vpm curate` then read offline.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use curator::sources::{self, Declared};
use vpm_github::{ApiUrl, Client, Limits, PullReport, RepoRef, Token};

use crate::terminal;

/// Fetches the issues, milestones, dependencies and sub-issues of every
/// `github: owner/repo` source of DIR/project.yaml that has no `file:`,
/// each into its cache, replaced whole or not at all.
///
/// The token comes from GITHUB_TOKEN, then GH_TOKEN, then gh's stored
/// token (hosts.yml); it is never printed. Exit status: 0 every source
/// pulled; 1 the sources in project.yaml are invalid; 2 project.yaml cannot be read; 3 at
/// least one source could not be pulled: GitHub unreachable, refusing, rate-limited or answering what is not its API (its previous cache is kept).
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The project folder whose project.yaml declares the sources.
    pub dir: PathBuf,
    /// Longest wait for GitHub's rate limit, in seconds; a longer one
    /// stops that source with the time to retry.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        env = "VPM_GITHUB_MAX_WAIT"
    )]
    pub max_wait: u64,
}

pub async fn run(args: PullArgs) -> anyhow::Result<ExitCode> {
    let project = args.dir.join("project.yaml");
    let text = super::read_document(&project)?;
    let declared = match sources::declared(&text) {
        Ok(declared) => declared,
        Err(problems) => {
            let mut stderr = std::io::stderr().lock();
            for problem in &problems {
                writeln!(stderr, "{}", terminal::text(problem))?;
            }
            writeln!(
                stderr,
                "vpm: {} problem(s) in {}; nothing was pulled",
                problems.len(),
                terminal::path(&project)
            )?;
            return Ok(ExitCode::FAILURE);
        }
    };
    let live: Vec<_> = declared
        .into_iter()
        .filter_map(|d| match d {
            Declared::Github(g) if g.file.is_none() => Some(g),
            _ => None,
        })
        .collect();
    if live.is_empty() {
        writeln!(
            std::io::stdout().lock(),
            "{}: no live GitHub sources (a `github: owner/repo` entry without `file:`); nothing to pull",
            terminal::path(&project)
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let limits = Limits {
        max_wait: Duration::from_secs(args.max_wait),
        ..Limits::default()
    };
    let mut failed = 0;
    for source in &live {
        let name = source.full_name();
        let outcome = async {
            let repo = RepoRef::new(&source.owner, &source.repo)?;
            let api = match &source.api_url {
                Some(url) => ApiUrl::parse(url)?,
                None => ApiUrl::default_github(),
            };
            let client = client(api, limits.clone())?;
            vpm_github::pull(&client, &repo, &args.dir).await
        }
        .await;
        match outcome {
            Ok(report) => print_report(&report, &args.dir)?,
            Err(e) => {
                failed += 1;
                writeln!(
                    std::io::stderr().lock(),
                    "vpm: github {}: {}; its previous cache, if any, is kept",
                    terminal::line(&name),
                    terminal::text(&e)
                )?;
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// A client for `api` with the token found for its host; says on standard
/// error where the token came from (never the token).
pub fn client(api: ApiUrl, limits: Limits) -> Result<Client, vpm_github::Error> {
    let token: Option<Token> =
        vpm_github::token::lookup(&api.gh_host(), &|name| std::env::var(name).ok())?;
    let mut stderr = std::io::stderr().lock();
    let _ = match &token {
        Some(token) => writeln!(stderr, "vpm: {api}: using {}", terminal::text(token)),
        None => writeln!(
            stderr,
            "vpm: {api}: no token (GITHUB_TOKEN, GH_TOKEN, gh's hosts.yml): unauthenticated, public repositories only, 60 requests an hour"
        ),
    };
    Client::new(api, token, limits)
}

/// One line per source, then its notes.
pub fn print_report(report: &PullReport, dir: &Path) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let related = |n: Option<usize>, what: &str| match n {
        Some(n) => format!(", {n} {what}"),
        None => String::new(),
    };
    let cache = report
        .cache_dir
        .strip_prefix(dir)
        .unwrap_or(&report.cache_dir)
        .to_path_buf();
    writeln!(
        out,
        "github {}: {} issues, {} pull requests, {} milestones{}{}; {} requests ({} unchanged, answered from the cache), {:.1} s{} -> {}",
        report.repo,
        report.issues,
        report.pull_requests,
        report.milestones.len(),
        related(report.blocked_issues, "blocked by others"),
        related(report.parent_issues, "with sub-issues"),
        report.usage.requests,
        report.usage.not_modified,
        report.elapsed.as_secs_f64(),
        if report.usage.waited.is_zero() {
            String::new()
        } else {
            format!(
                " ({:.1} s waiting for the rate limit)",
                report.usage.waited.as_secs_f64()
            )
        },
        terminal::path(&cache)
    )?;
    for note in &report.notes {
        writeln!(out, "  note: {}", terminal::line(note))?;
    }
    Ok(())
}
