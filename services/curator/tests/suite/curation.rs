//! What a well-formed folder becomes: typed facts with their defaults,
//! relations, de-duplicated statements, digests — deterministic, and valid

//! against the repository's JSON Schemas.

use crate::support::*;
use curator::Limits;
use vpm_model::curated::{RelationKind, SourceKind, StatementKind};
use vpm_model::{Effort, Horizon, Level, SourceRef, TaskStatus};

#[test]
fn defaults_fill_what_a_folder_leaves_out() {
    let set = curated(&project_with(&[]));
    let t1 = &set.tasks[0];
    assert_eq!(
        (
            t1.criticality,
            t1.effort,
            t1.risk,
            t1.due,
            t1.owner.as_deref()
        ),
        (Level::Medium, Effort::M, Level::Medium, None, None)
    );
    assert!(t1.depends_on.is_empty());
    let g2 = &set.goals[1];
    assert_eq!(
        (g2.horizon, g2.due, g2.acceptance.len()),
        (Horizon::Short, None, 0)
    );
    assert_eq!(set.project.purpose, None);
}

#[test]
fn checkboxes_mark_acceptance_criteria_met() {
    let set = curated(&project_with(&[]));
    let criteria: Vec<_> = set.goals[0]
        .acceptance
        .iter()
        .map(|c| (c.id.as_str(), c.text.as_str(), c.met, c.source.line))
        .collect();
    assert_eq!(
        criteria,
        [
            ("G1.1", "Sync works offline", true, 10),
            ("G1.2", "Forty testers", false, 11),
            ("G1.3", "Crash-free at 99.5%", false, 12),
        ]
    );
}

#[test]
fn relations_point_at_the_line_that_writes_them() {
    let decision =
        "id: D1\ndate: 2026-11-02\ndecision: Merge with a CRDT\nlinks:\n  - G1\n  - T2\n  - G1.3\n";
    let set = curated(&project_with(&[("decisions/0001-crdt.yaml", decision)]));
    let relations: Vec<_> = set
        .relations
        .iter()
        .map(|r| (r.kind, r.from.as_str(), r.to.as_str(), r.source.to_string()))
        .collect();
    assert_eq!(
        relations,
        [
            (
                RelationKind::AdvancesGoal,
                "T1",
                "G1",
                "tasks.yaml:4".to_owned()
            ),
            (
                RelationKind::AdvancesGoal,
                "T2",
                "G1",
                "tasks.yaml:8".to_owned()
            ),
            (
                RelationKind::DependsOn,
                "T2",
                "T1",
                "tasks.yaml:10".to_owned()
            ),
            (
                RelationKind::Links,
                "D1",
                "G1",
                "decisions/0001-crdt.yaml:5".to_owned()
            ),
            (
                RelationKind::Links,
                "D1",
                "T2",
                "decisions/0001-crdt.yaml:6".to_owned()
            ),
            (
                RelationKind::Links,
                "D1",
                "G1.3",
                "decisions/0001-crdt.yaml:7".to_owned()
            ),
        ]
    );
    assert_eq!(
        set.decisions[0].date,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
    );
}

#[test]
fn identical_statements_merge_across_files_keeping_every_source() {
    let set = curated(&project_with(&[
        (
            "state.md",
            "## Risks\n\n- German review blocked on the agency contract.\n",
        ),
        (
            "reports/2026-11-16.md",
            "# W47\n\n- german review   BLOCKED on the agency contract.\n",
        ),
        (
            "reports/2026-11-23.md",
            "# W48\n\n* German review blocked on the agency contract.\n",
        ),
    ]));
    assert_eq!(set.statements.len(), 1, "{:#?}", set.statements);
    let s = &set.statements[0];
    assert_eq!(s.text, "German review blocked on the agency contract.");
    assert_eq!(s.kind, StatementKind::State);
    assert_eq!(s.heading_path, ["Risks"]);
    assert_eq!(
        s.sources,
        [
            SourceRef::new("state.md", 3),
            SourceRef::new("reports/2026-11-16.md", 3),
            SourceRef::new("reports/2026-11-23.md", 3)
        ]
    );
    assert!(set.warnings.is_empty(), "{:#?}", set.warnings);
}

#[test]
fn slightly_reworded_statements_are_flagged_not_merged() {
    let set = curated(&project_with(&[
        (
            "reports/2026-11-16.md",
            "- Map packs are too large for cellular: Tokyo is 180 MB.\n- 日本語翻訳のレビューは約30%完了した。\n",
        ),
        (
            "reports/2026-11-23.md",
            "- Map packs are still too large for cellular: Tokyo is 120 MB.\n- 日本語翻訳のレビューは約60%完了した。\n",
        ),
    ]));
    assert_eq!(set.statements.len(), 5); // state.md's one, and four
    let near: Vec<_> = set
        .warnings
        .iter()
        .filter(|w| w.code == "near_duplicate")
        .map(|w| w.locations.clone())
        .collect();
    assert_eq!(
        near,
        [
            vec![
                SourceRef::new("reports/2026-11-16.md", 1),
                SourceRef::new("reports/2026-11-23.md", 1)
            ],
            vec![
                SourceRef::new("reports/2026-11-16.md", 2),
                SourceRef::new("reports/2026-11-23.md", 2)
            ],
        ]
    );
}

