//! Small pieces of English shared by the reasons and rationales, so every
//! sentence the planner writes counts and lists things the same way.

/// `1 task`, `3 tasks`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `4 tasks (1 in progress, 2 waiting and 1 blocked)`: the open tasks and
/// their non-empty parts, which always add up to the count.
pub fn open_tasks(open: &vpm_model::plan::OpenPartition) -> String {
    let parts: Vec<String> = [
        (open.in_progress.len(), "in progress"),
        (open.ready.len(), "ready"),
        (open.waiting.len(), "waiting"),
        (open.blocked.len(), "blocked"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let total = count(open.total() as u64, "task", "tasks");
    if parts.is_empty() {
        total
    } else {
        format!("{total} ({})", id_list(&parts))
    }
}

/// `1 working day`, `3 working days` (negative counts as their size).
pub fn working_days(n: i64) -> String {
    count(n.unsigned_abs(), "working day", "working days")
}

/// `T-1`, `T-1 and T-2`, `T-1, T-2 and T-3`, `T-1, T-2, T-3 and 4 more`.
pub fn id_list<S: AsRef<str>>(ids: &[S]) -> String {
    const SHOWN: usize = 3;
    let names: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].to_owned(),
        n if n <= SHOWN + 1 => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
        n => format!("{} and {} more", names[..SHOWN].join(", "), n - SHOWN),
    }
}

/// `T-1 → T-2 → T-3`; long chains keep their ends: `T-1 → T-2 → … → T-9 → T-10`.
pub fn chain<S: AsRef<str>>(ids: &[S]) -> String {
    const HEAD: usize = 3;
    const TAIL: usize = 2;
    let names: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    if names.len() <= HEAD + TAIL + 1 {
        return names.join(" → ");
    }
    format!(
        "{} → … → {}",
        names[..HEAD].join(" → "),
        names[names.len() - TAIL..].join(" → ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_naturally() {
        assert_eq!(id_list(&["T-1"]), "T-1");
        assert_eq!(id_list(&["T-1", "T-2"]), "T-1 and T-2");
        assert_eq!(id_list(&["a", "b", "c", "d"]), "a, b, c and d");
        assert_eq!(
            id_list(&["a", "b", "c", "d", "e", "f"]),
            "a, b, c and 3 more"
        );
        assert_eq!(count(1u32, "task", "tasks"), "1 task");
        assert_eq!(working_days(-2), "2 working days");
    }

    #[test]
    fn long_chains_keep_both_ends() {
        let ids: Vec<String> = (1..=10).map(|i| format!("T-{i}")).collect();
        assert_eq!(chain(&ids), "T-1 → T-2 → T-3 → … → T-9 → T-10");
        assert_eq!(chain(&ids[..3]), "T-1 → T-2 → T-3");
    }
}
