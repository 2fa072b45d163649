//! The curated set, re-checked and indexed for planning.
//!
//! A curated set can reach the planner over HTTP from anywhere, so the
//! planner does not take the curator's word for it: everything planning
//! relies on is checked again here — non-empty, unique ids; tasks that name
//! a known goal; dependencies that name a known task; no dependency cycle.
//! Every problem found is reported, each located by file and line, so the
//! whole input can be fixed in one pass. What comes out, [`Facts`], can be
//! planned without further checks: node `i` of its graph is task `i`.

use std::collections::HashMap;

use vpm_model::Problem;
use vpm_model::SourceRef;
use vpm_model::curated::{CuratedSet, Goal, RelationKind, Task};
use vpm_model::graph::TaskGraph;

/// A curated set that passed every check, with the indices planning needs.
#[derive(Debug)]
pub struct Facts<'a> {
    pub set: &'a CuratedSet,
    /// Node `i` is `set.tasks[i]`.
    pub graph: TaskGraph<'a>,
    /// Dependencies before dependents.
    pub order: Vec<usize>,
    /// `goal_of[t]`: the index in `set.goals` of the goal task `t` advances.
    pub goal_of: Vec<usize>,
    /// `tasks_of[g]`: the tasks advancing goal `g`, in input order.
    pub tasks_of: Vec<Vec<usize>>,
}

impl<'a> Facts<'a> {
    pub fn task(&self, node: usize) -> &'a Task {
        &self.set.tasks[node]
    }

    pub fn goal(&self, goal: usize) -> &'a Goal {
        &self.set.goals[goal]
    }

    pub fn goal_of_task(&self, node: usize) -> &'a Goal {
        &self.set.goals[self.goal_of[node]]
    }

    /// Checks `set`; on success the facts, else every problem, in file and
    /// line order.
    pub fn check(set: &'a CuratedSet) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();

        let goal_index = unique_ids(
            set.goals.iter().map(|g| (g.id.as_str(), &g.source)),
            "goal",
            &mut problems,
        );
        unique_ids(
            set.goals
                .iter()
                .flat_map(|g| &g.acceptance)
                .map(|c| (c.id.as_str(), &c.source)),
            "acceptance criterion",
            &mut problems,
        );
        for task in set.tasks.iter().filter(|t| t.id.trim().is_empty()) {
            problems.push(
                Problem::at("bad_value", &task.source, "a task id cannot be empty")
                    .with_value(task.id.clone()),
            );
        }

        let mut goal_of = Vec::with_capacity(set.tasks.len());
        let mut tasks_of = vec![Vec::new(); set.goals.len()];
        for (node, task) in set.tasks.iter().enumerate() {
            match goal_index.get(task.goal.as_str()) {
                Some(&g) => {
                    goal_of.push(g);
                    tasks_of[g].push(node);
                }
                None => {
                    goal_of.push(usize::MAX);
                    problems.push(unknown_goal(task, set));
                }
            }
        }

        let (graph, unknown) = TaskGraph::new(
            set.tasks
                .iter()
                .map(|t| (t.id.as_str(), t.depends_on.iter().map(String::as_str))),
        );
        // Graph nodes are numbered by first occurrence, so a task whose id
        // already has a node is a duplicate; and with duplicates, node
        // numbers are not task positions, so problems map them back.
        let mut task_of_node = Vec::with_capacity(graph.len());
        for (i, task) in set.tasks.iter().enumerate() {
            match graph.node(&task.id) {
                Some(node) if node == task_of_node.len() => task_of_node.push(i),
                Some(node) if !task.id.trim().is_empty() => {
                    let earlier = &set.tasks[task_of_node[node]].source;
                    problems.push(
                        Problem::at(
                            "duplicate_id",
                            &task.source,
                            format!(
                                "task id \"{}\" is already defined at {earlier}; ids must be unique",
                                task.id
                            ),
                        )
                        .with_value(task.id.clone())
                        .with_related([earlier.clone()]),
                    );
                }
                _ => {}
            }
        }
        // Built only when a problem needs a line: 300,000 entries at 100,000
        // tasks are not free.
        let locations = std::cell::OnceCell::new();
        let locations = || locations.get_or_init(|| EdgeLocations::new(set));
        for missing in &unknown {
            let task = &set.tasks[task_of_node[missing.task]];
            let at = locations().of(task, missing.missing);
            problems.push(
                Problem::at(
                    "unknown_reference",
                    at,
                    format!(
                        "task {} depends on \"{}\", which is not a task of this project",
                        task.id, missing.missing
                    ),
                )
                .with_value(missing.missing),
            );
        }

        let order = match graph.topological_order() {
            Ok(order) => order,
            Err(cycles) => {
                for cycle in cycles {
                    problems.push(cycle_problem(&graph, &cycle, |from, to| {
                        locations().of(&set.tasks[task_of_node[from]], graph.id(to))
                    }));
                }
                Vec::new()
            }
        };

        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            return Err(problems);
        }
        Ok(Self {
            set,
            graph,
            order,
            goal_of,
            tasks_of,
        })
    }
}

