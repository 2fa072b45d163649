//! De-duplication of statements: identical ones merged into one fact that
//! keeps every source; near-duplicates left apart but flagged.

use std::collections::HashMap;

use chrono::NaiveDate;
use vpm_model::SourceRef;
use vpm_model::curated::{Statement, StatementKind, Warning};

use crate::markdown::RawStatement;
use crate::normalize::{identity_key, similarity_chars, statement_id};
use crate::similarity;

/// A statement as found in one file.
#[derive(Debug, Clone)]
pub struct Found {
    pub kind: StatementKind,
    pub path: String,
    pub date: Option<NaiveDate>,
    pub raw: RawStatement,
}

/// Statements merged by identity ([`identity_key`]), in the order first
/// seen; the merged statement keeps the first occurrence's text, kind,
/// heading path and date, and every occurrence's source.
pub fn merge(found: Vec<Found>) -> (Vec<Statement>, Vec<String>) {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(found.len());
    let mut statements: Vec<Statement> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for f in found {
        let key = identity_key(&f.raw.text);
        let source = SourceRef::new(f.path, f.raw.line);
        if let Some(&i) = index.get(&key) {
            statements[i].sources.push(source);
            continue;
        }
        index.insert(key.clone(), statements.len());
        statements.push(Statement {
            id: statement_id(&key),
            kind: f.kind,
            text: f.raw.text,
            heading_path: f.raw.heading_path,
            sources: vec![source],
            date: f.date,
        });
        keys.push(key);
    }
    (statements, keys)
}

/// One `near_duplicate` warning per statement that closely resembles an
/// earlier one (see [`crate::similarity`] for the measure).
pub fn near_duplicate_warnings(statements: &[Statement], keys: &[String]) -> Vec<Warning> {
    let forms: Vec<Vec<char>> = keys.iter().map(|k| similarity_chars(k)).collect();
    similarity::near_duplicates(&forms)
        .into_iter()
        .map(|d| {
            let (a, b) = (&statements[d.earlier], &statements[d.later]);
            let (at_a, at_b) = (&a.sources[0], &b.sources[0]);
            Warning {
                code: "near_duplicate".to_owned(),
                message: format!(
                    "\"{}\" ({at_b}) is {:.0}% like \"{}\" ({at_a}): probably the same \
                     statement reworded; if so, write it once, or identically so the two merge",
                    shorten(&b.text),
                    d.similarity * 100.0,
                    shorten(&a.text),
                ),
                locations: vec![at_a.clone(), at_b.clone()],
            }
        })
        .collect()
}

/// At most 80 characters, with an ellipsis when cut.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(80).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str, line: u32, text: &str) -> Found {
        Found {
            kind: StatementKind::Report,
            path: path.to_owned(),
            date: None,
            raw: RawStatement {
                text: text.to_owned(),
                heading_path: vec![],
                line,
            },
        }
    }

    #[test]
    fn identical_statements_merge_and_keep_every_source() {
        let (s, _) = merge(vec![
            found("reports/a.md", 3, "Beta shipped to testers"),
            found("reports/a.md", 9, "Something else"),
            found("reports/b.md", 4, "beta   shipped to TESTERS"),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "Beta shipped to testers");
        assert_eq!(
            s[0].sources,
            [
                SourceRef::new("reports/a.md", 3),
                SourceRef::new("reports/b.md", 4)
            ]
        );
    }

    #[test]
    fn near_duplicates_are_flagged_with_both_places_and_not_merged() {
        let (s, keys) = merge(vec![
            found(
                "reports/a.md",
                3,
                "Map tiles are too large on cellular connections",
            ),
            found(
                "reports/b.md",
                5,
                "Map tiles are still too large on cellular connections",
            ),
            found(
                "reports/b.md",
                6,
                "Onboarding copy was translated into Japanese",
            ),
        ]);
        assert_eq!(s.len(), 3);
        let w = near_duplicate_warnings(&s, &keys);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, "near_duplicate");
        assert_eq!(
            w[0].locations,
            [
                SourceRef::new("reports/a.md", 3),
                SourceRef::new("reports/b.md", 5)
            ]
        );
    }
}
