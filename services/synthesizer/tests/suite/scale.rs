//! A plan a lead can trust at any size (issue 14): a 2,000-task project
//! still reads on one screen, the graph draws what its caption says, and
//! the Next 3 say who and by when.

use std::collections::BTreeSet;

use crate::support::*;
use scraper::{Html, Selector};
use synthesizer::render::markdown::MAX_LINE_CHARS;
use synthesizer::render::svg::MAX_WIDTH;
use synthesizer::{render_html, render_markdown, synthesize};
use vpm_model::snapshot::GapKind;

fn big() -> (vpm_model::CuratedSet, vpm_model::Plan) {
    big_project(2000, 10)
}

#[test]
fn a_2000_task_project_is_a_one_screen_markdown_report() {
    let (set, plan) = big();
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    let markdown = render_markdown(&snapshot);
    let lines: Vec<&str> = markdown.lines().collect();
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap();
    println!(
        "2,000 tasks / 10 goals: {} lines, longest {longest} characters",
        lines.len()
    );
    assert!(lines.len() <= 80, "{} lines:\n{markdown}", lines.len());
    assert!(
        longest <= MAX_LINE_CHARS,
        "a line of {longest} characters:\n{markdown}"
    );
    // The six sections are all there.
    for section in ["Current", "Goals", "Gap", "Next 3", "Evidence", "Notes"] {
        assert!(markdown.contains(&format!("\n## {section}\n")), "{section}");
    }
}

#[test]
fn gaps_are_capped_per_goal_and_the_json_keeps_every_item() {
    let (set, plan) = big();
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    let doc = &snapshot.document;
    // The JSON: one item per marked-blocked, overdue and risky task and
    // unmet criterion, whatever the count.
    let g1 = &plan.goals[0];
    let of = |kind: GapKind| {
        doc.gaps
            .iter()
            .filter(|g| g.goal == "G1" && g.kind == kind)
            .count()
    };
    assert_eq!(of(GapKind::OverdueTask), g1.gap.overdue_tasks.len());
    assert_eq!(of(GapKind::Risk), g1.gap.risky_tasks.len());
    assert_eq!(of(GapKind::UnmetCriterion), g1.gap.unmet_criteria.len());
    let total_g1 = doc.gaps.iter().filter(|g| g.goal == "G1").count();
    assert!(total_g1 > 20, "{total_g1}");
    // The Markdown: a few lines per goal, then how many more.
    let markdown = render_markdown(&snapshot);
    let gap = &markdown[markdown.find("## Gap").unwrap()..markdown.find("## Next 3").unwrap()];
    let g1_lines: Vec<&str> = gap.lines().filter(|l| l.starts_with("- **G1**")).collect();
    assert!(g1_lines.len() <= 3, "{g1_lines:#?}");
    let more = g1_lines.last().unwrap();
    let shown = g1_lines
        .iter()
        .filter(|l| !l.starts_with("- **G1** · and "))
        .count();
    assert!(
        more.contains(&format!("and {} more", total_g1 - shown)),
        "{more}"
    );
    // Every goal with gaps appears.
    for goal in &plan.goals {
        assert!(
            gap.contains(&format!("- **{}**", goal.goal)),
            "{}",
            goal.goal
        );
    }
}

#[test]
fn long_paths_keep_their_ends_and_count_the_middle() {
    let (set, plan) = big();
    let doc = synthesize(&set, &plan, None, monday()).unwrap().document;
    let path = &plan.graph.critical_path;
    let bullet = doc
        .current
        .bullets
        .iter()
        .find(|b| b.starts_with("Critical path"))
        .unwrap();
    // The headline path names its goal and its slack.
    assert!(
        bullet.starts_with("Critical path of G2 (3 working days short):"),
        "{bullet}"
    );
    assert!(
        bullet.contains(&format!("… {} more …", path.tasks.len() - 4)),
        "{bullet}"
    );
    assert!(bullet.contains(&path.tasks[0]) && bullet.contains(path.tasks.last().unwrap()));
    assert!(bullet.chars().count() <= MAX_LINE_CHARS, "{bullet}");
    let remaining = doc
        .gaps
        .iter()
        .find(|g| g.goal == "G2" && g.kind == GapKind::RemainingWork)
        .unwrap();
    assert!(
        remaining.summary.contains("… 36 more …"),
        "{}",
        remaining.summary
    );
}

/// `data-task` of every node drawn, and the SVG's width.
fn drawn(html: &str) -> (BTreeSet<String>, usize) {
    let doc = Html::parse_document(html);
    let ids = doc
        .select(&Selector::parse("svg.task-graph g.task").unwrap())
        .map(|g| g.value().attr("data-task").unwrap().to_owned())
        .collect();
    let svg = doc
        .select(&Selector::parse("svg.task-graph").unwrap())
        .next()
        .unwrap();
    let width = svg.value().attr("width").unwrap().parse().unwrap();
    (ids, width)
}

