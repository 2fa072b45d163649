//! `goals`: where the project is going, one entry per goal of the plan,
//! split by horizon (short → `short_term`, mid → `mid_term`), in the
//! order of `project.yaml`, each with the planner's progress, status and
//! the reasons for that status.

use vpm_model::Horizon;
use vpm_model::plan::Plan;
use vpm_model::snapshot::{GoalView, Goals};

pub fn goals(plan: &Plan) -> Goals {
    let view = |horizon: Horizon| {
        plan.goals
            .iter()
            .filter(|g| g.horizon == horizon)
            .map(|g| GoalView {
                id: g.goal.clone(),
                title: g.title.clone(),
                due: g.due,
                progress: g.progress.clamp(0.0, 1.0),
                status: g.status,
                reasons: g.reasons.clone(),
            })
            .collect()
    };
    Goals {
        short_term: view(Horizon::Short),
        mid_term: view(Horizon::Mid),
    }
}
