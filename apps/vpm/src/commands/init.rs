//! `vpm init DIR [--github owner/repo]`: a new project folder, ready for
//! `vpm snapshot`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use vpm_github::model::Milestone;
use vpm_github::{ApiUrl, Limits, RepoRef};

use crate::terminal;

/// Scaffolds a project folder: project.yaml and a state.md to fill in.
///
/// With --github, the project is named after the repository, its goals
/// are the repository's open milestones (title, due date, description)
/// under the ids the GitHub source gives them (GH-M<number>), the
/// repository is declared as a source, and a first `vpm pull` fills the
/// cache. Without it, a tasks.yaml example is written too. Existing files
/// are never overwritten: if any of them exists, nothing is written and
/// the exit status is 1; 3 when GitHub cannot be read.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder (created if missing).
    pub dir: PathBuf,
    /// The GitHub repository whose issues are the project's tasks.
    #[arg(long, value_name = "OWNER/REPO")]
    pub github: Option<String>,
    /// The REST API root of a GitHub Enterprise server
    /// (https://HOST/api/v3); api.github.com by default.
    #[arg(long, value_name = "URL", requires = "github")]
    pub api_url: Option<String>,
    /// Longest wait for GitHub's rate limit, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        env = "VPM_GITHUB_MAX_WAIT"
    )]
    pub max_wait: u64,
}

