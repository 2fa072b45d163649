//! Near-duplicate statements: the same thing reworded slightly.
//!
//! **Measure.** Each statement becomes the set of its character trigrams
//! (three consecutive characters of [`similarity_chars`]: NFKC, lowercase,
//! punctuation as spaces). Two statements are near-duplicates when the
//! Jaccard similarity of their sets, |A ∩ B| / |A ∪ B|, is at least
//! [`THRESHOLD`]. Characters, not words, so it works the same for Japanese
//! (no spaces between words) as for English, and for text mixing both.
//! Statements shorter than [`MIN_CHARS`] characters are not compared:
//! "None." and "TBD" repeat by nature.
//!
//! **Search.** Not all pairs: prefix filtering (the AllPairs algorithm of
//! set-similarity joins). Trigrams are ordered rarest first across the
//! whole project; if J(A, B) ≥ t, then A and B share a trigram within the
//! first |A| − ⌈t·|A|⌉ + 1 of A's and of B's, so only statements sharing
//! such a *prefix* trigram are compared. The prefix trigrams are rare, so
//! each statement meets few candidates; the result is exact. A statement
//! still verifies at most [`MAX_CANDIDATES`] candidates (only pathological
//! input, thousands of near-identical lines, reaches that).
//!
//! [`similarity_chars`]: crate::normalize::similarity_chars

use std::collections::HashMap;

/// Jaccard similarity of character-trigram sets at or above which two
/// statements are flagged.
pub const THRESHOLD: f64 = 0.6;

/// Shorter statements (in characters, after normalising) are not compared.
pub const MIN_CHARS: usize = 8;

/// Candidates verified per statement, at most.
pub const MAX_CANDIDATES: usize = 1_000;

/// A flagged pair: `later` is similar to `earlier` (indices into the input).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearDuplicate {
    pub earlier: usize,
    pub later: usize,
    pub similarity: f64,
}

/// For each statement, the most similar statement before it, if any reaches
/// [`THRESHOLD`]. `texts` are similarity forms
/// ([`crate::normalize::similarity_chars`]). At most one pair per statement,
/// so a project with many alike lines gets a linear number of warnings.
pub fn near_duplicates(texts: &[Vec<char>]) -> Vec<NearDuplicate> {
    let shingles: Vec<Vec<u64>> = texts.iter().map(|t| trigrams(t)).collect();

    // Rank trigrams rarest first (ties by value, for determinism).
    let mut frequency: HashMap<u64, u32> = HashMap::new();
    for set in &shingles {
        for &g in set {
            *frequency.entry(g).or_default() += 1;
        }
    }
    let mut by_rarity: Vec<(u32, u64)> = frequency.iter().map(|(&g, &n)| (n, g)).collect();
    by_rarity.sort_unstable();
    let rank: HashMap<u64, u32> = by_rarity
        .iter()
        .enumerate()
        .map(|(r, &(_, g))| (g, r as u32))
        .collect();
    let sets: Vec<Vec<u32>> = shingles
        .iter()
        .map(|set| {
            let mut ranked: Vec<u32> = set.iter().filter_map(|g| rank.get(g).copied()).collect();
            ranked.sort_unstable();
            ranked
        })
        .collect();

    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); by_rarity.len()];
    let mut seen_by: Vec<usize> = vec![usize::MAX; sets.len()];
    let mut found = Vec::new();
    for (j, set) in sets.iter().enumerate() {
        if texts[j].len() < MIN_CHARS || set.is_empty() {
            continue;
        }
        let prefix = &set[..prefix_len(set.len())];
        let mut best: Option<(f64, usize)> = None;
        let mut verified = 0;
        'probe: for &token in prefix {
            for &i in &postings[token as usize] {
                let i = i as usize;
                if seen_by[i] == j {
                    continue;
                }
                seen_by[i] = j;
                let (small, large) = if sets[i].len() < set.len() {
                    (sets[i].len(), set.len())
                } else {
                    (set.len(), sets[i].len())
                };
                if (small as f64) < THRESHOLD * large as f64 {
                    continue; // sizes too different to reach the threshold
                }
                let similarity = jaccard(&sets[i], set);
                if similarity >= THRESHOLD && best.is_none_or(|(b, _)| similarity > b) {
                    best = Some((similarity, i));
                }
                verified += 1;
                if verified >= MAX_CANDIDATES {
                    break 'probe;
                }
            }
        }
        if let Some((similarity, earlier)) = best {
            found.push(NearDuplicate {
                earlier,
                later: j,
                similarity,
            });
        }
        for &token in prefix {
            postings[token as usize].push(j as u32);
        }
    }
    found
}

/// How many of a set's rarest trigrams must be indexed and probed.
fn prefix_len(size: usize) -> usize {
    let overlap = (THRESHOLD * size as f64 - 1e-9).ceil() as usize;
    (size - overlap.min(size) + 1).min(size)
}

