//! ROUGE-L at character level: how much of the state note the summary
//! keeps, as the longest common subsequence (LCS) of their characters.
//!
//! `precision = LCS / summary length`, `recall = LCS / note length`,
//! `F1 = 2PR / (P + R)`. Characters, not words, because Japanese has no
//! spaces to split words at; whitespace is left out of both texts first, so
//! how sentences were joined does not count.
//!
//! The LCS length is computed with the bit-parallel algorithm of Allison
//! and Dix (1986; as refined by Hyyrö, 2004): the shorter text becomes a bit
//! vector, and each character of the longer one updates it with a few word
//! operations. That is O(⌈m/64⌉ · n) time and O(σ · ⌈m/64⌉) memory for a
//! pattern of m characters with σ distinct ones, instead of the O(m · n)
//! table of the textbook dynamic programme.
//!
//! Bounds, so no state note can make this slow or large: the summary side
//! is at most [`MAX_CANDIDATE_CHARS`] and the note side at most
//! [`MAX_REFERENCE_CHARS`] non-whitespace characters; beyond that only the
//! first characters are compared and [`RougeL::reference_truncated`] says
//! so. At the bounds that is at most 64 words × 1 Mi characters ≈ 67 M
//! word operations (tens of milliseconds) and ≤ 2 MiB of bit vectors.

use std::collections::HashMap;

/// The longest summary compared (the summary itself is at most 400).
pub const MAX_CANDIDATE_CHARS: usize = 4096;
/// The longest state note compared (1 Mi characters, about 3 MiB of text).
pub const MAX_REFERENCE_CHARS: usize = 1 << 20;

/// The score of a summary against its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RougeL {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// LCS length, in characters.
    pub lcs: usize,
    /// Non-whitespace characters compared on each side.
    pub candidate_chars: usize,
    pub reference_chars: usize,
    /// The reference was longer than [`MAX_REFERENCE_CHARS`].
    pub reference_truncated: bool,
}

/// Scores `candidate` (the summary) against `reference` (the state note).
pub fn rouge_l(candidate: &str, reference: &str) -> RougeL {
    let candidate: Vec<char> = visible(candidate).take(MAX_CANDIDATE_CHARS).collect();
    let mut reference_iter = visible(reference);
    let reference: Vec<char> = reference_iter.by_ref().take(MAX_REFERENCE_CHARS).collect();
    let reference_truncated = reference_iter.next().is_some();
    let lcs = lcs_len(&candidate, &reference);
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let precision = ratio(lcs, candidate.len());
    let recall = ratio(lcs, reference.len());
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    RougeL {
        precision,
        recall,
        f1,
        lcs,
        candidate_chars: candidate.len(),
        reference_chars: reference.len(),
        reference_truncated,
    }
}

fn visible(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|c| !c.is_whitespace())
}

/// Length of the longest common subsequence of `a` and `b`.
pub fn lcs_len(a: &[char], b: &[char]) -> usize {
    let (pattern, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if pattern.is_empty() {
        return 0;
    }
    let words = pattern.len().div_ceil(64);
    // match_bits[c]: bit i set where pattern[i] == c.
    let mut match_bits: HashMap<char, Vec<u64>> = HashMap::new();
    for (i, &c) in pattern.iter().enumerate() {
        match_bits.entry(c).or_insert_with(|| vec![0; words])[i / 64] |= 1 << (i % 64);
    }
    // v: a 0 bit marks a pattern position matched in the LCS so far. The
    // padding bits above the pattern stay 1: their match bits are 0, so the
    // `v & !m` term keeps them set whatever carry reaches them.
    let mut v = vec![u64::MAX; words];
    for c in text {
        let Some(m) = match_bits.get(c) else {
            continue; // no match: v is unchanged
        };
        let mut carry = false;
        for (vw, &mw) in v.iter_mut().zip(m) {
            let u = *vw & mw;
            let (sum, c1) = vw.overflowing_add(u);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            carry = c1 || c2;
            *vw = sum | (*vw & !mw);
        }
    }
    v.iter().map(|w| w.count_zeros() as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// The textbook O(n·m) table, as the oracle.
    fn lcs_table(a: &[char], b: &[char]) -> usize {
        let mut prev = vec![0usize; b.len() + 1];
        for &x in a {
            let mut row = vec![0usize; b.len() + 1];
            for (j, &y) in b.iter().enumerate() {
                row[j + 1] = if x == y {
                    prev[j] + 1
                } else {
                    row[j].max(prev[j + 1])
                };
            }
            prev = row;
        }
        prev[b.len()]
    }

    #[test]
    fn classic_example() {
        // ABCBDAB / BDCABA: LCS "BCBA", length 4.
        assert_eq!(lcs_len(&chars("ABCBDAB"), &chars("BDCABA")), 4);
        let score = rouge_l("ABCBDAB", "BDCABA");
        assert!((score.precision - 4.0 / 7.0).abs() < 1e-12);
        assert!((score.recall - 4.0 / 6.0).abs() < 1e-12);
        assert!((score.f1 - 8.0 / 13.0).abs() < 1e-12);
    }

    #[test]
    fn japanese_by_hand() {
        // 東京で会議 / 東京の会議室: LCS 東京会議 = 4; P = 4/5, R = 4/6,
        // F1 = 2·(4/5)(4/6) / (4/5 + 4/6) = 8/11.
        let score = rouge_l("東京で会議", "東京の会議室");
        assert_eq!(score.lcs, 4);
        assert!((score.f1 - 8.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn whitespace_is_ignored_and_identity_scores_one() {
        let score = rouge_l("Sync  is done.", "Sync is\ndone.");
        assert_eq!(score.f1, 1.0);
        assert_eq!(score.candidate_chars, "Syncisdone.".len());
    }

    #[test]
    fn empty_sides_score_zero() {
        assert_eq!(rouge_l("", "abc").f1, 0.0);
        assert_eq!(rouge_l("abc", "").f1, 0.0);
        assert_eq!(rouge_l("abc", "xyz").f1, 0.0);
    }

    #[test]
    fn an_extract_has_full_precision() {
        let note = "The beta is at risk. Sync is blocked on auth. We met in Berlin.";
        let score = rouge_l("Sync is blocked on auth.", note);
        assert_eq!(score.precision, 1.0);
        assert!(score.recall < 0.5);
    }

    #[test]
    fn a_huge_reference_is_bounded_and_flagged() {
        let note = "あ".repeat(MAX_REFERENCE_CHARS + 10);
        let score = rouge_l("ああ", &note);
        assert!(score.reference_truncated);
        assert_eq!(score.reference_chars, MAX_REFERENCE_CHARS);
        assert_eq!(score.lcs, 2);
    }

    proptest! {
        #[test]
        fn bit_parallel_equals_the_table(
            a in proptest::collection::vec(prop::sample::select(vec!['a', 'b', 'c', 'あ']), 0..200),
            b in proptest::collection::vec(prop::sample::select(vec!['a', 'b', 'c', 'あ', 'z']), 0..200),
        ) {
            prop_assert_eq!(lcs_len(&a, &b), lcs_table(&a, &b));
        }
    }
}
