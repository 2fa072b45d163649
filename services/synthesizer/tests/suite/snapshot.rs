//! The snapshot of the Lantern project: purity, mapping of each field, and
//! refusal of inputs that do not belong together.

use std::collections::BTreeSet;

use crate::support::*;
use chrono::Duration;
use synthesizer::summary::rouge::rouge_l;
use synthesizer::{render_html, render_markdown, synthesize};
use vpm_model::Horizon;
use vpm_model::snapshot::{EvidenceKind, GapKind};

#[test]
fn only_generated_at_differs_between_two_runs() {
    let (set, plan) = lantern();
    let a = synthesize(&set, &plan, None, monday()).unwrap();
    let b = synthesize(&set, &plan, None, monday()).unwrap();
    assert_eq!(
        serde_json::to_vec(&a.document).unwrap(),
        serde_json::to_vec(&b.document).unwrap()
    );
    assert_eq!(render_markdown(&a), render_markdown(&b));
    assert_eq!(render_html(&a), render_html(&b));

    let later = synthesize(&set, &plan, None, monday() + Duration::hours(3)).unwrap();
    assert_ne!(later.document.generated_at, a.document.generated_at);
    let mut same = later.document.clone();
    same.generated_at = a.document.generated_at;
    assert_eq!(same, a.document, "something besides generated_at changed");
}

#[test]
fn the_snapshot_carries_no_trace_id() {
    let (set, plan) = lantern();
    let json =
        serde_json::to_string(&synthesize(&set, &plan, None, monday()).unwrap().document).unwrap();
    assert!(!json.contains(&set.trace_id));
    assert!(!json.contains("trace"));
}

#[test]
fn goals_are_split_by_horizon_in_plan_order() {
    let (set, plan) = lantern();
    let doc = synthesize(&set, &plan, None, monday()).unwrap().document;
    let ids = |goals: &[vpm_model::snapshot::GoalView]| {
        goals.iter().map(|g| g.id.clone()).collect::<Vec<_>>()
    };
    let expect = |h: Horizon| {
        plan.goals
            .iter()
            .filter(|g| g.horizon == h)
            .map(|g| g.goal.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&doc.goals.short_term), expect(Horizon::Short));
    assert_eq!(ids(&doc.goals.mid_term), expect(Horizon::Mid));
    for goal in doc.goals.short_term.iter().chain(&doc.goals.mid_term) {
        let planned = plan.goals.iter().find(|g| g.goal == goal.id).unwrap();
        assert_eq!(goal.progress, planned.progress);
        assert_eq!(goal.status, planned.status);
        assert_eq!(goal.reasons, planned.reasons);
    }
}

#[test]
fn next_actions_are_the_plans_next_3_with_rationale_and_links() {
    let (set, plan) = lantern();
    let doc = synthesize(&set, &plan, None, monday()).unwrap().document;
    assert_eq!(doc.next_actions.len(), plan.next_actions.len());
    for (action, planned) in doc.next_actions.iter().zip(&plan.next_actions) {
        assert_eq!(action.id, planned.task);
        assert_eq!(action.details, planned.rationale);
        assert_eq!(action.evidence_refs, planned.evidence_refs);
        assert_eq!(
            action.links[0], planned.goal,
            "the goal comes first among the links"
        );
        for link in &action.links[1..] {
            let decision = set
                .decisions
                .iter()
                .find(|d| &d.id == link)
                .expect("links name decisions");
            assert!(
                decision.links.contains(&planned.task) || decision.links.contains(&planned.goal)
            );
        }
    }
    // D1 is about T4, the first action.
    assert!(doc.next_actions[0].links.contains(&"D1".to_owned()));
}

#[test]
fn every_gap_reference_opens_a_file_the_snapshot_rests_on() {
    let (set, plan) = lantern();
    let doc = synthesize(&set, &plan, None, monday()).unwrap().document;
    let paths: BTreeSet<&str> = set.sources.iter().map(|s| s.path.as_str()).collect();
    assert!(!doc.gaps.is_empty());
    for gap in &doc.gaps {
        for r in &gap.refs {
            let (path, line) = r.rsplit_once(':').unwrap();
            assert!(paths.contains(path), "{r} is not a source");
            assert!(line.parse::<u32>().unwrap() >= 1);
        }
    }
    // Every kind the plan has material for shows up.
    let kinds: BTreeSet<String> = doc.gaps.iter().map(|g| format!("{:?}", g.kind)).collect();
    for kind in [
        GapKind::UnmetCriterion,
        GapKind::BlockedTask,
        GapKind::OverdueTask,
        GapKind::Risk,
        GapKind::RemainingWork,
    ] {
        assert!(kinds.contains(&format!("{kind:?}")), "no {kind:?} gap");
    }
    // The one task marked blocked has its own item, with its line.
    let t8 = set.tasks.iter().find(|t| t.id == "T8").unwrap();
    assert!(doc.gaps.iter().any(|g| g.kind == GapKind::BlockedTask
        && g.summary.contains("T8")
        && g.summary.contains("marked blocked")
        && g.refs == [t8.source.to_string()]));
}

