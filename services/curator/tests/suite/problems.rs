//! Every kind of mistake in a project folder, each reported with its file,

//! line and offending value — and all of a bundle's mistakes at once.

use crate::support::*;
use vpm_model::SourceRef;

fn at(p: &vpm_model::Problem) -> (&str, Option<u32>, Option<&str>) {
    (p.path.as_str(), p.line, p.value.as_deref())
}

#[test]
fn a_misspelt_key_names_the_closest_valid_one() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G1\n    status: done\n    titel: Typo\n    assignee: Aiko\n";
    let p = problems(&project_with(&[("tasks.yaml", tasks)]));
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(at(&p[0]), ("tasks.yaml", Some(6), Some("titel")));
    assert_eq!(p[0].code, "unknown_key");
    assert!(
        p[0].message.contains("did you mean `title`?"),
        "{}",
        p[0].message
    );
    assert_eq!(at(&p[1]), ("tasks.yaml", Some(7), Some("assignee")));
    assert!(p[1].message.contains("`owner`"), "{}", p[1].message);
}

#[test]
fn unknown_keys_are_found_in_every_file() {
    let project = format!("{PROJECT}owner: Yuki\n");
    let decision = "id: D1\ndecision: Use a CRDT\ntitle: CRDT\n";
    let p = problems(&project_with(&[
        ("project.yaml", &project),
        ("decisions/d1.yaml", decision),
    ]));
    let keys: Vec<_> = p.iter().map(|p| (p.code.as_str(), at(p))).collect();
    assert_eq!(
        keys,
        [
            ("unknown_key", ("decisions/d1.yaml", Some(3), Some("title"))),
            ("unknown_key", ("project.yaml", Some(15), Some("owner"))),
        ]
    );
    assert!(
        p[0].message
            .contains("write what was decided under `decision`")
    );
}

#[test]
fn missing_required_keys_are_named_at_their_item() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    status: done\n  - title: No id\n    goal: G1\n    status: todo\n  - id: T3\n    goal: G1\n    title: x\n";
    let decision = "id: D1\nrationale: because\n";
    let project = "id: demo\ngoals:\n  - id: G1\n    horizon: short\n";
    let p = problems(&project_with(&[
        ("tasks.yaml", tasks),
        ("decisions/d1.yaml", decision),
        ("project.yaml", project),
    ]));
    let missing: Vec<_> = p
        .iter()
        .filter(|p| p.code == "missing_key")
        .map(|p| (at(p), p.message.split(';').next().unwrap().to_owned()))
        .collect();
    assert_eq!(
        missing,
        [
            (
                ("decisions/d1.yaml", Some(1), Some("decision")),
                "`decision` is missing".to_owned()
            ),
            (
                ("project.yaml", Some(3), Some("title")),
                "`title` is missing".to_owned()
            ),
            (
                ("tasks.yaml", Some(2), Some("goal")),
                "`goal` is missing".to_owned()
            ),
            (
                ("tasks.yaml", Some(5), Some("id")),
                "`id` is missing".to_owned()
            ),
            (
                ("tasks.yaml", Some(8), Some("status")),
                "`status` is missing".to_owned()
            ),
        ]
    );
}

#[test]
fn bad_enum_values_list_the_valid_ones() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G1\n    status: in-progress\n    effort: XL\n    risk: High\n";
    let p = problems(&project_with(&[("tasks.yaml", tasks)]));
    assert_eq!(p.len(), 2, "{p:#?}"); // `High` is accepted: case does not matter
    assert_eq!(at(&p[0]), ("tasks.yaml", Some(5), Some("in-progress")));
    assert_eq!(p[0].code, "bad_value");
    assert!(p[0].message.contains("todo, in_progress, done, blocked"));
    assert!(p[0].message.contains("did you mean `in_progress`?"));
    assert_eq!(at(&p[1]), ("tasks.yaml", Some(6), Some("XL")));
    assert!(p[1].message.contains("S, M, L"));
}

