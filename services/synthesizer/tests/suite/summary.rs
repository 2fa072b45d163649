//! The 400-character summary: the limit holds for any text, cuts never
//! split a word or a character, important sentences come first, and the
//! same note always gives the same summary.

use crate::support::*;
use proptest::prelude::*;
use synthesizer::summary::fit::ELLIPSIS;
use synthesizer::summary::importance::KnownIds;
use synthesizer::summary::{Passage, SUMMARY_LIMIT, sentences, summarize};
use synthesizer::synthesize;
use unicode_segmentation::UnicodeSegmentation;

fn summary_of(statements: &[(&str, &[&str])]) -> String {
    let state = statements
        .iter()
        .enumerate()
        .map(|(n, (text, headings))| state_statement(n, text, headings))
        .collect();
    let (set, plan) = lantern_with_state(state);
    synthesize(&set, &plan, None, monday())
        .unwrap()
        .document
        .current
        .summary
}

/// Checks the cut of `summary`'s last sentence, if any, against `note`.
fn assert_clean_cut(summary: &str, note: &str) {
    let Some(kept) = summary.strip_suffix(ELLIPSIS) else {
        return;
    };
    // The kept text ends a prefix of some sentence of the note.
    let last = sentences::split(note)
        .into_iter()
        .find_map(|s| {
            (1..=kept.len())
                .rev()
                .filter(|&i| kept.is_char_boundary(kept.len() - i))
                .map(|i| &kept[kept.len() - i..])
                .find(|tail| s.starts_with(*tail) && tail.len() >= s.len().min(kept.len()).min(8))
                .map(|tail| (s.clone(), tail.len()))
        })
        .expect("the cut sentence comes from the note");
    let (sentence, kept_len) = last;
    let graphemes: Vec<usize> = sentence.grapheme_indices(true).map(|(i, _)| i).collect();
    assert!(
        graphemes.contains(&kept_len),
        "cut inside a grapheme: {summary:?}"
    );
    let words: Vec<usize> = sentence
        .split_word_bound_indices()
        .map(|(i, _)| i)
        .collect();
    let after = &sentence[kept_len..];
    assert!(
        words.contains(&kept_len) || after.starts_with(char::is_whitespace),
        "cut inside a word: …{:?}|{:?}",
        &sentence[..kept_len],
        after.chars().take(10).collect::<String>()
    );
}

#[test]
fn long_english_notes_stay_within_400_characters() {
    let text: Vec<String> = (1..=40)
        .map(|i| format!("Field site {i} reported that the sync queue drained in about {i}.5 minutes on a weak 3G link."))
        .collect();
    let statements: Vec<(&str, &[&str])> = text.iter().map(|t| (t.as_str(), &[][..])).collect();
    let summary = summary_of(&statements);
    assert!(summary.chars().count() <= SUMMARY_LIMIT);
    assert!(summary.chars().count() > 300, "room is used: {summary}");
    assert!(
        summary.split(". ").count() >= 3,
        "whole sentences: {summary}"
    );
}

#[test]
fn long_japanese_notes_stay_within_400_characters_not_bytes() {
    let text: Vec<String> = (1..=60)
        .map(|i| {
            format!("第{i}地点ではオフライン同期が弱い電波でも約{i}分で完了したと報告があった。")
        })
        .collect();
    let statements: Vec<(&str, &[&str])> = text.iter().map(|t| (t.as_str(), &[][..])).collect();
    let summary = summary_of(&statements);
    assert!(summary.chars().count() <= SUMMARY_LIMIT);
    assert!(
        summary.len() > SUMMARY_LIMIT,
        "more bytes than characters: {}",
        summary.len()
    );
    assert!(
        summary.ends_with('。'),
        "whole sentences, joined without spaces: {summary}"
    );
    assert!(!summary.contains(' '));
}

#[test]
fn one_overlong_japanese_sentence_is_cut_between_characters() {
    let sentence = "同期エンジンの競合解決は".repeat(60) + "終わっていない。";
    let summary = summary_of(&[(&sentence, &[])]);
    // Katakana runs (エンジン) are words, so the cut may stop just before one.
    assert!(
        (SUMMARY_LIMIT - 4..=SUMMARY_LIMIT).contains(&summary.chars().count()),
        "{summary}"
    );
    assert!(summary.ends_with(ELLIPSIS));
    assert!(sentence.starts_with(summary.trim_end_matches(ELLIPSIS)));
}

#[test]
fn one_overlong_english_sentence_is_cut_between_words() {
    let sentence = format!(
        "The export is blocked because {}.",
        "the vendor's conversion service rejects attachments ".repeat(12)
    );
    let summary = summary_of(&[(&sentence, &[])]);
    assert!(summary.chars().count() <= SUMMARY_LIMIT);
    let kept = summary.strip_suffix(ELLIPSIS).expect("marked as cut");
    assert!(sentence.starts_with(kept));
    assert!(
        sentence[kept.len()..].starts_with(' '),
        "cut inside a word: {kept:?}"
    );
}

