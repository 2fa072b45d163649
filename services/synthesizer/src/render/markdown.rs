//! The snapshot as a CommonMark report for the repository.
//!
//! One level-1 title, then exactly six level-2 sections in the contract's
//! order — Current, Goals, Gap, Next 3, Evidence, Notes — and no other
//! headings, so tools can split the report by section. Everything that
//! comes from the project's files is escaped ([`escape`]), so a task
//! titled `# Done` or `<script>` stays text and cannot add a heading, a
//! list or raw HTML.
//!
//! It stays a one-screen read at any size: a project of 2,000 tasks and 10
//! goals gives at most 80 lines, none over [`MAX_LINE_CHARS`] characters.
//! Long free text is shortened at a word, long paths keep their ends, and
//! each list is capped with an `and N more` line — the JSON holds
//! everything.

use std::fmt::Write as _;

use vpm_model::plan::ActionKind;

use super::history;
use crate::gaps::by_goal;
use crate::summary::fit::shorten;
use crate::view::Snapshot;
use crate::wording;

/// The longest line the report writes for ordinary project text (a
/// summary or title with no space to break at is the exception).
pub const MAX_LINE_CHARS: usize = 300;
/// Free text (a gap, a reason, a rationale, a note) is cut to this.
const TEXT_CHARS: usize = 200;
/// A task or goal title in a heading line is cut to this.
const TITLE_CHARS: usize = 80;
/// The summary paragraph is broken into lines of about this many characters.
const SUMMARY_LINE_CHARS: usize = 240;
/// Lines the Gap section aims at: each goal with gaps gets an equal share
/// (one line at least), its last line saying how many more there are.
pub const GAP_LINES: usize = 20;
/// A gap item sharing its line with the goal's `and N more` is cut to this.
const COMPACT_GAP_CHARS: usize = 120;
/// Gap items shown per goal, at most, however few the goals.
pub const GAP_ITEMS_PER_GOAL: usize = 4;
/// With at most this many goals, each reason is a line of its own.
const GOALS_WITH_REASON_ITEMS: usize = 4;
/// `path:line` references shown after an item.
const REFS_SHOWN: usize = 3;
/// Evidence files listed, at most.
pub const EVIDENCE_LINES: usize = 8;
/// Notes listed, at most.
pub const NOTE_LINES: usize = 6;

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
        for part in wrap_at_spaces(&escape(&doc.current.summary), SUMMARY_LINE_CHARS) {
            line(&part);
        }
    }
    line("");
    for bullet in &doc.current.bullets {
        line(&format!("- {}", escape(&fit(bullet, TEXT_CHARS))));
    }
    if let Some(changes) = &doc.changes {
        // Part of Current, not a section of its own: the report keeps its
        // six sections for the tools that split it.
        line("");
        line(&format!("**Changes since {}**", changes.since.as_of_date));
        line("");
        line(&escape(&history::since_caption(changes)));
        line("");
        let groups = history::change_groups(changes);
        if groups.is_empty() {
            line("- Nothing changed.");
        }
        for group in groups {
            line(&format!("- {}:", group.label));
            for item in &group.lines {
                line(&format!("  - {}", escape(&fit(item, TEXT_CHARS))));
            }
            if group.more > 0 {
                line(&format!("  - and {} more (all in the JSON)", group.more));
            }
        }
    }

    line("");
    line("## Goals");
    let goal_count = doc.goals.short_term.len() + doc.goals.mid_term.len();
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
                escape(&fit(&goal.title, TITLE_CHARS)),
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
            // The forecast is one of the reasons (synthesize.rs puts it
            // there), so it is not written a second time.
            if goal_count <= GOALS_WITH_REASON_ITEMS {
                line(&item);
                for reason in &goal.reasons {
                    line(&format!("  - {}", escape(&fit(reason, TEXT_CHARS))));
                }
            } else {
                // Many goals: the reasons share the goal's line.
                if !goal.reasons.is_empty() {
                    let room = MAX_LINE_CHARS.saturating_sub(item.chars().count() + 3);
                    let _ = write!(
                        item,
                        " — {}",
                        escape(&fit(&goal.reasons.join(" "), room.min(TEXT_CHARS)))
                    );
                }
                line(&item);
            }
        }
    }
    if let Some(basis) = doc.forecast.as_ref().and_then(history::forecast_basis) {
        line("");
        line(&format!("*{}*", escape(&basis)));
    }

    line("");
    line("## Gap");
    line("");
    if doc.gaps.is_empty() {
        line("Nothing is missing: every goal is done.");
    }
    let goals_with_gaps = by_goal(&doc.gaps, 1).len().max(1);
    // Each goal's share of the lines: its first items, then one line
    // saying how many more. With too many goals for that, one line each:
    // the first item, shorter, and how many more.
    let compact = goals_with_gaps * 3 > GAP_LINES;
    let per_goal = (GAP_LINES / goals_with_gaps)
        .saturating_sub(1)
        .clamp(1, GAP_ITEMS_PER_GOAL);
    for group in by_goal(&doc.gaps, per_goal) {
        let more = group.more_line();
        for gap in group.shown {
            let chars = if compact {
                COMPACT_GAP_CHARS
            } else {
                TEXT_CHARS
            };
            let mut item = format!(
                "- **{}** · {} — {}",
                escape(&gap.goal),
                wording::gap_kind(gap.kind),
                escape(&fit(&gap.summary, chars))
            );
            if !gap.refs.is_empty() {
                let _ = write!(
                    item,
                    " ({})",
                    refs(&gap.refs[..gap.refs.len().min(if compact { 1 } else { REFS_SHOWN })])
                );
            }
            if compact && let Some(more) = &more {
                let _ = write!(item, " · {more}");
            }
            line(&item);
        }
        if !compact && let Some(more) = more {
            line(&format!(
                "- **{}** · {more} (all in the JSON)",
                escape(group.goal)
            ));
        }
    }

    line("");
    line("## Next 3");
    line("");
    if doc.next_actions.is_empty() {
        line("No task can start now.");
    }
    for (i, action) in doc.next_actions.iter().enumerate() {
        let unblock = action.kind == ActionKind::Unblock;
        let mut head = format!(
            "{}. **{}{} {}** — ",
            i + 1,
            if unblock { "Unblock " } else { "" },
            escape(&action.id),
            escape(&fit(&action.title, TITLE_CHARS)),
        );
        head.push_str(&match &action.owner {
            Some(owner) => format!("owner {}", escape(&fit(owner, 40))),
            None => "no owner".to_owned(),
        });
        head.push_str(" · ");
        head.push_str(&match action.due {
            Some(due) => wording::due(due, Some((due - doc.as_of_date).num_days())),
            None => "no due date".to_owned(),
        });
        if let Some(gates) = action.gates {
            let _ = write!(head, " · {}", super::html::frees(unblock, gates));
        }
        let _ = write!(
            head,
            " · impact {}, effort {}, {}",
            action.impact,
            action.effort,
            wording::action_status(action.status)
        );
        line(&head);
        line(&format!(
            "   - Why: {}",
            escape(&fit(&action.details, TEXT_CHARS))
        ));
        let mut sources = Vec::new();
        if !action.evidence_refs.is_empty() {
            sources.push(format!("Evidence: {}", refs(&action.evidence_refs)));
        }
        if !action.links.is_empty() {
            let links: Vec<String> = action
                .links
                .iter()
                .take(REFS_SHOWN)
                .map(|l| match web_link(l) {
                    // An autolink: CommonMark ends it at `<`, `>` or a
                    // space, which web_link has already refused.
                    Some(url) => format!("<{url}>"),
                    None => escape(l),
                })
                .collect();
            let mut links = links.join(", ");
            if action.links.len() > REFS_SHOWN {
                let _ = write!(links, ", and {} more", action.links.len() - REFS_SHOWN);
            }
            sources.push(format!("Links: {links}"));
        }
        if !sources.is_empty() {
            line(&format!("   - {}", sources.join(" · ")));
        }
    }

    line("");
    line("## Evidence");
    line("");
    if doc.evidence.is_empty() {
        line("No files were read.");
    }
    for evidence in doc.evidence.iter().take(EVIDENCE_LINES) {
        line(&format!(
            "- {} {} — {}",
            wording::evidence_kind(evidence.kind),
            code_span(&evidence.path),
            escape(&fit(&evidence.summary, TEXT_CHARS))
        ));
    }
    if doc.evidence.len() > EVIDENCE_LINES {
        line(&format!(
            "- and {} more files (all in the JSON)",
            doc.evidence.len() - EVIDENCE_LINES
        ));
    }

    line("");
    line("## Notes");
    line("");
    if doc.notes.is_empty() {
        line("None.");
    }
    for note in doc.notes.iter().take(NOTE_LINES) {
        line(&format!("- {}", escape(&fit(note, TEXT_CHARS))));
    }
    if doc.notes.len() > NOTE_LINES {
        line(&format!(
            "- and {} more notes (all in the JSON)",
            doc.notes.len() - NOTE_LINES
        ));
    }
    out
}

