//! A curated set checked once: the one definition of "a set the planner and
//! the synthesizer can rely on".
//!
//! A curated set can reach a cell over HTTP from anywhere, so neither the
//! planner nor the synthesizer takes the curator's word for it. Both call
//! [`CheckedSet::check`], which checks everything they rely on — a project
//! id that matches `project.yaml`'s, non-empty and unique ids of every kind,
//! tasks that name a known goal, dependencies that name a known task, no
//! dependency cycle — and reports every problem found, each located by file
//! and line, in file and line order, with one set of problem codes:
//!
//! | code | when |
//! |---|---|
//! | `empty_value` | an id, the project id or a source path is empty |
//! | `project_mismatch` | `project_id` is not `project.yaml`'s id |
//! | `duplicate_id` | a second goal, criterion, task or decision with an id already defined (`related`: the first) |
//! | `unknown_reference` | a task's `goal` or `depends_on` entry names nothing defined |
//! | `dependency_cycle` | tasks wait on each other in a circle (`related`: each edge's line) |
//!
//! What comes out can be used without further checks: task `i` of the set
//! is node `i` of [`CheckedSet::graph`], and every look-up by id is an index.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::common::SourceRef;
use crate::curated::{Criterion, CuratedSet, Decision, Goal, RelationKind, Task};
use crate::graph::TaskGraph;
use crate::problem::Problem;

/// A curated set that passed every check, with the indexes its readers need.
#[derive(Debug)]
pub struct CheckedSet<'a> {
    pub set: &'a CuratedSet,
    /// Node `i` is `set.tasks[i]`.
    pub graph: TaskGraph<'a>,
    /// Task indexes, dependencies before dependents.
    pub order: Vec<usize>,
    /// `goal_of[t]`: the index in `set.goals` of the goal task `t` advances.
    pub goal_of: Vec<usize>,
    /// `tasks_of[g]`: the tasks advancing goal `g`, in input order.
    pub tasks_of: Vec<Vec<usize>>,
    goals: HashMap<&'a str, usize>,
    /// Criterion id → (goal index, criterion index in that goal).
    criteria: HashMap<&'a str, (usize, usize)>,
    decisions: HashMap<&'a str, usize>,
    paths: HashSet<&'a str>,
}

impl<'a> CheckedSet<'a> {
    /// Checks `set`; on success the checked set, else every problem, in
    /// file and line order.
    pub fn check(set: &'a CuratedSet) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        check_project(set, &mut problems);

        let goals = unique_ids(
            set.goals.iter().map(|g| (g.id.as_str(), &g.source)),
            "goal",
            &mut problems,
        );
        let criterion_at: Vec<(usize, usize)> = set
            .goals
            .iter()
            .enumerate()
            .flat_map(|(g, goal)| (0..goal.acceptance.len()).map(move |c| (g, c)))
            .collect();
        let criteria = unique_ids(
            set.goals
                .iter()
                .flat_map(|g| &g.acceptance)
                .map(|c| (c.id.as_str(), &c.source)),
            "acceptance criterion",
            &mut problems,
        )
        .into_iter()
        .map(|(id, i)| (id, criterion_at[i]))
        .collect();
        let decisions = unique_ids(
            set.decisions.iter().map(|d| (d.id.as_str(), &d.source)),
            "decision",
            &mut problems,
        );
        for task in set.tasks.iter().filter(|t| t.id.trim().is_empty()) {
            problems.push(empty_id("task", &task.id, &task.source));
        }

        let mut goal_of = Vec::with_capacity(set.tasks.len());
        let mut tasks_of = vec![Vec::new(); set.goals.len()];
        for (node, task) in set.tasks.iter().enumerate() {
            match goals.get(task.goal.as_str()) {
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
                    problems.push(duplicate_id("task", &task.id, &task.source, earlier));
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
            goals,
            criteria,
            decisions,
            paths: set.sources.iter().map(|s| s.path.as_str()).collect(),
        })
    }

