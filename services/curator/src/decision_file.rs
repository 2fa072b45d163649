//! `decisions/*.yaml`: one decision per file.

use vpm_model::Problem;
use vpm_model::curated::Decision;

use crate::fields::{Fields, Text};
use crate::yaml::Node;

pub const DECISION_KEYS: &[&str] = &["id", "date", "decision", "rationale", "links"];

#[derive(Debug)]
pub struct DecisionEntry {
    pub decision: Decision,
    pub id_line: u32,
    /// `links` entries as written, each with its line.
    pub links: Vec<Text>,
}

pub fn read(root: Option<&Node>, path: &str, problems: &mut Vec<Problem>) -> Option<DecisionEntry> {
    let Some(root) = root else {
        problems.push(Problem::new(
            "missing_key",
            path,
            Some(1),
            "this decision file is empty; it needs at least `id` and `decision`",
        ));
        return None;
    };
    let fields = Fields::read(root, path, "a decision", DECISION_KEYS, problems)?;
    let id = fields.id("the decision", problems);
    let date = fields.date("date", problems);
    let text = fields.required_text(
        "decision",
        "what was decided, in a sentence or two",
        problems,
    );
    let rationale = fields.text("rationale", problems).map(|t| t.value);
    let links = fields.text_list(
        "links",
        "ids of goals, tasks or decisions, e.g. [G1, T4]",
        problems,
    );
    let id = id?;
    Some(DecisionEntry {
        id_line: id.line,
        decision: Decision {
            id: id.value,
            date,
            decision: text.map(|t| t.value).unwrap_or_default(),
            rationale,
            links: links.iter().map(|l| l.value.clone()).collect(),
            source: fields.source(),
        },
        links,
    })
}
