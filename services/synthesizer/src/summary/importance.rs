//! How important a sentence of the state note is to a project lead.
//!
//! A sentence is scored by the *topics* it touches, because a weekly
//! summary must lead with what needs a decision or an action:
//!
//! | topic      | weight | recognised by (English stems / phrases, Japanese) |
//! |------------|-------:|----------------------------------------------------|
//! | blocker    | 5 | `block*`, `stuck`, `stall*`, `outage*`, `waiting on` / ブロック, 待ち, 停滞, 止ま, 障害, 中断, 停止 |
//! | risk       | 4 | `risk*`, `concern*`, `at risk`, `threat*` / リスク, 懸念, 恐れ, 不安, 問題 |
//! | gap        | 4 | `behind`, `late`, `overdue`, `delay*`, `slip*`, `missing`, `fail*`, `postpon*`, `missed`, `broken` / 遅れ, 遅延, 未達, 未完, 不足, 課題, 失敗, 不具合, 延期, 後ろ倒し, ずれ込, 超過, 未解決 |
//! | decision   | 3 | `decid*`, `decision*`, `agreed`, `chose` / 決定, 決め, 合意, 採用, 方針 |
//! | next step  | 3 | `next`, `upcoming`, `todo`, `priorit*` / 次, 今後, 予定, 着手, 来週, 優先 |
//! | goal       | 2 | `goal*`, `milestone*`, `release*`, `beta`, `deadline*`, `on track` / 目標, マイルストーン, リリース, 進捗, 期限, 締め切り, 納期 |
//!
//! (The lists in full are the constants below.)
//!
//! A topic is also recognised from the headings above the statement (a
//! sentence under "## Risks" is about risk) and from the ids it mentions:
//! a blocked task's id means blocker, a risky task's risk, an overdue
//! task's gap, a Next 3 task's next step, a goal's id goal and a decision's
//! id decision. The score is the sum of the weights of the topics present,
//! plus 1 if the sentence names any known id, minus 2 if it has fewer than
//! 10 visible characters (a fragment such as "OK." says little).
//!
//! Sentences are ordered by their *lead* — the weight of the heaviest topic
//! they touch — and only then by score, so a sentence about a blocker
//! always comes before one that merely touches many lighter topics (a plan
//! for next week that names a risky task, a milestone and a goal). Equal
//! lead and score keep the order the sentences were written in.

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_segmentation::UnicodeSegmentation;

/// A set of topics (a bit set: cheap to copy and combine).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Topics(u8);

impl Topics {
    pub const BLOCKER: Topics = Topics(1);
    pub const RISK: Topics = Topics(1 << 1);
    pub const GAP: Topics = Topics(1 << 2);
    pub const DECISION: Topics = Topics(1 << 3);
    pub const NEXT_STEP: Topics = Topics(1 << 4);
    pub const GOAL: Topics = Topics(1 << 5);
    pub const NONE: Topics = Topics(0);

    /// Each topic with its weight, heaviest first.
    const WEIGHTS: [(Topics, i32); 6] = [
        (Topics::BLOCKER, 5),
        (Topics::RISK, 4),
        (Topics::GAP, 4),
        (Topics::DECISION, 3),
        (Topics::NEXT_STEP, 3),
        (Topics::GOAL, 2),
    ];

    pub fn union(self, other: Topics) -> Topics {
        Topics(self.0 | other.0)
    }

    pub fn contains(self, other: Topics) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The weight of the heaviest topic in the set (0 when empty).
    pub fn lead(self) -> i32 {
        Self::WEIGHTS
            .iter()
            .filter(|(t, _)| self.contains(*t))
            .map(|(_, w)| *w)
            .max()
            .unwrap_or(0)
    }

    pub fn weight(self) -> i32 {
        Self::WEIGHTS
            .iter()
            .filter(|(t, _)| self.contains(*t))
            .map(|(_, w)| w)
            .sum()
    }
}