#[test]
fn mixed_notes_lead_with_blockers_and_risks() {
    let summary = summary_of(&[
        ("Kenji and Aiko visited the Berlin office.", &["Team"]),
        ("北海道の天気は良かった。", &[]),
        ("The new icons look great on both platforms.", &[]),
        ("The export format may change next quarter.", &["Risks"]),
        ("同期はAPI待ちで止まっている。", &[]),
        ("We decided to drop the tablet layout.", &[]),
        ("Search is blocked by the tokenizer bug.", &[]),
    ]);
    let order = |needle: &str| summary.find(needle).unwrap_or(usize::MAX);
    assert!(order("Search is blocked") < order("Kenji"), "{summary}");
    assert!(order("同期はAPI待ち") < order("北海道の天気"), "{summary}");
    assert!(
        order("The export format") < order("The new icons"),
        "{summary}"
    );
    assert!(order("We decided") < order("The new icons"), "{summary}");
}

#[test]
fn the_same_note_always_gives_the_same_summary() {
    let (set, plan) = lantern();
    let first = synthesize(&set, &plan, None, monday())
        .unwrap()
        .document
        .current
        .summary;
    for _ in 0..5 {
        assert_eq!(
            synthesize(&set, &plan, None, monday())
                .unwrap()
                .document
                .current
                .summary,
            first
        );
    }
}

/// Text a state note might hold, and worse: Latin, Japanese, emoji ZWJ
/// sequences, combining marks, sentence ends of both scripts, long runs.
fn note_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z]{1,12}",
        "[あ-んア-ン漢字同期遅れ]{1,20}",
        Just(" ".to_owned()),
        Just(". ".to_owned()),
        Just("。".to_owned()),
        Just("！".to_owned()),
        Just("? ".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("👨\u{200d}👩\u{200d}👧".to_owned()),
        Just("🇯🇵".to_owned()),
        Just("x".repeat(450)),
        Just("blocked ".to_owned()),
        Just("3.5".to_owned()),
        "[\\PC]{1,5}",
    ];
    proptest::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_note_gives_a_summary_within_the_limit_cut_cleanly(
        notes in proptest::collection::vec(note_text(), 0..6),
        limit in prop_oneof![Just(SUMMARY_LIMIT), 1usize..400],
    ) {
        let passages: Vec<Passage<'_>> = notes.iter().map(|t| Passage { text: t, headings: &[] }).collect();
        let summary = summarize(&passages, &KnownIds::new([]), limit);
        prop_assert!(summary.text.chars().count() <= limit, "{} > {limit}", summary.text.chars().count());
        let again = summarize(&passages, &KnownIds::new([]), limit);
        prop_assert_eq!(&again, &summary);
        // Every sentence used is whole, or a clean cut of one.
        let all: Vec<String> = notes.iter().flat_map(|n| sentences::split(n)).collect();
        for used in &summary.sentences {
            match used.text.strip_suffix(ELLIPSIS) {
                Some(kept) if !all.contains(&used.text) => {
                    // Some sentence of the note was cut cleanly to `kept`.
                    let clean = |original: &String| {
                        if !original.starts_with(kept) || original.len() <= kept.len() {
                            return false;
                        }
                        let graphemes: Vec<usize> = original.grapheme_indices(true).map(|(i, _)| i).collect();
                        let words: Vec<usize> = original.split_word_bound_indices().map(|(i, _)| i).collect();
                        let at_grapheme = kept.is_empty() || graphemes.contains(&kept.len());
                        let at_word = words.contains(&kept.len());
                        // A single word longer than the room is the only
                        // cut allowed inside a word.
                        let first_word_end = words.iter().copied().find(|&w| w > 0).unwrap_or(original.len());
                        at_grapheme && (at_word || kept.len() < first_word_end)
                    };
                    prop_assert!(all.iter().any(clean), "no sentence is cleanly cut to {kept:?}");
                }
                _ => prop_assert!(all.contains(&used.text), "{:?} is not a sentence of the note", used.text),
            }
        }
    }
}

#[test]
fn an_overlong_note_is_still_summarised_cleanly() {
    // 1.2 million characters of state note: the limit holds and the
    // quality is still measured (on the bounded part, as the note says).
    let big = "同期は遅れている。".repeat(140_000);
    let summary = summary_of(&[
        (&big, &[]),
        ("Sync is blocked on the vendor.", &["Blockers"]),
    ]);
    assert!(summary.starts_with("Sync is blocked on the vendor."));
    assert!(summary.chars().count() <= SUMMARY_LIMIT);
    assert_clean_cut(&summary, &big);
}