#[test]
fn the_graph_draws_the_next_3_the_headline_path_and_their_direct_neighbours_only() {
    let (set, mut plan) = big();
    // A shorter headline path, so the whole selection fits the drawing.
    plan.graph.critical_path.tasks.truncate(12);
    let html = render_html(&synthesize(&set, &plan, None, monday()).unwrap());
    let (ids, width) = drawn(&html);
    let open: BTreeSet<&str> = set
        .tasks
        .iter()
        .filter(|t| !t.status.is_done())
        .map(|t| t.id.as_str())
        .collect();
    let seeds: BTreeSet<String> = plan
        .next_actions
        .iter()
        .map(|a| a.task.clone())
        .chain(plan.graph.critical_path.tasks.iter().cloned())
        .collect();
    let mut expected = seeds.clone();
    for t in set.tasks.iter().filter(|t| open.contains(t.id.as_str())) {
        for d in t.depends_on.iter().filter(|d| open.contains(d.as_str())) {
            if seeds.contains(&t.id) {
                expected.insert(d.clone());
            }
            if seeds.contains(d) {
                expected.insert(t.id.clone());
            }
        }
    }
    assert_eq!(ids, expected.into_iter().collect());
    println!("graph: {} nodes, {width} px wide", ids.len());
    assert!(width <= MAX_WIDTH && MAX_WIDTH <= 1200, "{width} px");
    assert!(
        html.contains(&format!(
            "Showing {} of {} remaining tasks: the Next 3, the critical path (12 tasks) and their direct neighbours",
            ids.len(),
            open.len()
        )),
        "caption"
    );
}

#[test]
fn a_60_character_title_is_wrapped_whole_not_cut() {
    let (mut set, plan) = lantern();
    let title = "Conflict resolution screen for notes edited offline on phones";
    assert!(title.chars().count() >= 60);
    let t4 = set.tasks.iter_mut().find(|t| t.id == "T4").unwrap();
    t4.title = title.to_owned();
    let html = render_html(&synthesize(&set, &plan, None, monday()).unwrap());
    let doc = Html::parse_document(&html);
    let node = doc
        .select(&Selector::parse("svg.task-graph g.task[data-task=T4]").unwrap())
        .next()
        .unwrap();
    let lines: Vec<String> = node
        .select(&Selector::parse("text.task-title").unwrap())
        .map(|e| e.text().collect())
        .collect();
    assert!(lines.len() >= 2 && lines.len() <= 3, "{lines:?}");
    assert_eq!(lines.join(" "), title, "every word shown, none cut");
    let tooltip: String = node
        .select(&Selector::parse("title").unwrap())
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(tooltip.contains(title));
}

#[test]
fn the_next_3_say_who_and_by_when_in_json_markdown_and_html() {
    let (set, plan) = big();
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    let json = serde_json::to_value(&snapshot.document).unwrap();
    let markdown = render_markdown(&snapshot);
    let html = render_html(&snapshot);
    let page = Html::parse_document(&html);
    let cards: Vec<String> = page
        .select(&Selector::parse("ol.actions li.action").unwrap())
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(cards.len(), 3);
    for (i, action) in plan.next_actions.iter().enumerate() {
        let owner = action.owner.as_deref().unwrap();
        let due = action.due.unwrap().to_string();
        assert_eq!(json["next_actions"][i]["owner"], owner);
        assert_eq!(json["next_actions"][i]["due"], due.as_str());
        let line = markdown
            .lines()
            .find(|l| l.starts_with(&format!("{}. ", i + 1)))
            .unwrap();
        assert!(line.contains(&format!("owner {owner}")), "{line}");
        assert!(line.contains(&format!("due {due}")), "{line}");
        assert!(
            cards[i].contains(&format!("Owner: {owner}")),
            "{}",
            cards[i]
        );
        assert!(cards[i].contains(&due), "{}", cards[i]);
    }
    // The third is an unblock action: it says so and what it frees.
    let third = &plan.next_actions[2];
    assert_eq!(json["next_actions"][2]["kind"], "unblock");
    assert_eq!(
        json["next_actions"][0].get("kind"),
        None,
        "finish is the default"
    );
    let line = markdown.lines().find(|l| l.starts_with("3. ")).unwrap();
    assert!(
        line.starts_with(&format!("3. **Unblock {} ", third.task)),
        "{line}"
    );
    assert!(
        line.contains(&format!("frees {} open tasks", third.gates)),
        "{line}"
    );
    assert!(
        cards[2].contains(&format!("Unblock {}", third.task)),
        "{}",
        cards[2]
    );
    assert!(cards[2].contains(&format!("frees {} open tasks", third.gates)));
}

#[test]
fn a_card_without_owner_or_due_says_so() {
    let (set, mut plan) = lantern();
    plan.next_actions[0].owner = None;
    plan.next_actions[0].due = None;
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    let json = serde_json::to_value(&snapshot.document).unwrap();
    assert_eq!(json["next_actions"][0].get("owner"), None);
    assert_eq!(json["next_actions"][0].get("due"), None);
    let markdown = render_markdown(&snapshot);
    let line = markdown.lines().find(|l| l.starts_with("1. ")).unwrap();
    assert!(line.contains("no owner · no due date"), "{line}");
}