#[test]
fn dates_must_be_real_iso_calendar_dates_everywhere() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G1\n    status: done\n    due: 2026-02-30\n  - id: T2\n    title: Merge\n    goal: G1\n    status: todo\n    due: 30/11/2026\n";
    let project = PROJECT.replace("due: 2026-12-11", "due: 2026-13-01");
    let p = problems(&project_with(&[
        ("tasks.yaml", tasks),
        ("project.yaml", &project),
        (
            "decisions/d1.yaml",
            "id: D1\ndate: 2026-11-31\ndecision: x\n",
        ),
        ("reports/weekly.md", "---\ndate: 2026-11-3\n---\nHello.\n"),
        ("reports/2026-02-29.md", "Leap years only.\n"),
    ]));
    let dates: Vec<_> = p.iter().filter(|p| p.code == "bad_date").map(at).collect();
    assert_eq!(
        dates,
        [
            ("decisions/d1.yaml", Some(2), Some("2026-11-31")),
            ("project.yaml", Some(8), Some("2026-13-01")),
            ("reports/2026-02-29.md", None, Some("2026-02-29")),
            ("reports/weekly.md", Some(2), Some("2026-11-3")),
            ("tasks.yaml", Some(6), Some("2026-02-30")),
            ("tasks.yaml", Some(11), Some("30/11/2026")),
        ],
        "{p:#?}"
    );
    let feb = p
        .iter()
        .find(|p| p.value.as_deref() == Some("2026-02-30"))
        .unwrap();
    assert!(
        feb.message.contains("February 2026 has 28 days"),
        "{}",
        feb.message
    );
}

#[test]
fn duplicate_ids_name_both_places_even_across_files_and_kinds() {
    let tasks = "tasks:\n  - id: T1\n    title: A\n    goal: G1\n    status: done\n  - id: T1\n    title: B\n    goal: G1\n    status: todo\n  - id: G2\n    title: C\n    goal: G1\n    status: todo\n";
    let p = problems(&project_with(&[
        ("tasks.yaml", tasks),
        ("decisions/a.yaml", "id: D1\ndecision: x\n"),
        ("decisions/b.yaml", "id: D1\ndecision: y\n"),
    ]));
    let dups: Vec<_> = p
        .iter()
        .filter(|p| p.code == "duplicate_id")
        .map(|p| (at(p), p.related.clone()))
        .collect();
    assert_eq!(
        dups,
        [
            (
                ("decisions/b.yaml", Some(1), Some("D1")),
                vec![SourceRef::new("decisions/a.yaml", 1)]
            ),
            (
                ("tasks.yaml", Some(6), Some("T1")),
                vec![SourceRef::new("tasks.yaml", 2)]
            ),
            (
                ("tasks.yaml", Some(10), Some("G2")),
                vec![SourceRef::new("project.yaml", 13)]
            ),
        ]
    );
    assert!(
        dups.len() == 3
            && p.iter()
                .any(|p| p.message.contains("a goal at project.yaml:13"))
    );
}

#[test]
fn unknown_references_are_located_and_suggest_the_intended_id() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G-1\n    status: done\n  - id: T2\n    title: Merge\n    goal: G1\n    status: todo\n    depends_on: [T1, T9, G1]\n  - id: T10\n    title: Load test\n    goal: T1\n    status: todo\n";
    let decision = "id: D1\ndecision: CRDT\nlinks:\n  - G1\n  - T2\n  - T100\n  - G1.2\n";
    let p = problems(&project_with(&[
        ("tasks.yaml", tasks),
        ("decisions/d1.yaml", decision),
    ]));
    let refs: Vec<_> = p
        .iter()
        .filter(|p| p.code == "unknown_reference")
        .map(at)
        .collect();
    assert_eq!(
        refs,
        [
            ("decisions/d1.yaml", Some(6), Some("T100")),
            ("tasks.yaml", Some(4), Some("G-1")),
            ("tasks.yaml", Some(10), Some("G1")),
            ("tasks.yaml", Some(10), Some("T9")),
            ("tasks.yaml", Some(13), Some("T1")),
        ],
        "{p:#?}"
    );
    let goal = p
        .iter()
        .find(|p| p.value.as_deref() == Some("G-1"))
        .unwrap();
    assert!(
        goal.message.contains("did you mean `G1`?"),
        "{}",
        goal.message
    );
    let kind = p.iter().find(|p| p.line == Some(13)).unwrap();
    assert!(kind.message.contains("is a task"), "{}", kind.message);
    let dep_on_goal = p.iter().find(|p| p.value.as_deref() == Some("G1")).unwrap();
    assert!(
        dep_on_goal.message.contains("is a goal"),
        "{}",
        dep_on_goal.message
    );
}

