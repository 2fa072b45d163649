//! A file that is missing or cannot be read is one problem, listed first:
//! the references into it are not reported as unknown while it cannot be
//! read, and references that could not name anything in it still are.

use crate::support::*;
use serde_json::Value;
use vpm_model::Problem;
use vpm_testkit::{Proc, client};

/// Links into project.yaml (G1), tasks.yaml (T1) and decisions/ (D2).
const LINKING_DECISION: &str = "id: D1\ndecision: Use a CRDT\nlinks: [G1, T1, T2, D2]\n";
const OTHER_DECISION: &str = "id: D2\ndecision: Ship weekly\n";

fn codes(p: &[Problem]) -> Vec<(&str, &str, Option<u32>)> {
    p.iter()
        .map(|p| (p.code.as_str(), p.path.as_str(), p.line))
        .collect()
}

fn no_unknown_reference(p: &[Problem]) {
    assert!(
        p.iter().all(|p| p.code != "unknown_reference"),
        "a follow-on unknown_reference was reported: {p:#?}"
    );
}

#[test]
fn without_project_yaml_the_missing_file_is_the_only_problem() {
    // Two tasks and a decision name goals that would be in project.yaml:
    // before, each of them was an unknown_reference after missing_file.
    let p = problems(&bundle(
        "demo",
        &[
            ("tasks.yaml", TASKS),
            ("state.md", "# State\n"),
            ("decisions/d1.yaml", LINKING_DECISION),
            ("decisions/d2.yaml", OTHER_DECISION),
        ],
    ));
    assert_eq!(
        codes(&p),
        [("missing_file", "project.yaml", None)],
        "{p:#?}"
    );
    assert!(
        p[0].message.contains(
            "(3 references that may point into this file are checked once it can be read)"
        ),
        "{}",
        p[0].message
    );
}

#[test]
fn without_project_yaml_problems_unrelated_to_goals_still_follow_it() {
    let tasks = format!(
        "{TASKS}    depends_on: [T9]\n  - id: T3\n    title: x\n    goal: G1\n    status: finished\n"
    );
    let tasks = tasks.replace("    depends_on: [T1]\n", "");
    let p = problems(&bundle(
        "demo",
        &[
            ("tasks.yaml", &tasks),
            (
                "decisions/d1.yaml",
                "id: D1\ndecision: x\nlinks: [T1, T404]\n",
            ),
        ],
    ));
    assert_eq!(
        codes(&p),
        [
            ("missing_file", "project.yaml", None),
            // T404 might be a goal: it waits for project.yaml.
            ("unknown_reference", "tasks.yaml", Some(10)), // depends_on T9: tasks are known
            ("bad_value", "tasks.yaml", Some(14)),
        ],
        "{p:#?}"
    );
    assert_eq!(p[1].value.as_deref(), Some("T9"));
}

#[test]
fn an_unparsable_project_yaml_is_one_syntax_error_not_also_empty() {
    let p = problems(&project_with(&[
        ("project.yaml", "id: demo\n goals: [\n"),
        ("decisions/d1.yaml", LINKING_DECISION),
        ("decisions/d2.yaml", OTHER_DECISION),
    ]));
    assert_eq!(
        codes(&p),
        [("yaml_syntax", "project.yaml", Some(2))],
        "{p:#?}"
    );
}

#[test]
fn goals_that_are_not_a_list_stop_the_goal_references_too() {
    let project = "id: demo\nname: Demo\ngoals:\n  G1: Ship the beta\n";
    let p = problems(&project_with(&[("project.yaml", project)]));
    assert_eq!(
        codes(&p),
        [("wrong_type", "project.yaml", Some(4))],
        "{p:#?}"
    );
    assert!(p[0].message.contains("2 references"), "{}", p[0].message);
}

/// tasks.yaml broken three ways a lead broke it; decisions/ links into it.
fn with_broken_tasks(tasks: &str) -> Vec<Problem> {
    problems(&project_with(&[
        ("tasks.yaml", tasks),
        ("decisions/d1.yaml", LINKING_DECISION),
        ("decisions/d2.yaml", OTHER_DECISION),
        // Sorted by file alone, this would come before tasks.yaml.
        ("decisions/d3.yaml", "id: D3\ndecision: z\nowner: Aiko\n"),
    ]))
}

#[test]
fn tasks_yaml_written_as_a_bare_list_is_the_first_and_only_reference_problem() {
    let p = with_broken_tasks("- id: T1\n  title: Sync\n  goal: G1\n  status: done\n");
    assert_eq!(
        codes(&p),
        [
            ("wrong_type", "tasks.yaml", Some(1)),
            ("unknown_key", "decisions/d3.yaml", Some(3)),
        ],
        "{p:#?}"
    );
    assert!(
        p[0].message.contains("add a line `tasks:`"),
        "{}",
        p[0].message
    );
    assert!(
        p[0].message
            .contains("2 references that may point into this file"),
        "T1 and T2 wait for tasks.yaml: {}",
        p[0].message
    );
}

#[test]
fn tasks_yaml_with_a_tab_indent_is_the_first_problem_and_names_the_fix() {
    let p =
        with_broken_tasks("tasks:\n  - id: T1\n\ttitle: Sync\n    goal: G1\n    status: done\n");
    assert_eq!(
        codes(&p)[0],
        ("yaml_syntax", "tasks.yaml", Some(3)),
        "{p:#?}"
    );
    assert!(p[0].message.contains("never tabs"), "{}", p[0].message);
    assert_eq!(p.len(), 2, "{p:#?}");
    no_unknown_reference(&p);
}

