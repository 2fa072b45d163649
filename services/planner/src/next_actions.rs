//! The Next 3: the best candidates, each with the sentence that says why,
//! the evidence it rests on, who owns it, when it is due, and how much
//! open work waits on it.
//!
//! **Candidates** are of two kinds:
//!
//! * *finish*: every ready task of the ranking ([`crate::ranking`]);
//! * *unblock*: every task marked `status: blocked` that could start once
//!   unblocked (every dependency done) and that open tasks wait on. It is
//!   scored with the same five factors as a ready task, so the unblocks
//!   factor (how much it frees) counts as it does for any task, and the
//!   two kinds are ordered together.
//!
//! **Spreading the work.** Candidates are taken best first, except that
//! when the next one would give its owner a second action while a
//! *comparably urgent* candidate further down belongs to someone without
//! one (or to no one), that one is taken first. Comparably urgent means a
//! score at least [`SPREAD_SCORE_PERCENT`] % of the passed-over one's, or
//! at least [`SPREAD_SLACK_DAYS`] working days less slack with a score at
//! least [`SPREAD_FLOOR_PERCENT`] % of it. When no such candidate exists
//! the owner keeps both, and the rationale says so.
//!
//! **Rationales are made of facts.** A rationale names how many open tasks
//! wait on the task, and the factors that decided its score — those adding
//! at least half as many points as the strongest one, at most three — each
//! with the value behind it (the due date and slack, the level written in
//! `tasks.yaml`). A level nobody wrote (the curator's default, listed in
//! the task's `assumed`) is never given as a reason.

use vpm_model::plan::{ActionKind, OpenPartition, PlannedAction};
use vpm_model::{Level, TaskStatus};

use crate::decimals::{Milli, from_milli};
use crate::goals::{slack_words, whose_date};
use crate::ranking::{Factor, Scored, order, score};
use crate::schedule::{Part, Schedule};
use crate::unblocks::WaitingCount;
use crate::wording;
use vpm_model::CheckedSet;

/// How many actions the plan proposes.
pub const NEXT_ACTIONS: usize = 3;
/// Tasks waiting on an action that are cited as evidence, at most.
const WAITING_CITED: usize = 5;
/// A candidate with another owner is comparably urgent at this share of
/// the passed-over candidate's score...
pub const SPREAD_SCORE_PERCENT: Milli = 80;
/// ... or with this many working days less slack ...
pub const SPREAD_SLACK_DAYS: i64 = 5;
/// ... and a score at least this share of it.
pub const SPREAD_FLOOR_PERCENT: Milli = 50;

/// One candidate action.
#[derive(Debug, Clone)]
struct Candidate {
    kind: ActionKind,
    scored: Scored,
}

/// Why an action sits where it does, when owners changed the order.
#[derive(Debug, Clone, PartialEq)]
enum Placement {
    /// Best of what was left.
    Best,
    /// Taken before `0`, whose owner already had an action.
    Spread(usize),
    /// Its owner already had an action and no one else's was comparable.
    Kept,
}

pub fn next_actions(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    waiting: &[WaitingCount],
    ranked: &[Scored],
    open: &OpenPartition,
) -> Vec<PlannedAction> {
    let chosen = choose(facts, candidates(facts, schedule, waiting, ranked));
    chosen
        .iter()
        .map(|(candidate, placement)| {
            let node = candidate.scored.node;
            let task = facts.task(node);
            PlannedAction {
                task: task.id.clone(),
                title: task.title.clone(),
                goal: task.goal.clone(),
                rationale: rationale(facts, schedule, candidate, placement, open, &chosen),
                evidence_refs: evidence(facts, schedule, node),
                impact: impact(task.criticality, candidate.scored.waiting.count),
                effort: task.effort.level(),
                status: task.status,
                score: from_milli(candidate.scored.score),
                kind: candidate.kind,
                owner: task.owner.clone(),
                due: task.due.or(facts.goal_of_task(node).due),
                gates: candidate.scored.waiting.count,
            }
        })
        .collect()
}

/// Ready tasks and the blocked tasks worth unblocking, best first.
fn candidates(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    waiting: &[WaitingCount],
    ranked: &[Scored],
) -> Vec<Candidate> {
    let mut all: Vec<Candidate> = ranked
        .iter()
        .map(|s| Candidate {
            kind: ActionKind::Finish,
            scored: s.clone(),
        })
        .collect();
    all.extend(
        (0..facts.graph.len())
            .filter(|&t| {
                schedule.part(facts, t) == Some(Part::Blocked)
                    && waiting[t].count > 0
                    && schedule.blocked_by(facts, t).next().is_none()
            })
            .map(|t| Candidate {
                kind: ActionKind::Unblock,
                scored: score(facts, schedule, t, waiting[t]),
            }),
    );
    all.sort_by(|a, b| order(facts, &a.scored, &b.scored));
    all
}

fn comparable(other: &Scored, passed: &Scored) -> bool {
    if other.score * 100 >= passed.score * SPREAD_SCORE_PERCENT {
        return true;
    }
    let tighter = match (other.slack, passed.slack) {
        (Some(o), Some(p)) => o.days + SPREAD_SLACK_DAYS <= p.days,
        (Some(_), None) => true,
        (None, _) => false,
    };
    tighter && other.score * 100 >= passed.score * SPREAD_FLOOR_PERCENT
}

