//! `notes`: what a reader should know about the snapshot itself.
//!
//! In order: where the summary came from when it is not the state note,
//! whether its last sentence was cut; then every curator warning
//! (near-duplicates, ignored files, ...) with its locations, since each is
//! something a person may want to fix in the project's files.
//!
//! The summary's quality figures (ROUGE-L, compression) are not notes: they
//! measure the synthesizer, not the project, so they go to
//! `current.summary_quality` in the JSON and to the cell's metrics.

use vpm_model::curated::CuratedSet;

use crate::view::{SummaryReport, SummarySource};

pub fn notes(set: &CuratedSet, summary: &SummaryReport) -> Vec<String> {
    let mut notes = Vec::new();
    match &summary.source {
        SummarySource::StateNote => {}
        SummarySource::Report { path } => notes.push(format!(
            "There is no state note (state.md): the summary is drawn from the newest weekly report, {path}."
        )),
        SummarySource::Plan => notes.push(
            "There is no state note (state.md) and no weekly report: the summary is written from the plan."
                .to_owned(),
        ),
    }
    if summary.shortened {
        notes.push(
            "The summary's last sentence was shortened (…) to fit 400 characters.".to_owned(),
        );
    }
    for warning in &set.warnings {
        let at: Vec<String> = warning.locations.iter().map(ToString::to_string).collect();
        let mut note = format!("Curator warning ({}): {}", warning.code, warning.message);
        if !at.is_empty() {
            note.push_str(&format!(" [{}]", at.join(", ")));
        }
        notes.push(note);
    }
    notes
}