#[test]
fn the_open_counts_sum_with_or_without_the_plans_partition() {
    let (set, plan) = big();
    let open = plan.open.clone();
    let doc = synthesize(&set, &plan, None, monday()).unwrap().document;
    let expected = format!(
        "{} open: {} in progress, {} ready, {} waiting, {} blocked;",
        open.total(),
        open.in_progress.len(),
        open.ready.len(),
        open.waiting.len(),
        open.blocked.len()
    );
    assert!(
        doc.current.bullets[0].contains(&expected),
        "{}",
        doc.current.bullets[0]
    );
    // A plan written before the planner filled `open`: counted here, the same.
    let mut old = plan.clone();
    old.open = Default::default();
    let doc = synthesize(&set, &old, None, monday()).unwrap().document;
    assert!(
        doc.current.bullets[0].contains(&expected),
        "{}",
        doc.current.bullets[0]
    );
    // Lantern (no partition): the parts sum to the open count.
    let (set, plan) = lantern();
    let bullet = synthesize(&set, &plan, None, monday())
        .unwrap()
        .document
        .current
        .bullets[0]
        .clone();
    assert!(
        bullet.contains("20 open: 3 in progress, 3 ready, 13 waiting, 1 blocked"),
        "{bullet}"
    );
}

#[test]
fn summary_leads_with_the_main_blocker_then_by_importance() {
    // Lantern's note: a plan for next week names a risky and an overdue
    // task (many light topics); the blocker must still come first.
    let (set, plan) = lantern();
    let summary = synthesize(&set, &plan, None, monday())
        .unwrap()
        .document
        .current
        .summary;
    assert!(
        summary.starts_with("Auth token refresh (T8) is blocked"),
        "{summary}"
    );
    // Japanese: a delay outranks a neutral sentence written before it.
    let (set, plan) = lantern_with_state(vec![
        state_statement(0, "チームは東京とベルリンで作業している。", &[]),
        state_statement(1, "検索機能のリリースは二週間遅延している。", &[]),
    ]);
    let summary = synthesize(&set, &plan, None, monday())
        .unwrap()
        .document
        .current
        .summary;
    assert!(
        summary.starts_with("検索機能のリリースは二週間遅延している。"),
        "{summary}"
    );
    // A failure outranks a neutral sentence too, and ties keep source order.
    let (set, plan) = lantern_with_state(vec![
        state_statement(0, "The office moved to a new floor in April.", &[]),
        state_statement(1, "データ移行は失敗した。", &[]),
        state_statement(2, "The export job failed twice.", &[]),
    ]);
    let summary = synthesize(&set, &plan, None, monday())
        .unwrap()
        .document
        .current
        .summary;
    assert!(
        summary.starts_with("データ移行は失敗した。The export job failed"),
        "{summary}"
    );
}

#[test]
fn quality_figures_are_in_the_json_not_in_the_notes() {
    let (set, plan) = lantern();
    let snapshot = synthesize(&set, &plan, None, monday()).unwrap();
    let measured = snapshot.view.summary.quality.unwrap();
    let figures = snapshot.document.current.summary_quality.clone().unwrap();
    assert_eq!(figures.rouge_l_f1, measured.rouge_l.f1);
    assert_eq!(figures.compression, measured.compression);
    assert!(snapshot.document.notes.iter().all(|n| !n.contains("ROUGE")));
    let markdown = render_markdown(&snapshot);
    assert!(!markdown.contains("ROUGE"));
    assert!(!render_html(&snapshot).contains("ROUGE"));
}

#[test]
fn evidence_paths_never_break_inside_a_name() {
    let (set, plan) = lantern();
    let html = render_html(&synthesize(&set, &plan, None, monday()).unwrap());
    assert!(!html.contains("overflow-wrap: anywhere") && !html.contains("overflow-wrap:anywhere"));
    let doc = Html::parse_document(&html);
    let paths: Vec<_> = doc
        .select(&Selector::parse(".evidence-list code.path").unwrap())
        .collect();
    assert_eq!(paths.len(), set.sources.len());
    for p in paths {
        assert_eq!(
            p.value().attr("title"),
            Some(p.text().collect::<String>().as_str())
        );
    }
    assert!(html.contains("code.path { white-space: nowrap;"));
}

#[test]
fn a_big_snapshot_validates_against_the_schema() {
    let path = vpm_testkit::repo_path("schemas/pm_snapshot_v1.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let (set, plan) = big();
    let doc =
        serde_json::to_value(synthesize(&set, &plan, None, monday()).unwrap().document).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert_eq!(errors, Vec::<String>::new());
    assert!(doc["next_actions"][0]["owner"].is_string());
    // An old reader's document (no new fields) still reads.
    let mut old = doc.clone();
    for action in old["next_actions"].as_array_mut().unwrap() {
        for key in ["owner", "due", "kind", "gates"] {
            action.as_object_mut().unwrap().remove(key);
        }
    }
    old["current"]
        .as_object_mut()
        .unwrap()
        .remove("summary_quality");
    assert_eq!(validator.iter_errors(&old).count(), 0);
    let _: vpm_model::PmSnapshot = serde_json::from_value(old).unwrap();
}
