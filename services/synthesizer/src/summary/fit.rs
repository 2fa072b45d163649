//! Fitting text into a character budget without breaking words or characters.
//!
//! Budgets are counted in Unicode scalar values (`char`s), the unit the
//! contract uses for lengths. A cut is made only at a UAX #29 word
//! boundary, which never falls inside a grapheme cluster (a letter and its
//! combining marks, an emoji sequence) and, in Japanese or Chinese text,
//! which has no spaces, falls between characters — so "at a word
//! boundary" and "at a character boundary" are the same rule there. Only a
//! single word longer than the whole budget (a URL, a hash) is cut inside
//! itself, and then at a grapheme boundary. A cut is marked with `…`,
//! which is counted in the budget.

use unicode_segmentation::UnicodeSegmentation;

/// The mark of a cut: one character.
pub const ELLIPSIS: char = '…';

/// Length in characters (Unicode scalar values), the unit of every budget.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// `text` itself if it fits in `budget` characters; else its longest prefix
/// ending at a word boundary that fits together with `…`, with trailing
/// whitespace removed. Returns an empty string only for a zero budget.
pub fn shorten(text: &str, budget: usize) -> String {
    if char_len(text) <= budget {
        return text.to_owned();
    }
    if budget == 0 {
        return String::new();
    }
    let room = budget - 1; // characters left once the ellipsis is placed
    let cut = last_boundary_within(text.split_word_bound_indices().map(|(i, _)| i), text, room)
        .filter(|&cut| !text[..cut].trim_end().is_empty())
        .or_else(|| last_boundary_within(text.grapheme_indices(true).map(|(i, _)| i), text, room))
        .unwrap_or(0);
    let mut out = text[..cut].trim_end().to_owned();
    out.push(ELLIPSIS);
    out
}

/// The largest boundary (a byte index where a segment starts, or the end)
/// whose prefix has at most `room` characters.
fn last_boundary_within(
    starts: impl Iterator<Item = usize>,
    text: &str,
    room: usize,
) -> Option<usize> {
    let mut best = None;
    let mut chars_before = 0usize;
    let mut last = 0usize;
    for start in starts.chain(std::iter::once(text.len())) {
        chars_before += char_len(&text[last..start]);
        last = start;
        if chars_before > room {
            break;
        }
        if start > 0 {
            best = Some(start);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_fits_is_untouched() {
        assert_eq!(shorten("Sync is done.", 13), "Sync is done.");
    }

    #[test]
    fn english_is_cut_between_words() {
        let cut = shorten("Offline sync is waiting on the auth API", 20);
        assert_eq!(cut, "Offline sync is…");
        assert!(char_len(&cut) <= 20);
    }

    #[test]
    fn japanese_is_cut_between_characters() {
        let cut = shorten("同期エンジンの競合解決はまだ終わっていない", 8);
        assert_eq!(char_len(&cut), 8);
        assert!(cut.ends_with(ELLIPSIS));
        assert!(
            "同期エンジンの競合解決はまだ終わっていない"
                .starts_with(cut.trim_end_matches(ELLIPSIS))
        );
    }

    #[test]
    fn combining_marks_and_emoji_stay_whole() {
        // "e" + combining acute, and a family emoji (one grapheme, 5 chars).
        let text = "cafe\u{301} 👨\u{200d}👩\u{200d}👧 ok";
        for budget in 1..char_len(text) {
            let cut = shorten(text, budget);
            assert!(char_len(&cut) <= budget, "{budget}: {cut}");
            let kept = cut.trim_end_matches(ELLIPSIS);
            assert!(text.starts_with(kept));
            assert!(text.is_char_boundary(kept.len()));
            let graphemes: Vec<usize> = text.grapheme_indices(true).map(|(i, _)| i).collect();
            assert!(kept.is_empty() || graphemes.contains(&kept.len()) || kept.len() == text.len());
        }
    }

    #[test]
    fn one_overlong_word_is_cut_at_a_grapheme_boundary() {
        let word = "x".repeat(50);
        assert_eq!(shorten(&word, 10), format!("{}…", "x".repeat(9)));
    }

    #[test]
    fn zero_and_one_budgets() {
        assert_eq!(shorten("abc", 0), "");
        assert_eq!(shorten("abc", 1), "…");
    }
}