/// The distinct character trigrams of `chars`, each packed into a u64 (a
/// `char` fits in 21 bits, so three fit exactly: no hashing, no collisions).
fn trigrams(chars: &[char]) -> Vec<u64> {
    let mut set: Vec<u64> = chars
        .windows(3)
        .map(|w| (u64::from(w[0]) << 42) | (u64::from(w[1]) << 21) | u64::from(w[2]))
        .collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// |a ∩ b| / |a ∪ b| for sorted, distinct slices.
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// The similarity of two texts by the measure above, for messages and tests.
pub fn similarity(a: &str, b: &str) -> f64 {
    use crate::normalize::{identity_key, similarity_chars};
    let ta = trigrams(&similarity_chars(&identity_key(a)));
    let tb = trigrams(&similarity_chars(&identity_key(b)));
    let common = ta.iter().filter(|g| tb.binary_search(g).is_ok()).count();
    let union = ta.len() + tb.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{identity_key, similarity_chars};
    use proptest::prelude::*;

    fn forms(texts: &[&str]) -> Vec<Vec<char>> {
        texts
            .iter()
            .map(|t| similarity_chars(&identity_key(t)))
            .collect()
    }

    /// Every pair at or above the threshold, by brute force.
    fn brute_force(texts: &[Vec<char>]) -> Vec<(usize, usize)> {
        let sets: Vec<Vec<u64>> = texts.iter().map(|t| trigrams(t)).collect();
        let mut pairs = Vec::new();
        for j in 0..texts.len() {
            for i in 0..j {
                if texts[j].len() < MIN_CHARS || texts[i].len() < MIN_CHARS {
                    continue;
                }
                let common = sets[i]
                    .iter()
                    .filter(|g| sets[j].binary_search(g).is_ok())
                    .count();
                let union = sets[i].len() + sets[j].len() - common;
                if union > 0 && common as f64 / union as f64 >= THRESHOLD {
                    pairs.push((i, j));
                }
            }
        }
        pairs
    }

    #[test]
    fn slight_rewordings_are_flagged_in_english_and_japanese() {
        for (a, b) in [
            (
                "Offline sync beta shipped to 40 testers in Tokyo and Berlin",
                "Offline sync beta shipped to 42 testers in Tokyo and Berlin.",
            ),
            (
                "Map tile downloads are too large on cellular connections",
                "Map tile downloads are still too large on cellular connections",
            ),
            (
                "同期エンジンのオフライン編集対応が完了した",
                "同期エンジンのオフライン編集対応が完了しました",
            ),
            (
                "地図タイルのサイズがモバイル回線では大きすぎる",
                "地図タイルのサイズがモバイル回線ではまだ大きすぎる",
            ),
        ] {
            let s = similarity(a, b);
            assert!(s >= THRESHOLD, "{a:?} vs {b:?}: {s}");
        }
    }

    #[test]
    fn different_statements_are_not_flagged() {
        for (a, b) in [
            (
                "Offline sync beta shipped to 40 testers in Tokyo and Berlin",
                "Search index rebuilt for the Berlin testers",
            ),
            (
                "Start the sync conflict resolution design",
                "Finish the sync conflict resolution review with Jonas",
            ),
            (
                "同期エンジンのオフライン編集対応が完了した",
                "検索機能のベータ版をリリースした",
            ),
            (
                "iOS build is blocked by the App Store review",
                "Android build passed the Play Store review",
            ),
        ] {
            let s = similarity(a, b);
            assert!(s < THRESHOLD, "{a:?} vs {b:?}: {s}");
        }
    }

    #[test]
    fn each_later_statement_points_at_its_most_similar_earlier_one() {
        let texts = forms(&[
            "Map tile downloads are too large on cellular connections",
            "Something else entirely, about the onboarding flow",
            "Map tile downloads are still too large on cellular connections",
            "None.",
            "None!",
        ]);
        let found = near_duplicates(&texts);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].earlier, found[0].later), (0, 2));
    }

    proptest! {
        /// The index finds exactly the statements brute force finds.
        #[test]
        fn prefix_filtering_misses_nothing(words in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![Just("sync"), Just("map"), Just("tiles"), Just("beta"), Just("同期"), Just("完了"), Just("a"), Just("testers")], 1..8),
            1..40,
        )) {
            let texts: Vec<String> = words.iter().map(|w| w.join(" ")).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let forms = forms(&refs);
            let found = near_duplicates(&forms);
            let expected = brute_force(&forms);
            let later_with_pair: std::collections::BTreeSet<usize> = expected.iter().map(|&(_, j)| j).collect();
            let flagged: std::collections::BTreeSet<usize> = found.iter().map(|d| d.later).collect();
            prop_assert_eq!(later_with_pair, flagged);
            for d in &found {
                prop_assert!(expected.contains(&(d.earlier, d.later)));
                let best = expected.iter().filter(|&&(_, j)| j == d.later).map(|&(i, _)| {
                    let a = trigrams(&forms[i]); let b = trigrams(&forms[d.later]);
                    let c = a.iter().filter(|g| b.binary_search(g).is_ok()).count();
                    c as f64 / (a.len() + b.len() - c) as f64
                }).fold(0.0f64, f64::max);
                prop_assert!((d.similarity - best).abs() < 1e-12);
            }
        }
    }
}
