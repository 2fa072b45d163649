//! "Did you mean ...?": the closest valid word to a misspelt one.

/// The candidate closest to `word` by edit distance (Damerau–Levenshtein,
/// case-insensitive), if it is close enough to be a plausible typo (at most
/// one edit for short words, a third of the length for longer ones) and no
/// other candidate is as close: `G5` among `G1`…`G4` suggests nothing
/// rather than an arbitrary one.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let budget = (lower.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut tied = false;
    for c in candidates {
        let d = strsim::damerau_levenshtein(&lower, &c.to_lowercase());
        if d > budget {
            continue;
        }
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, _)) if d == bd => tied = true,
            _ => {
                best = Some((d, c));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, c)| c)
}

/// Words people write for a key of ours, from other tools' habits.
const SYNONYMS: &[(&str, &str)] = &[
    ("name", "title"),
    ("summary", "title"),
    ("priority", "criticality"),
    ("importance", "criticality"),
    ("severity", "risk"),
    ("size", "effort"),
    ("estimate", "effort"),
    ("assignee", "owner"),
    ("assigned_to", "owner"),
    ("deps", "depends_on"),
    ("dependencies", "depends_on"),
    ("blocked_by", "depends_on"),
    ("after", "depends_on"),
    ("deadline", "due"),
    ("due_date", "due"),
    ("criteria", "acceptance"),
    ("acceptance_criteria", "acceptance"),
    ("term", "horizon"),
    ("state", "status"),
    ("related", "links"),
    ("refs", "links"),
    ("why", "rationale"),
    ("reason", "rationale"),
    ("decided", "date"),
    ("description", "purpose"),
];

/// The allowed key that an unknown `key` was most likely meant to be: a
/// known synonym first ("assignee" → "owner"), else the closest spelling.
pub fn closest_key<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let lower = key.to_lowercase();
    SYNONYMS
        .iter()
        .filter(|(word, _)| *word == lower)
        .find_map(|(_, ours)| allowed.iter().copied().find(|a| a == ours))
        .or_else(|| closest(key, allowed.iter().copied()))
}

/// Words people write for an allowed value, in English and Japanese,
/// from other trackers' habits (GitHub's `closed`, Jira's `In Progress`,
/// a spreadsheet's `完了`). Each maps to the value of ours it means; a
/// word may appear twice for different fields (`中` is `medium` for
/// criticality and risk, `M` for effort), and only the entry whose value is
/// allowed for the field is used. Words are compared as [`fold`] leaves
/// them.
const VALUE_SYNONYMS: &[(&str, &str)] = &[
    // status
    ("完了", "done"),
    ("完了済み", "done"),
    ("済", "done"),
    ("済み", "done"),
    ("終了", "done"),
    ("done", "done"),
    ("finished", "done"),
    ("complete", "done"),
    ("completed", "done"),
    ("closed", "done"),
    ("resolved", "done"),
    ("未着手", "todo"),
    ("未対応", "todo"),
    ("todo", "todo"),
    ("to do", "todo"),
    ("open", "todo"),
    ("new", "todo"),
    ("not started", "todo"),
    ("backlog", "todo"),
    ("進行中", "in_progress"),
    ("作業中", "in_progress"),
    ("対応中", "in_progress"),
    ("着手", "in_progress"),
    ("着手中", "in_progress"),
    ("doing", "in_progress"),
    ("wip", "in_progress"),
    ("in progress", "in_progress"),
    ("started", "in_progress"),
    ("active", "in_progress"),
    ("ブロック", "blocked"),
    ("ブロック中", "blocked"),
    ("保留", "blocked"),
    ("保留中", "blocked"),
    ("blocked", "blocked"),
    ("on hold", "blocked"),
    ("waiting", "blocked"),
    ("stuck", "blocked"),
    // criticality and risk
    ("高", "high"),
    ("高い", "high"),
    ("critical", "high"),
    ("urgent", "high"),
    ("h", "high"),
    ("中", "medium"),
    ("普通", "medium"),
    ("normal", "medium"),
    ("med", "medium"),
    ("m", "medium"),
    ("mid", "medium"),
    ("低", "low"),
    ("低い", "low"),
    ("minor", "low"),
    ("l", "low"),
    // effort
    ("小", "S"),
    ("small", "S"),
    ("中", "M"),
    ("medium", "M"),
    ("大", "L"),
    ("large", "L"),
    ("big", "L"),
    // horizon
    ("短期", "short"),
    ("short term", "short"),
    ("near term", "short"),
    ("中期", "mid"),
    ("mid term", "mid"),
    ("medium", "mid"),
    ("medium term", "mid"),
];