/// The Next 3, best first, spreading them over owners where that costs
/// little (see the module documentation). At most three linear scans.
fn choose(facts: &CheckedSet<'_>, all: Vec<Candidate>) -> Vec<(Candidate, Placement)> {
    let owner = |c: &Candidate| facts.task(c.scored.node).owner.as_deref();
    let mut taken = vec![false; all.len()];
    let mut chosen: Vec<(usize, Placement)> = Vec::new();
    while chosen.len() < NEXT_ACTIONS {
        let Some(next) = (0..all.len()).find(|&i| !taken[i]) else {
            break;
        };
        let holds =
            |who: Option<&str>| who.is_some() && chosen.iter().any(|&(c, _)| owner(&all[c]) == who);
        let (pick, placement) = if holds(owner(&all[next])) {
            match (next + 1..all.len()).find(|&j| {
                !taken[j] && !holds(owner(&all[j])) && comparable(&all[j].scored, &all[next].scored)
            }) {
                Some(j) => (j, Placement::Spread(next)),
                None => (next, Placement::Kept),
            }
        } else {
            (next, Placement::Best)
        };
        taken[pick] = true;
        chosen.push((pick, placement));
    }
    chosen
        .into_iter()
        .map(|(i, placement)| {
            let placement = match placement {
                Placement::Spread(passed) => Placement::Spread(all[passed].scored.node),
                other => other,
            };
            (all[i].clone(), placement)
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

/// The factors that decided the score, strongest first; levels nobody
/// wrote are left out.
fn deciding(facts: &CheckedSet<'_>, scored: &Scored) -> Vec<Factor> {
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
    let task = facts.task(scored.node);
    factors.retain(|f| match f {
        Factor::Criticality => !task.is_assumed("criticality"),
        Factor::Risk => !task.is_assumed("risk"),
        Factor::Effort => !task.is_assumed("effort"),
        Factor::Urgency | Factor::Unblocks => true,
    });
    factors
}

fn rationale(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    candidate: &Candidate,
    placement: &Placement,
    open: &OpenPartition,
    chosen: &[(Candidate, Placement)],
) -> String {
    let scored = &candidate.scored;
    let task = facts.task(scored.node);
    // What waits on the task comes first, whatever its weight in the
    // score: it is what a lead asks first.
    let mut clauses: Vec<String> = gates_clause(facts, schedule, scored, open, candidate.kind)
        .into_iter()
        .collect();
    clauses.extend(
        deciding(facts, scored)
            .into_iter()
            .filter_map(|factor| clause(facts, scored, factor)),
    );
    let verb = match (candidate.kind, task.status) {
        (ActionKind::Unblock, _) => "Unblock",
        (ActionKind::Finish, TaskStatus::InProgress) => "Finish",
        (ActionKind::Finish, _) => "Start",
    };
    let mut sentence = if clauses.is_empty() {
        format!(
            "{verb} {}: it is ready and nothing ranks above it.",
            task.id
        )
    } else {
        let joined = match clauses.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        format!("{verb} {}: {joined}.", task.id)
    };
    match placement {
        Placement::Best => {}
        Placement::Spread(passed) => {
            let passed_task = facts.task(*passed);
            sentence.push_str(&format!(
                " It goes before {}, whose owner {} already has an action, and is comparably urgent.",
                passed_task.id,
                passed_task.owner.as_deref().unwrap_or("")
            ));
        }
        Placement::Kept => {
            let owner = task.owner.as_deref().unwrap_or("");
            let first = chosen
                .iter()
                .find(|(c, _)| {
                    c.scored.node != scored.node
                        && facts.task(c.scored.node).owner.as_deref() == Some(owner)
                })
                .map(|(c, _)| facts.task(c.scored.node).id.as_str())
                .unwrap_or("");
            sentence.push_str(&format!(
                " {owner} also owns {first}: no task with another owner is comparably urgent."
            ));
        }
    }
    sentence
}

/// `8 of the 11 open tasks wait on it (T05, T06 and T07 directly)`, or for
/// an unblock action `it holds up 2 open tasks (T15 and T20)`; `None`
/// when nothing waits on the task.
fn gates_clause(
    facts: &CheckedSet<'_>,
    schedule: &Schedule,
    scored: &Scored,
    open: &OpenPartition,
    kind: ActionKind,
) -> Option<String> {
    let n = scored.waiting.count;
    if n == 0 {
        return None;
    }
    let direct: Vec<&str> = schedule
        .waiting(facts, scored.node)
        .map(|t| facts.task(t).id.as_str())
        .collect();
    let about = if scored.waiting.estimated {
        "about "
    } else {
        ""
    };
    let listed = if direct.len() as u32 == n {
        wording::id_list(&direct)
    } else {
        format!("{} directly", wording::id_list(&direct))
    };
    Some(match kind {
        ActionKind::Unblock => format!(
            "it holds up {about}{} ({listed})",
            wording::count(u64::from(n), "open task", "open tasks")
        ),
        ActionKind::Finish => format!(
            "{about}{n} of the {} open tasks {} on it ({listed})",
            open.total(),
            if n == 1 { "waits" } else { "wait" }
        ),
    })
}

fn clause(facts: &CheckedSet<'_>, scored: &Scored, factor: Factor) -> Option<String> {
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
        Factor::Unblocks => return None,
        Factor::Urgency => {
            let slack = scored.slack?;
            let whose = whose_date(facts, &slack, Some(scored.node));
            match slack.days {
                d if d < 0 => format!("it is already {} for {whose}", slack_words(d)),
                0 => format!("it has no slack left before {whose}"),
                d => format!("only {} remain before {whose}", slack_words(d)),
            }
        }
    })
}

/// `path:line` of the task, its goal, the decisions that link to it and the
/// unfinished tasks waiting on it directly (at most five), without repeats.
fn evidence(facts: &CheckedSet<'_>, schedule: &Schedule, node: usize) -> Vec<String> {
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
            "Start T-1: 2 of the 4 open tasks wait on it (T-2 directly), it is of high criticality and it is already 2 working days late for goal G1's due date 2026-12-11."
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
