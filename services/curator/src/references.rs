//! Ids and the relations between them: every id unique, every reference
//! resolved, no task waiting on itself through a circle of dependencies.
//!
//! Goals, acceptance criteria (`G1.2`), tasks and decisions share one
//! namespace, because a decision's `links` may name any of them and must
//! name exactly one.

use std::collections::HashMap;

use vpm_model::curated::{Relation, RelationKind, Warning};
use vpm_model::graph::TaskGraph;
use vpm_model::{Problem, SourceRef};

use crate::decision_file::DecisionEntry;
use crate::fields::Text;
use crate::project_file::GoalEntry;
use crate::suggest::closest;
use crate::tasks_file::TaskEntry;

/// Unknown references for which a "did you mean" is computed; beyond this
/// the messages go without, so a hostile file of 10,000 dangling ids costs
/// no 10,000 × 10,000 edit distances.
const MAX_SUGGESTIONS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Goal,
    Criterion,
    Task,
    Decision,
}

impl IdKind {
    fn name(self) -> &'static str {
        match self {
            IdKind::Goal => "a goal",
            IdKind::Criterion => "an acceptance criterion",
            IdKind::Task => "a task",
            IdKind::Decision => "a decision",
        }
    }
}

/// The kinds of id that could not all be read, because the file defining
/// them is missing or could not be parsed. A reference that names no known
/// id may then name one of those, so it is not reported: the file's own
/// problem is the one to fix, and fixing it lets the next run check the
/// references for real. A reference that could only name ids that were all
/// read is still reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    /// `project.yaml` (or its `goals:` list): goals and acceptance criteria.
    pub goals: bool,
    /// `tasks.yaml` (or its `tasks:` list).
    pub tasks: bool,
    /// At least one file of `decisions/`.
    pub decisions: bool,
}

impl Unread {
    fn covers(self, kind: IdKind) -> bool {
        match kind {
            IdKind::Goal | IdKind::Criterion => self.goals,
            IdKind::Task => self.tasks,
            IdKind::Decision => self.decisions,
        }
    }
}

/// References left unchecked because of [`Unread`], counted by the kind
/// of file they could point into, so the root cause can say how many wait
/// on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unchecked {
    pub goals: usize,
    pub tasks: usize,
    pub decisions: usize,
}

/// A decision with the file it is in.
#[derive(Debug)]
pub struct PlacedDecision<'a> {
    pub path: &'a str,
    pub entry: &'a DecisionEntry,
}

struct Ids<'a> {
    sites: HashMap<&'a str, (IdKind, SourceRef)>,
    goals: Vec<&'a str>,
    tasks: Vec<&'a str>,
    all: Vec<&'a str>,
    suggestions_left: usize,
    unread: Unread,
    unchecked: Unchecked,
}

impl<'a> Ids<'a> {
    fn define(
        &mut self,
        id: &'a str,
        kind: IdKind,
        at: SourceRef,
        problems: &mut Vec<Problem>,
    ) -> bool {
        if id.is_empty() {
            return false;
        }
        if let Some((first_kind, first)) = self.sites.get(id) {
            problems.push(
                Problem::at(
                    "duplicate_id",
                    &at,
                    format!(
                        "id `{id}` is already used by {} at {first}; ids must be unique across \
                         goals, criteria, tasks and decisions",
                        first_kind.name()
                    ),
                )
                .with_value(id)
                .with_related([first.clone()]),
            );
            return false;
        }
        self.sites.insert(id, (kind, at));
        match kind {
            IdKind::Goal => self.goals.push(id),
            IdKind::Task => self.tasks.push(id),
            _ => {}
        }
        self.all.push(id);
        true
    }