/// Words whose lower-cased form starts with one of these stems mark a topic.
const ENGLISH_STEMS: &[(&str, Topics)] = &[
    ("block", Topics::BLOCKER),
    ("stuck", Topics::BLOCKER),
    ("stall", Topics::BLOCKER),
    ("imped", Topics::BLOCKER),
    ("outage", Topics::BLOCKER),
    ("risk", Topics::RISK),
    ("concern", Topics::RISK),
    ("threat", Topics::RISK),
    ("danger", Topics::RISK),
    ("uncertain", Topics::RISK),
    ("worr", Topics::RISK),
    ("fragil", Topics::RISK),
    ("behind", Topics::GAP),
    ("overdue", Topics::GAP),
    ("delay", Topics::GAP),
    ("slip", Topics::GAP),
    ("missing", Topics::GAP),
    ("lack", Topics::GAP),
    ("gap", Topics::GAP),
    ("unmet", Topics::GAP),
    ("incomplete", Topics::GAP),
    ("regress", Topics::GAP),
    ("fail", Topics::GAP),
    ("postpon", Topics::GAP),
    ("overrun", Topics::GAP),
    ("decid", Topics::DECISION),
    ("decision", Topics::DECISION),
    ("agreed", Topics::DECISION),
    ("chose", Topics::DECISION),
    ("approv", Topics::DECISION),
    ("adopt", Topics::DECISION),
    ("next", Topics::NEXT_STEP),
    ("upcoming", Topics::NEXT_STEP),
    ("todo", Topics::NEXT_STEP),
    ("priorit", Topics::NEXT_STEP),
    ("goal", Topics::GOAL),
    ("milestone", Topics::GOAL),
    ("release", Topics::GOAL),
    ("launch", Topics::GOAL),
    ("beta", Topics::GOAL),
    ("deadline", Topics::GOAL),
    ("objective", Topics::GOAL),
];

/// Whole lower-cased words (not stems: `late` must not match `later`).
const ENGLISH_WORDS: &[(&str, Topics)] = &[
    ("late", Topics::GAP),
    ("missed", Topics::GAP),
    ("broken", Topics::GAP),
    ("target", Topics::GOAL),
];

/// Phrases matched on the lower-cased words joined by single spaces.
const ENGLISH_PHRASES: &[(&str, Topics)] = &[
    ("waiting on", Topics::BLOCKER),
    ("waiting for", Topics::BLOCKER),
    ("depends on", Topics::BLOCKER),
    ("at risk", Topics::RISK),
    ("not yet", Topics::GAP),
    ("off track", Topics::GAP),
    ("on track", Topics::GOAL),
    ("next step", Topics::NEXT_STEP),
    ("this week", Topics::NEXT_STEP),
    ("follow up", Topics::NEXT_STEP),
];

/// Substrings of Japanese (and other unspaced) text.
const JAPANESE_TERMS: &[(&str, Topics)] = &[
    ("ブロック", Topics::BLOCKER),
    ("待ち", Topics::BLOCKER),
    ("停滞", Topics::BLOCKER),
    ("止ま", Topics::BLOCKER),
    ("障害", Topics::BLOCKER),
    ("中断", Topics::BLOCKER),
    ("停止", Topics::BLOCKER),
    ("リスク", Topics::RISK),
    ("懸念", Topics::RISK),
    ("恐れ", Topics::RISK),
    ("おそれ", Topics::RISK),
    ("不安", Topics::RISK),
    ("問題", Topics::RISK),
    ("遅れ", Topics::GAP),
    ("遅延", Topics::GAP),
    ("未達", Topics::GAP),
    ("未完", Topics::GAP),
    ("不足", Topics::GAP),
    ("課題", Topics::GAP),
    ("期限切れ", Topics::GAP),
    ("失敗", Topics::GAP),
    ("不具合", Topics::GAP),
    ("延期", Topics::GAP),
    ("後ろ倒し", Topics::GAP),
    ("ずれ込", Topics::GAP),
    ("超過", Topics::GAP),
    ("未解決", Topics::GAP),
    ("決定", Topics::DECISION),
    ("決め", Topics::DECISION),
    ("合意", Topics::DECISION),
    ("採用", Topics::DECISION),
    ("方針", Topics::DECISION),
    ("次", Topics::NEXT_STEP),
    ("今後", Topics::NEXT_STEP),
    ("予定", Topics::NEXT_STEP),
    ("着手", Topics::NEXT_STEP),
    ("来週", Topics::NEXT_STEP),
    ("優先", Topics::NEXT_STEP),
    ("目標", Topics::GOAL),
    ("ゴール", Topics::GOAL),
    ("マイルストーン", Topics::GOAL),
    ("リリース", Topics::GOAL),
    ("ベータ", Topics::GOAL),
    ("進捗", Topics::GOAL),
    ("期限", Topics::GOAL),
    ("締め切り", Topics::GOAL),
    ("納期", Topics::GOAL),
];