#[test]
fn tasks_yaml_with_a_syntax_error_is_the_first_problem() {
    let p = with_broken_tasks("tasks:\n  - id: T1\n    title: [Sync\n    goal: G1\n");
    assert_eq!(codes(&p)[0].0, "yaml_syntax");
    assert_eq!(codes(&p)[0].1, "tasks.yaml");
    assert_eq!(p.len(), 2, "{p:#?}");
    no_unknown_reference(&p);
}

#[test]
fn a_tasks_key_that_is_not_a_list_is_a_root_cause() {
    let p = with_broken_tasks("tasks: T1, T2\n");
    assert_eq!(
        codes(&p)[0],
        ("wrong_type", "tasks.yaml", Some(1)),
        "{p:#?}"
    );
    no_unknown_reference(&p);
}

#[test]
fn a_truly_unknown_link_is_still_reported_when_tasks_yaml_reads() {
    let p = problems(&project_with(&[(
        "decisions/d1.yaml",
        "id: D1\ndecision: x\nlinks: [G1, T1, T404]\n",
    )]));
    assert_eq!(
        codes(&p),
        [("unknown_reference", "decisions/d1.yaml", Some(3))],
        "{p:#?}"
    );
    assert_eq!(p[0].value.as_deref(), Some("T404"));
}

#[test]
fn a_broken_file_hides_only_references_that_could_name_its_ids() {
    // tasks.yaml cannot be read, but a task id cannot be a goal: a goal
    // reference elsewhere is still checked. Here, with decisions/ broken,
    // the task's goal G9 is still wrong whatever the decision says.
    let tasks = TASKS.replace(
        "    goal: G1\n    status: done\n",
        "    goal: G9\n    status: done\n",
    );
    let p = problems(&project_with(&[
        ("tasks.yaml", &tasks),
        ("decisions/d1.yaml", "id: D1\ndecision: [unclosed\n"),
        ("decisions/d2.yaml", "id: D2\ndecision: y\nlinks: [D7]\n"),
    ]));
    assert_eq!(
        codes(&p),
        [
            ("yaml_syntax", "decisions/d1.yaml", Some(3)),
            ("unknown_reference", "tasks.yaml", Some(4)),
        ],
        "{p:#?}"
    );
    assert_eq!(p[1].value.as_deref(), Some("G9"));
    assert!(
        p[0].message
            .contains("(1 reference that may point into decisions/ is checked once every decision file can be read)"),
        "D7 waits for d1.yaml: {}",
        p[0].message
    );
}

#[test]
fn an_empty_decision_file_is_a_root_cause() {
    let p = problems(&project_with(&[
        ("decisions/d1.yaml", "# to be written\n"),
        ("decisions/d2.yaml", "id: D2\ndecision: y\nlinks: [D1]\n"),
    ]));
    assert_eq!(
        codes(&p),
        [("missing_key", "decisions/d1.yaml", Some(1))],
        "{p:#?}"
    );
}

#[test]
fn root_causes_lead_in_every_file_then_the_rest_by_file_and_line() {
    let p = problems(&project_with(&[
        ("tasks.yaml", "tasks:\n  - id: T1\n    title: [x\n"),
        ("decisions/a.yaml", "id: A\ndecision: x\nowner: Aiko\n"),
        ("decisions/b.yaml", "- id: B\n"),
        ("state.md", "---\ndate: yesterday\n---\n# State\n"),
    ]));
    let order: Vec<_> = codes(&p)
        .into_iter()
        .map(|(c, path, _)| (c, path))
        .collect();
    assert_eq!(
        order,
        [
            ("wrong_type", "decisions/b.yaml"),
            ("yaml_syntax", "tasks.yaml"),
            ("unknown_key", "decisions/a.yaml"),
            ("bad_date", "state.md"),
        ],
        "{p:#?}"
    );
}

#[test]
fn the_folder_on_disk_lists_the_root_cause_first_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.yaml"), PROJECT).unwrap();
    std::fs::write(dir.path().join("tasks.yaml"), "tasks:\n\t- id: T1\n").unwrap();
    std::fs::create_dir(dir.path().join("decisions")).unwrap();
    std::fs::write(dir.path().join("decisions/d1.yaml"), LINKING_DECISION).unwrap();
    std::fs::write(
        dir.path().join("decisions/d2.yaml"),
        "id: D2\ndecision: y\ntitle: t\n",
    )
    .unwrap();
    let result = curator::folder::curate_dir(dir.path(), None, TRACE, &curator::Limits::default());
    let Err(curator::folder::FolderError::Curate(curator::CurateError::Invalid {
        problems: p,
        ..
    })) = result
    else {
        panic!("expected problems, got {result:?}");
    };
    assert_eq!(
        codes(&p),
        [
            ("yaml_syntax", "tasks.yaml", Some(2)),
            ("unknown_key", "decisions/d2.yaml", Some(3)),
        ],
        "{p:#?}"
    );
}

#[test]
fn the_422_message_names_the_root_cause_first() {
    let curator = Proc::start("curator", &[]);
    let bundle = project_with(&[
        ("tasks.yaml", "- id: T1\n  title: Sync\n"),
        (
            "decisions/a.yaml",
            "id: A\ndecision: x\nowner: Aiko\nlinks: [T1]\n",
        ),
    ]);
    let response = client()
        .post(curator.url("/v1/curate"))
        .json(&bundle)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let body: Value = response.json().unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("2 problem(s)") && message.contains("First: tasks.yaml:1: wrong_type:"),
        "{message}"
    );
    assert_eq!(
        body["error"]["details"]["problems"][0]["path"],
        "tasks.yaml"
    );
}
