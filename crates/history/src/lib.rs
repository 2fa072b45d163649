//! A project's past, computed: the task ledger a snapshot hands to the
//! next one, what changed since an earlier snapshot, each goal's progress
//! over time (and its SVG burn-up), and a seeded Monte Carlo forecast of
//! each goal's finish from the team's observed pace.
//!
//! Pure functions on the types of [`vpm_model::history`]: no I/O, no clock,
//! no global random state. The same inputs give the same bytes, so a
//! forecast in the signed archive can be recomputed and checked by anyone.
//!
//! * [`ledger`]: every task as this snapshot sees it, with its done date
//!   carried forward from snapshot to snapshot;
//! * [`changes`]: done, added, removed, slipped, newly blocked, unblocked,
//!   goal changes and Next 3 changes, by rules a lead can check by hand
//!   (see the [`changes`](mod@changes) module);
//! * [`forecast`] and [`forecast_reason`]: the Monte Carlo finish of each
//!   open goal (see the [`forecast`](mod@forecast) module, and
//!   `docs/planning.md` for a worked example);
//! * [`trend`] and [`burnup_svg`]: each goal's progress over the archived
//!   snapshots, drawn as a self-contained SVG.

pub mod burnup;
pub mod changes;
pub mod forecast;
pub mod ledger;
mod rng;
pub mod trend;

pub use burnup::burnup_svg;
pub use changes::changes;
pub use forecast::{DEFAULT_TRIALS, forecast, forecast_reason};
pub use ledger::ledger;
pub use trend::trend;