#[test]
fn a_dependency_cycle_is_reported_whole_with_each_edge() {
    let tasks = "\
tasks:
  - id: A
    title: a
    goal: G1
    status: todo
    depends_on: [B]
  - id: B
    title: b
    goal: G1
    status: todo
    depends_on:
      - X
      - C
  - id: C
    title: c
    goal: G1
    status: todo
    depends_on: [A]
  - id: X
    title: x
    goal: G1
    status: todo
  - id: S
    title: self
    goal: G1
    status: todo
    depends_on: [S]
";
    let p = problems(&project_with(&[("tasks.yaml", tasks)]));
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(p[0].code, "dependency_cycle");
    assert_eq!(at(&p[0]), ("tasks.yaml", Some(6), Some("A → B → C → A")));
    assert_eq!(
        p[0].related,
        [
            SourceRef::new("tasks.yaml", 6),
            SourceRef::new("tasks.yaml", 13),
            SourceRef::new("tasks.yaml", 18)
        ]
    );
    assert!(p[0].message.contains("line 13 (B → C)"), "{}", p[0].message);
    assert_eq!(at(&p[1]), ("tasks.yaml", Some(27), Some("S → S")));
}

#[test]
fn yaml_syntax_errors_and_duplicate_keys_are_located() {
    let tasks = "tasks:\n  - id: T1\n    title: [unclosed\n    goal: G1\n";
    let project = format!("{PROJECT}name: Again\n");
    let p = problems(&project_with(&[
        ("tasks.yaml", tasks),
        ("project.yaml", &project),
    ]));
    let syntax = the(&p, "yaml_syntax");
    assert_eq!(syntax.path, "tasks.yaml");
    assert_eq!(syntax.line, Some(4));
    let dup = the(&p, "duplicate_key");
    assert_eq!(at(dup), ("project.yaml", Some(15), Some("name")));
    assert_eq!(dup.related, [SourceRef::new("project.yaml", 2)]);
}

#[test]
fn wrong_shapes_say_what_was_expected() {
    let tasks = "- id: T1\n  title: x\n";
    let project = PROJECT.replace(
        "    horizon: short\n",
        "    horizon: short\n    acceptance:\n      done: Sync works\n",
    );
    let project = project.replace(
        "      - \"[x] Sync works offline\"\n      - \"[ ] Forty testers\"\n      - Crash-free at 99.5%\n",
        "",
    );
    let p = problems(&project_with(&[
        ("tasks.yaml", tasks),
        ("project.yaml", &project),
        ("decisions/d.yaml", "id: D1\ndecision:\n  text: nested\n"),
    ]));
    let shapes: Vec<_> = p
        .iter()
        .filter(|p| p.code == "wrong_type")
        .map(|p| (p.path.as_str(), p.line))
        .collect();
    assert_eq!(
        shapes,
        [
            // A whole file of the wrong shape is a root cause: it leads.
            ("tasks.yaml", Some(1)),
            ("decisions/d.yaml", Some(3)),
            ("project.yaml", Some(9)),
        ],
        "{p:#?}"
    );
    assert!(p.iter().any(|p| p.message.contains("add a line `tasks:`")));
}

#[test]
fn bad_ids_and_empty_values_are_problems() {
    let tasks = "tasks:\n  - id: T 1\n    title: \"\"\n    goal: G1\n    status: done\n";
    let p = problems(&project_with(&[("tasks.yaml", tasks)]));
    assert_eq!(at(the(&p, "bad_id")), ("tasks.yaml", Some(2), Some("T 1")));
    assert_eq!(
        at(the(&p, "empty_value")),
        ("tasks.yaml", Some(3), Some("title"))
    );
}

#[test]
fn the_bundles_project_id_must_match_project_yaml() {
    let mut b = project_with(&[]);
    b.project_id = "other".to_owned();
    let p = problems(&b);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].code, "project_id_mismatch");
    assert_eq!(at(&p[0]), ("project.yaml", Some(1), Some("other")));
    assert!(p[0].message.contains("`demo`"));
}

#[test]
fn a_folder_without_project_yaml_is_refused() {
    let p = problems(&bundle("demo", &[("state.md", "Hello.\n")]));
    assert_eq!(at(the(&p, "missing_file")), ("project.yaml", None, None));
}

#[test]
fn unsafe_and_repeated_paths_are_problems() {
    let mut b = project_with(&[]);
    b.sources.push(vpm_model::SourceFile {
        path: "../secrets.yaml".to_owned(),
        content: String::new(),
    });
    b.sources.push(b.sources[1].clone());
    let p = problems(&b);
    assert_eq!(
        the(&p, "bad_path").value.as_deref(),
        Some("../secrets.yaml")
    );
    assert_eq!(the(&p, "duplicate_source").path, "tasks.yaml");
}