    /// Task `node` (= its index in `set.tasks`).
    pub fn task(&self, node: usize) -> &'a Task {
        &self.set.tasks[node]
    }

    /// Goal `goal` (= its index in `set.goals`).
    pub fn goal(&self, goal: usize) -> &'a Goal {
        &self.set.goals[goal]
    }

    /// The goal task `node` advances.
    pub fn goal_of_task(&self, node: usize) -> &'a Goal {
        &self.set.goals[self.goal_of[node]]
    }

    pub fn task_by_id(&self, id: &str) -> Option<&'a Task> {
        self.graph.node(id).map(|node| self.task(node))
    }

    pub fn goal_by_id(&self, id: &str) -> Option<&'a Goal> {
        self.goals.get(id).map(|&g| self.goal(g))
    }

    /// The criterion with `id` and the goal it belongs to.
    pub fn criterion_by_id(&self, id: &str) -> Option<(&'a Goal, &'a Criterion)> {
        self.criteria.get(id).map(|&(g, c)| {
            let goal = self.goal(g);
            (goal, &goal.acceptance[c])
        })
    }

    pub fn decision_by_id(&self, id: &str) -> Option<&'a Decision> {
        self.decisions.get(id).map(|&d| &self.set.decisions[d])
    }

    /// Whether the set was read from a file at `path`.
    pub fn has_source(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// `"T7 Sync engine"`: a task's id with its title, for sentences; an
    /// unknown id as it is.
    pub fn task_label(&self, id: &str) -> String {
        match self.task_by_id(id) {
            Some(task) => format!("{} {}", task.id, task.title),
            None => id.to_owned(),
        }
    }

    /// Decisions that link to any of `ids`, in the order written.
    pub fn decisions_linking<'s>(
        &'s self,
        ids: &'s [&str],
    ) -> impl Iterator<Item = &'a Decision> + 's {
        self.set
            .decisions
            .iter()
            .filter(move |d| d.links.iter().any(|l| ids.contains(&l.as_str())))
    }
}

fn check_project(set: &CuratedSet, problems: &mut Vec<Problem>) {
    if set.project_id.trim().is_empty() {
        problems.push(Problem::new(
            "empty_value",
            "curated_set#/project_id",
            None,
            "the curated set has an empty project id",
        ));
    } else if set.project.id != set.project_id {
        problems.push(
            Problem::at(
                "project_mismatch",
                &set.project.source,
                format!(
                    "the curated set is for project \"{}\" but its project.yaml says \"{}\"",
                    set.project_id, set.project.id
                ),
            )
            .with_value(&set.project.id),
        );
    }
    for (i, source) in set.sources.iter().enumerate() {
        if source.path.is_empty() {
            problems.push(Problem::new(
                "empty_value",
                format!("curated_set#/sources/{i}/path"),
                None,
                "a source file has an empty path",
            ));
        }
    }
}

fn empty_id(kind: &str, id: &str, source: &SourceRef) -> Problem {
    Problem::at(
        "empty_value",
        source,
        format!("a {kind} id cannot be empty"),
    )
    .with_value(id)
}

