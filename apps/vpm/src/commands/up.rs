//! `vpm up`: the four cells in one process, drained together by one signal;
//! given a project folder, it also runs it through them once they are up.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use vpm_cell::{BoundCell, RuntimeConfig, Shutdown};

use crate::commands::snapshot::{self, CONFIG_INVALID, Mode, RunArgs};
use crate::failure::{self, Failure};
use crate::terminal;

#[derive(Debug, Args)]
pub struct UpArgs {
    /// A project folder to run through the cells once they are up; the
    /// snapshot and its receipt are printed, and the cells keep serving.
    #[arg(value_name = "DIR")]
    pub project: Option<std::path::PathBuf>,
    /// How to print that snapshot.
    #[arg(long, value_enum, default_value_t = crate::commands::snapshot::OutputFormat::Md)]
    pub format: crate::commands::snapshot::OutputFormat,
    /// The date the answer is for (YYYY-MM-DD, or `today`); overrides
    /// project.yaml's `as_of`.
    #[arg(long, value_name = "DATE", value_parser = crate::commands::snapshot::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Address every cell binds to.
    #[arg(long, env = "VPM_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    #[command(flatten)]
    pub ports: CellPorts,
}

/// One port per cell.
#[derive(Debug, Args, Clone, Copy)]
pub struct CellPorts {
    #[arg(long, env = "VPM_CURATOR_PORT", default_value_t = 8002)]
    pub curator_port: u16,
    #[arg(long, env = "VPM_PLANNER_PORT", default_value_t = 8003)]
    pub planner_port: u16,
    #[arg(long, env = "VPM_SYNTHESIZER_PORT", default_value_t = 8004)]
    pub synthesizer_port: u16,
    #[arg(long, env = "VPM_ARCHIVIST_PORT", default_value_t = 8005)]
    pub archivist_port: u16,
}

/// The shared runtime settings with one cell's port and the chosen host.
fn config_for(port: u16, args: &UpArgs) -> anyhow::Result<RuntimeConfig> {
    let mut config = RuntimeConfig::from_env(port)?;
    config.port = port;
    config.host = args.host;
    // Four cells share this process and its registry-per-cell ports: one
    // VPM_METRICS_PORT cannot serve them all (the second bind would fail),
    // and each cell's main port already serves /metrics.
    if config.metrics_port.take().is_some() {
        tracing::warn!(
            "VPM_METRICS_PORT is ignored by `vpm up`: each cell serves /metrics on its own port"
        );
    }
    Ok(config)
}

/// Binds all four cells; the first that cannot start stops the others.
pub async fn bind_all(args: &UpArgs) -> anyhow::Result<Vec<BoundCell>> {
    let p = args.ports;
    let curator = vpm_cell::bind(curator::Curator, config_for(p.curator_port, args)?).await?;
    let planner = vpm_cell::bind(planner::Planner, config_for(p.planner_port, args)?).await?;
    // The archivist first: the synthesizer reads each project's history
    // from it, at the address it was actually bound to.
    let archivist =
        vpm_cell::bind(archivist::Archivist, config_for(p.archivist_port, args)?).await?;
    let synthesizer = vpm_cell::bind(
        synthesizer::Synthesizer::with_archivist(client_url(archivist.local_addr())),
        config_for(p.synthesizer_port, args)?,
    )
    .await?;
    Ok(vec![curator, planner, synthesizer, archivist])
}

pub async fn run(args: UpArgs) -> anyhow::Result<ExitCode> {
    // The token this process sends is the one its archivist requires, read
    // by the archivist's own rules: set but empty, blank or unreadable stops
    // here with exit 2, before any cell starts, rather than opening writes.
    let write_token = match archivist::config::write_token(&|name| std::env::var(name).ok()) {
        Ok(token) => token,
        Err(e) => {
            eprintln!("vpm: {}", terminal::text(&e));
            terminal::help(&failure::setting_help(&e.name));
            return Ok(ExitCode::from(CONFIG_INVALID));
        }
    };
    let shutdown = Shutdown::on_signals().context("cannot install signal handlers")?;
    let cells = match bind_all(&args).await {
        Ok(cells) => cells,
        // A cell's setting it cannot use: exit 2, as the cell binaries do.
        Err(e) if e.downcast_ref::<vpm_cell::config::ConfigError>().is_some() => return Err(e),
        // A port another process holds (often an earlier `vpm up`).
        Err(e) if in_use(&e) => {
            return Err(Failure::new(CONFIG_INVALID, format!("{e:#}"))
                .help(
                    "stop what holds the port (an earlier `vpm up`?), or choose others with \
                     --curator-port, --planner-port, --synthesizer-port, --archivist-port",
                )
                .into());
        }
        Err(e) => return Err(e),
    };
    let urls: Vec<String> = cells.iter().map(|c| client_url(c.local_addr())).collect();
    for (cell, url) in cells.iter().zip(&urls) {
        terminal::note(format!("vpm: {:<11} {url}", cell.name()));
    }
    let serving = tokio::spawn(futures_util::future::join_all(
        cells.into_iter().map(|c| c.serve(shutdown.clone())),
    ));

    if let Some(project) = &args.project {
        let run = RunArgs {
            as_of: args.as_of.map(crate::commands::snapshot::AsOf::On),
            since: None,
            curator_url: urls[0].clone(),
            planner_url: urls[1].clone(),
            synthesizer_url: urls[2].clone(),
            archivist_url: urls[3].clone(),
            write_token,
            timeout: Duration::from_secs(60),
        };
        terminal::note(format!(
            "vpm: running {} through the cells",
            terminal::path(project)
        ));
        match snapshot::run_project(project, &run, Mode::Http).await? {
            Ok(outcome) => {
                let page = snapshot::project_page(&run.archivist_url, &outcome);
                let mut out = std::io::stdout().lock();
                let text = snapshot::render(&outcome, args.format)?;
                writeln!(out, "{}", snapshot::for_stdout(&text, args.format))?;
                snapshot::report(&outcome, Some(&page), &mut out)?;
                out.flush()?;
            }
            Err(_) => eprintln!("vpm: the run failed (above); the cells keep serving"),
        }
    }
    terminal::note("vpm: serving; Ctrl-C (or SIGTERM) drains all four cells and exits");
    for result in serving.await.context("a cell task stopped unexpectedly")? {
        result?;
    }
    terminal::note("vpm: stopped: all four cells drained");
    Ok(ExitCode::SUCCESS)
}

/// Whether binding failed because the address is taken.
fn in_use(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse)
    })
}

/// A URL this process can reach the cell at (a wildcard bind becomes loopback).
fn client_url(addr: std::net::SocketAddr) -> String {
    let host = match addr.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", std::net::SocketAddr::new(host, addr.port()))
}
