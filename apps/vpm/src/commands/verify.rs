//! `vpm verify`: check, offline, a record against its receipt or a whole
//! exported log, from nothing but the log's public key.
//!
//! Exit status: 0 when everything checks out, 1 when something does not
//! (the first bad entry is named), 2 when the inputs cannot be read; each
//! failure ends with a `help:` line. Verifying a log draws a progress bar
//! on a terminal.
//!
//! Every input is read with a bound: a record, receipt or key file must be
//! a regular file (a FIFO or device is refused without waiting on it) of at
//! most [`super::MAX_DOCUMENT_BYTES`] (a key: 64 KiB); an exported log, which
//! may be large, is streamed, from a regular file or standard input (`-`,
//! for a pipe), and refused at the first line longer than
//! [`super::MAX_DOCUMENT_BYTES`].

use std::io::{self, BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::Value;
use vpm_cell::files::{self, Symlinks};
use vpm_model::record::Receipt;
use vpm_tlog::checkpoint::origin_of;
use vpm_tlog::record::Beside;
use vpm_tlog::{LogVerifier, audit, receipt};

use super::MAX_DOCUMENT_BYTES;
use crate::failure::{INPUT, USAGE};
use crate::terminal;

/// Most bytes of a public key file.
const MAX_KEY_BYTES: u64 = 64 * 1024;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The log's public key: a verifier key (`origin+keyid+base64`, as
    /// `GET /v1/log/public-key` and `vpm keygen` print it), or a file holding
    /// one or an SPKI PEM public key.
    #[arg(long, env = "VPM_PUBLIC_KEY")]
    pub public_key: Option<String>,
    /// The log origin, for a PEM key (default: the checkpoint's origin line).
    #[arg(long)]
    pub origin: Option<String>,
    /// An exported log (`GET /v1/log/export`), or `-` for standard input.
    #[arg(long, conflicts_with_all = ["record", "receipt"])]
    pub log: Option<PathBuf>,
    /// A record: the answer of `GET /v1/records/{id}` (which carries its
    /// receipt), or a bare signed record with `--receipt`.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// The receipt `POST /v1/records` answered with.
    #[arg(long, requires = "record")]
    pub receipt: Option<PathBuf>,
    /// The record's document (the `document` of `GET /v1/records/{id}`),
    /// for a bare signed record: a record commits to its document's hash,
    /// and the document is kept beside it.
    #[arg(long, requires = "record")]
    pub document: Option<PathBuf>,
    /// The record's PROV document (the `provenance` of
    /// `GET /v1/records/{id}`), for a bare version 3 signed record: it
    /// commits to that document's hash, and the document is kept beside it.
    #[arg(long, requires = "record")]
    pub provenance: Option<PathBuf>,
    /// A snapshot's record (`GET /v1/records/{id}`) that must link the
    /// record given with --record (a decision): both are verified, and the
    /// snapshot's signed record must name this one and its document's hash.
    #[arg(long, requires = "record")]
    pub linked_from: Option<PathBuf>,
}

fn read(path: &Path) -> anyhow::Result<String> {
    super::read_document(path)
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    serde_json::from_str(&read(path)?).with_context(|| format!("{} is not JSON", path.display()))
}