/// The topics a text's wording touches (keywords only; no ids).
pub fn topics_of_wording(text: &str) -> Topics {
    let mut topics = Topics::NONE;
    let words: Vec<String> = text.unicode_words().map(str::to_lowercase).collect();
    for word in &words {
        for (stem, topic) in ENGLISH_STEMS {
            if word.starts_with(stem) {
                topics = topics.union(*topic);
            }
        }
        for (whole, topic) in ENGLISH_WORDS {
            if word == whole {
                topics = topics.union(*topic);
            }
        }
    }
    let joined = format!(" {} ", words.join(" "));
    for (phrase, topic) in ENGLISH_PHRASES {
        if joined.contains(&format!(" {phrase} ")) {
            topics = topics.union(*topic);
        }
    }
    for (term, topic) in JAPANESE_TERMS {
        if text.contains(term) {
            topics = topics.union(*topic);
        }
    }
    topics
}

/// The project's ids, each with the topic a mention of it signals.
///
/// Matching uses one Aho-Corasick automaton over every id, so the cost is
/// linear in the text whatever the number of tasks.
#[derive(Debug, Clone)]
pub struct KnownIds {
    automaton: Option<AhoCorasick>,
    topics: Vec<Topics>,
}

impl KnownIds {
    /// `entries`: `(id, topics)`; empty ids are ignored, a repeated id
    /// collects the topics of all its entries.
    pub fn new(entries: impl IntoIterator<Item = (String, Topics)>) -> Self {
        let mut by_id: std::collections::BTreeMap<String, Topics> = Default::default();
        for (id, topic) in entries {
            if !id.is_empty() {
                let known = by_id.entry(id).or_default();
                *known = known.union(topic);
            }
        }
        let (ids, topics): (Vec<String>, Vec<Topics>) = by_id.into_iter().unzip();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&ids)
            .ok();
        Self { automaton, topics }
    }

    /// Topics signalled by the ids `text` names, and whether it names any.
    ///
    /// An id counts only as a whole token: `T1` is not found in `T12` or
    /// `XT1`. Only ASCII letters, digits and `_` continue a token, so `T7は`
    /// (an id followed by Japanese) still names `T7`.
    pub fn mentioned(&self, text: &str) -> (Topics, bool) {
        let Some(automaton) = &self.automaton else {
            return (Topics::NONE, false);
        };
        let continues = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let mut topics = Topics::NONE;
        let mut any = false;
        for found in automaton.find_iter(text) {
            let before = text[..found.start()].chars().next_back();
            let after = text[found.end()..].chars().next();
            if continues(before) || continues(after) {
                continue;
            }
            any = true;
            topics = topics.union(self.topics[found.pattern().as_usize()]);
        }
        (topics, any)
    }
}

/// A sentence's topics and score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Importance {
    pub topics: Topics,
    pub names_id: bool,
    pub score: i32,
    /// The weight of the heaviest topic touched (0 for none or a fragment):
    /// the first key of the order.
    pub lead: i32,
}

