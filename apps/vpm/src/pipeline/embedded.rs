//! The pipeline in this process: the four cells' libraries called in
//! order, the archive opened from the same `VPM_*` settings the archivist
//! reads.

use archivist::archive::ArchiveError;
use archivist::archive::history::Since;
use chrono::{SubsecRound, Utc};
use synthesizer::past::Past;
use vpm_cell::TraceContext;
use vpm_model::record::{Receipt, RecordSubmission};
use vpm_model::{Bundle, Problem};

use super::{Outcome, PipelineError};

/// Runs `bundle` through the four cells' libraries in this process, with
/// the archive opened from the same `VPM_*` settings the archivist reads;
/// the changes compare against the archived snapshot `since` names (a
/// record id or a date), else the previous one.
pub async fn embedded_since(
    bundle: Bundle,
    trace: TraceContext,
    since: Option<&str>,
) -> Result<Outcome, PipelineError> {
    let since = parse_since(since)?;
    let trace_id = trace.trace_id_hex();
    let archive = open().await?;
    let submission = submission(&archive, &bundle, &trace_id, since.as_ref()).await?;
    let receipt = append(&archive, submission.clone()).await?;
    Ok(Outcome {
        trace_id,
        submission,
        receipt,
    })
}

/// `--since` as the archive reads it; a malformed one is bad input.
pub fn parse_since(since: Option<&str>) -> Result<Option<Since>, PipelineError> {
    since
        .map(Since::parse)
        .transpose()
        .map_err(|why| PipelineError::Problems {
            cell: "archivist",
            problems: vec![Problem::new("bad_since", "--since", None, why)],
        })
}

/// The archive of this process, opened from the `VPM_*` settings.
pub async fn open() -> Result<std::sync::Arc<archivist::Archive>, PipelineError> {
    archivist::open_embedded()
        .await
        .map_err(|e| PipelineError::Internal {
            cell: "archivist",
            why: format!("{e:#}"),
        })
}

/// The first three steps (curator, planner, synthesizer, with what
/// `archive` knows of the project's past): what the archivist would be
/// asked to record. `vpm watch` stops here when the snapshot is the one
/// already archived.
pub async fn submission(
    archive: &archivist::Archive,
    bundle: &Bundle,
    trace_id: &str,
    since: Option<&Since>,
) -> Result<RecordSubmission, PipelineError> {
    let limits = curator::Limits::from_env().map_err(|e| PipelineError::Internal {
        cell: "curator",
        why: e.to_string(),
    })?;

    let curated = curator::curate_event(bundle, trace_id, &limits).map_err(|e| match e {
        curator::CurateError::Invalid { problems, .. } => PipelineError::Problems {
            cell: "curator",
            problems,
        },
        curator::CurateError::TooLarge(exceeded) => PipelineError::Internal {
            cell: "curator",
            why: exceeded
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        },
    })?;
    // Each step is the very function its cell's `POST /` runs.
    let event =
        planner::plan_event(curated, trace_id).map_err(|problems| PipelineError::Problems {
            cell: "planner",
            problems,
        })?;
    // What the archive knows of the project before this as-of date: a
    // `since` naming nothing is the user's mistake; any other failure
    // leaves the snapshot without history, saying why in its notes.
    let past = match archive
        .history(&event.curated_set.project_id, event.plan.as_of, since)
        .await
    {
        Ok(history) => Past::Known(history),
        Err(ArchiveError::NotFound(why) | ArchiveError::BadRequest(why)) => {
            return Err(PipelineError::Problems {
                cell: "archivist",
                problems: vec![Problem::new("bad_since", "--since", None, why)],
            });
        }
        Err(other) => Past::Unavailable(other.to_string()),
    };
    let generated_at = Utc::now().trunc_subsecs(0);
    let (submission, _) =
        synthesizer::step::record_submission(event, &past, generated_at, trace_id).map_err(
            |problems| PipelineError::Problems {
                cell: "synthesizer",
                problems,
            },
        )?;
    Ok(submission)
}

/// The last step: `submission` appended to an archive opened in this
/// process; its receipt once it is durable.
pub async fn append(
    archive: &archivist::Archive,
    submission: RecordSubmission,
) -> Result<Receipt, PipelineError> {
    let (_, receipt) = archive.submit(submission).await.map_err(|e| match e {
        ArchiveError::Invalid(problems) => PipelineError::Problems {
            cell: "archivist",
            problems,
        },
        other => PipelineError::Internal {
            cell: "archivist",
            why: other.to_string(),
        },
    })?;
    Ok(receipt)
}