pub async fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let mut names = vec!["project.yaml", "state.md"];
    if args.github.is_none() {
        names.push("tasks.yaml");
    }
    let existing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| std::fs::symlink_metadata(args.dir.join(n)).is_ok())
        .collect();
    if !existing.is_empty() {
        writeln!(
            std::io::stderr().lock(),
            "vpm: {} already has {}; vpm init only writes new files, so nothing was written",
            terminal::path(&args.dir),
            existing.join(", ")
        )?;
        return Ok(ExitCode::FAILURE);
    }
    let today = chrono::Utc::now().date_naive();
    let files: Vec<(&str, String)> = match &args.github {
        None => {
            let id = folder_id(&args.dir);
            vec![
                ("project.yaml", plain_project(&id, today)),
                ("state.md", state_template(today)),
                ("tasks.yaml", TASKS_EXAMPLE.to_owned()),
            ]
        }
        Some(full_name) => {
            let repo = RepoRef::parse(full_name)?;
            let api = match &args.api_url {
                Some(url) => ApiUrl::parse(url)?,
                None => ApiUrl::default_github(),
            };
            let limits = Limits {
                max_wait: Duration::from_secs(args.max_wait),
                ..Limits::default()
            };
            let client = super::pull::client(api.clone(), limits)?;
            std::fs::create_dir_all(&args.dir)
                .with_context(|| format!("cannot create {}", args.dir.display()))?;
            let fetched = async {
                let repository = vpm_github::repository(&client, &repo).await?;
                let report = vpm_github::pull(&client, &repo, &args.dir).await?;
                Ok::<_, vpm_github::Error>((repository, report))
            }
            .await;
            let (repository, report) = match fetched {
                Ok(fetched) => fetched,
                Err(e) => {
                    writeln!(
                        std::io::stderr().lock(),
                        "vpm: github {repo}: {}; nothing was written",
                        terminal::text(&e)
                    )?;
                    return Ok(ExitCode::from(3));
                }
            };
            super::pull::print_report(&report, &args.dir)?;
            let project = github_project(
                &repo,
                args.api_url.as_deref(),
                repository.description.as_deref(),
                &report.milestones,
                today,
            );
            vec![
                ("project.yaml", project),
                ("state.md", state_template(today)),
            ]
        }
    };
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut out = std::io::stdout().lock();
    for (name, text) in &files {
        let path = args.dir.join(name);
        // create_new: a file that appeared since the check is not replaced.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(out, "wrote {}", terminal::path(&path))?;
    }
    writeln!(
        out,
        "next: fill in state.md, then `vpm snapshot {} --embedded`",
        terminal::path(&args.dir)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A YAML double-quoted scalar: JSON's string syntax is a subset of it.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// An id from the folder's name: ASCII letters, digits, `-` and `_`.
fn folder_id(dir: &Path) -> String {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    slug(&name).unwrap_or_else(|| "my-project".to_owned())
}

fn slug(text: &str) -> Option<String> {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .chars()
        .take(64)
        .collect();
    (!slug.is_empty()).then_some(slug)
}

fn plain_project(id: &str, today: chrono::NaiveDate) -> String {
    format!(
        "# Scaffolded by `vpm init` on {today}. The format: docs/input-format.md.
id: {id}
name: {name}
purpose: \"What this project is for, in one sentence.\"
goals:
  - id: G1
    title: \"The first outcome this project must reach\"
    horizon: short        # short or mid
    due: {due}
    acceptance:
      - \"How you will know it is reached\"
",
        name = quoted(id),
        due = today + chrono::Duration::days(28),
    )
}

fn github_project(
    repo: &RepoRef,
    api_url: Option<&str>,
    description: Option<&str>,
    milestones: &[Milestone],
    today: chrono::NaiveDate,
) -> String {
    let id = slug(repo.name()).unwrap_or_else(|| "my-project".to_owned());
    let mut text = format!(
        "# Scaffolded by `vpm init --github {repo}` on {today}. Goals are the\n\
         # repository's open milestones; edit them freely (a goal GH-M<n> stands\n\
         # for milestone <n>). Tasks come from the issues: `vpm pull` refreshes them.\n\
         id: {id}\n\
         name: {name}\n\
         purpose: {purpose}\n",
        name = quoted(repo.name()),
        purpose = quoted(
            description
                .filter(|d| !d.trim().is_empty())
                .unwrap_or("What this project is for, in one sentence.")
        ),
    );
    let open: Vec<&Milestone> = milestones.iter().filter(|m| m.state == "open").collect();
    if open.is_empty() {
        text.push_str("goals: []   # the repository has no open milestones\n");
    } else {
        text.push_str("goals:\n");
        for m in open {
            text.push_str(&format!(
                "  - id: GH-M{}\n    title: {}\n",
                m.number,
                quoted(&m.title)
            ));
            let due = m.due_on.map(|d| d.date_naive());
            let horizon = match due {
                Some(due) if due <= today + chrono::Duration::days(90) => "short",
                Some(_) => "mid",
                None => "mid",
            };
            text.push_str(&format!("    horizon: {horizon}\n"));
            if let Some(due) = due {
                text.push_str(&format!("    due: {due}\n"));
            }
            let criteria: Vec<&str> = m
                .description
                .as_deref()
                .unwrap_or("")
                .lines()
                .map(|l| l.trim().trim_start_matches(['-', '*']).trim())
                .filter(|l| !l.is_empty())
                .collect();
            if criteria.is_empty() {
                text.push_str(&format!(
                    "    acceptance:\n      - {}\n",
                    quoted(&format!("Every issue of milestone {} is closed", m.number))
                ));
            } else {
                text.push_str("    acceptance:\n");
                for c in criteria {
                    text.push_str(&format!("      - {}\n", quoted(c)));
                }
            }
        }
    }
    text.push_str("sources:\n");
    text.push_str(&format!("  - github: {repo}\n"));
    if let Some(api_url) = api_url {
        text.push_str(&format!("    api_url: {}\n", quoted(api_url)));
    }
    text
}

fn state_template(today: chrono::NaiveDate) -> String {
    format!(
        "# Where the project stands ({today})

Replace this paragraph with a few lines a newcomer could act on: what works,
what does not yet, and what is in the way. vpm quotes it as Current.
"
    )
}

const TASKS_EXAMPLE: &str =
    "# Tasks, each toward a goal of project.yaml. The format: docs/input-format.md.
tasks:
  - id: T1
    title: \"The first task toward G1\"
    goal: G1
    status: todo          # todo, in_progress, done or blocked
    criticality: high     # high, medium or low
    effort: M             # S, M or L
  - id: T2
    title: \"A task that waits for T1\"
    goal: G1
    status: todo
    depends_on: [T1]
";
