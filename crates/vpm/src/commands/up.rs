//! `vpm up`: the four cells in one process, drained together by one signal.

use std::process::ExitCode;

use anyhow::Context as _;
use vpm_cell::{BoundCell, RuntimeConfig, Shutdown};

use crate::cli::UpArgs;

/// The shared runtime settings with one cell's port and the chosen host.
fn config_for(port: u16, args: &UpArgs) -> anyhow::Result<RuntimeConfig> {
    let mut config = RuntimeConfig::from_env(port)?;
    config.port = port;
    config.host = args.host;
    Ok(config)
}

/// Binds all four cells; the first that cannot start stops the others.
pub async fn bind_all(args: &UpArgs) -> anyhow::Result<Vec<BoundCell>> {
    let p = args.ports;
    Ok(vec![
        vpm_cell::bind(curator::Curator, config_for(p.curator_port, args)?).await?,
        vpm_cell::bind(planner::Planner, config_for(p.planner_port, args)?).await?,
        vpm_cell::bind(
            synthesizer::Synthesizer,
            config_for(p.synthesizer_port, args)?,
        )
        .await?,
        vpm_cell::bind(archivist::Archivist, config_for(p.archivist_port, args)?).await?,
    ])
}

pub async fn run(args: UpArgs) -> anyhow::Result<ExitCode> {
    let shutdown = Shutdown::on_signals().context("cannot install signal handlers")?;
    let cells = bind_all(&args).await?;
    for cell in &cells {
        eprintln!("vpm: {:<11} http://{}", cell.name(), cell.local_addr());
    }
    eprintln!("vpm: serving; Ctrl-C (or SIGTERM) drains all four cells");
    let results =
        futures_util::future::join_all(cells.into_iter().map(|c| c.serve(shutdown.clone()))).await;
    for result in results {
        result?;
    }
    Ok(ExitCode::SUCCESS)
}