/// The key from its text or file; a PEM key is named by `origin` or the
/// checkpoint's origin line.
fn verifier(args: &VerifyArgs, checkpoint: &str) -> anyhow::Result<LogVerifier> {
    let key = args.public_key.as_deref().unwrap_or_default();
    let text = if Path::new(key).is_file() {
        files::read_regular_to_string(Path::new(key), MAX_KEY_BYTES, Symlinks::Follow)
            .map_err(|e| anyhow::anyhow!("cannot read the public key {e}"))?
    } else {
        key.to_owned()
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
    if args
        .public_key
        .as_deref()
        .is_none_or(|k| k.trim().is_empty())
    {
        eprintln!("vpm verify: no public key to verify against");
        terminal::help(
            "pass --public-key KEY (or set VPM_PUBLIC_KEY): the archivist serves it at \
             GET /v1/log/public-key, and `vpm keygen` prints the one of a key it makes",
        );
        return Ok(ExitCode::from(USAGE));
    }
    let outcome = match (&args.log, &args.record) {
        (Some(log), None) => verify_log(&args, log),
        (None, Some(record)) => verify_record(&args, record),
        _ => {
            eprintln!("vpm verify: nothing to verify");
            terminal::help(
                "give --log FILE (an export, or - for standard input), or --record FILE \
                 (with --receipt FILE for a bare record)",
            );
            return Ok(ExitCode::from(USAGE));
        }
    };
    // The messages quote the log and the record: escaped for the terminal.
    match outcome {
        Ok(Ok(message)) => {
            writeln!(std::io::stdout(), "ok: {}", terminal::line(&message))?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(failure)) => {
            writeln!(std::io::stdout(), "FAILED: {}", terminal::line(&failure))?;
            terminal::help(
                "this is not what the log signed: fetch it again from the archivist \
                 (GET /v1/log/export or /v1/records/ID) and check that --public-key is this log's key",
            );
            Ok(ExitCode::from(INPUT))
        }
        Err(e) => {
            eprintln!("vpm verify: {}", terminal::text(format!("{e:#}")));
            terminal::help(
                "check the paths and the key: --public-key takes the verifier key \
                 (origin+keyid+base64) or a file holding it or a PEM public key",
            );
            Ok(ExitCode::from(USAGE))
        }
    }
}

type Outcome = anyhow::Result<Result<String, String>>;

fn verify_log(args: &VerifyArgs, path: &Path) -> Outcome {
    let (source, size): (Box<dyn Read>, Option<u64>) = if path == Path::new("-") {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let (file, _) = files::open_regular(path, Symlinks::Follow)
            .map_err(|e| anyhow::anyhow!("cannot read {e} (for a pipe, use --log -)"))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let progress = progress_bar(size);
    let source: Box<dyn Read> = Box::new(progress.wrap_read(source));
    let reader: Box<dyn std::io::BufRead> = Box::new(BufReader::with_capacity(
        1 << 20,
        LineBound::new(source, MAX_DOCUMENT_BYTES),
    ));
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
    let audited = audit::audit_export(BufReader::new(chained), &verifier, threads);
    progress.finish_and_clear();
    Ok(match audited {
        Ok(report) => Ok(format!(
            "{} entries of log {} verified in {:.2?}: every signature, every leaf and stored node, and root {} signed by {}",
            report.tree_size,
            report.origin,
            started.elapsed(),
            report.root_hash,
            verifier.verifier_key()
        )),
        Err(problem) => Err(problem.to_string()),
    })
}

/// Bytes of the log read (and so checked), drawn on standard error only
/// when it is a terminal and `-q` was not given; `size` when known.
fn progress_bar(size: Option<u64>) -> indicatif::ProgressBar {
    let ui = terminal::ui();
    if !ui.interactive || ui.quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(size, indicatif::ProgressDrawTarget::stderr());
    let template = if size.is_some() {
        "verifying {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)"
    } else {
        "verifying {spinner} {bytes} ({bytes_per_sec})"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// A record checked offline: what the message and a link check need.
struct VerifiedRecord {
    record_id: String,
    signed: Value,
    /// Its PROV document: inside it, or the one checked beside it.
    provenance: Option<Value>,
    summary: String,
}

fn verify_record(args: &VerifyArgs, path: &Path) -> Outcome {
    let record = match check_record_file(
        args,
        path,
        args.receipt.as_deref(),
        Beside::new(args.document.as_deref(), args.provenance.as_deref()),
    )? {
        Ok(r) => r,
        Err(failure) => return Ok(Err(failure)),
    };
    let Some(snapshot_path) = &args.linked_from else {
        return Ok(Ok(record.summary));
    };
    let snapshot = match check_record_file(args, snapshot_path, None, Beside::default())? {
        Ok(r) => r,
        Err(failure) => return Ok(Err(failure)),
    };
    let links = snapshot
        .provenance
        .as_ref()
        .map(vpm_tlog::record::links)
        .unwrap_or_default();
    let Some(link) = links.iter().find(|l| l.record_id == record.record_id) else {
        return Ok(Err(format!(
            "record {}: the record {} does not link it (it links {} record(s))",
            record.record_id,
            snapshot.record_id,
            links.len()
        )));
    };
    let declared = record.signed["record"]["subject"]["sha256"]
        .as_str()
        .unwrap_or_default();
    if link.sha256 != declared {
        return Ok(Err(format!(
            "record {}: the record {} links it with document hash {}, but it commits to {declared}",
            record.record_id, snapshot.record_id, link.sha256
        )));
    }
    Ok(Ok(format!(
        "{}; and {}, which links it as {}",
        record.summary, snapshot.summary, link.entity
    )))
}

/// Checks one record file (a `GET /v1/records/{id}` answer, or a bare
/// signed record with `receipt`, `document` and `provenance` files):
/// signature, documents, inclusion. `Ok(Err(..))` names what does not
/// verify.
fn check_record_file(
    args: &VerifyArgs,
    path: &Path,
    receipt_file: Option<&Path>,
    files: Beside<'_, Path>,
) -> anyhow::Result<Result<VerifiedRecord, String>> {
    let value = read_json(path)?;
    let (signed, receipt_value) = match (receipt_file, value.get("signed_record")) {
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
    let beside = |file: Option<&Path>, field: &str| match file {
        Some(file) => read_json(file).map(Some),
        None => Ok(value.get(field).cloned()),
    };
    let document = beside(files.document, "document")?;
    let provenance = beside(files.provenance, "provenance")?;
    let receipt: Receipt =
        serde_json::from_value(receipt_value).context("the receipt is not a vpm receipt")?;
    let verifier = verifier(args, &receipt.checkpoint)?;
    Ok(
        match receipt::check_with(
            &signed,
            Beside::new(document.as_ref(), provenance.as_ref()),
            &receipt,
            &verifier,
        ) {
            Ok(head) => {
                let subject = &signed["record"]["subject"];
                let kind = subject["kind"].as_str().unwrap_or("record");
                // Checked: a PROV document beside the record is the one it
                // commits to.
                let provenance =
                    vpm_tlog::record::prov_document(&signed["record"], provenance.as_ref())
                        .cloned();
                let decisions = provenance
                    .as_ref()
                    .map_or(0, |p| vpm_tlog::record::links(p).len());
                let linked = if decisions > 0 {
                    format!(", linking {decisions} decision record(s)")
                } else {
                    String::new()
                };
                Ok(VerifiedRecord {
                    summary: format!(
                        "record {} ({kind}{linked}) is signed by {}, its document hashes to {}, \
                         and it is leaf {} of the signed tree of size {} (root {})",
                        receipt.record_id,
                        verifier.verifier_key(),
                        subject["sha256"].as_str().unwrap_or_default(),
                        receipt.leaf_index,
                        head.size,
                        head.root
                    ),
                    record_id: receipt.record_id.to_ascii_lowercase(),
                    signed,
                    provenance,
                })
            }
            Err(e) => Err(format!("record {}: {e}", receipt.record_id)),
        },
    )
}

/// A reader that fails once a line runs past `max` bytes without a
/// newline. An export is one JSON document per line, so this bounds what
/// one line can make the verifier hold, whatever the source (a file,
/// standard input, `/dev/zero` behind a pipe).
struct LineBound<R> {
    inner: R,
    max: u64,
    /// Bytes since the last newline.
    run: u64,
}

impl<R> LineBound<R> {
    fn new(inner: R, max: u64) -> Self {
        Self { inner, max, run: 0 }
    }
}

impl<R: Read> Read for LineBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        self.run = match read.iter().rposition(|&b| b == b'\n') {
            Some(last) => (n - last - 1) as u64,
            None => self.run + n as u64,
        };
        if self.run > self.max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line of the log is longer than {} bytes", self.max),
            ));
        }
        Ok(n)
    }
}
