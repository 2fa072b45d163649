//! Values that are almost right get the fix spelt out: a comma list where
//! a YAML list was meant, a status or level in other words or another
//! script.

use crate::support::*;

/// A project whose one task T1 has `extra` lines (4 spaces in) after
/// `status: todo` on line 5; T2 follows, so `depends_on` has something to name.
fn task_with(status: &str, extra: &str) -> vpm_model::Bundle {
    let tasks = format!(
        "tasks:\n  - id: T1\n    title: Sync\n    goal: G1\n    status: {status}\n{extra}  - id: T2\n    title: Merge\n    goal: G1\n    status: todo\n  - id: T4\n    title: Ship\n    goal: G2\n    status: todo\n"
    );
    project_with(&[("tasks.yaml", &tasks)])
}

#[test]
fn a_comma_list_of_dependencies_shows_the_yaml_list_it_meant() {
    let p = problems(&task_with("todo", "    depends_on: T2, T4\n"));
    // Before: bad_id ("an id must not contain spaces") and an
    // unknown_reference for `T2, T4`, with no word of lists.
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].code, "wrong_type");
    assert_eq!((p[0].path.as_str(), p[0].line), ("tasks.yaml", Some(6)));
    assert_eq!(p[0].value.as_deref(), Some("T2, T4"));
    assert!(
        p[0].message
            .ends_with("to list several ids, write a YAML list: depends_on: [T2, T4]"),
        "{}",
        p[0].message
    );
}

#[test]
fn commas_without_spaces_and_japanese_commas_are_lists_too() {
    for (written, list) in [
        ("T2,T4", "depends_on: [T2, T4]"),
        ("T2、T4", "depends_on: [T2, T4]"),
        ("\"T2, T4,\"", "depends_on: [T2, T4]"),
    ] {
        let p = problems(&task_with("todo", &format!("    depends_on: {written}\n")));
        assert_eq!(p.len(), 1, "{written}: {p:#?}");
        assert!(p[0].message.ends_with(list), "{written}: {}", p[0].message);
    }
    // One id alone is still a fine shorthand.
    curated(&task_with("todo", "    depends_on: T2\n"));
}

#[test]
fn a_comma_list_of_decision_links_shows_the_yaml_list_it_meant() {
    let p = problems(&project_with(&[(
        "decisions/d1.yaml",
        "id: D1\ndecision: x\nlinks: G1, T1\n",
    )]));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(
        (p[0].path.as_str(), p[0].line),
        ("decisions/d1.yaml", Some(3))
    );
    assert!(
        p[0].message.ends_with("write a YAML list: links: [G1, T1]"),
        "{}",
        p[0].message
    );
}

#[test]
fn an_id_with_a_space_in_a_list_is_one_problem_not_also_unknown() {
    let p = problems(&task_with("todo", "    depends_on: [T2, T 4]\n"));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].code, "bad_id");
    assert_eq!(p[0].value.as_deref(), Some("T 4"));
}

#[test]
fn a_status_in_japanese_suggests_the_value_it_means() {
    let p = problems(&task_with("完了", ""));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].code, "bad_value");
    assert_eq!((p[0].line, p[0].value.as_deref()), (Some(5), Some("完了")));
    assert_eq!(
        p[0].message,
        "`status` is `完了`: did you mean `done`? (allowed: todo, in_progress, done, blocked)"
    );
}

#[test]
fn statuses_in_other_words_suggest_ours() {
    for (written, meant) in [
        ("済", "done"),
        ("finished", "done"),
        ("Closed", "done"),
        ("未着手", "todo"),
        ("open", "todo"),
        ("進行中", "in_progress"),
        ("作業中", "in_progress"),
        ("WIP", "in_progress"),
        ("In Progress", "in_progress"),
        ("ブロック", "blocked"),
        ("保留", "blocked"),
        ("on hold", "blocked"),
    ] {
        let p = problems(&task_with(written, ""));
        assert_eq!(p.len(), 1, "{written}: {p:#?}");
        assert!(
            p[0].message.contains(&format!(
                "did you mean `{meant}`? (allowed: todo, in_progress, done, blocked)"
            )),
            "{written}: {}",
            p[0].message
        );
    }
}

#[test]
fn a_status_with_no_plausible_meaning_lists_the_allowed_ones_without_a_guess() {
    let p = problems(&task_with("someday", ""));
    assert_eq!(
        p[0].message,
        "`status` is `someday`; it must be one of todo, in_progress, done, blocked"
    );
}

#[test]
fn levels_efforts_and_horizons_in_japanese_suggest_ours() {
    let p = problems(&task_with(
        "todo",
        "    risk: 高\n    criticality: 低\n    effort: 大\n",
    ));
    let said: Vec<_> = p
        .iter()
        .map(|p| (p.line.unwrap(), p.message.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            (
                6,
                "`risk` is `高`: did you mean `high`? (allowed: high, medium, low)"
            ),
            (
                7,
                "`criticality` is `低`: did you mean `low`? (allowed: high, medium, low)"
            ),
            (8, "`effort` is `大`: did you mean `L`? (allowed: S, M, L)"),
        ],
        "{p:#?}"
    );
    // `中` is medium for a level but M for an effort.
    let p = problems(&task_with("todo", "    risk: 中\n    effort: 中\n"));
    assert!(
        p[0].message.contains("did you mean `medium`?"),
        "{}",
        p[0].message
    );
    assert!(
        p[1].message.contains("did you mean `M`?"),
        "{}",
        p[1].message
    );

    let project = PROJECT.replace("horizon: short", "horizon: 中期");
    let p = problems(&project_with(&[("project.yaml", &project)]));
    assert_eq!(
        p[0].message,
        "`horizon` is `中期`: did you mean `mid`? (allowed: short, mid)"
    );
}
