//! The snapshot as a CommonMark report for the repository.
//!
//! One level-1 title, then exactly six level-2 sections in the contract's
//! order — Current, Goals, Gap, Next 3, Evidence, Notes — and no other
//! headings, so tools can split the report by section. Everything that
//! comes from the project's files is escaped ([`escape`]), so a task
//! titled `# Done` or `<script>` stays text and cannot add a heading, a
//! list or raw HTML.

use std::fmt::Write as _;

use crate::view::Snapshot;
use crate::wording;

/// The six section headings, in order.
pub const SECTIONS: [&str; 6] = ["Current", "Goals", "Gap", "Next 3", "Evidence", "Notes"];

pub fn render_markdown(snapshot: &Snapshot) -> String {
    let doc = &snapshot.document;
    let view = &snapshot.view;
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    line(&format!(
        "# {} — PM snapshot as of {}",
        escape(&view.project_name),
        doc.as_of_date
    ));
    line("");
    line(&format!(
        "Project {} · generated {} · `pm_snapshot_v1`",
        code_span(&doc.project_id),
        doc.generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ));

    line("");
    line("## Current");
    line("");
    if doc.current.summary.is_empty() {
        line("*No summary: the project has no state note, report or plan to draw one from.*");
    } else {
        line(&escape(&doc.current.summary));
    }
    line("");
    for bullet in &doc.current.bullets {
        line(&format!("- {}", escape(bullet)));
    }

    line("");
    line("## Goals");
    for (label, goals) in [
        ("Short term", &doc.goals.short_term),
        ("Mid term", &doc.goals.mid_term),
    ] {
        line("");
        line(&format!("**{label}**"));
        line("");
        if goals.is_empty() {
            line("- None.");
        }
        for goal in goals {
            let mut item = format!(
                "- **{} {}** — {} · {}",
                escape(&goal.id),
                escape(&goal.title),
                wording::percent(goal.progress),
                wording::goal_status(goal.status)
            );
            if let Some(due) = goal.due {
                let days = view
                    .goals
                    .iter()
                    .find(|g| g.id == goal.id)
                    .and_then(|g| g.days_left);
                let _ = write!(item, " · {}", wording::due(due, days));
            }
            line(&item);
            for reason in &goal.reasons {
                line(&format!("  - {}", escape(reason)));
            }
        }
    }

    line("");
    line("## Gap");
    line("");
    if doc.gaps.is_empty() {
        line("Nothing is missing: every goal is done.");
    }
    for gap in &doc.gaps {
        let mut item = format!(
            "- **{}** · {} — {}",
            escape(&gap.goal),
            wording::gap_kind(gap.kind),
            escape(&gap.summary)
        );
        if !gap.refs.is_empty() {
            let refs: Vec<String> = gap.refs.iter().map(|r| code_span(r)).collect();
            let _ = write!(item, " ({})", refs.join(", "));
        }
        line(&item);
    }

    line("");
    line("## Next 3");
    line("");
    if doc.next_actions.is_empty() {
        line("No task can start now.");
    }
    for (i, action) in doc.next_actions.iter().enumerate() {
        line(&format!(
            "{}. **{} {}** — impact {}, effort {}, {}",
            i + 1,
            escape(&action.id),
            escape(&action.title),
            action.impact,
            action.effort,
            wording::action_status(action.status)
        ));
        line(&format!("   - Why: {}", escape(&action.details)));
        if !action.evidence_refs.is_empty() {
            let refs: Vec<String> = action.evidence_refs.iter().map(|r| code_span(r)).collect();
            line(&format!("   - Evidence: {}", refs.join(", ")));
        }
        if !action.links.is_empty() {
            let links: Vec<String> = action.links.iter().map(|l| escape(l)).collect();
            line(&format!("   - Links: {}", links.join(", ")));
        }
    }

    line("");
    line("## Evidence");
    line("");
    if doc.evidence.is_empty() {
        line("No files were read.");
    }
    for evidence in &doc.evidence {
        line(&format!(
            "- {} {} — {}",
            wording::evidence_kind(evidence.kind),
            code_span(&evidence.path),
            escape(&evidence.summary)
        ));
    }

    line("");
    line("## Notes");
    line("");
    if doc.notes.is_empty() {
        line("None.");
    }
    for note in &doc.notes {
        line(&format!("- {}", escape(note)));
    }
    out
}

/// User text as inline CommonMark that renders as exactly that text.
///
/// Whitespace runs (newlines included) become one space, so the text stays
/// inside its list item or paragraph, and control characters are dropped.
/// Then a backslash (CommonMark allows one before any ASCII punctuation)
/// goes before:
///
/// * everywhere, what can open inline markup: `\\` `` ` `` `*` `_` `[`
///   `]` `<` `&` (emphasis, code, links and images, raw HTML and
///   autolinks, entities);
/// * at the very start, what can open a block, since the text may begin a
///   list item or a paragraph: `#` `>` `-` `+` `=` `~` `|`, and the `.` or
///   `)` after leading digits (`1.` would start an ordered list).
///
/// Nothing else is escaped, so the raw report stays readable.
pub fn escape(text: &str) -> String {
    let flat = crate::summary::sentences::normalize(text);
    let mut out = String::with_capacity(flat.len() + 8);
    let digits = flat.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in flat.chars().enumerate() {
        let inline = matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '&');
        let block_start = i == 0 && matches!(c, '#' | '>' | '-' | '+' | '=' | '~' | '|');
        let list_number = i == digits && digits > 0 && matches!(c, '.' | ')');
        if inline || block_start || list_number {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span holding `text` verbatim, with a fence longer than any run
/// of backticks inside it (CommonMark's rule), padded when it starts or
/// ends with a backtick.
pub fn code_span(text: &str) -> String {
    let text = code_text(text);
    if text.is_empty() {
        return text;
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Text for a code span: one line, no control characters.
fn code_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect()
}
