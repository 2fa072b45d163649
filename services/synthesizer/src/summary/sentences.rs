//! Splitting the state note into sentences, in English and in Japanese.
//!
//! The base is Unicode's sentence boundaries (UAX #29, from
//! `unicode-segmentation`): it ends sentences at `.` `!` `?` and at the
//! full-width `。` `！` `？`, and already keeps decimals (`3.5`), versions
//! (`v1.2`) and a full stop followed by a lower-case word (`e.g. the`)
//! inside one sentence. What it cannot know is that a title or an
//! abbreviation before a capitalised name is not the end of a sentence
//! (`Dr. Sato`, `e.g. Tokyo`, `J. Weber`): those boundaries are undone here.
//! `etc.` is deliberately not in the list — before a capital it ends a
//! sentence far more often than not.

use unicode_segmentation::UnicodeSegmentation;

/// Abbreviations (lower-cased, with their dots) after which a capital
/// letter does not start a new sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "cf.", "vs.", "approx.", "incl.", "mr.", "mrs.", "ms.", "dr.", "prof.", "st.",
    "no.", "nos.", "fig.", "al.", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.",
    "sept.", "oct.", "nov.", "dec.", "u.s.", "ca.", "ver.", "dept.",
];

/// The sentences of `text`, trimmed, with whitespace runs collapsed to one
/// space and control characters removed; empty sentences are dropped.
///
/// Whitespace is collapsed first: a line break inside a paragraph is
/// layout, not the end of a sentence.
pub fn split(text: &str) -> Vec<String> {
    let text = normalize(text);
    let mut sentences: Vec<String> = Vec::new();
    let mut pending = String::new();
    for segment in text.split_sentence_bounds() {
        pending.push_str(segment);
        if ends_with_abbreviation(&pending) {
            continue;
        }
        push_normalized(&mut sentences, &pending);
        pending.clear();
    }
    push_normalized(&mut sentences, &pending);
    sentences
}

fn push_normalized(sentences: &mut Vec<String>, raw: &str) {
    let normalized = normalize(raw);
    if !normalized.is_empty() {
        sentences.push(normalized);
    }
}

/// Collapses whitespace to single spaces, drops control characters, trims.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else if c.is_control() {
            continue;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Whether the segment ends with a known abbreviation or a single capital
/// initial (`J.`), so the boundary after it is not a sentence end.
fn ends_with_abbreviation(segment: &str) -> bool {
    let trimmed = segment.trim_end();
    if !trimmed.ends_with('.') {
        return false;
    }
    let last_word = trimmed
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '[')
        .next()
        .unwrap_or_default();
    let lower = last_word.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return true;
    }
    // A lone capital letter and a dot: an initial, as in "J. Weber".
    let mut chars = last_word.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), Some('.'), None) if c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_sentences_split_at_terminal_punctuation() {
        assert_eq!(
            split("Sync is done. Is search next? Yes!  Ship it"),
            ["Sync is done.", "Is search next?", "Yes!", "Ship it"]
        );
    }

    #[test]
    fn japanese_sentences_split_at_full_width_punctuation() {
        assert_eq!(
            split("同期は完了した。検索は遅れている！次は何か？"),
            ["同期は完了した。", "検索は遅れている！", "次は何か？"]
        );
    }

    #[test]
    fn mixed_text_splits_at_both_kinds() {
        assert_eq!(
            split("Beta is on track. ベルリンの端末テストは来週。Then release."),
            [
                "Beta is on track.",
                "ベルリンの端末テストは来週。",
                "Then release."
            ]
        );
    }

    #[test]
    fn decimals_versions_and_abbreviations_do_not_end_sentences() {
        assert_eq!(
            split(
                "Coverage is 3.5 points up in v1.2 of the app. Dr. Sato agreed, e.g. Tokyo and Berlin. J. Weber too."
            ),
            [
                "Coverage is 3.5 points up in v1.2 of the app.",
                "Dr. Sato agreed, e.g. Tokyo and Berlin.",
                "J. Weber too."
            ]
        );
    }

    #[test]
    fn whitespace_and_control_characters_are_normalised() {
        assert_eq!(split("  a\u{0}b \n\t c.  "), ["ab c."]);
        assert!(split(" \n ").is_empty());
    }
}