#[test]
fn evidence_lists_every_file_with_its_kind() {
    let (set, plan) = lantern();
    let doc = synthesize(&set, &plan, None, monday()).unwrap().document;
    let listed: BTreeSet<&str> = doc.evidence.iter().map(|e| e.path.as_str()).collect();
    let read: BTreeSet<&str> = set.sources.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(listed, read);
    let kind_of = |path: &str| doc.evidence.iter().find(|e| e.path == path).unwrap().kind;
    assert_eq!(kind_of("project.yaml"), EvidenceKind::Doc);
    assert_eq!(kind_of("tasks.yaml"), EvidenceKind::Doc);
    assert_eq!(kind_of("state.md"), EvidenceKind::State);
    assert_eq!(
        kind_of("decisions/0001-crdt-sync.yaml"),
        EvidenceKind::Decision
    );
    assert_eq!(kind_of("reports/2026-05-04.md"), EvidenceKind::Report);
    for e in &doc.evidence {
        assert!(
            !e.summary.is_empty() && !e.summary.contains('\n'),
            "{}: one line",
            e.path
        );
    }
}

#[test]
fn notes_report_the_summary_quality_and_the_curators_warnings() {
    let (set, plan) = lantern();
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    let quality = snapshot
        .view
        .summary
        .quality
        .expect("measured against the state note");
    // The figures are in the JSON, not in the reader's notes.
    let figures = snapshot.document.current.summary_quality.clone().unwrap();
    assert_eq!(figures.rouge_l_f1, quality.rouge_l.f1);
    assert_eq!(figures.rouge_l_precision, quality.rouge_l.precision);
    assert_eq!(figures.rouge_l_recall, quality.rouge_l.recall);
    assert_eq!(figures.compression, quality.compression);
    assert!(snapshot.document.notes.iter().all(|n| !n.contains("ROUGE")));
    // The figure is ROUGE-L of the summary against the note's statements.
    let note: Vec<&str> = set
        .statements
        .iter()
        .filter(|s| s.kind == vpm_model::curated::StatementKind::State)
        .map(|s| s.text.as_str())
        .collect();
    let note = note.join("\n");
    let summary = &snapshot.document.current.summary;
    assert_eq!(rouge_l(summary, &note), quality.rouge_l);
    // It is an extract: put back in the note's order, every character of
    // it is matched (importance order costs precision, which the note
    // makes visible).
    let sentences: Vec<String> = synthesizer::summary::sentences::split(summary);
    let mut in_note_order = sentences.clone();
    in_note_order.sort_by_key(|s| note.find(s.as_str()).unwrap());
    assert_eq!(rouge_l(&in_note_order.join(" "), &note).precision, 1.0);
    assert!(
        quality.rouge_l.precision < 1.0,
        "the fixture's summary is reordered"
    );
    for warning in &set.warnings {
        assert!(
            snapshot
                .document
                .notes
                .iter()
                .any(|n| n.contains(&warning.message) && n.contains(&warning.code))
        );
    }
}

#[test]
fn current_leads_with_what_needs_action_and_counts_the_work() {
    let (set, plan) = lantern();
    let doc = synthesize(&set, &plan, None, monday()).unwrap().document;
    let summary = &doc.current.summary;
    assert!(summary.chars().count() <= 400);
    assert!(!summary.is_empty());
    // The filler sentence about a visit is not what a lead needs first.
    assert!(!summary.starts_with("Kenji and Aiko"));
    assert!(
        summary.contains("at risk") || summary.contains("blocked"),
        "{summary}"
    );
    let bullets = &doc.current.bullets;
    assert!(
        bullets[0].starts_with("Tasks: 6 of 26 done"),
        "{}",
        bullets[0]
    );
    for goal in &plan.goals {
        assert!(
            bullets
                .iter()
                .any(|b| b.starts_with(&format!("{} {}", goal.goal, goal.title)))
        );
    }
    assert!(
        bullets
            .iter()
            .any(|b| b.starts_with("Critical path: T4 CRDT merge engine"))
    );
    assert!(bullets.iter().any(|b| b.starts_with("Latest decision D4")));
}

