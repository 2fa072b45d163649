//! The planner's own metrics, beside the runtime's `hello_ai_*` families.
//!
//! * `vpm_planner_plans_total{outcome}` — plans asked for: `planned`, or
//!   `rejected` (the input could not be planned: 422);
//! * `vpm_planner_input_problems_total{code}` — problems found in rejected
//!   inputs, by problem code (a fixed set: the planner's own codes);
//! * `vpm_planner_plan_duration_seconds` — time spent planning, parsing and
//!   serialising excluded: the cost of the algorithms as projects grow;
//! * `vpm_planner_plan_tasks` — tasks per planned project, to see the sizes
//!   the service is really asked to plan.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProblemLabels {
    code: String,
}

/// Handles to the planner's metrics, registered once at start.
#[derive(Debug)]
pub struct PlannerMetrics {
    plans: Family<OutcomeLabels, Counter>,
    problems: Family<ProblemLabels, Counter>,
    duration: Histogram,
    tasks: Histogram,
}

/// Seconds: from well under a millisecond (a small project) to the
/// seconds a very large one could take.
const DURATION_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const TASK_BUCKETS: [f64; 10] = [
    10.0, 30.0, 100.0, 300.0, 1_000.0, 3_000.0, 10_000.0, 30_000.0, 100_000.0, 300_000.0,
];

impl PlannerMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            plans: Family::default(),
            problems: Family::default(),
            duration: Histogram::new(DURATION_BUCKETS),
            tasks: Histogram::new(TASK_BUCKETS),
        };
        registry.register(
            "vpm_planner_plans",
            "Plans asked for, by outcome (planned, or rejected with 422)",
            metrics.plans.clone(),
        );
        registry.register(
            "vpm_planner_input_problems",
            "Problems found in inputs that could not be planned, by problem code",
            metrics.problems.clone(),
        );
        registry.register(
            "vpm_planner_plan_duration_seconds",
            "Time spent planning one project (parsing and serialising excluded)",
            metrics.duration.clone(),
        );
        registry.register(
            "vpm_planner_plan_tasks",
            "Tasks in each project planned",
            metrics.tasks.clone(),
        );
        metrics
    }

    pub fn planned(&self, tasks: usize, seconds: f64) {
        self.plans
            .get_or_create(&OutcomeLabels { outcome: "planned" })
            .inc();
        self.duration.observe(seconds);
        self.tasks.observe(tasks as f64);
    }

    pub fn rejected<'a>(&self, codes: impl IntoIterator<Item = &'a str>) {
        self.plans
            .get_or_create(&OutcomeLabels {
                outcome: "rejected",
            })
            .inc();
        for code in codes {
            self.problems
                .get_or_create(&ProblemLabels {
                    code: code.to_owned(),
                })
                .inc();
        }
    }
}
