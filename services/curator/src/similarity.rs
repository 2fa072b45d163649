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
//! whole project and statements are visited smallest first. If J(A, B) ≥ t
//! with |B| ≤ |A|, they share at least ⌈t·|A|⌉ trigrams, so one of them is
//! among the first |A| − ⌈t·|A|⌉ + 1 of A (the *probe prefix*) and among
//! the first |B| − ⌈2t/(1+t)·|B|⌉ + 1 of B (the *index prefix*); only
//! statements sharing such a rare trigram are compared, and those too small
//! to reach t are skipped (|B| ≥ t·|A|), and so are those whose shared
//! trigrams sit too late in their sets to reach t (PPJoin's positional
//! filter). The result is exact, up to two bounds that only pathological
//! input (thousands of near-identical lines) reaches: a statement examines
//! at most [`MAX_EXAMINED`] posting entries, rarest trigrams first, and
//! verifies at most [`MAX_CANDIDATES`] candidates.
//!
//! [`similarity_chars`]: crate::normalize::similarity_chars

/// A fast, fixed-seed hash map: trigram counting is the hot loop, and a
/// fixed seed keeps every run identical.
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Jaccard similarity of character-trigram sets at or above which two
/// statements are flagged.
pub const THRESHOLD: f64 = 0.6;

/// Shorter statements (in characters, after normalising) are not compared.
pub const MIN_CHARS: usize = 8;

/// Posting entries a statement examines, and candidates it verifies (those
/// sharing the most rare trigrams with it), at most: the bounds that keep
/// pathological input (thousands of near-identical lines) linear.
pub const MAX_EXAMINED: usize = 300;
pub const MAX_CANDIDATES: usize = 64;

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
    let mut frequency: FastMap<u64, u32> = FastMap::default();
    for set in &shingles {
        for &g in set {
            *frequency.entry(g).or_default() += 1;
        }
    }
    let mut by_rarity: Vec<(u32, u64)> = frequency.iter().map(|(&g, &n)| (n, g)).collect();
    by_rarity.sort_unstable();
    let rank: FastMap<u64, u32> = by_rarity
        .iter()
        .enumerate()
        .map(|(r, &(_, g))| (g, r as u32))
        .collect();
    // All sets in one buffer (rank-sorted), for locality in the hot loop.
    let mut tokens: Vec<u32> = Vec::with_capacity(shingles.iter().map(Vec::len).sum());
    let mut spans: Vec<std::ops::Range<usize>> = Vec::with_capacity(shingles.len());
    for set in &shingles {
        let start = tokens.len();
        tokens.extend(set.iter().filter_map(|g| rank.get(g).copied()));
        tokens[start..].sort_unstable();
        spans.push(start..tokens.len());
    }
    drop(shingles);
    let size: Vec<usize> = spans.iter().map(|r| r.len()).collect();
    let set_of = |i: usize| &tokens[spans[i].clone()];

    // AllPairs: statements by increasing size, so each posting list holds
    // sizes in increasing order and the ones too small to reach the
    // threshold with any later (larger) statement can be skipped for good.
    let mut order: Vec<usize> = (0..spans.len())
        .filter(|&i| texts[i].len() >= MIN_CHARS && size[i] > 0)
        .collect();
    order.sort_by_key(|&i| (size[i], i));
    // Each entry: a statement and the position of the trigram in its set.
    let mut postings: Vec<Vec<(u32, u32)>> = vec![Vec::new(); by_rarity.len()];
    let mut skip: Vec<usize> = vec![0; by_rarity.len()];
    // Per candidate of the current statement: trigrams shared so far, or
    // PRUNED once its positions show it cannot reach the threshold.
    const PRUNED: u32 = u32::MAX;
    let mut shared: Vec<u32> = vec![0; spans.len()];
    let mut candidates: Vec<usize> = Vec::new();
    // Best earlier partner of each statement: (similarity, earlier index).
    let mut best: Vec<Option<(f64, usize)>> = vec![None; spans.len()];
    for &x in &order {
        let set = set_of(x);
        let min_size = THRESHOLD * set.len() as f64;
        let mut examined = 0;
        'probe: for (i, &token) in set[..probe_prefix_len(set.len())].iter().enumerate() {
            let list = &postings[token as usize];
            let start = &mut skip[token as usize];
            while *start < list.len() && (size[list[*start].0 as usize] as f64) < min_size {
                *start += 1;
            }
            for &(y, j) in &list[*start..] {
                examined += 1;
                if examined > MAX_EXAMINED {
                    break 'probe;
                }
                let y = y as usize;
                let count = shared[y];
                if count == PRUNED {
                    continue;
                }
                if count == 0 {
                    candidates.push(y);
                }
                // Positional filter (PPJoin): every trigram shared before
                // this one has been counted; after it, at most what is left
                // of the shorter remainder can still be shared.
                let rest = (set.len() - i - 1).min(size[y] - j as usize - 1);
                if (count as usize + 1 + rest) < needed_overlap(set.len(), size[y]) {
                    shared[y] = PRUNED;
                } else {
                    shared[y] = count + 1;
                }
            }
        }
        let mut verified = 0;
        for &y in &candidates {
            if shared[y] == PRUNED {
                continue;
            }
            verified += 1;
            if verified > MAX_CANDIDATES {
                break;
            }
            let Some(similarity) = jaccard_at_least(set_of(y), set) else {
                continue;
            };
            let (earlier, later) = (x.min(y), x.max(y));
            let better = match best[later] {
                None => true,
                Some((s, e)) => similarity > s || (similarity == s && earlier < e),
            };
            if better {
                best[later] = Some((similarity, earlier));
            }
        }
        for y in candidates.drain(..) {
            shared[y] = 0;
        }
        for (position, &token) in set[..index_prefix_len(set.len())].iter().enumerate() {
            postings[token as usize].push((x as u32, position as u32));
        }
    }
    best.into_iter()
        .enumerate()
        .filter_map(|(later, b)| {
            b.map(|(similarity, earlier)| NearDuplicate {
                earlier,
                later,
                similarity,
            })
        })
        .collect()
}

