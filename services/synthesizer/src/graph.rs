//! The part of the task graph the HTML page draws: the remaining tasks.
//!
//! Done tasks are left out (their edges are satisfied and only clutter the
//! picture). A project with at most [`MAX_DRAWN_TASKS`] remaining tasks is
//! drawn whole. A bigger one is drawn in part, and the part is exactly
//! what the caption says: the Next 3, the headline critical path, and
//! their *direct* neighbours (the tasks they wait on and the tasks waiting
//! on them) — nothing further out. When even that is more than
//! [`MAX_DRAWN_TASKS`], the Next 3 come first, then the path from its
//! start, then the neighbours in the order of tasks.yaml, and the caption
//! gives the counts drawn of each.
use std::collections::{BTreeMap, BTreeSet};

use vpm_model::TaskStatus;
use vpm_model::plan::Plan;

use crate::view::{GraphNode, GraphSelection, GraphView};
use vpm_model::CheckedSet;

/// The most remaining tasks drawn.
pub const MAX_DRAWN_TASKS: usize = 60;

pub fn graph_view(facts: &CheckedSet<'_>, plan: &Plan, overdue: &BTreeSet<&str>) -> GraphView {
    let set = facts.set;
    // First occurrence of each id only (duplicates were refused earlier).
    let mut seen = BTreeSet::new();
    let remaining: Vec<usize> = (0..set.tasks.len())
        .filter(|&i| seen.insert(set.tasks[i].id.as_str()) && !set.tasks[i].status.is_done())
        .collect();
    let position: BTreeMap<&str, usize> = remaining
        .iter()
        .enumerate()
        .map(|(p, &i)| (set.tasks[i].id.as_str(), p))
        .collect();
    let mut edges = Vec::new();
    for (p, &i) in remaining.iter().enumerate() {
        let mut deps = BTreeSet::new();
        for dep in &set.tasks[i].depends_on {
            if let Some(&d) = position.get(dep.as_str())
                && d != p
                && deps.insert(d)
            {
                edges.push((d, p));
            }
        }
    }
    let critical: BTreeSet<&str> = plan
        .graph
        .critical_path
        .tasks
        .iter()
        .map(String::as_str)
        .collect();
    let next: BTreeMap<&str, usize> = plan
        .next_actions
        .iter()
        .enumerate()
        .map(|(rank, a)| (a.task.as_str(), rank + 1))
        .collect();
    let waiting: BTreeSet<&str> = plan
        .graph
        .blocked
        .iter()
        .filter(|b| !b.blocked_by.is_empty())
        .map(|b| b.task.as_str())
        .collect();

    let (keep, selection) = if remaining.len() <= MAX_DRAWN_TASKS {
        ((0..remaining.len()).collect::<Vec<_>>(), None)
    } else {
        let next_seeds: Vec<usize> = plan
            .next_actions
            .iter()
            .filter_map(|a| position.get(a.task.as_str()).copied())
            .collect();
        let path_seeds: Vec<usize> = plan
            .graph
            .critical_path
            .tasks
            .iter()
            .filter_map(|id| position.get(id.as_str()).copied())
            .collect();
        let (keep, selection) = around(
            remaining.len(),
            &edges,
            &next_seeds,
            &path_seeds,
            MAX_DRAWN_TASKS,
        );
        (keep, Some(selection))
    };
    let goal_index: BTreeMap<&str, usize> = plan
        .goals
        .iter()
        .enumerate()
        .map(|(i, g)| (g.goal.as_str(), i))
        .collect();
    let new_index: BTreeMap<usize, usize> = keep.iter().enumerate().map(|(n, &p)| (p, n)).collect();
    let nodes = keep
        .iter()
        .map(|&p| {
            let task = &set.tasks[remaining[p]];
            let id = task.id.as_str();
            GraphNode {
                id: task.id.clone(),
                title: task.title.clone(),
                goal: task.goal.clone(),
                goal_index: goal_index
                    .get(task.goal.as_str())
                    .copied()
                    .unwrap_or(plan.goals.len()),
                status: task.status,
                blocked: task.status == TaskStatus::Blocked,
                waiting: waiting.contains(id),
                overdue: overdue.contains(id),
                critical: critical.contains(id),
                next_rank: next.get(id).copied(),
            }
        })
        .collect();
    let edges = edges
        .iter()
        .filter_map(|(a, b)| Some((*new_index.get(a)?, *new_index.get(b)?)))
        .collect();
    GraphView {
        nodes,
        edges,
        remaining: remaining.len(),
        selection,
    }
}

/// The Next 3 (`next`), the headline path (`path`) and their direct
/// neighbours, at most `limit` nodes in all, in ascending node order.
fn around(
    n: usize,
    edges: &[(usize, usize)],
    next: &[usize],
    path: &[usize],
    limit: usize,
) -> (Vec<usize>, GraphSelection) {
    let mut chosen = vec![false; n];
    let mut count = 0;
    let mut take = |v: usize, chosen: &mut Vec<bool>| -> bool {
        if count < limit && !chosen[v] {
            chosen[v] = true;
            count += 1;
            true
        } else {
            false
        }
    };
    let mut next_drawn = 0;
    for &v in next {
        next_drawn += usize::from(take(v, &mut chosen) || chosen[v]);
    }
    let next_drawn = next_drawn.min(next.len());
    let mut path_drawn = 0;
    for &v in path {
        if take(v, &mut chosen) || chosen[v] {
            path_drawn += 1;
        }
    }
    let seeds: Vec<bool> = chosen.clone();
    let mut neighbours = BTreeSet::new();
    for &(a, b) in edges {
        if seeds[a] && !seeds[b] {
            neighbours.insert(b);
        }
        if seeds[b] && !seeds[a] {
            neighbours.insert(a);
        }
    }
    let mut neighbours_drawn = 0;
    for &v in &neighbours {
        neighbours_drawn += usize::from(take(v, &mut chosen));
    }
    let selection = GraphSelection {
        next: next_drawn,
        path: path_drawn,
        path_len: path.len(),
        neighbours: neighbours_drawn,
        neighbours_total: neighbours.len(),
    };
    ((0..n).filter(|&v| chosen[v]).collect(), selection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_drawing_is_the_seeds_and_their_direct_neighbours_only() {
        // A chain 0-1-2-3-4-5 and a separate 6; Next 3 = {6}, path = [2, 3].
        let edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)];
        let (keep, selection) = around(7, &edges, &[6], &[2, 3], 10);
        assert_eq!(keep, vec![1, 2, 3, 4, 6], "0 and 5 are two steps out");
        assert_eq!(
            selection,
            GraphSelection {
                next: 1,
                path: 2,
                path_len: 2,
                neighbours: 2,
                neighbours_total: 2
            }
        );
        // Over the limit: seeds first, then as many neighbours as fit.
        let (keep, selection) = around(7, &edges, &[6], &[2, 3], 4);
        assert_eq!(keep, vec![1, 2, 3, 6]);
        assert_eq!((selection.neighbours, selection.neighbours_total), (1, 2));
    }
}