/// Reports empty ids and every later definition of an id already defined;
/// returns the index of each id's first definition.
fn unique_ids<'a>(
    items: impl Iterator<Item = (&'a str, &'a SourceRef)>,
    kind: &str,
    problems: &mut Vec<Problem>,
) -> HashMap<&'a str, usize> {
    let mut first: HashMap<&'a str, (usize, &'a SourceRef)> = HashMap::new();
    for (i, (id, source)) in items.enumerate() {
        if id.trim().is_empty() {
            problems.push(
                Problem::at("bad_value", source, format!("a {kind} id cannot be empty"))
                    .with_value(id),
            );
            continue;
        }
        match first.get(id) {
            Some((_, earlier)) => problems.push(
                Problem::at(
                    "duplicate_id",
                    source,
                    format!(
                        "{kind} id \"{id}\" is already defined at {earlier}; ids must be unique"
                    ),
                )
                .with_value(id)
                .with_related([(*earlier).clone()]),
            ),
            None => {
                first.insert(id, (i, source));
            }
        }
    }
    first.into_iter().map(|(id, (i, _))| (id, i)).collect()
}

fn unknown_goal(task: &Task, set: &CuratedSet) -> Problem {
    const SHOWN: usize = 10;
    let known: Vec<&str> = set
        .goals
        .iter()
        .take(SHOWN)
        .map(|g| g.id.as_str())
        .collect();
    let known = match (known.is_empty(), set.goals.len() > SHOWN) {
        (true, _) => "project.yaml defines no goals".to_owned(),
        (false, false) => format!("known goals: {}", known.join(", ")),
        (false, true) => format!("known goals include: {}", known.join(", ")),
    };
    Problem::at(
        "unknown_reference",
        &task.source,
        format!(
            "task {} advances goal \"{}\", which is not a goal of this project ({known})",
            task.id, task.goal
        ),
    )
    .with_value(task.goal.clone())
}

/// Where each `depends_on` entry is written: the `depends_on` relations
/// carry the line of the entry; a task's own line is the fallback.
struct EdgeLocations<'a> {
    lines: HashMap<(&'a str, &'a str), &'a SourceRef>,
}

impl<'a> EdgeLocations<'a> {
    fn new(set: &'a CuratedSet) -> Self {
        let lines = set
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::DependsOn)
            .map(|r| ((r.from.as_str(), r.to.as_str()), &r.source))
            .collect();
        Self { lines }
    }

    fn of(&self, task: &'a Task, dependency: &str) -> &'a SourceRef {
        self.lines
            .get(&(task.id.as_str(), dependency))
            .copied()
            .unwrap_or(&task.source)
    }
}

