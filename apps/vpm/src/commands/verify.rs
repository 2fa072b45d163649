//! `vpm verify`: check, offline, a record against its receipt or a whole
//! exported log, from nothing but the log's public key.
//!
//! Exit status: 0 when everything checks out, 1 when something does not
//! (the first bad entry is named), 2 when the inputs cannot be read.

use std::io::{BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::Value;
use vpm_model::record::Receipt;
use vpm_tlog::checkpoint::origin_of;
use vpm_tlog::{LogVerifier, audit, receipt};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The log's public key: a verifier key (`origin+keyid+base64`, as
    /// `GET /v1/log/public-key` and `vpm keygen` print it), or a file holding
    /// one or an SPKI PEM public key.
    #[arg(long, env = "VPM_PUBLIC_KEY")]
    pub public_key: String,
    /// The log origin, for a PEM key (default: the checkpoint's origin line).
    #[arg(long)]
    pub origin: Option<String>,
    /// An exported log (`GET /v1/log/export`), or `-` for standard input.
    #[arg(long, conflicts_with_all = ["record", "receipt"])]
    pub log: Option<PathBuf>,
    /// A record: the answer of `GET /v1/records/{id}` (which carries its
    /// receipt), or a bare signed record with `--receipt`.
    #[arg(long, requires = "public_key")]
    pub record: Option<PathBuf>,
    /// The receipt `POST /v1/records` answered with.
    #[arg(long, requires = "record")]
    pub receipt: Option<PathBuf>,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    serde_json::from_str(&read(path)?).with_context(|| format!("{} is not JSON", path.display()))
}

/// The key from its text or file; a PEM key is named by `origin` or the
/// checkpoint's origin line.
fn verifier(args: &VerifyArgs, checkpoint: &str) -> anyhow::Result<LogVerifier> {
    let text = if Path::new(&args.public_key).is_file() {
        read(Path::new(&args.public_key))?
    } else {
        args.public_key.clone()
    };
    if text.contains("-----BEGIN PUBLIC KEY-----") {
        let origin = match &args.origin {
            Some(o) => o.clone(),
            None => origin_of(checkpoint)
                .context(
                    "the checkpoint has no origin line to name the PEM key with; pass --origin",
                )?
                .to_owned(),
        };
        return Ok(LogVerifier::from_public_pem(&origin, &text)?);
    }
    let verifier = LogVerifier::from_verifier_key(text.trim())?;
    if let Some(origin) = &args.origin
        && origin != verifier.name()
    {
        bail!(
            "--origin {origin:?} differs from the verifier key's name {:?}",
            verifier.name()
        );
    }
    Ok(verifier)
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let outcome = match (&args.log, &args.record) {
        (Some(log), None) => verify_log(&args, log),
        (None, Some(record)) => verify_record(&args, record),
        _ => {
            eprintln!(
                "vpm verify: give --log FILE, or --record FILE (with --receipt FILE for a bare record)"
            );
            return Ok(ExitCode::from(2));
        }
    };
    match outcome {
        Ok(Ok(message)) => {
            writeln!(std::io::stdout(), "ok: {message}")?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(failure)) => {
            writeln!(std::io::stdout(), "FAILED: {failure}")?;
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            eprintln!("vpm verify: {e:#}");
            Ok(ExitCode::from(2))
        }
    }
}

type Outcome = anyhow::Result<Result<String, String>>;

fn verify_log(args: &VerifyArgs, path: &Path) -> Outcome {
    let reader: Box<dyn std::io::BufRead> = if path == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    // The key is needed before the header is read; for a PEM key without
    // --origin, peek at the header for its origin.
    let mut reader = reader;
    let mut first = String::new();
    std::io::BufRead::read_line(&mut reader, &mut first)?;
    let header: Value = serde_json::from_str(&first).unwrap_or(Value::Null);
    let verifier = verifier(args, header["checkpoint"].as_str().unwrap_or(""))?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chained = std::io::Cursor::new(first.into_bytes()).chain(reader);
    let started = std::time::Instant::now();
    Ok(
        match audit::audit_export(BufReader::new(chained), &verifier, threads) {
            Ok(report) => Ok(format!(
                "{} entries of log {} verified in {:.2?}: every signature, every leaf and stored node, and root {} signed by {}",
                report.tree_size,
                report.origin,
                started.elapsed(),
                report.root_hash,
                verifier.verifier_key()
            )),
            Err(problem) => Err(problem.to_string()),
        },
    )
}

fn verify_record(args: &VerifyArgs, path: &Path) -> Outcome {
    let value = read_json(path)?;
    let (signed, receipt_value) = match (&args.receipt, value.get("signed_record")) {
        (Some(r), _) => (
            value.get("signed_record").cloned().unwrap_or(value.clone()),
            read_json(r)?,
        ),
        (None, Some(signed)) => (
            signed.clone(),
            value
                .get("receipt")
                .cloned()
                .context("the record file has no receipt; pass --receipt FILE")?,
        ),
        (None, None) => bail!(
            "{} is a bare signed record; pass --receipt FILE",
            path.display()
        ),
    };
    let receipt: Receipt =
        serde_json::from_value(receipt_value).context("the receipt is not a vpm receipt")?;
    let verifier = verifier(args, &receipt.checkpoint)?;
    Ok(match receipt::check(&signed, &receipt, &verifier) {
        Ok(head) => Ok(format!(
            "record {} is signed by {} and is leaf {} of the signed tree of size {} (root {})",
            receipt.record_id,
            verifier.verifier_key(),
            receipt.leaf_index,
            head.size,
            head.root
        )),
        Err(e) => Err(format!("record {}: {e}", receipt.record_id)),
    })
}
