//! Nothing panics on input, however hostile: random text, token soup that
//! drives the YAML and Markdown parsers into their corners, and

//! pathological shapes (deep nesting, alias bombs, huge lines).

use crate::support::*;
use curator::{CurateError, Limits, curate};
use proptest::prelude::*;

const YAML_TOKENS: &[&str] = &[
    "- ",
    ": ",
    "\n",
    "  ",
    "    ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "&a ",
    "*a",
    "---\n",
    "...\n",
    "|\n",
    ">-\n",
    "'",
    "\"",
    "id",
    "tasks",
    "goals",
    "goal",
    "title",
    "status",
    "done",
    "T1",
    "G1",
    "depends_on",
    "# c",
    "!!str ",
    "!x ",
    "? ",
    "~",
    "null",
    "2026-02-30",
    "2026-11-23",
    "日本語",
    "\t",
    "\r\n",
    "%YAML 1.2\n",
    "\u{feff}",
    "[x] ",
    "\\",
    "%",
    "@",
    "`",
];

const MARKDOWN_TOKENS: &[&str] = &[
    "#",
    "## ",
    "- ",
    "* ",
    "> ",
    "```",
    "~~~",
    "| a | b |\n",
    "|---|---|\n",
    "---",
    "\n",
    "\n\n",
    "[x] ",
    "**",
    "_",
    "<div>",
    "</div>",
    "<!--",
    "-->",
    "    ",
    "1. ",
    "日本語",
    "text",
    "[link](http://x)",
    "![img](y)",
    "\\",
    "`",
    "[^1]",
    "===",
    "\u{3000}",
    "\u{200b}",
    "&amp;",
];

fn soup(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(tokens), 0..max).prop_map(|t| t.concat())
}

/// Curates and checks the answer is well-formed whichever way it goes.
fn curate_checked(files: &[(&str, &str)]) {
    let bundle = bundle("demo", files);
    match curate(&bundle, TRACE, &Limits::default()) {
        Ok(set) => {
            let json = serde_json::to_value(&set).unwrap();
            assert_valid(&validator("curated_set_v1.schema.json"), &json);
        }
        Err(CurateError::Invalid { problems, .. }) => {
            assert!(!problems.is_empty());
            for p in problems {
                assert!(!p.message.is_empty() && !p.code.is_empty(), "{p:?}");
                assert!(p.line.is_none_or(|l| l >= 1), "{p:?}");
            }
        }
        Err(CurateError::TooLarge(_)) => panic!("small inputs are within the limits"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_text_in_any_file_never_panics(project in ".*", tasks in ".*", state in ".*", report in ".*") {
        curate_checked(&[
            ("project.yaml", &project),
            ("tasks.yaml", &tasks),
            ("state.md", &state),
            ("reports/2026-11-16.md", &report),
        ]);
    }

    #[test]
    fn yaml_token_soup_never_panics(tasks in soup(YAML_TOKENS, 80), decision in soup(YAML_TOKENS, 40)) {
        curate_checked(&[
            ("project.yaml", PROJECT),
            ("tasks.yaml", &tasks),
            ("decisions/d.yaml", &decision),
        ]);
    }

    #[test]
    fn markdown_token_soup_never_panics(state in soup(MARKDOWN_TOKENS, 120), front in soup(YAML_TOKENS, 20)) {
        let report = format!("---\n{front}\n---\n{state}");
        curate_checked(&[
            ("project.yaml", PROJECT),
            ("state.md", &state),
            ("reports/2026-11-16.md", &report),
        ]);
    }
}

#[test]
fn pathological_shapes_end_in_problems_or_facts_not_crashes() {
    let deep_yaml = "tasks:\n".to_owned() + &"- ".repeat(400_000) + "x\n";
    let deep_flow = "tasks: ".to_owned() + &"[".repeat(100_000);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ('a'..='i').zip('b'..='j') {
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let deep_quotes = ">".repeat(200_000) + " deep\n";
    let deep_lists = (0..5_000)
        .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
        .collect::<String>();
    let long_line = "word ".repeat(200_000);
    for (path, content) in [
        ("tasks.yaml", deep_yaml.as_str()),
        ("tasks.yaml", deep_flow.as_str()),
        ("tasks.yaml", bomb.as_str()),
        ("state.md", deep_quotes.as_str()),
        ("state.md", deep_lists.as_str()),
        ("state.md", long_line.as_str()),
    ] {
        let b = project_with(&[(path, content)]);
        let _ = curate(&b, TRACE, &Limits::default());
    }
    let p = problems(&project_with(&[("tasks.yaml", &deep_yaml)]));
    assert_eq!(the(&p, "too_deep").line, Some(2));
    let p = problems(&project_with(&[("tasks.yaml", &bomb)]));
    the(&p, "alias_limit");
}

#[test]
fn thousands_of_identical_lines_stay_linear() {
    // Every line alike: the near-duplicate search must not go quadratic in
    // warnings (one per statement at most) nor in comparisons.
    let report: String = (0..5_000)
        .map(|i| format!("- Task {i} of the migration is done and verified\n"))
        .collect();
    let started = std::time::Instant::now();
    let set = curated(&project_with(&[("reports/2026-11-16.md", &report)]));
    let near = set
        .warnings
        .iter()
        .filter(|w| w.code == "near_duplicate")
        .count();
    assert!(
        near < set.statements.len(),
        "{near} warnings for {} statements",
        set.statements.len()
    );
    // Not a timing assertion on the happy path (the bench measures speed):
    // a generous bound that only a quadratic blow-up would cross.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
