//! Curated sets for tests, built the way the curator would write them:
//! every fact with a plausible file and line, every `depends_on` entry with
//! a relation on its own line.

use chrono::NaiveDate;
use vpm_model::curated::{
    Criterion, CuratedSet, CuratedSetVersion, Decision, Goal, Project, Relation, RelationKind, Task,
};
use vpm_model::{Effort, Horizon, Level, SourceRef, TaskStatus};

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// One task of a test project; everything but id and goal has a default
/// (todo, medium criticality and risk, effort M, no due date, no owner).
/// Criticality, effort and risk not set through their methods are recorded
/// as assumed, as the curator records a field left out of `tasks.yaml`.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    pub id: String,
    pub goal: String,
    pub title: String,
    pub status: TaskStatus,
    pub deps: Vec<String>,
    pub criticality: Level,
    pub effort: Effort,
    pub risk: Level,
    pub due: Option<NaiveDate>,
    pub owner: Option<String>,
    /// Which of criticality, effort and risk were written.
    pub written: [bool; 3],
}

impl TaskSpec {
    pub fn new(id: &str, goal: &str) -> Self {
        Self {
            id: id.to_owned(),
            goal: goal.to_owned(),
            title: format!("Task {id}"),
            status: TaskStatus::Todo,
            deps: Vec::new(),
            criticality: Level::Medium,
            effort: Effort::M,
            risk: Level::Medium,
            due: None,
            owner: None,
            written: [false; 3],
        }
    }
    pub fn owner(mut self, owner: &str) -> Self {
        self.owner = Some(owner.to_owned());
        self
    }
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }
    pub fn status(mut self, status: TaskStatus) -> Self {
        self.status = status;
        self
    }
    pub fn done(self) -> Self {
        self.status(TaskStatus::Done)
    }
    pub fn deps(mut self, deps: &[&str]) -> Self {
        self.deps = deps.iter().map(|d| (*d).to_owned()).collect();
        self
    }
    pub fn criticality(mut self, level: Level) -> Self {
        self.criticality = level;
        self.written[0] = true;
        self
    }
    pub fn effort(mut self, effort: Effort) -> Self {
        self.effort = effort;
        self.written[1] = true;
        self
    }
    pub fn risk(mut self, level: Level) -> Self {
        self.risk = level;
        self.written[2] = true;
        self
    }
    pub fn due(mut self, due: &str) -> Self {
        self.due = Some(date(due));
        self
    }
}

/// A goal of a test project: id, title, due date and criteria (text, met).
type GoalSpec = (String, String, Option<NaiveDate>, Vec<(String, bool)>);

/// Builds a [`CuratedSet`] with `project.yaml`, `tasks.yaml` and
/// `decisions/*.yaml` line numbers laid out as a person would write them.
#[derive(Debug, Default)]
pub struct ProjectBuilder {
    as_of: Option<NaiveDate>,
    goals: Vec<GoalSpec>,
    tasks: Vec<TaskSpec>,
    decisions: Vec<(String, Vec<String>)>,
}

impl ProjectBuilder {
    pub fn new(as_of: &str) -> Self {
        Self {
            as_of: Some(date(as_of)),
            ..Self::default()
        }
    }

    pub fn without_as_of(mut self) -> Self {
        self.as_of = None;
        self
    }

    pub fn goal(mut self, id: &str, title: &str, due: Option<&str>) -> Self {
        self.goals
            .push((id.to_owned(), title.to_owned(), due.map(date), Vec::new()));
        self
    }

    /// An acceptance criterion of the last goal added.
    pub fn criterion(mut self, text: &str, met: bool) -> Self {
        if let Some(goal) = self.goals.last_mut() {
            goal.3.push((text.to_owned(), met));
        }
        self
    }

    pub fn task(mut self, task: TaskSpec) -> Self {
        self.tasks.push(task);
        self
    }

    pub fn decision(mut self, id: &str, links: &[&str]) -> Self {
        self.decisions.push((
            id.to_owned(),
            links.iter().map(|l| (*l).to_owned()).collect(),
        ));
        self
    }

