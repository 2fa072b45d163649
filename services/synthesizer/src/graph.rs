//! The part of the task graph the HTML page draws: the remaining tasks.
//!
//! Done tasks are left out (their edges are satisfied and only clutter the
//! picture). A project with more than [`MAX_DRAWN_TASKS`] remaining tasks
//! would give a drawing nobody can read, and a layout whose cost grows
//! with the square of the tasks; so beyond that bound the drawing keeps
//! the critical path and the Next 3, then their neighbours, nearest first
//! (breadth-first over dependencies in both directions, ties in the order
//! of tasks.yaml), and the page says how many tasks it left out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use vpm_model::TaskStatus;
use vpm_model::plan::Plan;

use crate::facts::Facts;
use crate::view::{GraphNode, GraphView};

/// The most remaining tasks drawn.
pub const MAX_DRAWN_TASKS: usize = 60;

pub fn graph_view(facts: &Facts<'_>, plan: &Plan, overdue: &BTreeSet<&str>) -> GraphView {
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

    let keep = if remaining.len() <= MAX_DRAWN_TASKS {
        (0..remaining.len()).collect::<Vec<_>>()
    } else {
        let seeds = plan
            .graph
            .critical_path
            .tasks
            .iter()
            .chain(plan.next_actions.iter().map(|a| &a.task))
            .filter_map(|id| position.get(id.as_str()).copied());
        neighbourhood(remaining.len(), &edges, seeds, MAX_DRAWN_TASKS)
    };
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
    }
}

/// Up to `limit` nodes: the seeds, then breadth-first outwards, returned
/// in ascending node order.
fn neighbourhood(
    n: usize,
    edges: &[(usize, usize)],
    seeds: impl Iterator<Item = usize>,
    limit: usize,
) -> Vec<usize> {
    let mut adjacent = vec![Vec::new(); n];
    for &(a, b) in edges {
        adjacent[a].push(b);
        adjacent[b].push(a);
    }
    for list in &mut adjacent {
        list.sort_unstable();
    }
    let mut chosen = vec![false; n];
    let mut count = 0;
    let mut queue = VecDeque::new();
    for seed in seeds {
        if count < limit && !chosen[seed] {
            chosen[seed] = true;
            count += 1;
            queue.push_back(seed);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &w in &adjacent[v] {
            if count < limit && !chosen[w] {
                chosen[w] = true;
                count += 1;
                queue.push_back(w);
            }
        }
    }
    // Nothing connected is left: fill with the first tasks not chosen.
    for c in chosen.iter_mut().filter(|c| !**c) {
        if count >= limit {
            break;
        }
        *c = true;
        count += 1;
    }
    (0..n).filter(|&v| chosen[v]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbourhood_grows_from_the_seeds_nearest_first() {
        // A chain 0-1-2-3-4-5 and a separate 6.
        let edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)];
        assert_eq!(neighbourhood(7, &edges, [2].into_iter(), 3), vec![1, 2, 3]);
        assert_eq!(neighbourhood(7, &edges, [5].into_iter(), 2), vec![4, 5]);
        // Room left after the connected part is filled in task order.
        assert_eq!(
            neighbourhood(7, &[(0, 1)], [1].into_iter(), 4),
            vec![0, 1, 2, 3]
        );
    }
}