#[test]
fn different_statements_are_neither_merged_nor_flagged() {
    let set = curated(&project_with(&[
        (
            "reports/2026-11-16.md",
            "- Map packs are too large for cellular downloads.\n- 日本語翻訳のレビューを開始した。\n",
        ),
        (
            "reports/2026-11-23.md",
            "- Crash reporting is live in the beta builds.\n- 検索機能のベータ版をリリースした。\n",
        ),
    ]));
    assert_eq!(set.statements.len(), 5);
    assert!(
        set.warnings.iter().all(|w| w.code != "near_duplicate"),
        "{:#?}",
        set.warnings
    );
}

#[test]
fn japanese_text_is_counted_in_characters_and_kept_intact() {
    let state = "---\ndate: 2026-11-23\n---\n## 東京チームより\n\n共有ノートの競合が　最も多い不満点である。\n";
    let set = curated(&project_with(&[("state.md", state)]));
    let s = &set.statements[0];
    assert_eq!(s.text, "共有ノートの競合が 最も多い不満点である。");
    assert_eq!(s.heading_path, ["東京チームより"]);
    assert_eq!(s.sources, [SourceRef::new("state.md", 6)]);
    assert_eq!(s.date, chrono::NaiveDate::from_ymd_opt(2026, 11, 23));
    let digest = set.sources.iter().find(|d| d.path == "state.md").unwrap();
    assert_eq!(digest.bytes, state.len() as u64);
    assert_eq!(digest.chars, state.chars().count() as u64);
    assert!(
        digest.bytes > digest.chars + 40,
        "Japanese takes 3 bytes a character"
    );
}

#[test]
fn reports_take_their_date_from_front_matter_else_the_file_name() {
    let set = curated(&project_with(&[
        ("reports/2026-11-16-weekly.md", "Named.\n"),
        (
            "reports/latest.md",
            "---\ndate: 2026-11-23\n---\nFronted.\n",
        ),
        ("reports/notes.md", "Undated.\n"),
    ]));
    let dated: Vec<_> = set
        .statements
        .iter()
        .filter(|s| s.kind == StatementKind::Report)
        .map(|s| (s.text.as_str(), s.date.map(|d| d.to_string())))
        .collect();
    assert_eq!(
        dated,
        [
            ("Named.", Some("2026-11-16".to_owned())),
            ("Fronted.", Some("2026-11-23".to_owned())),
            ("Undated.", None),
        ]
    );
    assert!(
        set.warnings.iter().any(|w| w.code == "undated_report"
            && w.locations == [SourceRef::new("reports/notes.md", 1)])
    );
}

#[test]
fn files_outside_the_layout_are_ignored_with_a_hint() {
    let set = curated(&project_with(&[
        ("decisions/0003.yml", "id: D3\ndecision: x\n"),
        ("README.md", "# Readme\n"),
    ]));
    assert!(set.decisions.is_empty());
    let ignored: Vec<_> = set
        .warnings
        .iter()
        .filter(|w| w.code == "ignored_file")
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(ignored.len(), 2);
    assert!(
        ignored[1].contains("rename it to decisions/0003.yaml"),
        "{ignored:?}"
    );
    assert!(set.sources.iter().all(|s| s.path != "README.md"));
}

#[test]
fn the_bundles_as_of_wins_over_project_yaml() {
    let mut b = project_with(&[]);
    assert_eq!(curated(&b).as_of.unwrap().to_string(), "2026-11-23");
    b.as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
    assert_eq!(curated(&b).as_of.unwrap().to_string(), "2026-12-01");
}

#[test]
fn the_same_bundle_gives_the_same_set_byte_for_byte() {
    let b = lantern_bundle();
    let first = serde_json::to_string(&curated(&b)).unwrap();
    let second = serde_json::to_string(&curated(&b)).unwrap();
    assert_eq!(first, second);
    // Order of files in the bundle does not matter either.
    let mut reversed = b.clone();
    reversed.sources.reverse();
    assert_eq!(first, serde_json::to_string(&curated(&reversed)).unwrap());
}