/// Trigrams two sets of these sizes must share for a Jaccard of at least
/// [`THRESHOLD`]: ⌈t/(1+t)·(|a|+|b|)⌉.
fn needed_overlap(a: usize, b: usize) -> usize {
    (THRESHOLD / (1.0 + THRESHOLD) * (a + b) as f64 - 1e-9).ceil() as usize
}

/// How many of a set's rarest trigrams are probed: a partner y of x with
/// J ≥ t (and so |y| ≥ t·|x|) shares at least ⌈t·|x|⌉ trigrams with it.
fn probe_prefix_len(size: usize) -> usize {
    prefix_len(size, THRESHOLD)
}

/// How many are indexed: a later, larger partner x of y with J ≥ t shares
/// at least ⌈2t/(1+t)·|y|⌉ trigrams with y.
fn index_prefix_len(size: usize) -> usize {
    prefix_len(size, 2.0 * THRESHOLD / (1.0 + THRESHOLD))
}

fn prefix_len(size: usize, fraction: f64) -> usize {
    let overlap = (fraction * size as f64 - 1e-9).ceil() as usize;
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

/// |a ∩ b| / |a ∪ b| for sorted, distinct slices, if it reaches
/// [`THRESHOLD`]. Stops as soon as the overlap still possible cannot reach
/// the ⌈t/(1+t)·(|a|+|b|)⌉ common trigrams the threshold needs, so the
/// many candidates that fall short cost a fraction of a full merge.
fn jaccard_at_least(a: &[u32], b: &[u32]) -> Option<f64> {
    let needed = needed_overlap(a.len(), b.len());
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        if common + (a.len() - i).min(b.len() - j) < needed {
            return None;
        }
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
    let similarity = common as f64 / (a.len() + b.len() - common) as f64;
    (similarity >= THRESHOLD).then_some(similarity)
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
