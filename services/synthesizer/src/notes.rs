//! `notes`: what a reader should know about the snapshot itself.
//!
//! In order: where the summary came from and its quality — character-level
//! ROUGE-L F1 against the state note with precision and recall, and the
//! compression ratio (summary length / note length) — whether its last
//! sentence was cut; then every curator warning (near-duplicates, ignored
//! files, ...) with its locations, since each is something a person may
//! want to fix in the project's files.

use vpm_model::curated::CuratedSet;

use crate::view::{SummaryReport, SummarySource};

pub fn notes(set: &CuratedSet, summary: &SummaryReport) -> Vec<String> {
    let mut notes = Vec::new();
    match (&summary.source, &summary.quality) {
        (SummarySource::StateNote, Some(q)) => {
            let mut note = format!(
                "Summary quality: ROUGE-L F1 {:.3} (precision {:.3}, recall {:.3}) against the state note, character level; compression {:.3} ({} of {} characters).",
                q.rouge_l.f1,
                q.rouge_l.precision,
                q.rouge_l.recall,
                q.compression,
                q.summary_chars,
                q.note_chars
            );
            if q.rouge_l.reference_truncated {
                note.push_str(&format!(
                    " Only the note's first {} characters were compared.",
                    q.rouge_l.reference_chars
                ));
            }
            notes.push(note);
        }
        (SummarySource::StateNote, None) => {}
        (SummarySource::Report { path }, _) => notes.push(format!(
            "There is no state note (state.md): the summary is drawn from the newest weekly report, {path}, and its quality is not measured."
        )),
        (SummarySource::Plan, _) => notes.push(
            "There is no state note (state.md) and no weekly report: the summary is written from the plan, and its quality is not measured."
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
