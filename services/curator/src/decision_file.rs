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

/// The decision of the file. An empty file, or one that is not a mapping,
/// reports why in `root_causes`: its id is unknown then, so decision links
/// are not checked (see [`crate::curate`]).
pub fn read(
    root: Option<&Node>,
    path: &str,
    problems: &mut Vec<Problem>,
    root_causes: &mut Vec<Problem>,
) -> Option<DecisionEntry> {
    let Some(root) = root else {
        root_causes.push(Problem::new(
            "missing_key",
            path,
            Some(1),
            "this decision file is empty; it needs at least `id` and `decision`",
        ));
        return None;
    };
    let fields = Fields::read_file(
        root,
        path,
        "a decision",
        DECISION_KEYS,
        problems,
        root_causes,
    )?;
    let id = fields.id("the decision", problems);
    let date = fields.date("date", problems);
    let text = fields.required_text(
        "decision",
        "what was decided, in a sentence or two",
        problems,
    );
    let rationale = fields.text("rationale", problems).map(|t| t.value);
    let links = fields.id_list(
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
