//! The Next 3: the best-ranked ready tasks, each with the sentence that says
//! why, the evidence it rests on, its impact and its effort.
//!
//! The rationale names the factors that decided the rank — those adding at
//! least half as many points as the strongest one, at most three, strongest
//! first — each with the facts behind it (the due date and slack, who
//! waits, the level written in `tasks.yaml`), never a fixed phrase.

use vpm_model::plan::{ActionKind, PlannedAction};
use vpm_model::{Level, TaskStatus};

use crate::decimals::from_milli;
use crate::facts::Facts;
use crate::ranking::{Factor, Scored};
use crate::schedule::{DeadlineOwner, Schedule};
use crate::wording;

/// How many actions the plan proposes.
pub const NEXT_ACTIONS: usize = 3;
/// Tasks waiting on an action that are cited as evidence, at most.
const WAITING_CITED: usize = 5;

pub fn next_actions(
    facts: &Facts<'_>,
    schedule: &Schedule,
    ranked: &[Scored],
) -> Vec<PlannedAction> {
    ranked
        .iter()
        .take(NEXT_ACTIONS)
        .map(|scored| {
            let task = facts.task(scored.node);
            PlannedAction {
                task: task.id.clone(),
                title: task.title.clone(),
                goal: task.goal.clone(),
                rationale: rationale(facts, schedule, scored),
                evidence_refs: evidence(facts, schedule, scored.node),
                impact: impact(task.criticality, scored.waiting.count),
                effort: task.effort.level(),
                status: task.status,
                score: from_milli(scored.score),
                kind: ActionKind::Finish,
                owner: task.owner.clone(),
                due: task.due,
                gates: scored.waiting.count,
            }
        })
        .collect()
}

/// High when the task is of high criticality or at least five tasks wait on
/// it; low when it is of low criticality and nothing waits on it.
pub fn impact(criticality: Level, waiting: u32) -> Level {
    if criticality == Level::High || waiting >= 5 {
        Level::High
    } else if criticality == Level::Low && waiting == 0 {
        Level::Low
    } else {
        Level::Medium
    }
}

/// The factors that decided the rank, strongest first.
fn deciding(scored: &Scored) -> Vec<Factor> {
    // Among equal parts, the more telling fact comes first.
    const PREFERENCE: [Factor; 5] = [
        Factor::Urgency,
        Factor::Criticality,
        Factor::Unblocks,
        Factor::Risk,
        Factor::Effort,
    ];
    let mut factors: Vec<Factor> = PREFERENCE
        .into_iter()
        .filter(|&f| scored.part(f) > 0)
        .collect();
    factors.sort_by_key(|&f| std::cmp::Reverse(scored.part(f)));
    let strongest = factors.first().map_or(0, |&f| scored.part(f));
    factors.retain(|&f| scored.part(f) * 2 >= strongest);
    factors.truncate(3);
    factors
}

fn rationale(facts: &Facts<'_>, schedule: &Schedule, scored: &Scored) -> String {
    let task = facts.task(scored.node);
    let verb = if task.status == TaskStatus::InProgress {
        "Finish"
    } else {
        "Start"
    };
    let clauses: Vec<String> = deciding(scored)
        .into_iter()
        .filter_map(|f| clause(facts, schedule, scored, f))
        .collect();
    if clauses.is_empty() {
        return format!(
            "{verb} {}: it is ready and nothing ranks above it.",
            task.id
        );
    }
    let joined = match clauses.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("{verb} {}: {joined}.", task.id)
}

