//! The ≤400-character summary: extractive, deterministic, most important first.
//!
//! 1. The state note's statements (paragraphs and list items) are split
//!    into sentences ([`sentences`]), English and Japanese alike.
//! 2. Each sentence is scored by the topics it touches — blockers, risks,
//!    gaps, decisions, next steps, goals — from its words, its headings and
//!    the ids it names ([`importance`]).
//! 3. Sentences are taken by lead (the heaviest topic touched: a blocker
//!    before a risk or a slip, those before a decision or a next step),
//!    then by score, ties in the order written,
//!    skipping exact repeats, while they fit in the limit. A sentence that
//!    does not fit is skipped for a shorter one — unless at least
//!    [`MIN_PARTIAL_ROOM`] characters are still free, or it is the first
//!    sentence: then it is shortened to the room left, at a word boundary
//!    and marked with `…` ([`fit`]), and the summary is complete.
//! 4. Sentences are joined with a space, or with nothing after a
//!    full-width sentence end (`。`), as Japanese is written.
//!
//! The limit is in characters (Unicode scalar values), never bytes, and is
//! never exceeded. The same input always gives the same summary: no
//! randomness, no hashing order, no clock.

pub mod fit;
pub mod importance;
pub mod rouge;
pub mod sentences;

use std::collections::HashSet;

use fit::{char_len, shorten};
use importance::{Importance, KnownIds, assess};

/// The contract's limit on `current.summary`, in characters.
pub const SUMMARY_LIMIT: usize = 400;

/// When a sentence does not fit but at least this many characters are
/// still free, it is shortened into them rather than skipped: a long
/// important sentence, cut, says more than a short unimportant one.
pub const MIN_PARTIAL_ROOM: usize = 100;

/// A statement to draw sentences from: its text and the headings above it.
#[derive(Debug, Clone, Copy)]
pub struct Passage<'a> {
    pub text: &'a str,
    pub headings: &'a [String],
}

/// A sentence with its score and where it stands in the note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedSentence {
    pub text: String,
    pub importance: Importance,
    /// Index of the passage it came from.
    pub passage: usize,
    /// Position among all sentences of the note, in reading order.
    pub position: usize,
}

/// Every distinct sentence of `passages`, most important first.
pub fn rank(passages: &[Passage<'_>], known: &KnownIds) -> Vec<RankedSentence> {
    let mut seen = HashSet::new();
    let mut ranked = Vec::new();
    let mut position = 0;
    for (index, passage) in passages.iter().enumerate() {
        for sentence in sentences::split(passage.text) {
            position += 1;
            if !seen.insert(sentence.clone()) {
                continue;
            }
            let importance = assess(&sentence, passage.headings, known);
            ranked.push(RankedSentence {
                text: sentence,
                importance,
                passage: index,
                position,
            });
        }
    }
    // The heaviest topic first, then the score; stable, so equal ones
    // keep reading order.
    ranked.sort_by_key(|s| std::cmp::Reverse((s.importance.lead, s.importance.score)));
    ranked
}

/// The summary and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub text: String,
    /// The sentences used, in the order they appear in `text`.
    pub sentences: Vec<RankedSentence>,
    /// The last sentence was cut to fit.
    pub shortened: bool,
}

/// Builds a summary of at most `limit` characters from ranked sentences.
pub fn compose(ranked: &[RankedSentence], limit: usize) -> Summary {
    let mut text = String::new();
    let mut used = 0usize;
    let mut chosen = Vec::new();
    let mut shortened = false;
    for sentence in ranked {
        let separator = separator(&text, &sentence.text);
        let need = char_len(separator) + char_len(&sentence.text);
        if used + need <= limit {
            text.push_str(separator);
            text.push_str(&sentence.text);
            used += need;
            chosen.push(sentence.clone());
            continue;
        }
        let room = limit.saturating_sub(used + char_len(separator));
        if text.is_empty() || room >= MIN_PARTIAL_ROOM {
            let cut = shorten(&sentence.text, room);
            if !cut.is_empty() {
                text.push_str(separator);
                text.push_str(&cut);
                chosen.push(RankedSentence {
                    text: cut,
                    ..sentence.clone()
                });
                shortened = true;
            }
            break;
        }
    }
    Summary {
        text,
        sentences: chosen,
        shortened,
    }
}

