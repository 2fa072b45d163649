//! Look-ups into the curated set by id, built once per synthesis.

use std::collections::{BTreeMap, BTreeSet};

use vpm_model::CuratedSet;
use vpm_model::curated::{Criterion, Decision, Goal, Task};

/// The curated set's goals, criteria, tasks and decisions by id, and the
/// paths of the files it was read from. The first fact with a given id
/// wins; duplicates are reported by the consistency check.
#[derive(Debug)]
pub struct Facts<'a> {
    pub set: &'a CuratedSet,
    pub goals: BTreeMap<&'a str, &'a Goal>,
    pub criteria: BTreeMap<&'a str, &'a Criterion>,
    pub tasks: BTreeMap<&'a str, &'a Task>,
    pub decisions: BTreeMap<&'a str, &'a Decision>,
    pub paths: BTreeSet<&'a str>,
}

impl<'a> Facts<'a> {
    pub fn new(set: &'a CuratedSet) -> Self {
        let mut goals = BTreeMap::new();
        let mut criteria = BTreeMap::new();
        for goal in &set.goals {
            goals.entry(goal.id.as_str()).or_insert(goal);
            for criterion in &goal.acceptance {
                criteria.entry(criterion.id.as_str()).or_insert(criterion);
            }
        }
        let mut tasks = BTreeMap::new();
        for task in &set.tasks {
            tasks.entry(task.id.as_str()).or_insert(task);
        }
        let mut decisions = BTreeMap::new();
        for decision in &set.decisions {
            decisions.entry(decision.id.as_str()).or_insert(decision);
        }
        let paths = set.sources.iter().map(|s| s.path.as_str()).collect();
        Self {
            set,
            goals,
            criteria,
            tasks,
            decisions,
            paths,
        }
    }

    /// `"T7 Sync engine"`: an id with its title, for sentences.
    pub fn task_label(&self, id: &str) -> String {
        match self.tasks.get(id) {
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