/// Fewer visible characters than this and a sentence is a fragment.
const FRAGMENT_CHARS: usize = 10;

/// Scores `sentence`, written under `headings` (outermost first).
pub fn assess(sentence: &str, headings: &[String], known: &KnownIds) -> Importance {
    let mut topics = topics_of_wording(sentence);
    for heading in headings {
        topics = topics.union(topics_of_wording(heading));
    }
    let (id_topics, names_id) = known.mentioned(sentence);
    topics = topics.union(id_topics);
    let visible = sentence.chars().filter(|c| !c.is_whitespace()).count();
    let fragment = visible < FRAGMENT_CHARS;
    let score = topics.weight() + i32::from(names_id) - if fragment { 2 } else { 0 };
    let lead = if fragment { 0 } else { topics.lead() };
    Importance {
        topics,
        names_id,
        score,
        lead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> KnownIds {
        KnownIds::new([])
    }

    #[test]
    fn english_keywords_mark_their_topics() {
        assert!(topics_of_wording("Sync is blocked by the API.").contains(Topics::BLOCKER));
        assert!(topics_of_wording("The beta is at risk.").contains(Topics::RISK));
        assert!(topics_of_wording("We are two weeks behind.").contains(Topics::GAP));
        assert!(topics_of_wording("We decided to use CRDTs.").contains(Topics::DECISION));
        assert!(topics_of_wording("Next we wire search.").contains(Topics::NEXT_STEP));
        assert!(topics_of_wording("The goal holds.").contains(Topics::GOAL));
        assert!(topics_of_wording("We met for lunch later.").is_empty());
    }

    #[test]
    fn japanese_terms_mark_their_topics() {
        assert!(topics_of_wording("同期はAPI待ちで止まっている。").contains(Topics::BLOCKER));
        assert!(topics_of_wording("電池消費にリスクがある。").contains(Topics::RISK));
        assert!(topics_of_wording("検索は一週間遅れている。").contains(Topics::GAP));
        assert!(topics_of_wording("CRDTの採用を決定した。").contains(Topics::DECISION));
        assert!(topics_of_wording("移行は失敗した。").contains(Topics::GAP));
        assert!(topics_of_wording("リリースは延期された。").contains(Topics::GAP));
        assert!(topics_of_wording("本番で障害が発生した。").contains(Topics::BLOCKER));
        assert!(topics_of_wording("The migration failed twice.").contains(Topics::GAP));
    }

    #[test]
    fn headings_lend_their_topic() {
        let plain = assess("The export format may change.", &[], &none());
        let under_risks = assess(
            "The export format may change.",
            &["Status".into(), "Risks".into()],
            &none(),
        );
        assert!(under_risks.topics.contains(Topics::RISK));
        assert!(under_risks.score > plain.score);
    }

    #[test]
    fn ids_count_only_as_whole_tokens() {
        let known = KnownIds::new([
            ("T1".to_owned(), Topics::BLOCKER),
            ("G2".to_owned(), Topics::GOAL),
        ]);
        assert_eq!(
            known.mentioned("T12 and XT1 are fine"),
            (Topics::NONE, false)
        );
        assert_eq!(known.mentioned("T1は止まっている"), (Topics::BLOCKER, true));
        assert_eq!(
            known.mentioned("(T1, G2)"),
            (Topics::BLOCKER.union(Topics::GOAL), true)
        );
    }

    #[test]
    fn blockers_outweigh_goals_and_fragments_lose() {
        let blocker = assess("Sync is blocked on the auth API.", &[], &none());
        let goal = assess("The beta milestone is set.", &[], &none());
        let fragment = assess("OK.", &[], &none());
        let filler = assess("The team met in Berlin this month.", &[], &none());
        assert!(blocker.score > goal.score);
        assert!(goal.score > filler.score);
        assert!(filler.score > fragment.score);
    }
}
