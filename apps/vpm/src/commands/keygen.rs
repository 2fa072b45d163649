//! `vpm keygen`: a new Ed25519 signing key for the archive, as PKCS#8 PEM.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use vpm_tlog::LogKey;

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write the private key here (created with mode 0600; an existing file
    /// is never overwritten). Without it the PEM goes to standard output,
    /// ready to pipe into `kubectl create secret generic ... --from-file`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The log origin the key will sign under (names the key in checkpoints).
    #[arg(long, env = "VPM_LOG_ORIGIN", default_value = archivist::config::DEFAULT_ORIGIN)]
    pub origin: String,
}

pub async fn run(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let key = LogKey::generate(&args.origin)?;
    let pem = key.to_pkcs8_pem()?;
    let verifier = key.verifier();
    let public = format!(
        "verifier key (for vpm verify --public-key): {}\n{}",
        verifier.verifier_key(),
        verifier.public_pem()
    );
    match &args.out {
        Some(path) => {
            archivist::signing_key::write_private(path, pem.as_bytes())
                .with_context(|| format!("cannot create {}", path.display()))?;
            eprintln!(
                "vpm: wrote the private key to {} (mode 0600)",
                crate::terminal::path(path)
            );
            std::io::stdout().write_all(public.as_bytes())?;
        }
        None => {
            std::io::stdout().write_all(pem.as_bytes())?;
            eprint!("{public}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