fn duplicate_id(kind: &str, id: &str, source: &SourceRef, earlier: &SourceRef) -> Problem {
    Problem::at(
        "duplicate_id",
        source,
        format!("{kind} id \"{id}\" is already defined at {earlier}; ids must be unique"),
    )
    .with_value(id)
    .with_related([earlier.clone()])
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
            problems.push(empty_id(kind, id, source));
            continue;
        }
        match first.get(id) {
            Some((_, earlier)) => problems.push(duplicate_id(kind, id, source, earlier)),
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
            (
                from,
                cycle[(i + 1) % cycle.len()],
                edge_at(from, cycle[(i + 1) % cycle.len()]),
            )
        })
        .collect();
    let loop_text = cycle
        .iter()
        .chain(cycle.first())
        .map(|&t| graph.id(t))
        .collect::<Vec<_>>()
        .join(" → ");
    let mut described = String::new();
    for (i, (from, to, at)) in edges.iter().enumerate() {
        if i > 0 {
            described.push_str(", ");
        }
        let _ = write!(
            described,
            "{} depends on {} ({at})",
            graph.id(*from),
            graph.id(*to)
        );
    }
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
    use serde_json::{Value, json};

    fn task(id: &str, goal: &str, line: u32, deps: &[&str]) -> Value {
        json!({"id": id, "title": format!("Task {id}"), "goal": goal, "status": "todo",
               "depends_on": deps, "criticality": "medium", "effort": "M", "risk": "medium",
               "source": {"path": "tasks.yaml", "line": line}})
    }

    fn goal(id: &str, line: u32, criteria: &[&str]) -> Value {
        let acceptance: Vec<Value> = criteria
            .iter()
            .map(|c| {
                json!({"id": c, "text": "done", "met": false,
                            "source": {"path": "project.yaml", "line": line + 1}})
            })
            .collect();
        json!({"id": id, "title": format!("Goal {id}"), "horizon": "short",
               "acceptance": acceptance, "source": {"path": "project.yaml", "line": line}})
    }

    fn set(goals: Vec<Value>, tasks: Vec<Value>) -> CuratedSet {
        let relations: Vec<Value> = tasks
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                let from = t["id"].clone();
                t["depends_on"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(move |(k, to)| {
                        json!({"kind": "depends_on", "from": from, "to": to,
                        "source": {"path": "tasks.yaml", "line": 100 + 10 * i + k}})
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        serde_json::from_value(json!({
            "schema_version": "curated_set_v1", "project_id": "p", "trace_id": "0".repeat(32),
            "project": {"id": "p", "name": "P", "source": {"path": "project.yaml", "line": 1}},
            "goals": goals, "tasks": tasks, "decisions": [], "statements": [],
            "relations": relations,
            "sources": [{"path": "tasks.yaml", "kind": "tasks", "sha256": "0".repeat(64), "bytes": 1, "chars": 1}],
            "warnings": []
        }))
        .expect("a valid curated set document")
    }

    fn codes(problems: &[Problem]) -> Vec<(&str, Option<&str>)> {
        let mut got: Vec<_> = problems
            .iter()
            .map(|p| (p.code.as_str(), p.value.as_deref()))
            .collect();
        got.sort();
        got
    }

    #[test]
    fn a_clean_set_indexes_tasks_goals_and_criteria() {
        let set = set(
            vec![goal("G1", 3, &["G1.1"]), goal("G2", 6, &["G2.1", "G2.2"])],
            vec![
                task("T-1", "G2", 2, &[]),
                task("T-2", "G1", 5, &["T-1"]),
                task("T-3", "G2", 8, &[]),
            ],
        );
        let checked = CheckedSet::check(&set).expect("clean");
        assert_eq!(checked.tasks_of, [vec![1], vec![0, 2]]);
        assert_eq!(checked.goal_of, [1, 0, 1]);
        assert_eq!(checked.order, [0, 2, 1]);
        assert_eq!(
            checked.task_by_id("T-3").map(|t| t.goal.as_str()),
            Some("G2")
        );
        assert_eq!(checked.goal_by_id("G1").map(|g| g.id.as_str()), Some("G1"));
        let (owner, criterion) = checked.criterion_by_id("G2.2").expect("known");
        assert_eq!((owner.id.as_str(), criterion.id.as_str()), ("G2", "G2.2"));
        assert!(checked.criterion_by_id("G3.1").is_none());
        assert!(checked.has_source("tasks.yaml"));
        assert!(!checked.has_source("state.md"));
        assert_eq!(checked.task_label("T-2"), "T-2 Task T-2");
        assert_eq!(checked.task_label("T-9"), "T-9");
    }

    #[test]
    fn every_problem_is_reported_with_one_set_of_codes_in_file_order() {
        let mut set = set(
            vec![goal("G1", 3, &["G1.1"]), goal("G1", 6, &["G1.1"])],
            vec![
                task("T-1", "G1", 2, &[]),
                task("T-1", "G1", 5, &[]),
                task("T-2", "G9", 8, &["T-404"]),
                task(" ", "G1", 11, &[]),
            ],
        );
        set.project_id = "q".into();
        let problems = CheckedSet::check(&set).expect_err("invalid");
        assert_eq!(
            codes(&problems),
            [
                ("duplicate_id", Some("G1")),
                ("duplicate_id", Some("G1.1")),
                ("duplicate_id", Some("T-1")),
                ("empty_value", Some(" ")),
                ("project_mismatch", Some("p")),
                ("unknown_reference", Some("G9")),
                ("unknown_reference", Some("T-404")),
            ]
        );
        let dup = problems
            .iter()
            .find(|p| p.value.as_deref() == Some("T-1"))
            .expect("duplicate task");
        assert_eq!(dup.related, [set.tasks[0].source.clone()]);
        assert_eq!(dup.line, Some(5));
        // The unknown dependency is located at its own `depends_on` line.
        let unknown = problems
            .iter()
            .find(|p| p.value.as_deref() == Some("T-404"))
            .expect("unknown dependency");
        assert_eq!(unknown.line, Some(120));
        let order: Vec<(&str, Option<u32>)> =
            problems.iter().map(|p| (p.path.as_str(), p.line)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
    }

    #[test]
    fn a_cycle_is_named_whole_with_each_edges_line() {
        let set = set(
            vec![goal("G1", 3, &[])],
            vec![
                task("T-1", "G1", 2, &["T-3"]),
                task("T-2", "G1", 5, &["T-1"]),
                task("T-3", "G1", 8, &["T-2"]),
            ],
        );
        let problems = CheckedSet::check(&set).expect_err("cycle");
        assert_eq!(
            codes(&problems),
            [("dependency_cycle", Some("T-1 → T-3 → T-2 → T-1"))]
        );
        let lines: Vec<u32> = problems[0].related.iter().map(|r| r.line).collect();
        assert_eq!(lines, [100, 120, 110]);
        assert!(
            problems[0]
                .message
                .contains("T-3 depends on T-2 (tasks.yaml:120)")
        );
    }

    #[test]
    fn empty_project_id_and_source_path_are_named() {
        let mut set = set(vec![goal("G1", 3, &[])], vec![]);
        set.project_id = String::new();
        set.sources[0].path = String::new();
        let problems = CheckedSet::check(&set).expect_err("invalid");
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["curated_set#/project_id", "curated_set#/sources/0/path"]
        );
        assert!(problems.iter().all(|p| p.code == "empty_value"));
    }
}