    pub fn build(self) -> CuratedSet {
        let mut relations = Vec::new();
        let mut line = 6; // after id, name, purpose, as_of and `goals:`
        let goals = self
            .goals
            .into_iter()
            .map(|(id, title, due, criteria)| {
                let source = SourceRef::new("project.yaml", line);
                let acceptance = criteria
                    .into_iter()
                    .enumerate()
                    .map(|(i, (text, met))| Criterion {
                        id: format!("{id}.{}", i + 1),
                        text,
                        met,
                        source: SourceRef::new("project.yaml", line + 5 + i as u32),
                    })
                    .collect::<Vec<_>>();
                line += 5 + acceptance.len() as u32;
                Goal {
                    id,
                    title,
                    horizon: Horizon::Short,
                    due,
                    acceptance,
                    source,
                }
            })
            .collect();
        let mut line = 2; // after `tasks:`
        let tasks = self
            .tasks
            .into_iter()
            .map(|t| {
                let source = SourceRef::new("tasks.yaml", line);
                relations.push(Relation {
                    kind: RelationKind::AdvancesGoal,
                    from: t.id.clone(),
                    to: t.goal.clone(),
                    source: SourceRef::new("tasks.yaml", line + 2),
                });
                for (i, dep) in t.deps.iter().enumerate() {
                    relations.push(Relation {
                        kind: RelationKind::DependsOn,
                        from: t.id.clone(),
                        to: dep.clone(),
                        source: SourceRef::new("tasks.yaml", line + 5 + i as u32),
                    });
                }
                line += 9 + t.deps.len() as u32;
                Task {
                    id: t.id,
                    title: t.title,
                    goal: t.goal,
                    status: t.status,
                    depends_on: t.deps,
                    criticality: t.criticality,
                    effort: t.effort,
                    risk: t.risk,
                    due: t.due,
                    owner: t.owner,
                    done_on: None,
                    source,
                    assumed: ["criticality", "effort", "risk"]
                        .into_iter()
                        .zip(t.written)
                        .filter(|(_, written)| !written)
                        .map(|(field, _)| field.to_owned())
                        .collect(),
                }
            })
            .collect();
        let decisions = self
            .decisions
            .into_iter()
            .enumerate()
            .map(|(i, (id, links))| {
                let path = format!("decisions/{:04}.yaml", i + 1);
                for (j, link) in links.iter().enumerate() {
                    relations.push(Relation {
                        kind: RelationKind::Links,
                        from: id.clone(),
                        to: link.clone(),
                        source: SourceRef::new(path.clone(), 6 + j as u32),
                    });
                }
                Decision {
                    id,
                    date: None,
                    decision: "Decided".to_owned(),
                    rationale: None,
                    links,
                    source: SourceRef::new(path, 1),
                }
            })
            .collect();
        CuratedSet {
            schema_version: CuratedSetVersion::Current,
            project_id: "test-project".to_owned(),
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
            as_of: self.as_of,
            project: Project {
                id: "test-project".to_owned(),
                name: "Test project".to_owned(),
                purpose: None,
                source: SourceRef::new("project.yaml", 1),
            },
            goals,
            tasks,
            decisions,
            statements: Vec::new(),
            relations,
            sources: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// `schemas/plan_v1.schema.json`, compiled once, formats checked.
pub fn plan_schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/plan_v1.schema.json"
        );
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(
            jsonschema::meta::is_valid(&schema),
            "not a valid JSON Schema"
        );
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    })
}

/// Panics with every violation if `plan` does not match the schema.
pub fn assert_valid_plan(plan: &vpm_model::Plan) {
    let json = serde_json::to_value(plan).unwrap();
    let errors: Vec<String> = plan_schema()
        .iter_errors(&json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "plan does not match plan_v1.schema.json:\n{}",
        errors.join("\n")
    );
}

/// A W3C trace id for tests.
pub const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