/// A word as [`VALUE_SYNONYMS`] spells it: Unicode NFKC (full-width
/// `ＤＯＮＥ` is `done`), lowercase, and `-`, `_` and runs of whitespace as
/// one space (`In-Progress`, `on_hold`).
fn fold(word: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let lower: String = word.nfkc().flat_map(char::to_lowercase).collect();
    lower
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The allowed value that a wrong `value` most likely meant: the same word
/// spelt differently (`In Progress`), a word of [`VALUE_SYNONYMS`] (`完了`,
/// `closed`), else the closest spelling (`bloked`).
pub fn closest_value<'a>(value: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let folded = fold(value);
    allowed
        .iter()
        .copied()
        .find(|a| fold(a) == folded)
        .or_else(|| {
            VALUE_SYNONYMS
                .iter()
                .filter(|(word, _)| *word == folded)
                .find_map(|(_, ours)| allowed.iter().copied().find(|a| a == ours))
        })
        .or_else(|| closest(value, allowed.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_but_not_unrelated_words() {
        let keys = ["id", "title", "goal", "status", "depends_on", "due"];
        assert_eq!(closest("titel", keys), Some("title"));
        assert_eq!(closest("depend_on", keys), Some("depends_on"));
        assert_eq!(closest("dependson", keys), Some("depends_on"));
        assert_eq!(closest("Status", keys), Some("status"));
        assert_eq!(closest("priority", keys), None);
        assert_eq!(
            closest("G5", ["G1", "G2", "G3"]),
            None,
            "ambiguous: no guess"
        );
        assert_eq!(closest("G-2", ["G1", "G2", "G3"]), Some("G2"));
        assert_eq!(
            closest("in-progress", ["todo", "in_progress", "done"]),
            Some("in_progress")
        );
        assert_eq!(closest_key("assignee", &keys), None);
        assert_eq!(closest_key("assignee", &["id", "owner"]), Some("owner"));
        assert_eq!(closest_key("deps", &keys), Some("depends_on"));
        assert_eq!(closest_key("titel", &keys), Some("title"));
    }

    #[test]
    fn values_are_suggested_from_other_words_and_scripts() {
        let statuses = ["todo", "in_progress", "done", "blocked"];
        for (written, meant) in [
            ("完了", "done"),
            ("済", "done"),
            ("Finished", "done"),
            ("closed", "done"),
            ("ＤＯＮＥ", "done"),
            ("未着手", "todo"),
            ("Open", "todo"),
            ("進行中", "in_progress"),
            ("作業中", "in_progress"),
            ("WIP", "in_progress"),
            ("In Progress", "in_progress"),
            ("in-progress", "in_progress"),
            ("doing", "in_progress"),
            ("保留", "blocked"),
            ("ブロック", "blocked"),
            ("on hold", "blocked"),
            ("bloked", "blocked"),
        ] {
            assert_eq!(closest_value(written, &statuses), Some(meant), "{written}");
        }
        assert_eq!(closest_value("someday", &statuses), None);

        let levels = ["high", "medium", "low"];
        let efforts = ["S", "M", "L"];
        // One word, a different value per field.
        assert_eq!(closest_value("中", &levels), Some("medium"));
        assert_eq!(closest_value("中", &efforts), Some("M"));
        assert_eq!(closest_value("高", &levels), Some("high"));
        assert_eq!(closest_value("低", &levels), Some("low"));
        assert_eq!(closest_value("大", &efforts), Some("L"));
        assert_eq!(closest_value("small", &efforts), Some("S"));
        assert_eq!(closest_value("高", &efforts), None);
        assert_eq!(closest_value("中期", &["short", "mid"]), Some("mid"));
        assert_eq!(closest_value("medium", &["short", "mid"]), Some("mid"));
    }
}