/// `text` shortened to `chars` characters at a word, with `…`.
fn fit(text: &str, chars: usize) -> String {
    shorten(text, chars)
}

/// At most [`REFS_SHOWN`] references as code spans, then `and N more`.
fn refs(all: &[String]) -> String {
    let mut shown: Vec<String> = all.iter().take(REFS_SHOWN).map(|r| code_span(r)).collect();
    if all.len() > REFS_SHOWN {
        shown.push(format!("and {} more", all.len() - REFS_SHOWN));
    }
    shown.join(", ")
}

/// A paragraph as lines of about `chars` characters, broken only at
/// spaces (a soft line break in CommonMark reads as a space, so the
/// rendered text is unchanged); text without spaces stays on one line.
fn wrap_at_spaces(text: &str, chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > chars {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
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
/// ends with a backtick, or both starts and ends with a space (a reader
/// strips one space from each end of such a span).
pub fn code_span(text: &str) -> String {
    let text = code_text(text);
    if text.is_empty() {
        return text;
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let spaced = text.starts_with(' ') && text.ends_with(' ');
    if text.starts_with('`') || text.ends_with('`') || spaced {
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

/// `link` if it is an `http(s)://` URL with nothing in it that could end
/// or escape a link (whitespace, controls, `<`, `>`, `"`, backslash): a
/// tracker page of an imported task. Anything else is an id, shown as text.
pub(crate) fn web_link(link: &str) -> Option<&str> {
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !link.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\' | '`')
        });
    ok.then_some(link)
}

#[cfg(test)]
mod web_link_tests {
    use super::web_link;

    #[test]
    fn only_plain_http_urls_become_links() {
        assert_eq!(
            web_link("https://github.com/a/b/issues/1"),
            Some("https://github.com/a/b/issues/1")
        );
        assert_eq!(web_link("HTTP://x.test/y"), Some("HTTP://x.test/y"));
        for not in [
            "G1",
            "javascript:alert(1)",
            "https://x.test/<script>",
            "https://x.test/a b",
            "https://x.test/\"onmouseover=x",
            "data:text/html,hi",
        ] {
            assert_eq!(web_link(not), None, "{not}");
        }
    }
}