#[test]
fn every_problem_of_a_bundle_comes_in_one_answer_sorted_by_file_and_line() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G9\n    status: finished\n    due: 2026-02-30\n    priorty: high\n";
    let state = "---\ndate: yesterday\n---\n# State\n";
    let decision = "id: D1\ndecision: x\nlinks: [T404]\n";
    let mut b = project_with(&[
        ("tasks.yaml", tasks),
        ("state.md", state),
        ("decisions/d1.yaml", decision),
    ]);
    b.project_id = "wrong".to_owned();
    let p = problems(&b);
    let all: Vec<_> = p
        .iter()
        .map(|p| (p.path.as_str(), p.line, p.code.as_str()))
        .collect();
    assert_eq!(
        all,
        [
            ("decisions/d1.yaml", Some(3), "unknown_reference"),
            ("project.yaml", Some(1), "project_id_mismatch"),
            ("state.md", Some(2), "bad_date"),
            ("tasks.yaml", Some(4), "unknown_reference"),
            ("tasks.yaml", Some(5), "bad_value"),
            ("tasks.yaml", Some(6), "bad_date"),
            ("tasks.yaml", Some(7), "unknown_key"),
        ]
    );
    assert!(
        p.iter().all(|p| p.value.is_some()),
        "every problem carries its value: {p:#?}"
    );
}

#[test]
fn files_that_are_not_utf8_are_located_by_the_packer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.yaml"), PROJECT).unwrap();
    // "納期" in Shift_JIS on line 3.
    let mut tasks =
        b"tasks:\n  - id: T1\n    title: \x94\x5B\x8A\xFA\n    goal: G1\n    status: done\n"
            .to_vec();
    tasks.extend_from_slice(b"    depends_on: [T0]\n");
    std::fs::write(dir.path().join("tasks.yaml"), tasks).unwrap();
    let result = curator::folder::curate_dir(dir.path(), None, TRACE, &curator::Limits::default());
    let Err(curator::folder::FolderError::Curate(curator::CurateError::Invalid {
        problems: p,
        ..
    })) = result
    else {
        panic!("expected problems, got {result:?}");
    };
    let bad = the(&p, "not_utf8");
    assert_eq!(
        at(bad),
        ("tasks.yaml", Some(3), Some("0x94 0x5B 0x8A 0xFA"))
    );
    assert!(bad.message.contains("Shift_JIS"));
    // The rest of the file was still checked in the same pass.
    assert_eq!(the(&p, "unknown_reference").value.as_deref(), Some("T0"));
}

#[test]
fn an_ambiguous_reference_suggests_no_guess_but_lists_the_goals() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G5\n    status: done\n";
    let p = problems(&project_with(&[("tasks.yaml", tasks)]));
    let r = the(&p, "unknown_reference");
    assert_eq!(at(r), ("tasks.yaml", Some(4), Some("G5")));
    assert!(
        r.message
            .ends_with("names no known id; the goals are G1, G2"),
        "{}",
        r.message
    );
}

#[test]
fn done_on_is_read_on_done_tasks_a_bad_one_is_a_problem_and_one_on_an_open_task_a_warning() {
    let tasks = "tasks:\n  - id: T1\n    title: Sync\n    goal: G1\n    status: done\n    done_on: 2026-11-20\n  - id: T2\n    title: Merge\n    goal: G1\n    status: todo\n    done_on: 2026-11-21\n  - id: T3\n    title: Ship\n    goal: G1\n    status: done\n";
    let set = curated(&project_with(&[("tasks.yaml", tasks)]));
    let done_on = |id: &str| set.tasks.iter().find(|t| t.id == id).unwrap().done_on;
    assert_eq!(done_on("T1"), chrono::NaiveDate::from_ymd_opt(2026, 11, 20));
    assert_eq!(done_on("T2"), None, "an open task has no done date");
    assert_eq!(done_on("T3"), None);
    let warning = set
        .warnings
        .iter()
        .find(|w| w.code == "done_on_not_done")
        .unwrap_or_else(|| panic!("{:#?}", set.warnings));
    assert_eq!(warning.locations, [SourceRef::new("tasks.yaml", 7)]);
    assert!(warning.message.contains("task T2"), "{}", warning.message);

    let bad = tasks.replace("done_on: 2026-11-20", "done_on: 2026-11-31");
    let p = problems(&project_with(&[("tasks.yaml", &bad)]));
    let dates: Vec<_> = p.iter().filter(|p| p.code == "bad_date").map(at).collect();
    assert_eq!(
        dates,
        [("tasks.yaml", Some(6), Some("2026-11-31"))],
        "{p:#?}"
    );
    assert!(p[0].message.contains("done_on"), "{}", p[0].message);
}