/// Ranks and composes in one step.
pub fn summarize(passages: &[Passage<'_>], known: &KnownIds, limit: usize) -> Summary {
    compose(&rank(passages, known), limit)
}

/// Nothing before the first sentence or after a sentence that ends in a
/// full-width character (Japanese is written without spaces); a space
/// otherwise.
fn separator(before: &str, _next: &str) -> &'static str {
    match before.chars().next_back() {
        None => "",
        Some(c) if is_full_width(c) => "",
        Some(_) => " ",
    }
}

/// CJK punctuation, kana, ideographs and full-width forms.
fn is_full_width(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF   // CJK symbols and punctuation, hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF00..=0xFF60 // full-width forms
        | 0xFFE0..=0xFFE6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use importance::Topics;

    fn passage(text: &str) -> Passage<'_> {
        Passage {
            text,
            headings: &[],
        }
    }

    #[test]
    fn the_most_important_sentence_types_come_first() {
        let note = "The team met in Berlin this month. We added two screens. \
                    The beta milestone is still the target. Next we wire search. \
                    We decided to keep SQLite. Battery drain is a risk on old phones. \
                    Sync is blocked on the auth API.";
        let summary = summarize(&[passage(note)], &KnownIds::new([]), SUMMARY_LIMIT);
        let order: Vec<&str> = summary.sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(order[0], "Sync is blocked on the auth API.");
        assert_eq!(order[1], "Battery drain is a risk on old phones.");
        let filler = order.iter().position(|s| s.starts_with("The team met"));
        let decision = order.iter().position(|s| s.starts_with("We decided"));
        assert!(decision < filler || filler.is_none());
    }

    #[test]
    fn japanese_sentences_are_joined_without_spaces() {
        let summary = summarize(
            &[passage(
                "同期はAPI待ちでブロックされている。検索は遅れている。",
            )],
            &KnownIds::new([]),
            SUMMARY_LIMIT,
        );
        assert_eq!(
            summary.text,
            "同期はAPI待ちでブロックされている。検索は遅れている。"
        );
    }

    #[test]
    fn ids_of_blocked_tasks_lift_a_sentence() {
        let known = KnownIds::new([("T7".to_owned(), Topics::BLOCKER)]);
        let summary = summarize(
            &[passage(
                "The onboarding flow looks good. T7 still needs a review.",
            )],
            &known,
            SUMMARY_LIMIT,
        );
        assert!(summary.text.starts_with("T7 still needs a review."));
    }

    #[test]
    fn a_sentence_that_does_not_fit_is_skipped_for_one_that_does() {
        let note = format!(
            "Sync is blocked on auth. Battery drain is a risk because {} Search is behind.",
            "the radio wakes up for every note. ".repeat(4)
        );
        let summary = summarize(&[passage(&note)], &KnownIds::new([]), 120);
        assert_eq!(summary.text, "Sync is blocked on auth. Search is behind.");
        assert!(!summary.shortened);
    }

    #[test]
    fn a_first_sentence_too_long_is_cut_at_a_word_with_an_ellipsis() {
        let note = format!(
            "Sync is blocked {}.",
            "because of the vendor API ".repeat(30)
        );
        let summary = summarize(&[passage(&note)], &KnownIds::new([]), SUMMARY_LIMIT);
        assert!(summary.shortened);
        assert!(char_len(&summary.text) <= SUMMARY_LIMIT);
        assert!(summary.text.ends_with('…'));
        let kept = summary.text.trim_end_matches('…');
        assert!(note.starts_with(kept));
        assert!(
            note[kept.len()..].starts_with(' '),
            "cut inside a word: {kept:?}"
        );
    }

    #[test]
    fn repeated_sentences_appear_once() {
        let summary = summarize(
            &[passage("Sync is blocked."), passage("Sync is blocked.")],
            &KnownIds::new([]),
            SUMMARY_LIMIT,
        );
        assert_eq!(summary.text, "Sync is blocked.");
    }

    #[test]
    fn nothing_in_gives_an_empty_summary() {
        let summary = summarize(&[], &KnownIds::new([]), SUMMARY_LIMIT);
        assert_eq!(summary.text, "");
        assert!(summary.sentences.is_empty());
    }
}