fn clause(
    facts: &Facts<'_>,
    schedule: &Schedule,
    scored: &Scored,
    factor: Factor,
) -> Option<String> {
    let task = facts.task(scored.node);
    Some(match factor {
        Factor::Criticality => format!("it is of {} criticality", task.criticality),
        Factor::Risk => match task.risk {
            Level::High => "it is high-risk, so doing it early leaves time to recover".to_owned(),
            _ => format!("it carries {} risk, best retired early", task.risk),
        },
        Factor::Effort => format!(
            "it is quick to land ({}, {})",
            task.effort.as_str(),
            wording::working_days(i64::from(task.effort.days()))
        ),
        Factor::Unblocks => {
            let direct: Vec<&str> = schedule
                .waiting(facts, scored.node)
                .map(|t| facts.task(t).id.as_str())
                .collect();
            let about = if scored.waiting.estimated {
                "about "
            } else {
                ""
            };
            match scored.waiting.count {
                1 => format!(
                    "{} waits on it",
                    direct.first().copied().unwrap_or("one task")
                ),
                n if direct.len() as u32 == n => {
                    format!("{n} tasks wait on it ({})", wording::id_list(&direct))
                }
                n => format!(
                    "{about}{n} tasks wait on it ({} directly)",
                    wording::id_list(&direct)
                ),
            }
        }
        Factor::Urgency => {
            let slack = scored.slack?;
            let whose = match slack.deadline.owner {
                DeadlineOwner::Task(t) if t == scored.node => "its due date".to_owned(),
                DeadlineOwner::Task(t) => format!("{}'s due date", facts.task(t).id),
                DeadlineOwner::Goal(g) => format!("goal {}'s due date", facts.goal(g).id),
            };
            let date = slack.deadline.date;
            match slack.days {
                d if d < 0 => format!(
                    "it is already {} late for {whose} {date}",
                    wording::working_days(d)
                ),
                0 => format!("it has no slack left before {whose} {date}"),
                d => format!(
                    "only {} of slack remain before {whose} {date}",
                    wording::working_days(d)
                ),
            }
        }
    })
}

/// `path:line` of the task, its goal, the decisions that link to it and the
/// unfinished tasks waiting on it directly (at most five), without repeats.
fn evidence(facts: &Facts<'_>, schedule: &Schedule, node: usize) -> Vec<String> {
    let task = facts.task(node);
    let mut refs = vec![
        task.source.to_string(),
        facts.goal_of_task(node).source.to_string(),
    ];
    refs.extend(
        facts
            .set
            .decisions
            .iter()
            .filter(|d| d.links.contains(&task.id))
            .map(|d| d.source.to_string()),
    );
    refs.extend(
        schedule
            .waiting(facts, node)
            .take(WAITING_CITED)
            .map(|t| facts.task(t).source.to_string()),
    );
    let mut seen = std::collections::HashSet::new();
    refs.retain(|r| seen.insert(r.clone()));
    refs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::plan;
    use crate::testing::{ProjectBuilder, TaskSpec, date};
    use vpm_model::Effort::{L, M, S};

    #[test]
    fn the_rationale_names_the_deciding_factors_with_their_facts() {
        let set = ProjectBuilder::new("2026-11-30")
            .goal("G1", "ベータ版リリース", Some("2026-12-11"))
            .task(
                TaskSpec::new("T-1", "G1")
                    .title("認証APIの設計")
                    .criticality(Level::High)
                    .risk(Level::Low)
                    .effort(M),
            )
            .task(TaskSpec::new("T-2", "G1").effort(L).deps(&["T-1"]))
            .task(TaskSpec::new("T-3", "G1").effort(S).deps(&["T-2"]))
            .task(
                TaskSpec::new("T-4", "G1")
                    .status(TaskStatus::InProgress)
                    .criticality(Level::Low)
                    .risk(Level::High)
                    .effort(S),
            )
            .decision("D-1", &["T-1", "G1"])
            .build();
        let plan = plan(&set, date("2026-11-30"), "t").unwrap();
        let first = &plan.next_actions[0];
        assert_eq!(first.task, "T-1");
        assert_eq!(
            first.rationale,
            "Start T-1: it is of high criticality and it is already 2 working days late for goal G1's due date 2026-12-11."
        );
        assert_eq!(first.title, "認証APIの設計");
        assert_eq!(first.impact, Level::High);
        assert_eq!(first.effort, Level::Medium);
        assert_eq!(
            first.evidence_refs,
            [
                set.tasks[0].source.to_string(),
                set.goals[0].source.to_string(),
                "decisions/0001.yaml:1".to_owned(),
                set.tasks[1].source.to_string(),
            ]
        );
        let second = &plan.next_actions[1];
        assert_eq!(second.task, "T-4");
        assert_eq!(second.status, TaskStatus::InProgress);
        assert!(
            second.rationale.starts_with("Finish T-4: "),
            "{}",
            second.rationale
        );
        assert!(
            second.rationale.contains("high-risk"),
            "{}",
            second.rationale
        );
        assert_eq!(second.impact, Level::Low);
    }

    #[test]
    fn impact_comes_from_criticality_and_waiting_work() {
        assert_eq!(impact(Level::High, 0), Level::High);
        assert_eq!(impact(Level::Low, 5), Level::High);
        assert_eq!(impact(Level::Medium, 0), Level::Medium);
        assert_eq!(impact(Level::Low, 1), Level::Medium);
        assert_eq!(impact(Level::Low, 0), Level::Low);
    }
}
