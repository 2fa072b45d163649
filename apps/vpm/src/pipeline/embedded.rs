//! The pipeline in this process: the four cells' libraries called in
//! order, the archive opened from the same `VPM_*` settings the archivist
//! reads.

use chrono::{SubsecRound, Utc};
use vpm_cell::TraceContext;
use vpm_model::Bundle;
use vpm_model::record::{Receipt, RecordSubmission};

use super::{Outcome, PipelineError};

/// Runs `bundle` through the four cells' libraries in this process, with
/// the archive opened from the same `VPM_*` settings the archivist reads.
pub async fn embedded(bundle: Bundle, trace: TraceContext) -> Result<Outcome, PipelineError> {
    let trace_id = trace.trace_id_hex();
    let submission = submission(&bundle, &trace_id)?;
    let archive = archivist::open_embedded()
        .await
        .map_err(|e| PipelineError::Internal {
            cell: "archivist",
            why: format!("{e:#}"),
        })?;
    let receipt = append(&archive, submission.clone()).await?;
    Ok(Outcome {
        trace_id,
        submission,
        receipt,
    })
}

/// The first three steps (curator, planner, synthesizer): what the
/// archivist would be asked to record. `vpm watch` stops here when the
/// snapshot is the one already archived.
pub fn submission(bundle: &Bundle, trace_id: &str) -> Result<RecordSubmission, PipelineError> {
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
    let generated_at = Utc::now().trunc_subsecs(0);
    let (submission, _) = synthesizer::step::record_submission(event, generated_at, trace_id)
        .map_err(|problems| PipelineError::Problems {
            cell: "synthesizer",
            problems,
        })?;
    Ok(submission)
}

/// The last step: `submission` appended to an archive opened in this
/// process; its receipt once it is durable.
pub async fn append(
    archive: &archivist::Archive,
    submission: RecordSubmission,
) -> Result<Receipt, PipelineError> {
    let (_, receipt) = archive.submit(submission).await.map_err(|e| match e {
        archivist::archive::ArchiveError::Invalid(problems) => PipelineError::Problems {
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