    /// Checks that `reference` names something of one of `kinds`.
    fn resolve(
        &mut self,
        reference: &Text,
        path: &str,
        what: &str,
        kinds: &[IdKind],
        problems: &mut Vec<Problem>,
    ) -> bool {
        let at = SourceRef::new(path, reference.line);
        let message = match self.sites.get(reference.value.as_str()) {
            Some((kind, _)) if kinds.contains(kind) => return true,
            Some((kind, defined)) => format!(
                "{what} `{}` is {} (defined at {defined}), not {}",
                reference.value,
                kind.name(),
                kinds
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            None if kinds.iter().any(|&k| self.unread.covers(k)) => {
                for &k in kinds {
                    match k {
                        IdKind::Goal if self.unread.goals => self.unchecked.goals += 1,
                        IdKind::Task if self.unread.tasks => self.unchecked.tasks += 1,
                        IdKind::Decision if self.unread.decisions => {
                            self.unchecked.decisions += 1;
                        }
                        _ => {}
                    }
                }
                return false;
            }
            None => {
                let pool: &[&str] = match kinds {
                    [IdKind::Goal] => &self.goals,
                    [IdKind::Task] => &self.tasks,
                    _ => &self.all,
                };
                let hint = if self.suggestions_left > 0 {
                    self.suggestions_left -= 1;
                    match closest(&reference.value, pool.iter().copied()) {
                        Some(c) => format!("; did you mean `{c}`?"),
                        // A short list (the goals, usually) is worth showing whole.
                        None if kinds == [IdKind::Goal] && (1..=8).contains(&pool.len()) => {
                            format!("; the goals are {}", pool.join(", "))
                        }
                        None => String::new(),
                    }
                } else {
                    String::new()
                };
                format!("{what} `{}` names no known id{hint}", reference.value)
            }
        };
        problems.push(
            Problem::at("unknown_reference", &at, message).with_value(reference.value.clone()),
        );
        false
    }
}

/// What [`relate`] found besides problems and warnings.
#[derive(Debug, Default)]
pub struct Related {
    /// In the order written: each task's goal and dependencies, then each
    /// decision's links.
    pub relations: Vec<Relation>,
    pub unchecked: Unchecked,
}

/// Checks ids and references and returns the relations. References that
/// name no known id are not reported when they may name an id of an
/// `unread` file; they are counted instead.
/// Each goal and task is located by its own source's path: `project.yaml`
/// and `tasks.yaml` for the folder's, the export or cache file for those
/// a source imported.
pub fn relate(
    goals: &[GoalEntry],
    tasks: &[TaskEntry],
    decisions: &[PlacedDecision<'_>],
    unread: Unread,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) -> Related {
    let mut ids = Ids {
        sites: HashMap::new(),
        goals: Vec::new(),
        tasks: Vec::new(),
        all: Vec::new(),
        suggestions_left: MAX_SUGGESTIONS,
        unread,
        unchecked: Unchecked::default(),
    };
    for g in goals {
        if ids.define(
            &g.goal.id,
            IdKind::Goal,
            SourceRef::new(g.goal.source.path.as_str(), g.id_line),
            problems,
        ) {
            for c in &g.goal.acceptance {
                ids.define(&c.id, IdKind::Criterion, c.source.clone(), problems);
            }
        }
    }
    for t in tasks {
        ids.define(
            &t.task.id,
            IdKind::Task,
            SourceRef::new(t.task.source.path.as_str(), t.id_line),
            problems,
        );
    }
    for d in decisions {
        ids.define(
            &d.entry.decision.id,
            IdKind::Decision,
            SourceRef::new(d.path, d.entry.id_line),
            problems,
        );
    }

    let mut relations = Vec::new();
    for t in tasks {
        let tasks_path = t.task.source.path.as_str();
        let cite = |line: u32| SourceRef {
            line,
            ..t.task.source.clone()
        };
        let goal = Text {
            value: t.task.goal.clone(),
            line: t.goal_line,
        };
        if !goal.value.is_empty()
            && ids.resolve(&goal, tasks_path, "goal", &[IdKind::Goal], problems)
        {
            relations.push(Relation {
                kind: RelationKind::AdvancesGoal,
                from: t.task.id.clone(),
                to: goal.value,
                source: cite(t.goal_line),
            });
        }
        let mut listed: HashMap<&str, u32> = HashMap::new();
        for dep in &t.depends_on {
            if let Some(first) = listed.insert(&dep.value, dep.line) {
                warnings.push(Warning {
                    code: "duplicate_dependency".to_owned(),
                    message: format!(
                        "{tasks_path}:{}: task {} lists `{}` in depends_on twice (also on line \
                         {first}); once is enough",
                        dep.line, t.task.id, dep.value
                    ),
                    locations: vec![SourceRef::new(tasks_path, dep.line)],
                });
                continue;
            }
            if ids.resolve(
                dep,
                tasks_path,
                "depends_on entry",
                &[IdKind::Task],
                problems,
            ) {
                relations.push(Relation {
                    kind: RelationKind::DependsOn,
                    from: t.task.id.clone(),
                    to: dep.value.clone(),
                    source: cite(dep.line),
                });
            }
        }
    }
    for d in decisions {
        for link in &d.entry.links {
            let kinds = [
                IdKind::Goal,
                IdKind::Criterion,
                IdKind::Task,
                IdKind::Decision,
            ];
            if ids.resolve(link, d.path, "link", &kinds, problems) {
                relations.push(Relation {
                    kind: RelationKind::Links,
                    from: d.entry.decision.id.clone(),
                    to: link.value.clone(),
                    source: SourceRef::new(d.path, link.line),
                });
            }
        }
    }
    report_cycles(tasks, problems);
    Related {
        relations,
        unchecked: ids.unchecked,
    }
}

/// One `dependency_cycle` problem per circle of tasks, naming the whole
/// circle and the line of each `depends_on` entry that closes it.
fn report_cycles(tasks: &[TaskEntry], problems: &mut Vec<Problem>) {
    let (graph, _unknown) = TaskGraph::new(tasks.iter().map(|t| {
        (
            t.task.id.as_str(),
            t.depends_on.iter().map(|d| d.value.as_str()),
        )
    }));
    // The graph keeps the first task of each id, as the id check does.
    let mut first: HashMap<&str, &TaskEntry> = HashMap::new();
    for t in tasks {
        first.entry(t.task.id.as_str()).or_insert(t);
    }
    for cycle in graph.cycles() {
        let names: Vec<&str> = cycle.iter().map(|&n| graph.id(n)).collect();
        let mut edges = Vec::with_capacity(cycle.len());
        for (i, from) in names.iter().enumerate() {
            let to = names[(i + 1) % names.len()];
            let task = first.get(from);
            let path = task.map_or("", |t| t.task.source.path.as_str());
            let line = task
                .and_then(|t| t.depends_on.iter().find(|d| d.value == to))
                .map_or(0, |d| d.line);
            edges.push((SourceRef::new(path, line), *from, to));
        }
        let circle = names
            .iter()
            .chain(names.first())
            .copied()
            .collect::<Vec<_>>()
            .join(" → ");
        let listing = edges
            .iter()
            .map(|(at, from, to)| format!("line {} ({from} → {to})", at.line))
            .collect::<Vec<_>>()
            .join(", ");
        let Some((at, _, _)) = edges.first() else {
            continue;
        };
        problems.push(
            Problem::at(
                "dependency_cycle",
                at,
                format!(
                    "tasks depend on each other in a circle, {circle}, so none of them can ever \
                     start; remove one of these depends_on entries: {listing}"
                ),
            )
            .with_value(circle.clone())
            .with_related(edges.into_iter().map(|(at, _, _)| at)),
        );
    }
}
