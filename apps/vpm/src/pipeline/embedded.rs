//! The pipeline in this process: the four cells' libraries called in
//! order, the archive opened from the same `VPM_*` settings the archivist
//! reads.

use archivist::archive::ArchiveError;
use archivist::archive::history::Since;
use chrono::{SubsecRound, Utc};
use synthesizer::past::Past;
use vpm_cell::TraceContext;
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
    let since = since
        .map(Since::parse)
        .transpose()
        .map_err(|why| PipelineError::Problems {
            cell: "archivist",
            problems: vec![Problem::new("bad_since", "--since", None, why)],
        })?;
    let trace_id = trace.trace_id_hex();
    let limits = curator::Limits::from_env().map_err(|e| PipelineError::Internal {
        cell: "curator",
        why: e.to_string(),
    })?;

    let curated = curator::curate_event(&bundle, &trace_id, &limits).map_err(|e| match e {
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
        planner::plan_event(curated, &trace_id).map_err(|problems| PipelineError::Problems {
            cell: "planner",
            problems,
        })?;
    let archive = archivist::open_embedded()
        .await
        .map_err(|e| PipelineError::Internal {
            cell: "archivist",
            why: format!("{e:#}"),
        })?;
    // What the archive knows of the project before this as-of date: a
    // `since` naming nothing is the user's mistake; any other failure
    // leaves the snapshot without history, saying why in its notes.
    let past = match archive
        .history(
            &event.curated_set.project_id,
            event.plan.as_of,
            since.as_ref(),
        )
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
        synthesizer::step::record_submission(event, &past, generated_at, &trace_id).map_err(
            |problems| PipelineError::Problems {
                cell: "synthesizer",
                problems,
            },
        )?;
    let (_, receipt) = archive
        .submit(submission.clone())
        .await
        .map_err(|e| match e {
            ArchiveError::Invalid(problems) => PipelineError::Problems {
                cell: "archivist",
                problems,
            },
            other => PipelineError::Internal {
                cell: "archivist",
                why: other.to_string(),
            },
        })?;
    Ok(Outcome {
        trace_id,
        submission,
        receipt,
    })
}
