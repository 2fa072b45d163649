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

/// `; did you mean `x`?` or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
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
}