#[test]
fn a_project_without_a_state_note_is_summarised_from_its_newest_report() {
    let (mut set, plan) = lantern();
    set.statements
        .retain(|s| s.kind != vpm_model::curated::StatementKind::State);
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    assert!(snapshot.view.summary.quality.is_none());
    assert!(
        snapshot
            .document
            .current
            .summary
            .contains("Voice memos are a week late.")
    );
    assert!(snapshot.document.notes[0].contains("reports/2026-05-11.md"));

    set.statements.clear();
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    assert!(
        snapshot
            .document
            .current
            .summary
            .starts_with("Lantern: 6 of 26 tasks done.")
    );
    assert!(snapshot.document.notes[0].contains("written from the plan"));
}

#[test]
fn an_empty_project_still_makes_a_complete_snapshot() {
    let (mut set, mut plan) = lantern();
    set.goals.clear();
    set.tasks.clear();
    set.decisions.clear();
    set.statements.clear();
    set.relations.clear();
    set.warnings.clear();
    plan.goals.clear();
    plan.next_actions.clear();
    plan.ranking.clear();
    plan.graph = vpm_model::plan::TaskGraphSummary {
        topological_order: vec![],
        ready: vec![],
        blocked: vec![],
        critical_path: vpm_model::plan::CriticalPath {
            tasks: vec![],
            effort_days: 0,
            ..Default::default()
        },
    };
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    assert!(snapshot.document.gaps.is_empty());
    assert!(snapshot.document.next_actions.is_empty());
    assert_eq!(
        snapshot.document.current.bullets[0],
        "No tasks are listed yet."
    );
    let html = render_html(&snapshot);
    assert!(html.contains("No remaining tasks."));
    assert!(render_markdown(&snapshot).contains("## Next 3\n\nNo task can start now."));
}

#[test]
fn inputs_that_do_not_belong_together_are_refused_with_every_problem() {
    let (set, mut plan) = lantern();
    plan.project_id = "lighthouse".into();
    plan.goals[0].gap.blocked_tasks.push("T99".into());
    plan.next_actions[1]
        .evidence_refs
        .push("nowhere.md:3".into());
    plan.next_actions[2].evidence_refs.push("tasks.yaml".into());
    plan.goals[1].progress = 1.5;
    let problems = synthesize(&set, &plan, None, monday()).unwrap_err();
    let found = |code: &str, path: &str, value: &str| {
        problems
            .iter()
            .any(|p| p.code == code && p.path == path && p.value.as_deref() == Some(value))
    };
    assert!(
        found("project_mismatch", "plan#/project_id", "lighthouse"),
        "{problems:#?}"
    );
    assert!(
        found(
            "unknown_reference",
            "plan#/goals/0/gap/blocked_tasks/4",
            "T99"
        ),
        "{problems:#?}"
    );
    assert!(found(
        "unknown_reference",
        "plan#/next_actions/1/evidence_refs/2",
        "nowhere.md:3"
    ));
    assert!(found(
        "bad_reference",
        "plan#/next_actions/2/evidence_refs/2",
        "tasks.yaml"
    ));
    assert!(found("bad_value", "plan#/goals/1/progress", "1.5"));
    assert_eq!(problems.len(), 5, "{problems:#?}");
}

#[test]
fn a_curated_set_with_a_cycle_or_duplicate_ids_is_refused_at_its_lines() {
    let (mut set, plan) = lantern();
    // T1 → T2 → T1.
    set.tasks[0].depends_on.push("T2".into());
    let duplicate = set.tasks[3].clone();
    set.tasks.push(duplicate);
    let problems = synthesize(&set, &plan, None, monday()).unwrap_err();
    let cycle = problems
        .iter()
        .find(|p| p.code == "dependency_cycle")
        .expect("cycle reported");
    assert_eq!(cycle.path, "tasks.yaml");
    assert_eq!(cycle.line, Some(set.tasks[0].source.line));
    let dup = problems
        .iter()
        .find(|p| p.code == "duplicate_id")
        .expect("duplicate reported");
    assert_eq!(dup.value.as_deref(), Some("T4"));
    assert_eq!(dup.related, vec![set.tasks[3].source.clone()]);
}
