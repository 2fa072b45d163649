//! The history sections: a snapshot written with what the archive knows
//! validates against the schema with every section present, stays a pure
//! function of its inputs, and a synthesizer whose archivist cannot be
//! reached still writes its snapshot, saying why in the notes.

use std::time::Duration;

use serde_json::Value;
use synthesizer::past::{HistorySource, Past};
use synthesizer::{render_html, render_markdown, synthesize};
use vpm_model::history::{ArchivedSnapshot, History, TrendPoint};

use crate::support::*;

/// Lantern written once as a first snapshot, then again a week later with
/// that one as its history (one task no longer done, to give changes).
fn second_week() -> synthesizer::Snapshot {
    let (set, plan) = lantern();
    let first = synthesize(&set, &plan, Some(&History::default()), monday())
        .unwrap()
        .document;
    let mut earlier = first.clone();
    earlier.as_of_date = first.as_of_date - chrono::Days::new(7);
    // A week ago, the first done task was still open and due earlier.
    if let Some(line) = earlier
        .tasks
        .iter_mut()
        .find(|t| t.done_on.is_some() || t.state == vpm_model::history::TaskState::Done)
    {
        line.state = vpm_model::history::TaskState::InProgress;
        line.done_on = None;
    }
    let history = History {
        previous: Some(ArchivedSnapshot {
            record_id: "ab".repeat(32),
            snapshot: Box::new(earlier.clone()),
        }),
        compare_to: None,
        trend: vec![TrendPoint {
            as_of_date: earlier.as_of_date,
            record_id: Some("ab".repeat(32)),
            goals: first
                .trend
                .last()
                .map(|p| p.goals.clone())
                .unwrap_or_default(),
        }],
    };
    synthesize(&set, &plan, Some(&history), monday()).unwrap()
}

#[test]
fn a_snapshot_with_every_history_section_validates() {
    let snapshot = second_week();
    let doc = &snapshot.document;
    assert!(!doc.tasks.is_empty());
    let changes = doc.changes.as_ref().expect("changes");
    assert_eq!(changes.since.record_id, "ab".repeat(32));
    assert!(!changes.done.is_empty(), "{changes:?}");
    assert_eq!(doc.trend.len(), 2);
    assert!(doc.forecast.is_some());
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(vpm_testkit::repo_path("schemas/pm_snapshot_v1.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let json = serde_json::to_value(doc).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    // The schema is strict in the new sections too.
    let mut bad = json.clone();
    bad["changes"]["surprise"] = Value::Bool(true);
    assert!(!validator.is_valid(&bad));
    // And the views show them.
    let markdown = render_markdown(&snapshot);
    assert!(markdown.contains(&format!("**Changes since {}**", changes.since.as_of_date)));
    let html = render_html(&snapshot);
    assert!(html.contains("id=\"changes\"") && html.contains("id=\"trend\""));
    // Each goal's forecast is said once, as one of its reasons, not again
    // beside them.
    let forecast = doc.forecast.as_ref().unwrap();
    let shown = doc.goals.short_term.iter().chain(&doc.goals.mid_term);
    let covered = shown
        .filter(|g| forecast.goals.iter().any(|f| f.goal == g.id))
        .count();
    assert!(covered > 0);
    let said = |text: &str| {
        text.matches("forecast: P50").count() + text.matches("no forecast yet").count()
    };
    assert_eq!(said(&markdown), covered, "{markdown}");
    assert_eq!(said(&html), covered, "{html}");
    assert!(!markdown.contains("No forecast") && !markdown.contains("Forecast: P50"));
}

#[test]
fn the_same_inputs_and_history_give_the_same_document() {
    let mut a = serde_json::to_value(second_week().document).unwrap();
    let mut b = serde_json::to_value(second_week().document).unwrap();
    a.as_object_mut().unwrap().remove("generated_at");
    b.as_object_mut().unwrap().remove("generated_at");
    assert_eq!(a, b);
}

#[test]
fn an_unreachable_archivist_leaves_the_snapshot_without_history_and_says_why() {
    // Port 9 on loopback: nothing listens there.
    let source = HistorySource::new("http://127.0.0.1:9", Duration::from_millis(500)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (set, plan) = lantern();
    let past = runtime.block_on(source.past(&set.project_id, plan.as_of, None));
    let Past::Unavailable(why) = &past else {
        panic!("expected unavailable, got {past:?}");
    };
    assert!(why.contains("did not answer"), "{why}");
    let event = vpm_model::pipeline::PlanEvent {
        curated_set: set,
        plan,
        activities: Vec::new(),
        since: None,
    };
    let (submission, snapshot) =
        synthesizer::step::record_submission(event, &past, monday(), "0".repeat(32).as_str())
            .unwrap();
    assert!(snapshot.document.changes.is_none());
    assert!(snapshot.document.forecast.is_none());
    assert!(
        snapshot
            .document
            .notes
            .iter()
            .any(|n| n.contains("history could not be read")),
        "{:?}",
        snapshot.document.notes
    );
    assert!(!submission.attachments.is_empty());
}

#[test]
fn the_archivist_url_setting_is_checked() {
    let none = HistorySource::from_lookup(|_| None).unwrap();
    assert!(none.is_none());
    let bad = HistorySource::from_lookup(|n| {
        (n == synthesizer::past::ARCHIVIST_URL_VAR).then(|| "not a url".to_owned())
    })
    .unwrap_err();
    assert!(bad.contains("VPM_SYNTHESIZER_ARCHIVIST_URL"), "{bad}");
    let bad = HistorySource::from_lookup(|n| match n {
        synthesizer::past::ARCHIVIST_URL_VAR => Some("http://archivist:8005".to_owned()),
        _ => Some("0".to_owned()),
    })
    .unwrap_err();
    assert!(bad.contains("VPM_SYNTHESIZER_HISTORY_TIMEOUT_MS"), "{bad}");
}