#[test]
fn the_example_project_curates_cleanly_and_is_worth_planning() {
    let set = curated(&lantern_bundle());
    assert_eq!(set.project_id, "lantern");
    assert_eq!(set.as_of.unwrap().to_string(), "2026-11-23");
    assert!(set.goals.len() >= 3);
    assert!(set.goals.iter().any(|g| g.horizon == Horizon::Short));
    assert!(set.goals.iter().any(|g| g.horizon == Horizon::Mid));
    assert!(
        set.goals
            .iter()
            .all(|g| g.due.is_some() && !g.acceptance.is_empty())
    );
    assert!(set.goals.iter().flat_map(|g| &g.acceptance).any(|c| c.met));
    assert!(set.tasks.len() >= 25);
    for status in [
        TaskStatus::Todo,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Blocked,
    ] {
        assert!(
            set.tasks.iter().any(|t| t.status == status),
            "no {status} task"
        );
    }
    assert!(
        set.tasks
            .iter()
            .filter(|t| !t.depends_on.is_empty())
            .count()
            >= 15
    );
    assert!(set.decisions.len() >= 3);
    let kinds = |k: SourceKind| set.sources.iter().filter(|s| s.kind == k).count();
    assert_eq!(
        (kinds(SourceKind::Report), kinds(SourceKind::State)),
        (2, 1)
    );
    // One statement repeated verbatim (merged), one reworded (flagged).
    assert!(set.statements.iter().any(|s| s.sources.len() == 3));
    let near: Vec<_> = set
        .warnings
        .iter()
        .filter(|w| w.code == "near_duplicate")
        .collect();
    assert_eq!(near.len(), 1, "{near:#?}");
    assert_eq!(set.warnings.len(), 1, "{:#?}", set.warnings);
    // Some of it in Japanese.
    assert!(set.statements.iter().any(|s| s.text.contains("日本語")));
    assert!(set.tasks.iter().any(|t| {
        t.title
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c))
    }));
}

#[test]
fn curated_sets_validate_against_the_schema() {
    let validator = validator("curated_set_v1.schema.json");
    for bundle in [
        lantern_bundle(),
        project_with(&[]),
        project_with(&[("decisions/0003.yml", "x"), ("reports/x.md", "- a\n- b\n")]),
    ] {
        let json = serde_json::to_value(curated(&bundle)).unwrap();
        assert_valid(&validator, &json);
    }
}

#[test]
fn the_schema_is_strict_enough_to_catch_a_wrong_document() {
    let validator = validator("curated_set_v1.schema.json");
    let good = serde_json::to_value(curated(&project_with(&[]))).unwrap();
    let mut extra = good.clone();
    extra["tasks"][0]["priority"] = "high".into();
    assert!(!validator.is_valid(&extra));
    let mut status = good.clone();
    status["tasks"][0]["status"] = "finished".into();
    assert!(!validator.is_valid(&status));
    let mut line = good;
    line["goals"][0]["source"]["line"] = 0.into();
    assert!(!validator.is_valid(&line));
}

#[test]
fn packed_bundles_validate_against_the_bundle_schema() {
    let validator = validator("bundle_v1.schema.json");
    let mut bundle = lantern_bundle();
    bundle.as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 23);
    let json = serde_json::to_value(&bundle).unwrap();
    assert_valid(&validator, &json);
    let mut extra = json;
    extra["sources"][0]["encoding"] = "utf-8".into();
    assert!(!validator.is_valid(&extra));
}

#[test]
fn the_packer_reads_the_layout_and_warns_about_near_misses() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("project.yaml"), PROJECT).unwrap();
    std::fs::write(root.join("Tasks.yaml"), TASKS).unwrap();
    std::fs::write(root.join("README.md"), "# hi\n").unwrap();
    std::fs::create_dir_all(root.join("decisions/old")).unwrap();
    std::fs::write(root.join("decisions/0001.yml"), "id: D1\n").unwrap();
    std::fs::write(
        root.join("decisions/0002.yaml"),
        "id: D2\ndecision: x\nlinks: [G1]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("reports")).unwrap();
    std::fs::write(root.join("reports/2026-11-16.md"), "Hello.\n").unwrap();
    std::fs::write(root.join("reports/.DS_Store"), [0u8, 159, 146]).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let packed = curator::folder::bundle_from_dir(root, None, &Limits::default()).unwrap();
    let paths: Vec<_> = packed
        .bundle
        .sources
        .iter()
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "decisions/0002.yaml",
            "project.yaml",
            "reports/2026-11-16.md"
        ]
    );
    assert_eq!(packed.bundle.project_id, "demo");
    let warned: Vec<_> = packed
        .warnings
        .iter()
        .map(|w| w.locations[0].path.as_str())
        .collect();
    assert_eq!(
        warned,
        ["Tasks.yaml", "decisions/0001.yml", "decisions/old"]
    );
    let set = curator::folder::curate_dir(root, None, TRACE, &Limits::default()).unwrap();
    assert_eq!(set.decisions.len(), 1);
    assert!(
        set.warnings
            .iter()
            .any(|w| w.message.contains("did you mean `tasks.yaml`?"))
    );
}

#[test]
fn a_single_id_may_stand_for_a_list_of_one() {
    let tasks = format!(
        "{TASKS}  - id: T3\n    title: Load test\n    goal: G1\n    status: todo\n    depends_on: T2\n"
    );
    let set = curated(&project_with(&[("tasks.yaml", &tasks)]));
    assert_eq!(set.tasks[2].depends_on, ["T2"]);
    assert!(
        set.relations
            .iter()
            .any(|r| r.kind == RelationKind::DependsOn
                && r.from == "T3"
                && r.source == SourceRef::new("tasks.yaml", 15))
    );
}