/// One problem naming the whole cycle, each edge with its file and line.
fn cycle_problem<'s>(
    graph: &TaskGraph<'_>,
    cycle: &[usize],
    edge_at: impl Fn(usize, usize) -> &'s SourceRef,
) -> Problem {
    let edges: Vec<(usize, usize, &SourceRef)> = cycle
        .iter()
        .enumerate()
        .map(|(i, &from)| {
            let to = cycle[(i + 1) % cycle.len()];
            (from, to, edge_at(from, to))
        })
        .collect();
    let loop_text = cycle
        .iter()
        .chain(cycle.first())
        .map(|&t| graph.id(t))
        .collect::<Vec<_>>()
        .join(" → ");
    let described = edges
        .iter()
        .map(|(from, to, at)| format!("{} depends on {} ({at})", graph.id(*from), graph.id(*to)))
        .collect::<Vec<_>>()
        .join(", ");
    let first_at = edges
        .first()
        .map(|(_, _, at)| (*at).clone())
        .unwrap_or_else(|| SourceRef::new("tasks.yaml", 1));
    Problem::at(
        "dependency_cycle",
        &first_at,
        format!(
            "dependency cycle {loop_text}: {described}; no task in it can ever start, so remove one of these dependencies"
        ),
    )
    .with_value(loop_text)
    .with_related(edges.into_iter().map(|(_, _, at)| at.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ProjectBuilder, TaskSpec};

    fn codes(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.code.as_str()).collect()
    }

    #[test]
    fn a_cycle_is_named_whole_with_each_edges_line() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "リリース", Some("2026-12-18"))
            .task(TaskSpec::new("T-1", "G1").deps(&["T-3"]))
            .task(TaskSpec::new("T-2", "G1").deps(&["T-1"]))
            .task(TaskSpec::new("T-3", "G1").deps(&["T-2"]))
            .build();
        let problems = Facts::check(&set).unwrap_err();
        assert_eq!(codes(&problems), ["dependency_cycle"]);
        let p = &problems[0];
        assert_eq!(p.value.as_deref(), Some("T-1 → T-3 → T-2 → T-1"));
        // Each edge is located at its own `depends_on` line.
        let edge_lines: Vec<u32> = p.related.iter().map(|r| r.line).collect();
        let line_of = |from: &str, to: &str| {
            set.relations
                .iter()
                .find(|r| r.from == from && r.to == to)
                .unwrap()
                .source
                .line
        };
        assert_eq!(
            edge_lines,
            [
                line_of("T-1", "T-3"),
                line_of("T-3", "T-2"),
                line_of("T-2", "T-1")
            ]
        );
        assert_eq!(p.line, Some(edge_lines[0]));
        assert!(p.message.contains(&format!(
            "T-3 depends on T-2 (tasks.yaml:{})",
            edge_lines[1]
        )));
    }

    #[test]
    fn every_problem_is_reported_in_file_order() {
        let mut set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "Launch", None)
            .goal("G1", "Launch again", None)
            .task(TaskSpec::new("T-1", "G1"))
            .task(TaskSpec::new("T-1", "G1"))
            .task(TaskSpec::new("T-2", "G9").deps(&["T-404"]))
            .task(TaskSpec::new(" ", "G1"))
            .build();
        // The builder writes relations only for known edges; make sure the
        // unknown one falls back to the task's own line.
        set.relations.retain(|r| r.to != "T-404");
        let problems = Facts::check(&set).unwrap_err();
        let mut got: Vec<(&str, Option<&str>)> = problems
            .iter()
            .map(|p| (p.code.as_str(), p.value.as_deref()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("bad_value", Some(" ")),
                ("duplicate_id", Some("G1")),
                ("duplicate_id", Some("T-1")),
                ("unknown_reference", Some("G9")),
                ("unknown_reference", Some("T-404")),
            ]
        );
        let dup_task = problems
            .iter()
            .find(|p| p.value.as_deref() == Some("T-1"))
            .unwrap();
        assert_eq!(dup_task.related, [set.tasks[0].source.clone()]);
        assert_eq!(dup_task.line, Some(set.tasks[1].source.line));
        let unknown_dep = problems
            .iter()
            .find(|p| p.value.as_deref() == Some("T-404"))
            .unwrap();
        assert_eq!(unknown_dep.line, Some(set.tasks[2].source.line));
        let lines: Vec<(&str, Option<u32>)> =
            problems.iter().map(|p| (p.path.as_str(), p.line)).collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
    }

    #[test]
    fn a_clean_set_indexes_tasks_by_goal() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "A", None)
            .goal("G2", "B", None)
            .task(TaskSpec::new("T-1", "G2"))
            .task(TaskSpec::new("T-2", "G1").deps(&["T-1"]))
            .task(TaskSpec::new("T-3", "G2"))
            .build();
        let facts = Facts::check(&set).unwrap();
        assert_eq!(facts.tasks_of, [vec![1], vec![0, 2]]);
        assert_eq!(facts.goal_of, [1, 0, 1]);
        assert_eq!(facts.order, [0, 2, 1]);
    }
}
